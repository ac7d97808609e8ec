/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The initramfs: rempart-init as /init, the shared libraries it needs
 * (taken from the root filesystem, so the image is self-consistent), the
 * kernel modules of the product and hardware profile in dependency order,
 * and nothing else: no shell, no tools. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "conf.h"
#include "cpio.h"
#include "exec.h"
#include "fileio.h"
#include "log.h"

#define LIBDIR "usr/lib/x86_64-linux-gnu"

int initramfs_add_libraries(struct build_ctx *b, struct cpio *c, const char *binary)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *out = NULL;
	char *save = NULL;
	int r;

	argv_add(&a, "ldd");
	argv_add(&a, binary);
	r = run_capture(&a, &out, 1 << 20);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "ldd %s failed", binary);
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[256], real[PATH_MAX], dst[512];
		_cleanup_free_ char *src = NULL;

		while (*line == ' ' || *line == '\t')
			line++;
		if (sscanf(line, "%255s", name) != 1 || strncmp(name, "linux-vdso", 10) == 0)
			continue;
		/* "/lib64/ld-linux-x86-64.so.2 (0x...)" or "libX.so.N => /path (0x...)" */
		if (strchr(name, '/'))
			memmove(name, strrchr(name, '/') + 1, strlen(strrchr(name, '/')));
		if (asprintf(&src, "%s/%s/%s", b->rootfs, LIBDIR, name) < 0)
			return -ENOMEM;
		if (!realpath(src, real)) {
			log_error("%s needs %s, which the root filesystem does not have: add its package to %s/packages",
				  binary, name, b->product_dir);
			return -ENOENT;
		}
		snprintf(dst, sizeof(dst), "%s/%s", LIBDIR, name);
		r = cpio_add_file(c, dst, 0755, real);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	r = cpio_add_symlink(c, "lib", "usr/lib");
	if (r == 0)
		r = cpio_add_symlink(c, "lib64", "usr/lib64");
	if (r == 0)
		r = cpio_add_symlink(c, "usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
	return r == -EEXIST ? 0 : r;
}

/* --- modules ------------------------------------------------------------ */

struct moddep {
	char **path; /* relative to lib/modules/<kver>/ */
	char **deps; /* space-separated dependency list, as in modules.dep */
	size_t n;
};

static void moddep_free(struct moddep *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->path[i]);
		free(m->deps[i]);
	}
	free(m->path);
	free(m->deps);
}

static int moddep_load(const char *file, struct moddep *m)
{
	_cleanup_free_ uint8_t *buf = NULL;
	char *save = NULL;
	size_t len;
	int r;

	memset(m, 0, sizeof(*m));
	r = read_file(file, 16u << 20, &buf, &len);
	if (r < 0)
		return r;
	for (char *line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		char **np, **nd;

		if (!colon)
			continue;
		*colon = '\0';
		np = realloc(m->path, (m->n + 1) * sizeof(*np));
		if (!np)
			return -ENOMEM;
		m->path = np;
		nd = realloc(m->deps, (m->n + 1) * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		m->deps = nd;
		m->path[m->n] = strdup(line);
		m->deps[m->n] = strdup(colon + 1 + strspn(colon + 1, " "));
		m->n++;
	}
	return 0;
}

/* Module name of a path: basename without .ko*, '-' folded to '_'. */
static void modname(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t i;

	for (i = 0; i + 1 < size && base[i] && strncmp(base + i, ".ko", 3) != 0; i++)
		out[i] = base[i] == '-' ? '_' : base[i];
	out[i] = '\0';
}

static ssize_t moddep_find(const struct moddep *m, const char *name)
{
	char want[128], have[128];

	modname(name, want, sizeof(want));
	for (size_t i = 0; i < m->n; i++) {
		modname(m->path[i], have, sizeof(have));
		if (strcmp(want, have) == 0)
			return (ssize_t)i;
	}
	return -1;
}

struct order {
	char **v;
	size_t n;
};

static bool order_has(const struct order *o, const char *p)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i], p) == 0)
			return true;
	return false;
}

