/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Root filesystem: Debian packages through mmdebstrap (the machine's apt
 * sources), our programs and the product overlay, then the first
 * hardening pass (no setuid/setgid, no file capabilities, no
 * privilege-changing tools). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "conf.h"
#include "exec.h"
#include "fileio.h"
#include "keys.h"
#include "log.h"

/* Programs that exist to change identity or credentials: removed. */
static const char *const removed_tools[] = {
	"usr/bin/su", "usr/bin/passwd", "usr/bin/chsh", "usr/bin/chfn", "usr/bin/newgrp",
	"usr/bin/gpasswd", "usr/bin/chage", "usr/bin/expiry", "usr/bin/sg", "usr/sbin/unix_chkpwd",
	"usr/bin/pkexec", "usr/bin/sudo", "usr/bin/mount.cifs", "usr/sbin/pam_extrausers_chkpwd",
};

/* Interpreters: on Linux 6.1 nothing can make them refuse code from a
 * noexec mount, so they are removed (docs/hardening.md); dash stays as
 * /bin/sh for system()/popen() and units. */
static const char *const removed_interpreters[] = {
	"usr/bin/bash", "usr/bin/rbash", "usr/bin/perl", "usr/bin/perl5.36.0", "usr/bin/perl5.36-x86_64-linux-gnu",
	"usr/bin/mawk",
	"usr/bin/awk", "usr/bin/nawk", "etc/alternatives/awk", "etc/alternatives/nawk",
	"usr/lib/x86_64-linux-gnu/perl-base", "usr/share/perl5",
};

/* Removed from the image: the EFI binaries of systemd-boot (the signed
 * copies on the ESP are what boots; systemd-boot is installed for
 * systemd-bless-boot only), and the SSH host keys openssh-server made at
 * build time (every device makes its own on the state partition). */
static const char *const removed_trees[] = {
	"usr/lib/systemd/boot/efi",
	"etc/ssh/ssh_host_rsa_key", "etc/ssh/ssh_host_rsa_key.pub",
	"etc/ssh/ssh_host_ecdsa_key", "etc/ssh/ssh_host_ecdsa_key.pub",
	"etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_ed25519_key.pub",
};

static int run_mmdebstrap(struct build_ctx *b)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *pkgfile = product_path(b, "packages");
	_cleanup_free_ char *include = NULL, *env_sde = NULL, *aptcache = NULL;
	char **pkgs = NULL;
	size_t n = 0, len = 0;
	int r;

	r = list_load(pkgfile, &pkgs, &n);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the package list %s", pkgfile);
	for (size_t i = 0; i < n; i++)
		len += strlen(pkgs[i]) + 1;
	include = calloc(1, len + 16);
	if (!include) {
		list_free(pkgs, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(include, ",");
		strcat(include, pkgs[i]);
	}
	list_free(pkgs, n);

	/* only .deb files in the directory synced into the chroot: anything
	 * else there would end up in the image */
	if (asprintf(&aptcache, "%s/apt", b->cache_dir) < 0)
		return -ENOMEM;
	r = mkdir_p(aptcache, 0755);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot create %s", aptcache);
	argv_add(&a, "mmdebstrap");
	argv_add(&a, "--variant=minbase");
	argv_add(&a, "--mode=root");
	argv_add(&a, "--format=directory");
	argv_addf(&a, "--include=%s", include);
	argv_add(&a, "--skip=essential/unlink");
	argv_add(&a, "--dpkgopt=path-exclude=/usr/share/man/*");
	argv_add(&a, "--dpkgopt=path-exclude=/usr/share/info/*");
	argv_add(&a, "--dpkgopt=path-exclude=/usr/share/locale/*");
	argv_add(&a, "--dpkgopt=path-exclude=/usr/share/doc/*");
	argv_add(&a, "--dpkgopt=path-include=/usr/share/doc/*/copyright");
	argv_add(&a, "--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives/");
	argv_addf(&a, "--setup-hook=sync-in %s /var/cache/apt/archives/", aptcache);
	argv_addf(&a, "--customize-hook=sync-out /var/cache/apt/archives %s", aptcache);
	argv_add(&a, product_get(b, "suite"));
	argv_add(&a, b->rootfs);
	if (asprintf(&env_sde, "SOURCE_DATE_EPOCH=%llu", (unsigned long long)b->sde) < 0)
		return -ENOMEM;
	char *env[] = { env_sde, NULL };
	r = run_command(&a, env, NULL, true, NULL);
	if (r < 0)
		log_error("mmdebstrap failed to build the root filesystem from the machine's apt sources "
			  "(suite %s); see %s", product_get(b, "suite"), exec_get_log());
	return r;
}

