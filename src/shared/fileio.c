/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

static int split_path(const char *path, char **dir, char **base)
{
	_cleanup_free_ char *a = strdup(path), *b = strdup(path);

	if (!a || !b)
		return -ENOMEM;
	*dir = strdup(dirname(a));
	*base = strdup(basename(b));
	if (!*dir || !*base) {
		free(*dir);
		free(*base);
		return -ENOMEM;
	}
	return 0;
}

int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode)
{
	_cleanup_free_ char *dir = NULL, *base = NULL;
	int r;

	*af = (struct atomic_file)ATOMIC_FILE_INIT;
	r = split_path(path, &dir, &base);
	if (r < 0)
		return r;
	if (strcmp(base, "/") == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EISDIR;
	af->path = strdup(path);
	af->name = strdup(base);
	if (!af->path || !af->name) {
		atomic_file_discard(af);
		return -ENOMEM;
	}
	af->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (af->dirfd < 0) {
		r = -errno;
		atomic_file_discard(af);
		return r;
	}
	for (int tries = 0; tries < 16; tries++) {
		uint32_t rnd;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (uint32_t)getpid() ^ (uint32_t)tries;
		free(af->tmpname);
		if (asprintf(&af->tmpname, ".#%s.%08x", base, rnd) < 0) {
			af->tmpname = NULL;
			atomic_file_discard(af);
			return -ENOMEM;
		}
		af->fd = openat(af->dirfd, af->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (af->fd >= 0) {
			/* umask must not widen or narrow what the caller asked for. */
			if (fchmod(af->fd, mode) < 0) {
				r = -errno;
				atomic_file_discard(af);
				return r;
			}
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	r = -errno;
	free(af->tmpname);
	af->tmpname = NULL;
	atomic_file_discard(af);
	return r;
}

int atomic_file_commit(struct atomic_file *af)
{
	if (af->fd < 0 || !af->tmpname)
		return -EBADF;
	if (fsync(af->fd) < 0)
		return -errno;
	if (close(af->fd) < 0) {
		af->fd = -1;
		return -errno;
	}
	af->fd = -1;
	if (renameat(af->dirfd, af->tmpname, af->dirfd, af->name) < 0)
		return -errno;
	af->committed = true;
	if (fsync(af->dirfd) < 0)
		return -errno;
	return 0;
}

void atomic_file_discard(struct atomic_file *af)
{
	if (af->fd >= 0)
		close(af->fd);
	if (!af->committed && af->tmpname && af->dirfd >= 0)
		unlinkat(af->dirfd, af->tmpname, 0);
	if (af->dirfd >= 0)
		close(af->dirfd);
	free(af->tmpname);
	free(af->path);
	free(af->name);
	*af = (struct atomic_file)ATOMIC_FILE_INIT;
}

int write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int pread_full(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	_cleanup_(atomic_file_discardp) struct atomic_file af = ATOMIC_FILE_INIT;
	int r;

	r = atomic_file_open(&af, path, mode);
	if (r < 0)
		return r;
	r = write_full(af.fd, buf, len);
	if (r < 0)
		return r;
	return atomic_file_commit(&af);
}

int read_text_line(const char *path, size_t max, char **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = read_file(path, max, &buf, &len);

	if (r < 0)
		return r;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	*out = (char *)buf;
	return 0;
}

int read_file(const char *path, size_t max, uint8_t **out, size_t *outlen)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			uint8_t *nb;

			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= len + 1)
				return -EFBIG;
			nb = realloc(buf, ncap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	if (outlen)
		*outlen = len;
	return 0;
}

int fd_get_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		return 0;
	}
	if (S_ISBLK(st.st_mode)) {
		uint64_t sz;

		if (ioctl(fd, BLKGETSIZE64, &sz) < 0)
			return -errno;
		*size = sz;
		return 0;
	}
	return -EBADFD;
}

int fsync_parent_dir(const char *path)
{
	_cleanup_free_ char *dir = NULL, *base = NULL;
	_cleanup_close_ int fd = -1;
	int r = split_path(path, &dir, &base);

	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