static int order_add(const struct moddep *m, struct order *o, size_t idx, int depth)
{
	_cleanup_free_ char *deps = NULL;
	char *tok[64];
	size_t nt = 0;
	char *save = NULL, **nv;
	int r;

	if (depth > 32)
		return -ELOOP;
	if (order_has(o, m->path[idx]))
		return 0;
	deps = strdup(m->deps[idx]);
	if (!deps)
		return -ENOMEM;
	for (char *t = strtok_r(deps, " ", &save); t && nt < ARRAY_SIZE(tok); t = strtok_r(NULL, " ", &save))
		tok[nt++] = t;
	/* modules.dep lists the deepest dependency last: load in reverse */
	for (size_t i = nt; i-- > 0;) {
		ssize_t d = -1;

		for (size_t j = 0; j < m->n; j++)
			if (strcmp(m->path[j], tok[i]) == 0)
				d = (ssize_t)j;
		if (d < 0)
			return -ENOENT;
		r = order_add(m, o, (size_t)d, depth + 1);
		if (r < 0)
			return r;
	}
	nv = realloc(o->v, (o->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	o->v = nv;
	o->v[o->n++] = m->path[idx];
	return 0;
}

int initramfs_add_modules(struct build_ctx *b, struct cpio *c, const char *const *lists, size_t nlists)
{
	_cleanup_free_ char *moddir = NULL, *depfile = NULL;
	_cleanup_free_ char *text = NULL, *tmp = NULL;
	struct moddep m;
	struct order o = { 0 };
	size_t tlen = 0;
	int r;

	if (asprintf(&moddir, "%s/lib/modules/%s", b->kernel_dir, b->kernel_version) < 0)
		return -ENOMEM;
	depfile = pathjoin(moddir, "modules.dep");
	r = moddep_load(depfile, &m);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", depfile);
	for (size_t l = 0; l < nlists && r == 0; l++) {
		char **names = NULL;
		size_t n = 0;

		r = list_load(lists[l], &names, &n);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot read the module list %s", lists[l]);
			break;
		}
		for (size_t i = 0; i < n && r == 0; i++) {
			ssize_t idx = moddep_find(&m, names[i]);

			if (idx < 0) {
				log_error("module %s (listed in %s) is not built as a module by kernel %s",
					  names[i], lists[l], b->kernel_version);
				r = -ENOENT;
				break;
			}
			r = order_add(&m, &o, (size_t)idx, 0);
		}
		list_free(names, n);
	}
	for (size_t i = 0; i < o.n && r == 0; i++) {
		_cleanup_free_ char *src = pathjoin(moddir, o.v[i]), *dst = NULL;

		if (asprintf(&dst, "usr/lib/modules/%s/%s", b->kernel_version, o.v[i]) < 0)
			r = -ENOMEM;
		else
			r = cpio_add_file(c, dst, 0644, src);
		tlen += strlen(dst ? dst : "") + 2;
	}
	if (r == 0) {
		text = calloc(1, tlen + 64);
		if (!text)
			r = -ENOMEM;
	}
	for (size_t i = 0; i < o.n && r == 0; i++) {
		strcat(text, "/usr/lib/modules/");
		strcat(text, b->kernel_version);
		strcat(text, "/");
		strcat(text, o.v[i]);
		strcat(text, "\n");
	}
	if (r == 0) {
		if (asprintf(&tmp, "%s/initramfs-modules.%d.list", b->work_dir, (int)nlists) < 0)
			return -ENOMEM;
		r = write_file_atomic(tmp, text, strlen(text), 0644);
		if (r == 0)
			r = cpio_add_file(c, "etc/rempart/modules", 0644, tmp);
	}
	free(o.v);
	moddep_free(&m);
	return r;
}

/* out_path.zst -> out_path */
static int rename2(const char *out_path)
{
	_cleanup_free_ char *z = NULL;

	if (asprintf(&z, "%s.zst", out_path) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return rename(z, out_path);
}

int build_initramfs(struct build_ctx *b, const char *init_path, const char *out_path)
{
	struct cpio c;
	int r;

	cpio_init(&c, (uint32_t)b->sde);
	r = cpio_add_file(&c, "init", 0755, init_path);
	if (r == 0)
		r = cpio_add_dir(&c, "dev", 0755);
	if (r == 0)
		r = cpio_add_node(&c, "dev/console", S_IFCHR | 0600, makedev(5, 1));
	if (r == 0)
		r = cpio_add_node(&c, "dev/null", S_IFCHR | 0666, makedev(1, 3));
	if (r == 0)
		r = cpio_add_node(&c, "dev/kmsg", S_IFCHR | 0600, makedev(1, 11));
	for (const char *const *d = (const char *const[]){ "proc", "sys", "run", "sysroot", "tmp", NULL }; *d && r == 0; d++)
		r = cpio_add_dir(&c, *d, 0755);
	if (r == 0)
		r = initramfs_add_libraries(b, &c, init_path);
	/* public keys the first boot needs: the TPM policy key the state is
	 * sealed to, the escrow key the recovery secret is encrypted to */
	if (r == 0) {
		_cleanup_free_ char *pk = pathjoin(b->keys_dir, "tpm-policy.pub");
		_cleanup_free_ char *ek = pathjoin(b->keys_dir, "escrow.pub");

		_cleanup_free_ char *caps = product_path(b, "hardening/capabilities");

		r = cpio_add_file(&c, "etc/rempart/capabilities", 0644, caps);
		if (r == 0)
			r = cpio_add_file(&c, "etc/rempart/tpm-policy.pub", 0644, pk);
		if (r == 0)
			r = cpio_add_file(&c, "etc/rempart/escrow.pub", 0644, ek);
	}
	/* development builds only: when the TPM cannot unseal the state,
	 * rempart-init asks for the escrow recovery passphrase on the console
	 * (release builds deny the boot; recovery is `rempart recover`) */
	if (r == 0 && b->development) {
		_cleanup_free_ char *flag = pathjoin(b->work_dir, "recovery-prompt");
		static const char text[] = "development build: recovery passphrase prompt (docs/state.md)\n";

		r = write_file_atomic(flag, text, sizeof(text) - 1, 0644);
		if (r == 0)
			r = cpio_add_file(&c, "etc/rempart/recovery-prompt", 0644, flag);
	}
	/* mke2fs for the first-boot state file system (executed, never a shell) */
	if (r == 0) {
		_cleanup_free_ char *mkfs = pathjoin(b->rootfs, "usr/sbin/mke2fs");

		r = cpio_add_file(&c, "usr/sbin/mke2fs", 0755, mkfs);
		if (r == 0)
			r = initramfs_add_libraries(b, &c, mkfs);
		if (r < 0)
			log_error("the initramfs needs mke2fs from the root filesystem (package e2fsprogs)");
	}
	if (r == 0) {
		_cleanup_free_ char *l1 = product_path(b, "initramfs-modules"), *l2 = NULL;

		if (asprintf(&l2, "%s/hardware/%s/modules", b->product_dir, product_get(b, "hardware")) < 0)
			r = -ENOMEM;
		else
			r = initramfs_add_modules(b, &c, (const char *const[]){ l1, l2 }, 2);
	}
	if (r == 0)
		r = cpio_write_file(&c, out_path);
	cpio_free(&c);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot build the initramfs %s", out_path);
	/* zstd: every byte of the UKI is hashed by the firmware (Secure Boot),
	 * by the stub (PCR 11) and by the kernel (PCR 9) under emulation too;
	 * single-threaded for a deterministic output */
	{
		_cleanup_(argv_freep) struct argv a = ARGV_INIT;

		argv_add(&a, "zstd");
		argv_add(&a, "-q");
		argv_add(&a, "-f");
		argv_add(&a, "-15");
		argv_add(&a, "-T1");
		argv_add(&a, "--rm");
		argv_add(&a, out_path);
		argv_add(&a, "-o");
		argv_addf(&a, "%s.zst", out_path);
		r = run_command(&a, NULL, NULL, true, NULL);
		if (r == 0 && rename2(out_path) < 0)
			r = -errno;
	}
	if (r < 0)
		log_errno(LOG_LVL_ERROR, r, "cannot compress the initramfs %s", out_path);
	return r;
}