static int copy_tree(const char *src, const char *dst)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *from = pathjoin(src, ".");
	struct stat st;

	if (stat(src, &st) < 0)
		return 0; /* nothing to copy */
	argv_add(&a, "cp");
	argv_add(&a, "-dR");
	argv_add(&a, "--preserve=mode");
	argv_add(&a, from);
	argv_add(&a, dst);
	return run_command(&a, NULL, NULL, true, NULL);
}

char *find_tool(const struct build_ctx *b, const char *name)
{
	_cleanup_free_ char *src = pathjoin(b->tools_dir, "src");
	DIR *d = opendir(src);
	struct dirent *e;
	char *found = NULL;

	if (!d)
		return NULL;
	while ((e = readdir(d)) && !found) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s/%s", src, e->d_name, name) < 0)
			break;
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	closedir(d);
	return found;
}

static int install_programs(struct build_ctx *b)
{
	_cleanup_free_ char *list = product_path(b, "programs");
	char **progs = NULL;
	size_t n = 0;
	int r;

	r = list_load(list, &progs, &n);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", list);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *src = find_tool(b, progs[i]);
		_cleanup_free_ char *dst = NULL;

		if (!src) {
			log_error("program %s (listed in %s) was not found under %s/src: build the tools first "
				  "(ninja -C %s)", progs[i], list, b->tools_dir, b->tools_dir);
			r = -ENOENT;
			break;
		}
		if (asprintf(&dst, "%s/usr/bin/%s", b->rootfs, progs[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		r = copy_file(src, dst, 0755);
		if (r < 0)
			log_errno(LOG_LVL_ERROR, r, "cannot install %s into the root filesystem", progs[i]);
	}
	list_free(progs, n);
	return r;
}

/* Development images only: the escape regression vectors
 * (tests/escape/, built as <build>/tests/unit/cage/escape-*) under
 * /usr/libexec/rempart/escape, where tests/vm/levels.sh runs them inside
 * the image's own level cages (the cages bind /usr read-only, and /usr is
 * the only place in the image from which anything may execute). Release
 * images never carry them. */
static int install_escape_vectors(struct build_ctx *b)
{
	_cleanup_free_ char *src = pathjoin(b->tools_dir, "tests/unit/cage");
	_cleanup_free_ char *dst = pathjoin(b->rootfs, "usr/libexec/rempart/escape");
	DIR *d;
	struct dirent *e;
	unsigned n = 0;
	int r = 0;

	if (!b->development)
		return 0;
	d = opendir(src);
	if (!d)
		return log_errno(LOG_LVL_ERROR, -errno, "development image: the escape vectors are not built in %s "
				 "(ninja -C %s)", src, b->tools_dir);
	r = mkdir_p(dst, 0755);
	while (r == 0 && (e = readdir(d))) {
		_cleanup_free_ char *from = NULL, *to = NULL;

		if (strncmp(e->d_name, "escape-", 7) != 0 || strchr(e->d_name, '.'))
			continue;
		from = pathjoin(src, e->d_name);
		to = pathjoin(dst, e->d_name);
		if (access(from, X_OK) < 0)
			continue;
		r = copy_file(from, to, 0755);
		n++;
	}
	closedir(d);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot install the escape vectors into %s", dst);
	if (n == 0)
		return log_errno(LOG_LVL_ERROR, -ENOENT, "development image: no escape vector in %s", src);
	log_debug("development image: %u escape vectors in /usr/libexec/rempart/escape", n);
	return 0;
}

static int install_units(struct build_ctx *b)
{
	_cleanup_free_ char *units = product_path(b, "units");
	_cleanup_free_ char *dst = pathjoin(b->rootfs, "usr/lib/systemd/system");
	_cleanup_free_ char *enable = product_path(b, "enable");
	char **names = NULL;
	size_t n = 0;
	int r;

	r = copy_tree(units, dst);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot install the product's systemd units");
	if (access(enable, R_OK) < 0)
		return 0;
	r = list_load(enable, &names, &n);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", enable);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_(argv_freep) struct argv a = ARGV_INIT;

		argv_add(&a, "systemctl");
		argv_addf(&a, "--root=%s", b->rootfs);
		argv_add(&a, "enable");
		argv_add(&a, names[i]);
		r = run_command(&a, NULL, NULL, true, NULL);
		if (r < 0)
			log_error("cannot enable unit %s in the root filesystem", names[i]);
	}
	list_free(names, n);
	return r;
}

/* rempart-update's device configuration (docs/update.md): the product's
 * template with the build's update server, the release public key and the
 * update server's CA, all in the read-only image. */
static int install_update(struct build_ctx *b)
{
	_cleanup_free_ char *tmpl = product_path(b, "update/update.conf");
	_cleanup_free_ char *etc = pathjoin(b->rootfs, "etc/rempart");
	_cleanup_free_ char *conf = pathjoin(etc, "update.conf");
	_cleanup_free_ char *share = pathjoin(b->rootfs, "usr/share/rempart/update");
	_cleanup_free_ char *pub = pathjoin(b->keys_dir, KEY_RELEASE_PUB), *ca = pathjoin(b->keys_dir, KEY_UPDATE_CA);
	_cleanup_free_ char *pub_dst = pathjoin(share, "update.pub"), *ca_dst = pathjoin(share, "ca.pem");
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ char *out = NULL;
	size_t len, used = 0;
	int r;

	if (access(tmpl, R_OK) < 0)
		return 0; /* a product without updates */
	r = read_file(tmpl, 64 * 1024, &buf, &len);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", tmpl);
	out = malloc(len + (b->update_server ? strlen(b->update_server) : 0) + 16);
	if (!out)
		return -ENOMEM;
	for (char *line = (char *)buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (b->update_server && strncmp(line, "server", 6) == 0 && strchr(" \t=", line[6]))
			used += (size_t)sprintf(out + used, "server = %s\n", b->update_server);
		else
			used += (size_t)sprintf(out + used, "%s\n", line);
	}
	r = mkdir_p(etc, 0755);
	if (r == 0)
		r = mkdir_p(share, 0755);
	if (r == 0)
		r = write_file_atomic(conf, out, used, 0644);
	if (r == 0)
		r = copy_file(pub, pub_dst, 0644);
	if (r == 0)
		r = copy_file(ca, ca_dst, 0644);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot install the update configuration, release key and CA");
	return 0;
}

static int write_os_release(struct build_ctx *b)
{
	_cleanup_free_ char *path = pathjoin(b->rootfs, "usr/lib/os-release");
	_cleanup_free_ char *text = NULL;
	const char *pretty = product_get(b, "pretty_name");
	int len;

	len = asprintf(&text,
		       "PRETTY_NAME=\"%s %s%s\"\n"
		       "NAME=\"%s\"\n"
		       "ID=%s\n"
		       "ID_LIKE=debian\n"
		       "VERSION=\"%s\"\n"
		       "VERSION_ID=%s\n"
		       "IMAGE_ID=%s\n"
		       "IMAGE_VERSION=%s\n"
		       "VARIANT=\"%s\"\n"
		       "VARIANT_ID=%s\n"
		       "REMPART_SECURITY_VERSION=%llu\n",
		       pretty, b->version, b->development ? " (development)" : "", pretty,
		       product_get(b, "name"), b->version, b->version, product_get(b, "name"), b->version,
		       b->development ? "Development" : "Release", b->development ? "development" : "release",
		       (unsigned long long)b->security_version);
	if (len < 0)
		return -ENOMEM;
	return write_file_atomic(path, text, (size_t)len, 0644);
}

/* --- hardening pass ----------------------------------------------------- */

static unsigned stripped_count;

static int strip_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag != FTW_F || S_ISLNK(st->st_mode))
		return 0;
	if (st->st_mode & (S_ISUID | S_ISGID)) {
		if (chmod(path, st->st_mode & 0777 & ~(mode_t)(S_ISUID | S_ISGID)) < 0)
			return -1;
		log_debug("stripped setuid/setgid from %s", path);
		stripped_count++;
	}
	if (S_ISREG(st->st_mode) && lgetxattr(path, "security.capability", NULL, 0) >= 0) {
		if (lremovexattr(path, "security.capability") < 0)
			return -1;
		log_debug("removed file capabilities of %s", path);
		stripped_count++;
	}
	return 0;
}

