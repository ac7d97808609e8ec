/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "esp.h"
#include "expect.h"
#include "fileio.h"
#include "gpt.h"
#include "hex.h"
#include "pe.h"
#include "rootfs.h"
#include "scan.h"
#include "uuid.h"
#include "verity.h"

#define EFI_MAX (256u << 20)

static const struct {
	const char *name, *type, *alt;
} layout[] = {
	{ "esp", GPT_TYPE_ESP, NULL },
	{ "root-a", GPT_TYPE_ROOT_X86_64, NULL },
	{ "root-a-verity", GPT_TYPE_ROOT_X86_64_VERITY, NULL },
	{ "root-b", GPT_TYPE_ROOT_X86_64, NULL },
	{ "root-b-verity", GPT_TYPE_ROOT_X86_64_VERITY, NULL },
	{ "state", GPT_TYPE_VAR, GPT_TYPE_LINUX },
};

static const char *const runtime_only[] = {
	"boot.secureboot", "boot.setupmode", "boot.keys.pk", "boot.keys.kek", "boot.keys.db", "tpm.present",
	"root.verity", "kernel.lockdown", "kernel.modules_disabled", "pid1.nonewprivs", "pid1.capbnd",
	"cpu.nx", "cpu.smep", "cpu.smap", "cpu.wp", "platform.iommu", "kernel.rodata", "kernel.wx", "kernel.nx",
};

int roothash_uuids(const char *roothash, char data_uuid[37], char hash_uuid[37])
{
	uint8_t h[64];
	size_t n;

	if (!roothash || hex_decode(roothash, h, sizeof(h), &n) < 0 || n < 32)
		return -EINVAL;
	uuid_format(h, data_uuid);
	uuid_format(h + n - 16, hash_uuid);
	return 0;
}

static int uki_version_cmp(const char *a, const char *b)
{
	return strverscmp(a, b);
}

const char *uki_newest(char *const *paths, size_t n)
{
	const char *best = NULL, *bestv = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/');
		size_t l;

		base = base ? base + 1 : paths[i];
		l = strlen(base);
		if (strncmp(base, "rempart_", 8) != 0 || l < 13 || strcasecmp(base + l - 4, ".efi") != 0)
			continue;
		if (!best || uki_version_cmp(base + 8, bestv) > 0) {
			best = paths[i];
			bestv = base + 8;
		}
	}
	return best;
}

static void runtime_na(struct report *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(runtime_only); i++) {
		struct check *c = report_add(r, runtime_only[i], "runtime state", CHECK_NA, "", "not observable offline");

		if (c && !c->note)
			c->note = strdup("runtime only: run rempart-check on the booted system");
	}
}

static void check_layout(const struct gpt_table *t, struct report *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(layout); i++) {
		const struct gpt_part *p = gpt_find(t, layout[i].name);
		_cleanup_free_ char *id = NULL;

		if (asprintf(&id, "gpt:%s", layout[i].name) < 0)
			return;
		if (!p)
			report_add(r, id, "disk layout (GPT, ARCHITECTURE 2)", CHECK_FAIL, layout[i].type, "no partition labelled %s",
				   layout[i].name);
		else
			report_add(r, id, "disk layout (GPT, ARCHITECTURE 2)",
				   strcmp(p->type, layout[i].type) == 0 ||
						   (layout[i].alt && strcmp(p->type, layout[i].alt) == 0) ?
					   CHECK_OK : CHECK_FAIL,
				   layout[i].type, "#%u type %s, %llu MiB", p->partno, p->type,
				   (unsigned long long)(p->size >> 20));
	}
}

extern char **environ;

