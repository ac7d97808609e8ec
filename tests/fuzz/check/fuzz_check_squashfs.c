/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the squashfs root filesystem reader (libsquashfs behind
 * struct rootfs): walk, read every file's head and small files, resolve
 * paths through symlinks, list directories. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rootfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__asan_default_options(void);

/* libsquashfs sizes an inode's block list from the on-disk file size and
 * calls calloc() before reading it (a 4 KiB image can ask for 500 TiB); it
 * returns SQFS_ERROR_ALLOC when that fails, which rempart-check reports as
 * an unreadable root filesystem. In production the kernel refuses such an
 * allocation; here ASan must return NULL too instead of aborting, and
 * libFuzzer must not count the request as a leak of memory: real memory
 * use stays bounded by -rss_limit_mb. */
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char flag[] = "-malloc_limit_mb=2000000000";
	char **nv = malloc(((size_t)*argc + 2) * sizeof(char *));

	if (!nv)
		return 0;
	memcpy(nv, *argv, (size_t)*argc * sizeof(char *));
	nv[(*argc)++] = flag;
	nv[*argc] = NULL;
	*argv = nv; /* kept for the process lifetime */
	return 0;
}

static int cb(struct rootfs *fs, const struct rootfs_entry *e, void *ud)
{
	size_t *count = ud;

	if (++*count > 2000)
		return -1;
	if (S_ISREG(e->mode)) {
		uint8_t head[4];
		struct rootfs_blob b;

		(void)fs->ops->read_head(fs, e, head, sizeof(head));
		if (fs->ops->read_entry(fs, e, 1 << 16, &b) == 0)
			rootfs_blob_free(&b);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/etc/fstab", "/usr/share/rempart/hardening/cmdline", "/a/b/../c", "/" };
	struct rootfs *fs = NULL;
	size_t count = 0;

	if (rootfs_open_sqfs_mem(data, size, &fs) < 0)
		return 0;
	(void)rootfs_walk(fs, cb, &count);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct rootfs_blob b;
		char **names = NULL;

		if (rootfs_read(fs, paths[i], 1 << 16, &b) == 0)
			rootfs_blob_free(&b);
		if (rootfs_list(fs, paths[i], &names) == 0)
			strv_free_array(names);
	}
	rootfs_close(fs);
	return 0;
}
