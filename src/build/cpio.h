/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deterministic cpio "newc" archives for the initramfs: entries sorted by
 * path, inode numbers assigned in order, owner root, one fixed mtime. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct cpio_entry {
	char *path;    /* relative, no leading slash */
	mode_t mode;   /* type and permission bits */
	char *source;  /* regular file: host path of the content; symlink: target */
	dev_t rdev;
};

struct cpio {
	struct cpio_entry *v;
	size_t n;
	uint32_t mtime;
};

void cpio_init(struct cpio *c, uint32_t mtime);
/* Adds an entry; its parent directories are added (0755) if missing.
 * Re-adding the same path replaces nothing and returns -EEXIST unless
 * identical in type. */
int cpio_add_dir(struct cpio *c, const char *path, mode_t perm);
int cpio_add_file(struct cpio *c, const char *path, mode_t perm, const char *source);
int cpio_add_symlink(struct cpio *c, const char *path, const char *target);
int cpio_add_node(struct cpio *c, const char *path, mode_t mode, dev_t rdev);
int cpio_write(struct cpio *c, int fd);
/* cpio_write() into path, replaced atomically. */
int cpio_write_file(struct cpio *c, const char *path);
void cpio_free(struct cpio *c);
