/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the squashfs root filesystem reader (libsquashfs behind
 * struct rootfs): walk, read every file's head and small files, resolve
 * paths through symlinks, list directories. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "rootfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
