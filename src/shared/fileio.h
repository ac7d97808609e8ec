/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Crash-safe file replacement: write a temporary file in the target's
 * directory, fsync it, rename it over the target, fsync the directory.
 * A crash at any point leaves the old or the new file, never a mix. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct atomic_file {
	int fd;         /* write here */
	int dirfd;
	char *path;     /* final path */
	char *name;     /* final name inside dirfd */
	char *tmpname;  /* temporary name inside dirfd */
	bool committed;
};

#define ATOMIC_FILE_INIT { .fd = -1, .dirfd = -1 }

/* Creates the temporary file. 0 or negative errno. */
int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode);
/* fsync + rename + directory fsync. After success the target is in place. */
int atomic_file_commit(struct atomic_file *af);
/* Removes the temporary file if not committed, frees everything. Idempotent. */
void atomic_file_discard(struct atomic_file *af);

static inline void atomic_file_discardp(struct atomic_file *af)
{
	atomic_file_discard(af);
}

/* One-shot: replaces path with buf. */
int write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode);

/* Full-length I/O helpers; return 0 or negative errno (-EIO on short read). */
int write_full(int fd, const void *buf, size_t len);
int pwrite_full(int fd, const void *buf, size_t len, off_t off);
int pread_full(int fd, void *buf, size_t len, off_t off);

/* Reads a whole file (at most max bytes, else -EFBIG). Adds a NUL. */
int read_file(const char *path, size_t max, uint8_t **out, size_t *outlen);

/* Reads a small text file holding one value (a base64 line, a hex key):
 * read_file, then trailing newlines, carriage returns and spaces removed. */
int read_text_line(const char *path, size_t max, char **out);

/* Size of a regular file or block device. */
int fd_get_size(int fd, uint64_t *size);

/* mkdir -p: creates path and its missing parents with mode. 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);

/* fsync the directory containing path. */
int fsync_parent_dir(const char *path);