/* sbverify --cert CERT on an in-memory image: 0 verified, 1 not, < 0 error. */
static int sbverify(const uint8_t *buf, size_t len, const char *cert)
{
	char tmp[] = "/tmp/rempart-check-efi-XXXXXX";
	posix_spawn_file_actions_t fa;
	int fd = mkostemp(tmp, O_CLOEXEC), r, status;
	pid_t pid;
	char *argv[] = { (char *)"sbverify", (char *)"--cert", (char *)cert, tmp, NULL };

	if (fd < 0)
		return -errno;
	r = write_full(fd, buf, len);
	close(fd);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, "sbverify", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		unlink(tmp);
		return -r;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			unlink(tmp);
			return -errno;
		}
	unlink(tmp);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static void check_efi_binary(const struct esp *esp, const char *path, const char *id, const char *objective,
			     struct report *r, uint8_t **keep, size_t *keep_len, const char *keys_dir)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len = 0;
	struct pe_info pe;
	int ret = esp_read(esp, path, EFI_MAX, &buf, &len);

	if (ret < 0) {
		report_add(r, id, objective, CHECK_FAIL, "signed PE image", "%s: %s", path,
			   ret == -ENOENT ? "absent" : strerror(-ret));
		return;
	}
	if (pe_parse(buf, len, &pe) < 0) {
		report_add(r, id, objective, CHECK_FAIL, "signed PE image", "%s: not a PE image", path);
		return;
	}
	report_add(r, id, objective, pe_signed(&pe, len) ? CHECK_OK : CHECK_FAIL, "signed PE image",
		   "%s: %s, %zu bytes", path, pe_signed(&pe, len) ? "Authenticode signature present" : "unsigned", len);
	if (keys_dir) {
		_cleanup_free_ char *cert = NULL, *sid = NULL;
		int v;

		if (asprintf(&cert, "%s/db.crt", keys_dir) < 0 || asprintf(&sid, "%s.signer", id) < 0)
			return;
		v = sbverify(buf, len, cert);
		if (v < 0)
			report_add(r, sid, objective, CHECK_FAIL, "signed by our db key", "cannot run sbverify: %s",
				   strerror(-v));
		else
			report_add(r, sid, objective, v == 0 ? CHECK_OK : CHECK_FAIL, "signed by our db key",
				   "%s: %s %s", path, v == 0 ? "verifies with" : "does not verify with", cert);
	}
	if (keep) {
		*keep = TAKE_PTR(buf);
		*keep_len = len;
	}
}

static void check_loader_conf(const struct esp *esp, struct report *r)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	bool editor_off = false;
	char *save = NULL;

	if (esp_read(esp, "/loader/loader.conf", 1 << 20, &buf, &len) < 0) {
		report_add(r, "esp.loader", "boot chain (no command line editing)", CHECK_FAIL, "editor no",
			   "/loader/loader.conf absent");
		return;
	}
	for (char *l = strtok_r((char *)buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char k[32], v[32];

		if (sscanf(l, " %31s %31s", k, v) == 2 && strcmp(k, "editor") == 0)
			editor_off = strcmp(v, "no") == 0 || strcmp(v, "0") == 0 || strcmp(v, "false") == 0 ||
				     strcmp(v, "off") == 0;
	}
	report_add(r, "esp.loader", "boot chain (no command line editing)", editor_off ? CHECK_OK : CHECK_FAIL,
		   "editor no", "editor %s", editor_off ? "disabled" : "not disabled");
}

#define VERITY_COPY_MAX (4ull << 30)

/* Copies [off, off+len) of fd into a memfd (the verity library reads data
 * from offset 0). */
static int copy_to_memfd(int fd, uint64_t off, uint64_t len)
{
	_cleanup_close_ int m = memfd_create("rempart-check-root", MFD_CLOEXEC);
	_cleanup_free_ uint8_t *buf = malloc(1 << 20);
	uint64_t done = 0;
	int r;

	if (m < 0)
		return -errno;
	if (!buf)
		return -ENOMEM;
	while (done < len) {
		size_t n = len - done > (1u << 20) ? (1u << 20) : (size_t)(len - done);

		r = pread_full(fd, buf, n, (off_t)(off + done));
		if (r < 0)
			return r;
		r = write_full(m, buf, n);
		if (r < 0)
			return r;
		done += n;
	}
	return TAKE_FD(m);
}

