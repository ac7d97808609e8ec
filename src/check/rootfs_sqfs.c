/* SPDX-License-Identifier: GPL-2.0-or-later */
/* squashfs backend of struct rootfs, on libsquashfs (squashfs-tools-ng). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>

#include "cleanup.h"
#include "fileio.h"
#include "rootfs.h"

#define SQ_MAX_DEPTH 128
#define SQ_MAX_LINKS 16

struct sqfile {
	sqfs_file_t base;
	int fd;
	uint64_t off, size;
	const uint8_t *mem;
};

struct sqfs {
	struct sqfile *file;
	sqfs_super_t super;
	sqfs_compressor_t *cmp;
	sqfs_id_table_t *idtbl;
	sqfs_dir_reader_t *dr;
	sqfs_data_reader_t *data;
	sqfs_inode_generic_t *root;
};

static int sq_err(int e)
{
	switch (e) {
	case SQFS_ERROR_ALLOC:
		/* libsquashfs sizes its allocations from the image (inode block
		 * lists, tables): a failure means a hostile or corrupt image. */
		return -EBADMSG;
	case SQFS_ERROR_IO:
		return -EIO;
	case SQFS_ERROR_NOT_DIR:
		return -ENOTDIR;
	case SQFS_ERROR_NO_ENTRY:
		return -ENOENT;
	case SQFS_ERROR_LINK_LOOP:
		return -ELOOP;
	case SQFS_ERROR_NOT_FILE:
		return -EISDIR;
	case SQFS_ERROR_UNSUPPORTED:
		return -EOPNOTSUPP;
	default:
		return -EBADMSG;
	}
}

static int sqfile_read_at(sqfs_file_t *base, sqfs_u64 offset, void *buffer, size_t size)
{
	struct sqfile *f = (struct sqfile *)base;

	if (offset > f->size || size > f->size - offset)
		return SQFS_ERROR_OUT_OF_BOUNDS;
	if (f->mem) {
		memcpy(buffer, f->mem + offset, size);
		return 0;
	}
	return pread_full(f->fd, buffer, size, (off_t)(f->off + offset)) < 0 ? SQFS_ERROR_IO : 0;
}

static int sqfile_write_at(sqfs_file_t *base, sqfs_u64 offset, const void *buffer, size_t size)
{
	return SQFS_ERROR_IO;
}

static sqfs_u64 sqfile_get_size(const sqfs_file_t *base)
{
	return ((const struct sqfile *)base)->size;
}

static int sqfile_truncate(sqfs_file_t *base, sqfs_u64 size)
{
	return SQFS_ERROR_IO;
}

