/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A read-only view of a root filesystem, whatever holds it: a directory
 * (the live system, or a tree the image builder is about to pack) or a
 * squashfs image read with libsquashfs, without mounting. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rootfs;

struct rootfs_entry {
	const char *path;  /* absolute inside the filesystem: "/usr/bin/su" */
	uint32_t mode;     /* type and permission bits, as st_mode */
	uint32_t uid, gid;
	uint64_t size;
	const char *link;  /* symlink target, or NULL */
	const void *handle; /* backend data for rootfs_read_entry */
};

/* Returns 0 to continue, > 0 to skip a directory's contents, a negative errno to stop. */
typedef int (*rootfs_walk_cb)(struct rootfs *fs, const struct rootfs_entry *e, void *ud);

struct rootfs_blob {
	uint8_t *data;
	size_t len;
	bool mapped;
};

struct rootfs_ops {
	int (*walk)(struct rootfs *fs, rootfs_walk_cb cb, void *ud);
	int (*read_path)(struct rootfs *fs, const char *path, size_t max, struct rootfs_blob *out);
	int (*read_entry)(struct rootfs *fs, const struct rootfs_entry *e, size_t max, struct rootfs_blob *out);
	int (*read_head)(struct rootfs *fs, const struct rootfs_entry *e, uint8_t *buf, size_t n);
	/* Names in a directory (no "." or ".."), NULL-terminated, caller frees. -ENOENT if absent. */
	int (*list)(struct rootfs *fs, const char *dir, char ***names);
	void (*close)(struct rootfs *fs);
};

struct rootfs {
	const struct rootfs_ops *ops;
	void *priv;
	/* directory backend: skip pseudo filesystems (proc, sysfs...) met below the top */
	bool skip_pseudo;
	uint64_t errors; /* entries that could not be read during the walk */
};

/* Directory backend. `one_fs`: do not cross mount points. */
int rootfs_open_dir(const char *dir, bool one_fs, struct rootfs **out);
/* squashfs backend over [offset, offset+size) of fd (fd is duplicated). */
int rootfs_open_sqfs_fd(int fd, uint64_t offset, uint64_t size, struct rootfs **out);
/* squashfs backend over a memory buffer (not copied; must outlive fs). */
int rootfs_open_sqfs_mem(const uint8_t *buf, size_t len, struct rootfs **out);

static inline int rootfs_walk(struct rootfs *fs, rootfs_walk_cb cb, void *ud)
{
	return fs->ops->walk(fs, cb, ud);
}
/* Reads a file by path, following symlinks inside the filesystem (at most
 * 16). -ENOENT, -EFBIG over max, -EISDIR. */
static inline int rootfs_read(struct rootfs *fs, const char *path, size_t max, struct rootfs_blob *out)
{
	return fs->ops->read_path(fs, path, max, out);
}
static inline int rootfs_list(struct rootfs *fs, const char *dir, char ***names)
{
	return fs->ops->list(fs, dir, names);
}
void rootfs_blob_free(struct rootfs_blob *b);
void rootfs_close(struct rootfs *fs);
void strv_free_array(char **v);