static int harden(struct build_ctx *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(removed_tools); i++) {
		_cleanup_free_ char *p = pathjoin(b->rootfs, removed_tools[i]);

		if (unlink(p) < 0 && errno != ENOENT)
			return log_errno(LOG_LVL_ERROR, -errno, "cannot remove %s", p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(removed_interpreters) + ARRAY_SIZE(removed_trees); i++) {
		const char *rel = i < ARRAY_SIZE(removed_interpreters) ? removed_interpreters[i]
								       : removed_trees[i - ARRAY_SIZE(removed_interpreters)];
		_cleanup_free_ char *p = pathjoin(b->rootfs, rel);
		int r = rm_rf(p);

		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot remove %s", p);
	}
	/* accounts whose shell was bash get the remaining /bin/sh */
	{
		_cleanup_(argv_freep) struct argv a = ARGV_INIT;
		_cleanup_free_ char *passwd = pathjoin(b->rootfs, "etc/passwd");

		argv_add(&a, "sed");
		argv_add(&a, "-i");
		argv_add(&a, "s#:/bin/bash$#:/bin/sh#");
		argv_add(&a, passwd);
		if (run_command(&a, NULL, NULL, true, NULL) < 0)
			return log_errno(LOG_LVL_ERROR, -EIO, "cannot change login shells in %s", passwd);
	}
	stripped_count = 0;
	if (nftw(b->rootfs, strip_one, 64, FTW_PHYS | FTW_MOUNT) < 0)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot strip privilege bits in %s", b->rootfs);
	log_debug("hardening pass: %u setuid/setgid bits or capabilities removed", stripped_count);
	return 0;
}