/* The verity superblock of the hash partition, then every data and hash
 * block of the root partition against the UKI's roothash: the files
 * checked below are exactly those that will boot. */
static void check_verity(int fd, const struct gpt_part *data, const struct gpt_part *hash, const char *roothash,
			 struct report *r)
{
	uint8_t sb[RV_SB_SIZE], root[RV_MAX_DIGEST];
	struct rv_params p, q;
	struct rv_report rep;
	size_t root_len;
	uint64_t bytes;
	int mfd, ret;

	rv_params_default(&p);
	if (pread_full(fd, sb, sizeof(sb), (off_t)hash->offset) < 0 || rv_superblock_parse(sb, sizeof(sb), &p) < 0) {
		report_add(r, "root.verity.tree", "verified root (dm-verity)", CHECK_FAIL, "verity superblock",
			   "%s holds no valid verity superblock", hash->name);
		return;
	}
	bool fits = p.data_blocks <= data->size / p.data_block_size;
	report_add(r, "root.verity.tree", "verified root (dm-verity)", fits ? CHECK_OK : CHECK_FAIL,
		   "verity superblock covering the root", "%s: %s, %llu blocks of %u%s", hash->name, p.hash_name,
		   (unsigned long long)p.data_blocks, p.data_block_size, fits ? "" : " (larger than the root partition)");
	if (!fits || !report_wants(r, "root.verity.data"))
		return;
	if (hex_decode(roothash, root, sizeof(root), &root_len) < 0)
		return;
	bytes = p.data_blocks * p.data_block_size;
	if (bytes > VERITY_COPY_MAX) {
		report_add(r, "root.verity.data", "verified root (dm-verity)", CHECK_NA, "every block verifies",
			   "%llu MiB: larger than this check copies; use rempart-verity verify",
			   (unsigned long long)(bytes >> 20));
		return;
	}
	mfd = copy_to_memfd(fd, data->offset, bytes);
	if (mfd < 0) {
		report_add(r, "root.verity.data", "verified root (dm-verity)", CHECK_FAIL, "every block verifies",
			   "cannot read %s: %s", data->name, strerror(-mfd));
		return;
	}
	rv_params_default(&q);
	q.hash_area_offset = hash->offset;
	q.superblock = true;
	ret = rv_verify_fd(mfd, fd, &q, root, root_len, &rep, NULL, NULL);
	close(mfd);
	if (ret == 0)
		report_add(r, "root.verity.data", "verified root (dm-verity)", CHECK_OK, "every block verifies",
			   "%llu blocks of %s verify against the roothash", (unsigned long long)q.data_blocks, data->name);
	else if (ret == -EBADMSG && rep.problem != RV_OK)
		report_add(r, "root.verity.data", "verified root (dm-verity)", CHECK_FAIL, "every block verifies",
			   "%s: %s at block %llu", data->name, rv_problem_str(rep.problem), (unsigned long long)rep.block);
	else
		report_add(r, "root.verity.data", "verified root (dm-verity)", CHECK_FAIL, "every block verifies",
			   "cannot verify %s: %s", data->name, strerror(-ret));
}

static int check_rootfs(struct rootfs *fs, const char *expect_dir, bool scan, const char *const *exclude,
			struct report *r, const struct strv *cmdline_tokens, const char *cmdline_where)
{
	struct expect e = { 0 };
	_cleanup_free_ char *bad = NULL;
	int ret;