static void sqfile_destroy(sqfs_object_t *obj)
{
	struct sqfile *f = (struct sqfile *)obj;

	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

static void sq_close(struct rootfs *fs)
{
	struct sqfs *s = fs->priv;

	if (s) {
		sqfs_free(s->root);
		sqfs_destroy(s->data);
		sqfs_destroy(s->dr);
		sqfs_destroy(s->idtbl);
		sqfs_destroy(s->cmp);
		sqfs_destroy(s->file);
		free(s);
	}
	free(fs);
}

static void fill_entry(const sqfs_tree_node_t *n, const char *path, struct rootfs_entry *e)
{
	const sqfs_inode_generic_t *in = n->inode;
	sqfs_u64 size = 0;

	memset(e, 0, sizeof(*e));
	e->path = path;
	e->mode = in->base.mode;
	e->uid = n->uid;
	e->gid = n->gid;
	if (in->base.type == SQFS_INODE_FILE || in->base.type == SQFS_INODE_EXT_FILE)
		(void)sqfs_inode_get_file_size(in, &size);
	e->size = size;
	e->handle = in;
}

static int walk_node(struct rootfs *fs, const sqfs_tree_node_t *n, char *path, size_t len, int depth,
		     rootfs_walk_cb cb, void *ud)
{
	struct rootfs_entry e;
	char target[PATH_MAX];
	int r;

	if (depth > SQ_MAX_DEPTH) {
		fs->errors++;
		return 0;
	}
	fill_entry(n, len ? path : "/", &e);
	if (n->inode->base.type == SQFS_INODE_SLINK || n->inode->base.type == SQFS_INODE_EXT_SLINK) {
		size_t tl = n->inode->data.slink.target_size;

		if (tl >= sizeof(target) || tl > n->inode->payload_bytes_used)
			tl = 0;
		memcpy(target, n->inode->extra, tl);
		target[tl] = '\0';
		e.link = target;
	}
	r = cb(fs, &e, ud);
	if (r != 0)
		return r < 0 ? r : 0; /* > 0: prune this subtree */
	for (const sqfs_tree_node_t *c = n->children; c; c = c->next) {
		size_t nl = strlen((const char *)c->name);

		if (len + 1 + nl >= PATH_MAX) {
			fs->errors++;
			continue;
		}
		path[len] = '/';
		memcpy(path + len + 1, c->name, nl + 1);
		r = walk_node(fs, c, path, len + 1 + nl, depth + 1, cb, ud);
		path[len] = '\0';
		if (r < 0)
			return r;
	}
	return 0;
}

static int sq_walk(struct rootfs *fs, rootfs_walk_cb cb, void *ud)
{
	struct sqfs *s = fs->priv;
	sqfs_tree_node_t *root = NULL;
	char path[PATH_MAX] = "";
	int r;

	r = sqfs_dir_reader_get_full_hierarchy(s->dr, s->idtbl, NULL, 0, &root);
	if (r)
		return sq_err(r);
	r = walk_node(fs, root, path, 0, 0, cb, ud);
	sqfs_dir_tree_destroy(root);
	return r;
}

/* Splits path into normalised components ('.' dropped, '..' pops). */
static int split_path(const char *path, char comps[][NAME_MAX + 1], int max)
{
	int n = 0;

	for (const char *p = path; *p;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == 0 || (l == 1 && p[0] == '.')) {
			/* skip */
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (n > 0)
				n--;
		} else {
			if (l > NAME_MAX || n >= max)
				return -ENAMETOOLONG;
			memcpy(comps[n], p, l);
			comps[n][l] = '\0';
			n++;
		}
		p = e ? e + 1 : p + l;
	}
	return n;
}

#define SQ_MAX_COMPS 64

/* Resolves a path to an inode, following symlinks (also in the last
 * component when follow_last). Caller frees *out with sqfs_free. */
static int sq_resolve(struct sqfs *s, const char *path, bool follow_last, sqfs_inode_generic_t **out)
{
	static __thread char comps[SQ_MAX_COMPS][NAME_MAX + 1];
	_cleanup_free_ char *cur = strdup(path);
	int links = 0;

	if (!cur)
		return -ENOMEM;
restart:
	{
		int n = split_path(cur, comps, SQ_MAX_COMPS);
		sqfs_inode_generic_t *in = NULL;
		int r;

		if (n < 0)
			return n;
		r = sqfs_dir_reader_get_root_inode(s->dr, &in);
		if (r)
			return sq_err(r);
		for (int i = 0; i < n; i++) {
			sqfs_inode_generic_t *next = NULL;

			if (in->base.type != SQFS_INODE_DIR && in->base.type != SQFS_INODE_EXT_DIR) {
				sqfs_free(in);
				return -ENOTDIR;
			}
			r = sqfs_dir_reader_open_dir(s->dr, in, 0);
			sqfs_free(in);
			in = NULL;
			if (r)
				return sq_err(r);
			r = sqfs_dir_reader_find(s->dr, comps[i]);
			if (r)
				return r == SQFS_ERROR_NO_ENTRY ? -ENOENT : sq_err(r);
			r = sqfs_dir_reader_get_inode(s->dr, &next);
			if (r)
				return sq_err(r);
			in = next;
			if ((in->base.type == SQFS_INODE_SLINK || in->base.type == SQFS_INODE_EXT_SLINK) &&
			    (i < n - 1 || follow_last)) {
				size_t tl = in->data.slink.target_size, w = 0;
				char *np;

				if (++links > SQ_MAX_LINKS || tl > PATH_MAX || tl > in->payload_bytes_used) {
					sqfs_free(in);
					return -ELOOP;
				}
				np = malloc(PATH_MAX * 2 + 2);
				if (!np) {
					sqfs_free(in);
					return -ENOMEM;
				}
				if (tl == 0 || ((const char *)in->extra)[0] != '/')
					for (int k = 0; k < i; k++)
						w += (size_t)snprintf(np + w, PATH_MAX * 2 + 2 - w, "/%s", comps[k]);
				w += (size_t)snprintf(np + w, PATH_MAX * 2 + 2 - w, "/%.*s", (int)tl,
						      (const char *)in->extra);
				for (int k = i + 1; k < n && w < PATH_MAX * 2; k++)
					w += (size_t)snprintf(np + w, PATH_MAX * 2 + 2 - w, "/%s", comps[k]);
				sqfs_free(in);
				if (w >= PATH_MAX * 2) {
					free(np);
					return -ENAMETOOLONG;
				}
				free(cur);
				cur = np;
				goto restart;
			}
		}
		*out = in;
		return 0;
	}
}