/* The product's hardening files, where rempart-check and systemd read them. */
static int install_hardening(struct build_ctx *b)
{
	_cleanup_free_ char *hsrc = product_path(b, "hardening"), *csrc = product_path(b, "check");
	_cleanup_free_ char *hdst = pathjoin(b->rootfs, "usr/share/rempart/hardening");
	_cleanup_free_ char *cdst = pathjoin(b->rootfs, "usr/share/rempart/check");
	_cleanup_free_ char *sysctl_src = pathjoin(hsrc, "sysctl.conf");
	/* 99-: sysctl.d files apply in name order and the last assignment wins;
	 * procps's 99-protect-links.conf (fs.protected_fifos = 1) sorts before */
	_cleanup_free_ char *sysctl_dst = pathjoin(b->rootfs, "usr/lib/sysctl.d/99-rempart.conf");
	int r;

	r = mkdir_p(hdst, 0755);
	if (r == 0)
		r = mkdir_p(cdst, 0755);
	if (r == 0)
		r = copy_tree(hsrc, hdst);
	if (r == 0)
		r = copy_tree(csrc, cdst);
	if (r == 0 && access(sysctl_src, R_OK) == 0)
		r = copy_file(sysctl_src, sysctl_dst, 0644);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot install the hardening configuration");
	/* the levels: cage profiles and each level's own account files */
	for (const char *const *d = (const char *const[]){ "cages", "levels", NULL }; *d; d++) {
		_cleanup_free_ char *src = product_path(b, *d), *dst = NULL;

		if (access(src, R_OK) < 0)
			continue;
		if (asprintf(&dst, "%s/usr/share/rempart/%s", b->rootfs, *d) < 0)
			return -ENOMEM;
		r = mkdir_p(dst, 0755);
		if (r == 0)
			r = copy_tree(src, dst);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot install the product's %s", *d);
	}
	return 0;
}