	if (expect_dir) {
		struct rootfs *efs = NULL;

		ret = rootfs_open_dir(expect_dir, true, &efs);
		if (ret == 0) {
			ret = expect_load(efs, "", &e, &bad);
			free(e.source);
			e.source = strdup(expect_dir);
			rootfs_close(efs);
		}
	} else {
		ret = expect_load(fs, HARDENING_DIR, &e, &bad);
	}
	if (ret < 0) {
		report_add(r, "expect.files", "hardening configuration shipped", CHECK_FAIL, "valid files", "%s: %s",
			   bad ? bad : expect_dir ? expect_dir : HARDENING_DIR, strerror(-ret));
		if (ret == -ENOMEM) {
			expect_free(&e);
			return ret;
		}
		/* nothing to compare with: the other checks still run */
	} else {
		expect_report(&e, r);
		if (cmdline_tokens)
			check_cmdline(cmdline_tokens, &e, r, cmdline_where);
		if (report_wants_group(r, "sysctl")) {
			ret = check_sysctl_config(fs, &e, r);
			if (ret < 0)
				goto out;
		}
	}
	if (report_wants_group(r, "mount")) {
		ret = check_fstab(fs, r);
		if (ret < 0)
			goto out;
	}
	ret = 0;
	if (scan) {
		struct scan_opts so = { .what = 0, .exclude = exclude, .where = "image" };

		if (report_wants_group(r, "suid"))
			so.what |= SCAN_SUID;
		if (report_wants_group(r, "elf"))
			so.what |= SCAN_ELF;
		if (report_wants_group(r, "interp"))
			so.what |= SCAN_INTERP;
		if (so.what)
			ret = scan_rootfs(fs, r, &so);
		if (ret < 0 && ret != -ENOMEM) {
			/* A root filesystem that cannot be walked fails the check. */
			report_add(r, "scan.complete", "every file examined", CHECK_FAIL, "the whole tree read",
				   "the root filesystem could not be walked (%s): corrupt or hostile", strerror(-ret));
			ret = 0;
		} else if (fs->errors)
			report_add(r, "scan.complete", "every file examined", CHECK_FAIL, "0 unreadable entries",
				   "%llu entries could not be read", (unsigned long long)fs->errors);
	}
out:
	expect_free(&e);
	return ret;
}

