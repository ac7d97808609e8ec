/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

void cpio_init(struct cpio *c, uint32_t mtime)
{
	memset(c, 0, sizeof(*c));
	c->mtime = mtime;
}

static struct cpio_entry *find(struct cpio *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].path, path) == 0)
			return &c->v[i];
	return NULL;
}

static int add(struct cpio *c, const char *path, mode_t mode, const char *source, dev_t rdev);

static int add_parents(struct cpio *c, const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p; (s = strchr(s, '/')); s++) {
		struct cpio_entry *e;
		int r;

		*s = '\0';
		e = find(c, p);
		if (!e) {
			r = add(c, p, S_IFDIR | 0755, NULL, 0);
			if (r < 0)
				return r;
		} else if (!S_ISDIR(e->mode) && !S_ISLNK(e->mode)) {
			return -ENOTDIR;
		}
		*s = '/';
	}
	return 0;
}

static int add(struct cpio *c, const char *path, mode_t mode, const char *source, dev_t rdev)
{
	struct cpio_entry *e = find(c, path), *nv;
	int r;

	if (path[0] == '/' || path[0] == '\0')
		return -EINVAL;
	if (e)
		return (e->mode & S_IFMT) == (mode & S_IFMT) && S_ISDIR(mode) ? 0 : -EEXIST;
	r = add_parents(c, path);
	if (r < 0)
		return r;
	nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->v = nv;
	e = &c->v[c->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	e->source = source ? strdup(source) : NULL;
	if (!e->path || (source && !e->source)) {
		free(e->path);
		free(e->source);
		return -ENOMEM;
	}
	e->mode = mode;
	e->rdev = rdev;
	c->n++;
	return 0;
}

int cpio_add_dir(struct cpio *c, const char *path, mode_t perm)
{
	return add(c, path, S_IFDIR | (perm & 07777), NULL, 0);
}

int cpio_add_file(struct cpio *c, const char *path, mode_t perm, const char *source)
{
	return add(c, path, S_IFREG | (perm & 07777), source, 0);
}

int cpio_add_symlink(struct cpio *c, const char *path, const char *target)
{
	return add(c, path, S_IFLNK | 0777, target, 0);
}

int cpio_add_node(struct cpio *c, const char *path, mode_t mode, dev_t rdev)
{
	return add(c, path, mode, NULL, rdev);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct cpio_entry *)a)->path, ((const struct cpio_entry *)b)->path);
}

static int pad4(int fd, uint64_t written)
{
	static const uint8_t zeros[4];
	size_t n = (size_t)((4 - (written % 4)) % 4);

	return n ? write_full(fd, zeros, n) : 0;
}

static int header(int fd, uint32_t ino, mode_t mode, uint32_t mtime, uint64_t size, dev_t rdev,
		  const char *name, uint64_t *written)
{
	char h[160];
	size_t nlen = strlen(name) + 1;
	int r;

	if (size > UINT32_MAX)
		return -EFBIG;
	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X", ino,
		 (unsigned)mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, mtime, (unsigned)size, 0u, 0u,
		 (unsigned)major(rdev), (unsigned)minor(rdev), nlen & 0xffffffffu, 0u);
	r = write_full(fd, h, 110);
	if (r == 0)
		r = write_full(fd, name, nlen);
	*written += 110 + nlen;
	if (r == 0)
		r = pad4(fd, *written);
	*written += (4 - (*written % 4)) % 4;
	return r;
}

int cpio_write(struct cpio *c, int fd)
{
	uint64_t written = 0;
	int r;

	qsort(c->v, c->n, sizeof(*c->v), cmp_entry);
	for (size_t i = 0; i < c->n; i++) {
		struct cpio_entry *e = &c->v[i];
		uint32_t ino = (uint32_t)i + 1;

		if (S_ISREG(e->mode)) {
			_cleanup_free_ uint8_t *data = NULL;
			size_t len;

			r = read_file(e->source, 1u << 30, &data, &len);
			if (r < 0)
				return r;
			r = header(fd, ino, e->mode, c->mtime, len, 0, e->path, &written);
			if (r == 0)
				r = write_full(fd, data, len);
			written += len;
		} else if (S_ISLNK(e->mode)) {
			size_t len = strlen(e->source);

			r = header(fd, ino, e->mode, c->mtime, len, 0, e->path, &written);
			if (r == 0)
				r = write_full(fd, e->source, len);
			written += len;
		} else {
			r = header(fd, ino, e->mode, c->mtime, 0, e->rdev, e->path, &written);
		}
		if (r == 0)
			r = pad4(fd, written);
		written += (4 - (written % 4)) % 4;
		if (r < 0)
			return r;
	}
	r = header(fd, 0, 0, 0, 0, 0, "TRAILER!!!", &written);
	if (r < 0)
		return r;
	/* pad the archive to 512 bytes like GNU cpio */
	if (written % 512) {
		static const uint8_t zeros[512];

		r = write_full(fd, zeros, 512 - written % 512);
	}
	return r;
}

int cpio_write_file(struct cpio *c, const char *path)
{
	_cleanup_(atomic_file_discardp) struct atomic_file af = ATOMIC_FILE_INIT;
	int r = atomic_file_open(&af, path, 0644);

	if (r == 0)
		r = cpio_write(c, af.fd);
	if (r == 0)
		r = atomic_file_commit(&af);
	return r;
}

void cpio_free(struct cpio *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].source);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