static int read_inode(struct sqfs *s, const sqfs_inode_generic_t *in, size_t max, struct rootfs_blob *out)
{
	sqfs_u64 size = 0;
	size_t done = 0;

	memset(out, 0, sizeof(*out));
	if (in->base.type == SQFS_INODE_DIR || in->base.type == SQFS_INODE_EXT_DIR)
		return -EISDIR;
	if (in->base.type != SQFS_INODE_FILE && in->base.type != SQFS_INODE_EXT_FILE)
		return -EINVAL;
	if (sqfs_inode_get_file_size(in, &size))
		return -EBADMSG;
	if (size > max)
		return -EFBIG;
	out->data = malloc(size ? (size_t)size : 1);
	if (!out->data)
		return -ENOMEM;
	while (done < size) {
		sqfs_u32 chunk = size - done > (1u << 20) ? (1u << 20) : (sqfs_u32)(size - done);
		sqfs_s32 n = sqfs_data_reader_read(s->data, in, done, out->data + done, chunk);

		if (n <= 0) {
			free(out->data);
			out->data = NULL;
			return n < 0 ? sq_err(n) : -EBADMSG;
		}
		done += (size_t)n;
	}
	out->len = (size_t)size;
	return 0;
}

static int sq_read_path(struct rootfs *fs, const char *path, size_t max, struct rootfs_blob *out)
{
	struct sqfs *s = fs->priv;
	sqfs_inode_generic_t *in = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = sq_resolve(s, path, true, &in);
	if (r < 0)
		return r;
	r = read_inode(s, in, max, out);
	sqfs_free(in);
	return r;
}

static int sq_read_entry(struct rootfs *fs, const struct rootfs_entry *e, size_t max, struct rootfs_blob *out)
{
	return read_inode(fs->priv, e->handle, max, out);
}

static int sq_read_head(struct rootfs *fs, const struct rootfs_entry *e, uint8_t *buf, size_t n)
{
	struct sqfs *s = fs->priv;
	const sqfs_inode_generic_t *in = e->handle;
	sqfs_s32 k;

	if (in->base.type != SQFS_INODE_FILE && in->base.type != SQFS_INODE_EXT_FILE)
		return -EINVAL;
	if (e->size == 0)
		return 0;
	k = sqfs_data_reader_read(s->data, in, 0, buf, (sqfs_u32)(n < e->size ? n : e->size));
	return k < 0 ? sq_err(k) : (int)k;
}

static int sq_list(struct rootfs *fs, const char *dir, char ***names)
{
	struct sqfs *s = fs->priv;
	sqfs_inode_generic_t *in = NULL;
	char **v = NULL;
	size_t n = 0;
	int r;

	r = sq_resolve(s, dir, true, &in);
	if (r < 0)
		return r;
	r = sqfs_dir_reader_open_dir(s->dr, in, 0);
	sqfs_free(in);
	if (r)
		return sq_err(r);
	for (;;) {
		sqfs_dir_entry_t *ent = NULL;
		char **nv;

		r = sqfs_dir_reader_read(s->dr, &ent);
		if (r > 0)
			break;
		if (r < 0) {
			if (v)
				v[n] = NULL;
			strv_free_array(v);
			return sq_err(r);
		}
		nv = n < 100000 ? realloc(v, (n + 2) * sizeof(*v)) : NULL;
		if (!nv || !(nv[n] = strndup((const char *)ent->name, (size_t)ent->size + 1))) {
			sqfs_free(ent);
			if (nv)
				v = nv;
			if (v)
				v[n] = NULL;
			strv_free_array(v);
			return -ENOMEM;
		}
		sqfs_free(ent);
		v = nv;
		v[++n] = NULL;
	}
	if (!v && !(v = calloc(1, sizeof(*v))))
		return -ENOMEM;
	*names = v;
	return 0;
}