int image_run(struct report *r, const struct image_opts *o)
{
	_cleanup_close_ int fd = open(o->path, O_RDONLY | O_CLOEXEC);
	struct gpt_table t = { 0 };
	struct strv tokens = { 0 }, ukis = { 0 };
	_cleanup_free_ uint8_t *uki = NULL;
	_cleanup_free_ char *where = NULL;
	const struct gpt_part *esp_p, *root_p = NULL, *hash_p = NULL;
	struct esp esp;
	struct rootfs *fs = NULL;
	size_t uki_len = 0;
	uint64_t size;
	int ret;

	if (fd < 0)
		return -errno;
	ret = fd_get_size(fd, &size);
	if (ret < 0)
		return ret;
	ret = gpt_read_fd(fd, size, &t);
	if (ret < 0) {
		report_add(r, "gpt.table", "disk layout (GPT, ARCHITECTURE 2)", CHECK_FAIL, "GPT", "%s",
			   ret == -ENOMEDIUM ? "no GPT" : ret == -ERANGE ? "a partition lies outside the image" :
			   "unreadable partition table");
		return ret == -ENOMEM ? ret : 0;
	}
	report_add(r, "gpt.table", "disk layout (GPT, ARCHITECTURE 2)", CHECK_OK, "GPT", "%zu partitions", t.n);
	check_layout(&t, r);
	runtime_na(r);

	esp_p = gpt_find(&t, "esp");
	if (esp_p) {
		const char *newest;

		esp.image = (char *)o->path;
		esp.offset = esp_p->offset;
		check_efi_binary(&esp, "/EFI/BOOT/BOOTX64.EFI", "esp.bootloader", "boot chain (signed boot loader)", r,
				 NULL, NULL, o->keys_dir);
		check_loader_conf(&esp, r);
		if (esp_list(&esp, "/EFI/Linux", &ukis) < 0 || !(newest = uki_newest(ukis.v, ukis.n))) {
			report_add(r, "esp.uki", "boot chain (signed UKI)", CHECK_FAIL, "EFI/Linux/rempart_<ver>+N.efi",
				   "no UKI in /EFI/Linux");
		} else {
			check_efi_binary(&esp, newest, "esp.uki", "boot chain (signed UKI)", r, &uki, &uki_len, o->keys_dir);
			if (asprintf(&where, "UKI %s", newest) < 0)
				where = NULL;
		}
	}
	if (uki) {
		struct pe_info pe;
		const uint8_t *cl;
		size_t cl_len;

		if (pe_parse(uki, uki_len, &pe) == 0 && pe_section(uki, uki_len, &pe, ".cmdline", &cl, &cl_len) == 0) {
			cmdline_split((const char *)cl, cl_len, &tokens);
			report_add(r, "esp.uki.cmdline", "boot chain (command line in the signed UKI)", CHECK_OK,
				   ".cmdline section", "%zu options", tokens.n);
		} else {
			report_add(r, "esp.uki.cmdline", "boot chain (command line in the signed UKI)", CHECK_FAIL,
				   ".cmdline section", "no .cmdline section in %s", where ? where : "the UKI");
		}
	}

	/* The slot the UKI's roothash names. */
	{
		const char *rh = cmdline_roothash(&tokens);
		char du[37], hu[37];

		if (rh && roothash_uuids(rh, du, hu) == 0) {
			for (size_t i = 0; i < t.n; i++) {
				if (strcmp(t.v[i].uuid, du) == 0)
					root_p = &t.v[i];
				if (strcmp(t.v[i].uuid, hu) == 0)
					hash_p = &t.v[i];
			}
			report_add(r, "root.verity.binding", "verified root (dm-verity)",
				   root_p && hash_p ? CHECK_OK : CHECK_FAIL, "partition UUIDs derived from roothash",
				   "data %s: %s, hash %s: %s", du, root_p ? root_p->name : "no such partition", hu,
				   hash_p ? hash_p->name : "no such partition");
		} else {
			report_add(r, "root.verity.binding", "verified root (dm-verity)", CHECK_FAIL,
				   "partition UUIDs derived from roothash", "no usable roothash= in the UKI");
		}
		if (root_p && hash_p)
			check_verity(fd, root_p, hash_p, rh, r);
	}
	if (!root_p)
		root_p = gpt_find(&t, "root-a");
	if (!root_p) {
		report_add(r, "root.squashfs", "verified root (read-only squashfs)", CHECK_FAIL, "squashfs",
			   "no root partition");
		goto out;
	}
	ret = rootfs_open_sqfs_fd(fd, root_p->offset, root_p->size, &fs);
	if (ret < 0) {
		report_add(r, "root.squashfs", "verified root (read-only squashfs)", CHECK_FAIL, "squashfs",
			   "%s: not a readable squashfs (%s)", root_p->name, strerror(-ret));
		ret = ret == -ENOMEM ? ret : 0;
		goto out;
	}
	report_add(r, "root.squashfs", "verified root (read-only squashfs)", CHECK_OK, "squashfs", "%s", root_p->name);
	ret = check_rootfs(fs, o->expect_dir, o->scan, NULL, r, uki ? &tokens : NULL, where ? where : "UKI");
out:
	rootfs_close(fs);
	strv_free(&tokens);
	strv_free(&ukis);
	gpt_table_free(&t);
	return ret;
}

int tree_run(struct report *r, const struct tree_opts *o)
{
	struct rootfs *fs = NULL;
	int ret = rootfs_open_dir(o->dir, false, &fs);

	if (ret < 0)
		return ret;
	ret = check_rootfs(fs, o->expect_dir, o->scan, o->exclude, r, NULL, NULL);
	rootfs_close(fs);
	return ret;
}