/* The image is refused if any ELF file, privilege bit or interpreter
 * breaks the product's policy (rempart-check, tree mode). */
static int gate(struct build_ctx *b)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *check = find_tool(b, "rempart-check");
	_cleanup_free_ char *profile = product_path(b, "check/common.profile");
	_cleanup_free_ char *report = pathjoin(b->out_dir, "check-tree.txt");
	int st = 0, r;

	if (!check)
		return log_error("rempart-check not found under %s/src", b->tools_dir), -ENOENT;
	argv_add(&a, check);
	argv_add(&a, "--tree");
	argv_add(&a, b->rootfs);
	argv_add(&a, "--only");
	argv_add(&a, "elf,suid,interp");
	argv_add(&a, "--profile");
	argv_add(&a, profile);
	r = run_command(&a, NULL, report, true, &st);
	if (r < 0) {
		log_error("the root filesystem fails the hardening gate (rempart-check --tree, exit %d); "
			  "report in %s", st, report);
		return -EPERM;
	}
	return 0;
}

static int configure(struct build_ctx *b)
{
	_cleanup_free_ char *mid = pathjoin(b->rootfs, "etc/machine-id");
	int r;

	/* mount point of the ESP (efi.mount, written by rempart-init) */
	_cleanup_free_ char *efi = pathjoin(b->rootfs, "efi");

	if (mkdir(efi, 0700) < 0 && errno != EEXIST)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot create %s", efi);
	/* Empty: systemd then uses a transient ID on the read-only root. */
	r = write_file_atomic(mid, "", 0, 0444);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", mid);
	if (b->development) {
		_cleanup_free_ char *dir = pathjoin(b->rootfs, "etc/systemd/system/serial-getty@ttyS0.service.d");
		_cleanup_free_ char *f = pathjoin(dir, "autologin.conf");
		static const char dropin[] =
			"# Development build: root shell on the serial console, for developers and the\n"
			"# VM tests. Release builds have no such drop-in and no password for root.\n"
			"[Service]\n"
			"ExecStart=\n"
			"ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200 %I $TERM\n"
			"Environment=TERM=dumb\n";

		r = mkdir_p(dir, 0755);
		if (r == 0)
			r = write_file_atomic(f, dropin, sizeof(dropin) - 1, 0644);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot write the development console drop-in");
	}
	return 0;
}

/* Development builds for the VM update suite (--dev-update-direct): QEMU's
 * user network carries no IKE, so rempart-update reaches its server
 * directly: the service leaves the IPsec namespace and rempart-netcfg's
 * outer ruleset allows TCP with that one address and port (docs/net.md). */