static const struct rootfs_ops sq_ops = {
	.walk = sq_walk,
	.read_path = sq_read_path,
	.read_entry = sq_read_entry,
	.read_head = sq_read_head,
	.list = sq_list,
	.close = sq_close,
};

/* libsquashfs sizes its tables from superblock counts before reading them:
 * refuse counts whose table index cannot even fit in the image, so a crafted
 * superblock cannot make it allocate gigabytes (found by fuzz-check_squashfs). */
static bool sq_sane(const sqfs_super_t *s, uint64_t size)
{
	const struct {
		uint64_t count, entry, start;
	} t[] = {
		{ s->fragment_entry_count, 16, s->fragment_table_start },
		{ s->id_count, 4, s->id_table_start },
	};

	if (s->bytes_used > size)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t blocks = (t[i].count * t[i].entry + 8191) / 8192;

		if (t[i].count && (t[i].start >= size || blocks * 8 > size - t[i].start))
			return false;
	}
	return true;
}

static int sq_open(struct sqfile *file, struct rootfs **out)
{
	struct rootfs *fs = calloc(1, sizeof(*fs));
	struct sqfs *s = calloc(1, sizeof(*s));
	sqfs_compressor_config_t cfg;
	int r;

	if (!fs || !s) {
		free(fs);
		free(s);
		sqfs_destroy(file);
		return -ENOMEM;
	}
	s->file = file;
	fs->priv = s;
	fs->ops = &sq_ops;
	r = sqfs_super_read(&s->super, &file->base);
	if (r)
		goto fail;
	if (!sq_sane(&s->super, file->size)) {
		r = SQFS_ERROR_CORRUPTED;
		goto fail;
	}
	r = sqfs_compressor_config_init(&cfg, (SQFS_COMPRESSOR)s->super.compression_id, s->super.block_size,
					SQFS_COMP_FLAG_UNCOMPRESS);
	if (r)
		goto fail;
	r = sqfs_compressor_create(&cfg, &s->cmp);
	if (r)
		goto fail;
	s->idtbl = sqfs_id_table_create(0);
	if (!s->idtbl) {
		r = SQFS_ERROR_ALLOC;
		goto fail;
	}
	r = sqfs_id_table_read(s->idtbl, &file->base, &s->super, s->cmp);
	if (r)
		goto fail;
	s->dr = sqfs_dir_reader_create(&s->super, s->cmp, &file->base, 0);
	s->data = sqfs_data_reader_create(&file->base, s->super.block_size, s->cmp, 0);
	if (!s->dr || !s->data) {
		r = SQFS_ERROR_ALLOC;
		goto fail;
	}
	r = sqfs_data_reader_load_fragment_table(s->data, &s->super);
	if (r)
		goto fail;
	*out = fs;
	return 0;
fail:
	sq_close(fs);
	return sq_err(r);
}

static struct sqfile *sqfile_new(void)
{
	struct sqfile *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->fd = -1;
	f->base.base.destroy = sqfile_destroy;
	f->base.read_at = sqfile_read_at;
	f->base.write_at = sqfile_write_at;
	f->base.get_size = sqfile_get_size;
	f->base.truncate = sqfile_truncate;
	return f;
}

int rootfs_open_sqfs_fd(int fd, uint64_t offset, uint64_t size, struct rootfs **out)
{
	struct sqfile *f = sqfile_new();

	if (!f)
		return -ENOMEM;
	f->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (f->fd < 0) {
		free(f);
		return -errno;
	}
	f->off = offset;
	f->size = size;
	return sq_open(f, out);
}

int rootfs_open_sqfs_mem(const uint8_t *buf, size_t len, struct rootfs **out)
{
	struct sqfile *f = sqfile_new();

	if (!f)
		return -ENOMEM;
	f->mem = buf;
	f->size = len;
	return sq_open(f, out);
}
