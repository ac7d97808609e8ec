/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "rootfs.h"

struct dirfs {
	char *top;   /* no trailing slash; "" for "/" */
	bool one_fs;
};

void rootfs_blob_free(struct rootfs_blob *b)
{
	if (!b->data)
		return;
	if (b->mapped)
		munmap(b->data, b->len);
	else
		free(b->data);
	memset(b, 0, sizeof(*b));
}

void rootfs_close(struct rootfs *fs)
{
	if (fs)
		fs->ops->close(fs);
}

void strv_free_array(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static bool pseudo_fs(const char *path)
{
	static const long magics[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC, DEBUGFS_MAGIC, TRACEFS_MAGIC, SECURITYFS_MAGIC, CGROUP_SUPER_MAGIC,
		CGROUP2_SUPER_MAGIC, BPF_FS_MAGIC, EFIVARFS_MAGIC, PSTOREFS_MAGIC, DEVPTS_SUPER_MAGIC,
		0x6e736673 /* nsfs */, 0x62656570 /* configfs */, FUSE_SUPER_MAGIC, NFS_SUPER_MAGIC,
		0xFF534D42 /* cifs */, 0x01021997 /* 9p */, 0x53464846 /* wsl */,
	};
	struct statfs s;

	if (statfs(path, &s) < 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if ((long)s.f_type == magics[i])
			return true;
	return false;
}

static char *full_path(const struct dirfs *d, const char *path)
{
	char *p;

	if (asprintf(&p, "%s%s", d->top, path) < 0)
		return NULL;
	return p;
}

static int dir_walk(struct rootfs *fs, rootfs_walk_cb cb, void *ud)
{
	struct dirfs *d = fs->priv;
	char *argv[2] = { *d->top ? d->top : (char *)"/", NULL };
	size_t toplen = strlen(d->top);
	FTS *fts;
	FTSENT *f;
	dev_t topdev = 0;
	int r = 0;

	fts = fts_open(argv, FTS_PHYSICAL | FTS_NOCHDIR | (d->one_fs ? FTS_XDEV : 0), NULL);
	if (!fts)
		return -errno;
	while ((f = fts_read(fts))) {
		struct rootfs_entry e = { 0 };
		char link[PATH_MAX];

		if (f->fts_info == FTS_DP)
			continue;
		if (f->fts_info == FTS_DNR || f->fts_info == FTS_ERR || f->fts_info == FTS_NS) {
			fs->errors++;
			continue;
		}
		if (f->fts_level == 0)
			topdev = f->fts_statp->st_dev;
		if (f->fts_info == FTS_D && f->fts_level > 0 && fs->skip_pseudo &&
		    f->fts_statp->st_dev != topdev && pseudo_fs(f->fts_accpath)) {
			fts_set(fts, f, FTS_SKIP);
			continue;
		}
		e.path = f->fts_path[toplen] ? f->fts_path + toplen : "/";
		e.mode = f->fts_statp->st_mode;
		e.uid = f->fts_statp->st_uid;
		e.gid = f->fts_statp->st_gid;
		e.size = (uint64_t)f->fts_statp->st_size;
		e.handle = f->fts_accpath;
		if (S_ISLNK(e.mode)) {
			ssize_t n = readlink(f->fts_accpath, link, sizeof(link) - 1);

			if (n >= 0) {
				link[n] = '\0';
				e.link = link;
			}
		}
		r = cb(fs, &e, ud);
		if (r < 0)
			break;
		if (r > 0 && f->fts_info == FTS_D)
			fts_set(fts, f, FTS_SKIP);
		r = 0;
	}
	fts_close(fts);
	return r;
}

static int map_fd(int fd, size_t max, struct rootfs_blob *out)
{
	struct stat st;
	void *p;

	memset(out, 0, sizeof(*out));
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	if (st.st_size == 0) {
		out->data = malloc(1);
		return out->data ? 0 : -ENOMEM;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	out->data = p;
	out->len = (size_t)st.st_size;
	out->mapped = true;
	return 0;
}

static int dir_read_path(struct rootfs *fs, const char *path, size_t max, struct rootfs_blob *out)
{
	struct dirfs *d = fs->priv;
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int root = -1;
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };

	memset(out, 0, sizeof(*out));
	if (path[0] != '/')
		return -EINVAL;
	/* Resolve symlinks as if the tree were the root (an image tree has
	 * absolute links pointing into itself). */
	root = open(*d->top ? d->top : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, root, path + 1, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		p = full_path(d, path);
		if (!p)
			return -ENOMEM;
		fd = open(p, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	return map_fd(fd, max, out);
}

static int dir_read_entry(struct rootfs *fs, const struct rootfs_entry *e, size_t max, struct rootfs_blob *out)
{
	_cleanup_close_ int fd = open(e->handle, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	return map_fd(fd, max, out);
}

static int dir_read_head(struct rootfs *fs, const struct rootfs_entry *e, uint8_t *buf, size_t n)
{
	_cleanup_close_ int fd = open(e->handle, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	ssize_t k;

	if (fd < 0)
		return -errno;
	k = pread(fd, buf, n, 0);
	if (k < 0)
		return -errno;
	return (int)k;
}

static int dir_list(struct rootfs *fs, const char *dir, char ***names)
{
	struct dirfs *d = fs->priv;
	_cleanup_free_ char *p = full_path(d, dir);
	DIR *dd;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	if (!p)
		return -ENOMEM;
	dd = opendir(p);
	if (!dd)
		return -errno;
	while ((de = readdir(dd))) {
		char **nv;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv)
			goto oom;
		v = nv;
		v[n] = strdup(de->d_name);
		if (!v[n])
			goto oom;
		v[++n] = NULL;
	}
	closedir(dd);
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	*names = v;
	return 0;
oom:
	closedir(dd);
	if (v)
		v[n] = NULL;
	strv_free_array(v);
	return -ENOMEM;
}

static void dir_close(struct rootfs *fs)
{
	struct dirfs *d = fs->priv;

	free(d->top);
	free(d);
	free(fs);
}

static const struct rootfs_ops dir_ops = {
	.walk = dir_walk,
	.read_path = dir_read_path,
	.read_entry = dir_read_entry,
	.read_head = dir_read_head,
	.list = dir_list,
	.close = dir_close,
};

int rootfs_open_dir(const char *dir, bool one_fs, struct rootfs **out)
{
	struct rootfs *fs;
	struct dirfs *d;
	struct stat st;
	size_t n;

	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	fs = calloc(1, sizeof(*fs));
	d = calloc(1, sizeof(*d));
	if (!fs || !d || !(d->top = strdup(dir))) {
		free(fs);
		free(d);
		return -ENOMEM;
	}
	n = strlen(d->top);
	while (n > 0 && d->top[n - 1] == '/')
		d->top[--n] = '\0';
	d->one_fs = one_fs;
	fs->ops = &dir_ops;
	fs->priv = d;
	*out = fs;
	return 0;
}