static int install_update_direct(struct build_ctx *b)
{
	static const char *const files[] = { "rempart-network.service.d", "rempart-update.service.d" };
	_cleanup_free_ char *net = NULL;
	static const char upd[] =
		"# Development build (rempart build --dev-update-direct): rempart-update runs in\n"
		"# the outer network namespace, where nftables lets it reach its server only.\n"
		"[Unit]\n"
		"ConditionPathExists=\n"
		"ConditionPathExists=/etc/rempart/update.conf\n"
		"[Service]\n"
		"NetworkNamespacePath=\n";
	int r = 0;

	if (!b->update_direct)
		return 0;
	if (asprintf(&net,
		     "# Development build (rempart build --dev-update-direct): the outer namespace\n"
		     "# also allows TCP with the update server %s (docs/net.md).\n"
		     "[Service]\n"
		     "ExecStart=\n"
		     "ExecStart=/usr/bin/rempart-netcfg apply --no-load --networkctl none --direct-tcp %s\n",
		     b->update_direct, b->update_direct) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(files) && r == 0; i++) {
		_cleanup_free_ char *dir = NULL, *f = NULL;

		if (asprintf(&dir, "%s/usr/lib/systemd/system/%s", b->rootfs, files[i]) < 0)
			return -ENOMEM;
		f = pathjoin(dir, "90-rempart-dev-update-direct.conf");
		r = mkdir_p(dir, 0755);
		if (r == 0)
			r = i == 0 ? write_file_atomic(f, net, strlen(net), 0644)
				   : write_file_atomic(f, upd, sizeof(upd) - 1, 0644);
	}
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write the --dev-update-direct drop-ins");
	return 0;
}

int build_rootfs(struct build_ctx *b)
{
	_cleanup_free_ char *overlay = product_path(b, "overlay");
	int r;

	r = rm_rf(b->rootfs);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot remove the old root filesystem %s", b->rootfs);
	step_begin("root filesystem from Debian packages (mmdebstrap)");
	r = run_mmdebstrap(b);
	if (r < 0)
		return r;
	step_end();
	step_begin("product configuration and hardening pass");
	r = copy_tree(overlay, b->rootfs);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot copy the product overlay %s", overlay);
	/* accounts of the product's sysusers.d (the root is read-only on the
	 * device, nothing creates them there) */
	{
		_cleanup_(argv_freep) struct argv a = ARGV_INIT;

		argv_add(&a, "systemd-sysusers");
		argv_addf(&a, "--root=%s", b->rootfs);
		r = run_command(&a, NULL, NULL, true, NULL);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot create the product's accounts (systemd-sysusers)");
	}
	r = install_programs(b);
	if (r < 0)
		return r;
	r = install_escape_vectors(b);
	if (r < 0)
		return r;
	r = install_units(b);
	if (r < 0)
		return r;
	r = install_update(b);
	if (r == 0)
		r = install_update_direct(b);
	if (r < 0)
		return r;
	r = write_os_release(b);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write os-release");
	r = configure(b);
	if (r < 0)
		return r;
	r = install_hardening(b);
	if (r < 0)
		return r;
	r = harden(b);
	if (r < 0)
		return r;
	r = gate(b);
	if (r < 0)
		return r;
	step_end();
	return 0;
}

int build_squashfs(struct build_ctx *b)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *out = pathjoin(b->release_dir, "root.squashfs");
	_cleanup_free_ char *env_sde = NULL;
	struct stat st;
	int r;

	step_begin("squashfs of the root filesystem");
	unlink(out);
	argv_add(&a, "mksquashfs");
	argv_add(&a, b->rootfs);
	argv_add(&a, out);
	argv_add(&a, "-noappend");
	argv_add(&a, "-no-progress");
	argv_add(&a, "-quiet");
	argv_add(&a, "-comp");
	argv_add(&a, "zstd");
	argv_add(&a, "-b");
	argv_add(&a, "256K");
	argv_add(&a, "-xattrs");
	argv_add(&a, "-wildcards");
	argv_add(&a, "-e");
	argv_add(&a, "var/cache/apt/archives/*.deb");
	if (asprintf(&env_sde, "SOURCE_DATE_EPOCH=%llu", (unsigned long long)b->sde) < 0)
		return -ENOMEM;
	char *env[] = { env_sde, NULL };
	r = run_command(&a, env, NULL, true, NULL);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "mksquashfs failed; see %s", exec_get_log());
	if (stat(out, &st) < 0)
		return -errno;
	b->squashfs_size = (uint64_t)st.st_size;
	step_end();
	return 0;
}
