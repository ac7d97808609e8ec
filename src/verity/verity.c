/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "verity.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "parse.h"

#define SB_MAGIC "verity\0\0"
#define CHUNK_BYTES (1u << 20) /* data read per pread by a worker */

/* On-disk superblock, little endian (cryptsetup lib/verity/verity.c). */
struct verity_sb {
	uint8_t signature[8];
	uint32_t version;
	uint32_t hash_type;
	uint8_t uuid[16];
	uint8_t algorithm[32];
	uint32_t data_block_size;
	uint32_t hash_block_size;
	uint64_t data_blocks;
	uint16_t salt_size;
	uint8_t _pad1[6];
	uint8_t salt[256];
	uint8_t _pad2[168];
} __attribute__((packed));

_Static_assert(sizeof(struct verity_sb) == RV_SB_SIZE, "superblock layout");

DEFINE_POINTER_CLEANUP(EVP_MD, EVP_MD_free)
DEFINE_POINTER_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)

/* The superblock is little endian; so is every host we build for. */
static uint32_t le32(uint32_t v)
{
	return v;
}

static uint64_t le64(uint64_t v)
{
	return v;
}

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host expected");

void rv_params_default(struct rv_params *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->hash_name, "sha256");
	p->hash_type = 1;
	p->data_block_size = 4096;
	p->hash_block_size = 4096;
	p->superblock = true;
}

static bool block_size_ok(uint32_t s)
{
	return s >= RV_MIN_BLOCK && s <= RV_MAX_BLOCK && is_power_of_two(s);
}

static EVP_MD *fetch_md(const char *name)
{
	/* Only the digests the kernel's dm-verity accepts by these names. */
	static const char *const allowed[] = { "sha1", "sha256", "sha512", "sha384", "sha224" };

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		if (strcmp(name, allowed[i]) == 0)
			return EVP_MD_fetch(NULL, name, NULL);
	return NULL;
}

int rv_digest_size(const struct rv_params *p)
{
	_cleanup_(EVP_MD_freep) EVP_MD *md = fetch_md(p->hash_name);

	if (!md)
		return -EOPNOTSUPP;
	return EVP_MD_get_size(md);
}

int rv_params_check(const struct rv_params *p)
{
	int ds;

	if (memchr(p->hash_name, '\0', sizeof(p->hash_name)) == NULL)
		return -EINVAL;
	if (p->hash_type != 1)
		return -EOPNOTSUPP;
	if (!block_size_ok(p->data_block_size) || !block_size_ok(p->hash_block_size))
		return -ERANGE;
	if (p->salt_size > RV_MAX_SALT)
		return -ERANGE;
	ds = rv_digest_size(p);
	if (ds < 0)
		return ds;
	if ((uint32_t)ds * 2 > p->hash_block_size)
		return -ERANGE;
	if (p->data_blocks > UINT64_MAX / p->data_block_size)
		return -ERANGE;
	if (p->hash_area_offset % 512)
		return -EINVAL;
	return 0;
}

const char *rv_problem_str(enum rv_problem problem)
{
	switch (problem) {
	case RV_OK: return "ok";
	case RV_ROOT_MISMATCH: return "root-hash-mismatch";
	case RV_HASH_CORRUPT: return "hash-block-corrupt";
	case RV_HASH_SPARE: return "hash-block-spare-area-not-zero";
	case RV_DATA_CORRUPT: return "data-block-corrupt";
	case RV_HASH_TRUNCATED: return "hash-device-truncated";
	case RV_DATA_TRUNCATED: return "data-device-truncated";
	}
	return "unknown";
}

int rv_superblock_parse(const uint8_t *buf, size_t len, struct rv_params *p)
{
	struct verity_sb sb;
	struct rv_params n;
	int r;

	if (len < sizeof(sb))
		return -EINVAL;
	memcpy(&sb, buf, sizeof(sb));
	if (memcmp(sb.signature, SB_MAGIC, 8) != 0)
		return -EBADMSG;
	if (le32(sb.version) != 1)
		return -EPROTONOSUPPORT;
	if (le32(sb.hash_type) != 1)
		return -EOPNOTSUPP;
	if (memchr(sb.algorithm, '\0', sizeof(sb.algorithm)) == NULL)
		return -EOPNOTSUPP;

	rv_params_default(&n);
	n.threads = p->threads;
	n.hash_area_offset = p->hash_area_offset;
	n.data_area_offset = p->data_area_offset;
	memcpy(n.hash_name, sb.algorithm, sizeof(sb.algorithm));
	n.hash_name[sizeof(n.hash_name) - 1] = '\0';
	n.hash_type = le32(sb.hash_type);
	n.data_block_size = le32(sb.data_block_size);
	n.hash_block_size = le32(sb.hash_block_size);
	n.data_blocks = le64(sb.data_blocks);
	if (sb.salt_size > RV_MAX_SALT)
		return -ERANGE;
	n.salt_size = sb.salt_size;
	memcpy(n.salt, sb.salt, n.salt_size);
	memcpy(n.uuid, sb.uuid, 16);
	n.superblock = true;
	if (n.data_blocks == 0)
		return -ERANGE;
	r = rv_params_check(&n);
	if (r < 0)
		return r;
	*p = n;
	return 0;
}

void rv_superblock_build(const struct rv_params *p, uint8_t buf[RV_SB_SIZE])
{
	struct verity_sb sb;

	memset(&sb, 0, sizeof(sb));
	memcpy(sb.signature, SB_MAGIC, 8);
	sb.version = le32(1);
	sb.hash_type = le32(p->hash_type);
	memcpy(sb.uuid, p->uuid, 16);
	memcpy(sb.algorithm, p->hash_name, strnlen(p->hash_name, sizeof(sb.algorithm) - 1));
	sb.data_block_size = le32(p->data_block_size);
	sb.hash_block_size = le32(p->hash_block_size);
	sb.data_blocks = le64(p->data_blocks);
	sb.salt_size = p->salt_size;
	memcpy(sb.salt, p->salt, p->salt_size);
	memcpy(buf, &sb, sizeof(sb));
}

/* --- tree geometry ------------------------------------------------------ */

#define MAX_LEVELS 63

struct geometry {
	unsigned digest_size;
	unsigned digest_full;   /* digest padded to a power of two */
	unsigned per_block_bits;
	unsigned levels;
	uint64_t first_block;   /* first hash block of the tree (after superblock) */
	uint64_t level_start[MAX_LEVELS]; /* absolute hash block index */
	uint64_t level_size[MAX_LEVELS];  /* blocks in level */
	uint64_t end_block;     /* one past the last hash block */
};

static unsigned bits_up(uint64_t v)
{
	unsigned b = 0;

	while ((1ULL << b) < v)
		b++;
	return b;
}

static unsigned bits_down(uint64_t v)
{
	unsigned b = 0;

	while ((v >> 1) > 0) {
		v >>= 1;
		b++;
	}
	return b;
}

static int compute_geometry(const struct rv_params *p, struct geometry *g)
{
	int ds = rv_digest_size(p);
	uint64_t pos, off;

	if (ds < 0)
		return ds;
	memset(g, 0, sizeof(*g));
	g->digest_size = (unsigned)ds;
	g->digest_full = 1u << bits_up((uint64_t)ds);
	g->per_block_bits = bits_down(p->hash_block_size / g->digest_full);
	if (p->data_blocks == 0)
		return -EINVAL;

	off = p->hash_area_offset;
	if (p->superblock)
		off += RV_SB_SIZE + p->hash_block_size - 1;
	g->first_block = off / p->hash_block_size;

	while (g->per_block_bits * g->levels < 64 &&
	       ((p->data_blocks - 1) >> (g->per_block_bits * g->levels)) != 0)
		g->levels++;
	if (g->levels > MAX_LEVELS)
		return -ERANGE;

	pos = g->first_block;
	for (int i = (int)g->levels - 1; i >= 0; i--) {
		unsigned shift = (unsigned)(i + 1) * g->per_block_bits;
		uint64_t s;

		if (shift >= 64)
			s = 1;
		else
			s = (p->data_blocks + (1ULL << shift) - 1) >> shift;
		/* Guard the addition like cryptsetup does. */
		if (pos + s < pos)
			return -ERANGE;
		g->level_start[i] = pos;
		g->level_size[i] = s;
		pos += s;
	}
	g->end_block = pos;
	if (g->end_block > UINT64_MAX / p->hash_block_size)
		return -ERANGE;
	return 0;
}

int rv_hash_device_size(const struct rv_params *p, uint64_t *size)
{
	struct geometry g;
	int r = compute_geometry(p, &g);

	if (r < 0)
		return r;
	*size = g.end_block * p->hash_block_size;
	if (p->superblock && *size < p->hash_area_offset + RV_SB_SIZE)
		*size = p->hash_area_offset + RV_SB_SIZE;
	return 0;
}

/* --- hashing ------------------------------------------------------------ */

struct hasher {
	EVP_MD_CTX *salted; /* context with the salt already absorbed */
	EVP_MD_CTX *ctx;
};

static void hasher_free(struct hasher *h)
{
	EVP_MD_CTX_free(h->salted);
	EVP_MD_CTX_free(h->ctx);
	h->salted = h->ctx = NULL;
}

static int hasher_init(struct hasher *h, const EVP_MD *md, const struct rv_params *p)
{
	h->salted = EVP_MD_CTX_new();
	h->ctx = EVP_MD_CTX_new();
	if (!h->salted || !h->ctx)
		goto fail;
	if (!EVP_DigestInit_ex2(h->salted, md, NULL))
		goto fail;
	if (p->salt_size && !EVP_DigestUpdate(h->salted, p->salt, p->salt_size))
		goto fail;
	return 0;
fail:
	hasher_free(h);
	return -ENOMEM;
}

static int hasher_block(struct hasher *h, const uint8_t *block, size_t len, uint8_t *out)
{
	if (!EVP_MD_CTX_copy_ex(h->ctx, h->salted) || !EVP_DigestUpdate(h->ctx, block, len) ||
	    !EVP_DigestFinal_ex(h->ctx, out, NULL))
		return -EIO;
	return 0;
}

/* --- level 0 over the data, in parallel ------------------------------- */

enum data_mode { DATA_STORE, DATA_COMPARE };

struct data_job {
	int data_fd;
	const struct rv_params *p;
	const struct geometry *g;
	const EVP_MD *md;
	uint8_t *tree;          /* hash area buffer, from g->first_block */
	uint8_t *root;          /* when levels == 0: the single block's digest goes here */
	enum data_mode mode;
	uint64_t data_size;     /* bytes available on the data device */
	_Atomic uint64_t done;  /* blocks hashed (progress) */
	_Atomic int error;
	_Atomic uint64_t first_bad; /* smallest mismatching data block, UINT64_MAX if none */
	progress_cb cb;
	void *userdata;
};

struct data_worker {
	struct data_job *job;
	uint64_t begin, end; /* data blocks [begin, end) */
	bool report_progress;
	pthread_t thread;
};

/* Byte offset, in the tree (from g->first_block), of the digest of block
 * k of the level below lvl (data blocks for lvl 0), held in level lvl. */
static size_t entry_off(const struct geometry *g, uint32_t hash_block_size, unsigned lvl, uint64_t k)
{
	uint64_t hb = g->level_start[lvl] + (k >> g->per_block_bits) - g->first_block;

	return hb * hash_block_size + (k & ((1ULL << g->per_block_bits) - 1)) * g->digest_full;
}

static uint8_t *level0_entry(struct data_job *j, uint64_t block)
{
	if (j->g->levels == 0)
		return j->root;
	return j->tree + entry_off(j->g, j->p->hash_block_size, 0, block);
}

static void *data_worker_run(void *arg)
{
	struct data_worker *w = arg;
	struct data_job *j = w->job;
	const struct rv_params *p = j->p;
	uint32_t bs = p->data_block_size;
	size_t chunk_blocks = CHUNK_BYTES / bs ? CHUNK_BYTES / bs : 1;
	struct hasher h = { 0 };
	_cleanup_free_ uint8_t *buf = NULL;
	uint8_t digest[EVP_MAX_MD_SIZE];
	int r;

	buf = malloc(chunk_blocks * bs);
	if (!buf) {
		atomic_store(&j->error, -ENOMEM);
		return NULL;
	}
	r = hasher_init(&h, j->md, p);
	if (r < 0) {
		atomic_store(&j->error, r);
		return NULL;
	}
	for (uint64_t b = w->begin; b < w->end;) {
		size_t n = chunk_blocks;

		if (atomic_load(&j->error))
			break;
		if (n > w->end - b)
			n = (size_t)(w->end - b);
		r = pread_full(j->data_fd, buf, n * bs, (off_t)(p->data_area_offset + b * bs));
		if (r < 0) {
			atomic_store(&j->error, r);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			uint8_t *entry = level0_entry(j, b + i);

			r = hasher_block(&h, buf + i * bs, bs, j->mode == DATA_STORE ? entry : digest);
			if (r < 0) {
				atomic_store(&j->error, r);
				break;
			}
			if (j->mode == DATA_COMPARE && memcmp(digest, entry, j->g->digest_size) != 0) {
				uint64_t cur = atomic_load(&j->first_bad);

				while (b + i < cur && !atomic_compare_exchange_weak(&j->first_bad, &cur, b + i))
					;
				/* later blocks of this worker cannot be the first */
				w->end = b + i + 1;
				break;
			}
		}
		b += n;
		atomic_fetch_add(&j->done, n);
		if (w->report_progress && j->cb)
			j->cb(j->userdata, atomic_load(&j->done), p->data_blocks);
	}
	hasher_free(&h);
	return NULL;
}

static unsigned thread_count(const struct rv_params *p, uint64_t blocks)
{
	long n = p->threads ? (long)p->threads : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > 64)
		n = 64;
	/* not worth a thread below 1024 blocks each */
	if ((uint64_t)n > blocks / 1024 + 1)
		n = (long)(blocks / 1024 + 1);
	return (unsigned)n;
}

static int hash_data(struct data_job *j)
{
	unsigned n = thread_count(j->p, j->p->data_blocks);
	_cleanup_free_ struct data_worker *w = calloc(n, sizeof(*w));
	uint64_t per, start = 0;
	unsigned started = 0;
	int r = 0;

	if (!w)
		return -ENOMEM;
	atomic_store(&j->first_bad, UINT64_MAX);
	per = j->p->data_blocks / n;
	for (unsigned i = 0; i < n; i++) {
		w[i].job = j;
		w[i].begin = start;
		w[i].end = i == n - 1 ? j->p->data_blocks : start + per;
		w[i].report_progress = i == 0;
		start = w[i].end;
	}
	(void)posix_fadvise(j->data_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (unsigned i = 1; i < n; i++) {
		if (pthread_create(&w[i].thread, NULL, data_worker_run, &w[i]) != 0) {
			atomic_store(&j->error, -EAGAIN);
			break;
		}
		started = i;
	}
	data_worker_run(&w[0]);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(w[i].thread, NULL);
	r = atomic_load(&j->error);
	if (r == 0 && j->cb)
		j->cb(j->userdata, j->p->data_blocks, j->p->data_blocks);
	return r;
}

/* Hashes each block of level `lvl` into the entries of level `lvl + 1`
 * (or into root for the top level). */
static int hash_level(struct hasher *h, const struct rv_params *p, const struct geometry *g,
		      uint8_t *tree, unsigned lvl, uint8_t *root)
{
	for (uint64_t k = 0; k < g->level_size[lvl]; k++) {
		const uint8_t *blk = tree + (g->level_start[lvl] - g->first_block + k) * p->hash_block_size;
		uint8_t *out;
		int r;

		if (lvl + 1 == g->levels) {
			out = root;
		} else {
			out = tree + entry_off(g, p->hash_block_size, lvl + 1, k);
		}
		r = hasher_block(h, blk, p->hash_block_size, out);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Bytes of data device from p->data_area_offset on. */
static int data_area_size(int data_fd, const struct rv_params *p, uint64_t *size)
{
	int r = fd_get_size(data_fd, size);

	if (r < 0)
		return r;
	*size = *size > p->data_area_offset ? *size - p->data_area_offset : 0;
	return 0;
}

static int data_size_check(int data_fd, struct rv_params *p, uint64_t *size)
{
	int r = data_area_size(data_fd, p, size);

	if (r < 0)
		return r;
	if (p->data_blocks == 0) {
		if (*size % p->data_block_size)
			return -EINVAL; /* not a whole number of blocks */
		p->data_blocks = *size / p->data_block_size;
		if (p->data_blocks == 0)
			return -ENODATA;
	} else if (p->data_blocks > *size / p->data_block_size) {
		return -ENOSPC; /* fewer blocks than asked for */
	}
	return 0;
}

int rv_format_fd(int data_fd, int hash_fd, struct rv_params *p, uint8_t *root, size_t *root_len,
		 progress_cb cb, void *userdata)
{
	_cleanup_(EVP_MD_freep) EVP_MD *md = NULL;
	_cleanup_free_ uint8_t *tree = NULL;
	struct hasher h = { 0 };
	struct geometry g;
	uint64_t data_size, tree_bytes;
	uint8_t sb[RV_SB_SIZE];
	int r;

	r = rv_params_check(p);
	if (r < 0)
		return r;
	r = data_size_check(data_fd, p, &data_size);
	if (r < 0)
		return r;
	r = compute_geometry(p, &g);
	if (r < 0)
		return r;
	md = fetch_md(p->hash_name);
	if (!md)
		return -EOPNOTSUPP;

	tree_bytes = (g.end_block - g.first_block) * p->hash_block_size;
	if (tree_bytes > SIZE_MAX)
		return -EFBIG;
	tree = calloc(1, tree_bytes ? (size_t)tree_bytes : 1);
	if (!tree)
		return -ENOMEM;

	struct data_job job = {
		.data_fd = data_fd, .p = p, .g = &g, .md = md, .tree = tree, .root = root,
		.mode = DATA_STORE, .data_size = data_size, .cb = cb, .userdata = userdata,
	};
	r = hash_data(&job);
	if (r < 0)
		return r;
	r = hasher_init(&h, md, p);
	if (r < 0)
		return r;
	for (unsigned lvl = 0; lvl < g.levels && r == 0; lvl++)
		r = hash_level(&h, p, &g, tree, lvl, root);
	hasher_free(&h);
	if (r < 0)
		return r;

	if (p->superblock) {
		uint64_t pad_end = g.first_block * p->hash_block_size;
		_cleanup_free_ uint8_t *head = calloc(1, pad_end - p->hash_area_offset);

		if (!head)
			return -ENOMEM;
		rv_superblock_build(p, sb);
		memcpy(head, sb, RV_SB_SIZE);
		r = pwrite_full(hash_fd, head, pad_end - p->hash_area_offset, (off_t)p->hash_area_offset);
		if (r < 0)
			return r;
	}
	r = pwrite_full(hash_fd, tree, tree_bytes, (off_t)(g.first_block * p->hash_block_size));
	if (r < 0)
		return r;
	*root_len = g.digest_size;
	return 0;
}

static int same_file(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
		return -errno;
	if (S_ISBLK(sa.st_mode) && S_ISBLK(sb.st_mode))
		return sa.st_rdev == sb.st_rdev;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int rv_format(const char *data_path, const char *hash_path, struct rv_params *p, uint8_t *root,
	      size_t *root_len, progress_cb cb, void *userdata)
{
	_cleanup_(atomic_file_discardp) struct atomic_file af = ATOMIC_FILE_INIT;
	_cleanup_close_ int data_fd = -1, hash_fd = -1;
	struct stat st;
	uint64_t size;
	int r;

	r = rv_params_check(p);
	if (r < 0)
		return r;
	data_fd = open(data_path, O_RDONLY | O_CLOEXEC);
	if (data_fd < 0)
		return -errno;
	r = data_size_check(data_fd, p, &size);
	if (r < 0)
		return r;

	if (stat(hash_path, &st) == 0 && S_ISBLK(st.st_mode)) {
		uint64_t need, have;

		hash_fd = open(hash_path, O_RDWR | O_CLOEXEC);
		if (hash_fd < 0)
			return -errno;
		r = same_file(data_fd, hash_fd);
		if (r != 0)
			return r < 0 ? r : -EEXIST;
		r = rv_hash_device_size(p, &need);
		if (r < 0)
			return r;
		r = fd_get_size(hash_fd, &have);
		if (r < 0)
			return r;
		if (have < need)
			return -ENOSPC;
		r = rv_format_fd(data_fd, hash_fd, p, root, root_len, cb, userdata);
		if (r < 0)
			return r;
		return fsync(hash_fd) < 0 ? -errno : 0;
	}
	if (stat(hash_path, &st) == 0) {
		struct stat ds;

		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		if (fstat(data_fd, &ds) < 0)
			return -errno;
		if (ds.st_dev == st.st_dev && ds.st_ino == st.st_ino)
			return -EEXIST;
	}
	r = atomic_file_open(&af, hash_path, 0644);
	if (r < 0)
		return r;
	r = rv_format_fd(data_fd, af.fd, p, root, root_len, cb, userdata);
	if (r < 0)
		return r;
	return atomic_file_commit(&af);
}

/* --- verification ------------------------------------------------------- */

/* The parameters to verify with: from the superblock (p->superblock) or as
 * given, checked either way. */
static int load_params(int hash_fd, struct rv_params *p)
{
	uint8_t sb[RV_SB_SIZE];
	uint64_t hash_size;
	int r;

	if (!p->superblock)
		return rv_params_check(p);
	r = fd_get_size(hash_fd, &hash_size);
	if (r < 0)
		return r;
	if (hash_size < p->hash_area_offset + RV_SB_SIZE)
		return -ENODATA;
	r = pread_full(hash_fd, sb, sizeof(sb), (off_t)p->hash_area_offset);
	if (r < 0)
		return r;
	return rv_superblock_parse(sb, sizeof(sb), p);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Checks that the unused bytes of every block of level lvl are zero:
 * entry padding (digest_full - digest_size) and unused entries of the
 * last block. */
static bool spare_ok(const struct rv_params *p, const struct geometry *g, const uint8_t *tree,
		     unsigned lvl, uint64_t *bad_block)
{
	uint64_t entries = lvl == 0 ? p->data_blocks : g->level_size[lvl - 1];
	uint64_t per = 1ULL << g->per_block_bits;

	for (uint64_t k = 0; k < g->level_size[lvl]; k++) {
		const uint8_t *blk = tree + (g->level_start[lvl] - g->first_block + k) * p->hash_block_size;
		uint64_t used = entries - k * per < per ? entries - k * per : per;

		for (uint64_t e = 0; e < used && g->digest_full != g->digest_size; e++)
			if (!all_zero(blk + e * g->digest_full + g->digest_size,
				      g->digest_full - g->digest_size))
				goto bad;
		if (!all_zero(blk + used * g->digest_full, p->hash_block_size - used * g->digest_full))
			goto bad;
		continue;
bad:
		*bad_block = g->level_start[lvl] + k;
		return false;
	}
	return true;
}

/* Checks the hash levels of tree (the hash area from g->first_block) top
 * down against root: each level against the one above it, which is
 * already trusted, so the first mismatch names the bad block; and the
 * spare bytes of every level. Level 0 is then trusted to check data. */
static int check_tree(const EVP_MD *md, const struct rv_params *p, const struct geometry *g, const uint8_t *tree,
		      const uint8_t *root, struct rv_report *report)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	struct hasher h = { 0 };
	int r;

	r = hasher_init(&h, md, p);
	if (r < 0)
		return r;
	if (g->levels > 0) {
		const uint8_t *blk = tree + (g->level_start[g->levels - 1] - g->first_block) * p->hash_block_size;

		r = hasher_block(&h, blk, p->hash_block_size, digest);
		if (r == 0 && memcmp(digest, root, g->digest_size) != 0) {
			report->problem = RV_ROOT_MISMATCH;
			report->block = g->level_start[g->levels - 1];
			report->level = g->levels - 1;
			r = -EBADMSG;
		}
	}
	for (int lvl = (int)g->levels - 1; r == 0 && lvl >= 0; lvl--) {
		uint64_t bad;

		if (!spare_ok(p, g, tree, (unsigned)lvl, &bad)) {
			report->problem = RV_HASH_SPARE;
			report->block = bad;
			report->level = (unsigned)lvl;
			r = -EBADMSG;
			break;
		}
		if (lvl == 0)
			break;
		for (uint64_t k = 0; k < g->level_size[lvl - 1]; k++) {
			const uint8_t *blk = tree + (g->level_start[lvl - 1] - g->first_block + k) * p->hash_block_size;
			const uint8_t *entry = tree + entry_off(g, p->hash_block_size, (unsigned)lvl, k);

			r = hasher_block(&h, blk, p->hash_block_size, digest);
			if (r < 0)
				break;
			if (memcmp(digest, entry, g->digest_size) != 0) {
				report->problem = RV_HASH_CORRUPT;
				report->block = g->level_start[lvl - 1] + k;
				report->level = (unsigned)lvl - 1;
				r = -EBADMSG;
				break;
			}
		}
	}
	hasher_free(&h);
	return r;
}

int rv_verify_fd(int data_fd, int hash_fd, struct rv_params *p, const uint8_t *root, size_t root_len,
		 struct rv_report *report, progress_cb cb, void *userdata)
{
	_cleanup_(EVP_MD_freep) EVP_MD *md = NULL;
	_cleanup_free_ uint8_t *tree = NULL;
	uint8_t top[RV_MAX_DIGEST];
	struct geometry g;
	uint64_t data_size, hash_size, tree_bytes;
	int r;

	memset(report, 0, sizeof(*report));
	r = load_params(hash_fd, p);
	if (r < 0)
		return r;
	r = data_area_size(data_fd, p, &data_size);
	if (r < 0)
		return r;
	if (p->data_blocks == 0) {
		if (data_size % p->data_block_size)
			return -EINVAL;
		p->data_blocks = data_size / p->data_block_size;
		if (p->data_blocks == 0)
			return -ENODATA;
	}
	r = compute_geometry(p, &g);
	if (r < 0)
		return r;
	if (root_len != g.digest_size)
		return -EMEDIUMTYPE; /* root hash length does not match the digest */
	if (data_size / p->data_block_size < p->data_blocks) {
		report->problem = RV_DATA_TRUNCATED;
		report->block = data_size / p->data_block_size;
		return -EBADMSG;
	}
	r = fd_get_size(hash_fd, &hash_size);
	if (r < 0)
		return r;
	if (hash_size < g.end_block * p->hash_block_size) {
		report->problem = RV_HASH_TRUNCATED;
		report->block = hash_size / p->hash_block_size;
		return -EBADMSG;
	}
	md = fetch_md(p->hash_name);
	if (!md)
		return -EOPNOTSUPP;
	tree_bytes = (g.end_block - g.first_block) * p->hash_block_size;
	tree = malloc(tree_bytes ? (size_t)tree_bytes : 1);
	if (!tree)
		return -ENOMEM;
	r = pread_full(hash_fd, tree, (size_t)tree_bytes, (off_t)(g.first_block * p->hash_block_size));
	if (r < 0)
		return r;

	r = check_tree(md, p, &g, tree, root, report);
	if (r < 0)
		return r;

	memcpy(top, root, g.digest_size);
	struct data_job job = {
		.data_fd = data_fd, .p = p, .g = &g, .md = md, .tree = tree, .root = top,
		.mode = DATA_COMPARE, .data_size = data_size, .cb = cb, .userdata = userdata,
	};
	r = hash_data(&job);
	if (r < 0)
		return r;
	if (atomic_load(&job.first_bad) != UINT64_MAX) {
		report->problem = g.levels == 0 ? RV_ROOT_MISMATCH : RV_DATA_CORRUPT;
		report->block = atomic_load(&job.first_bad);
		return -EBADMSG;
	}
	return 0;
}

/* --- streaming verification ------------------------------------------ */

struct rv_stream {
	struct rv_params p;
	struct geometry g;
	EVP_MD *md;
	struct hasher h;
	const uint8_t *tree;   /* the caller's hash area, from g.first_block */
	uint8_t top[RV_MAX_DIGEST]; /* levels == 0: the single block's digest */
	uint8_t *partial;      /* one data block being assembled */
	size_t partial_len;
	uint64_t block;        /* next data block to check */
	uint64_t extra;        /* bytes received after the last data block */
	int error;             /* sticky: first failure */
	struct rv_report report;
};

void rv_stream_free(struct rv_stream *s)
{
	if (!s)
		return;
	hasher_free(&s->h);
	EVP_MD_free(s->md);
	free(s->partial);
	free(s);
}

int rv_stream_new(struct rv_params *p, const uint8_t *hash, size_t hash_len, const uint8_t *root, size_t root_len,
		  struct rv_report *report, struct rv_stream **out)
{
	_cleanup_(rv_stream_freep) struct rv_stream *s = NULL;
	int r;

	memset(report, 0, sizeof(*report));
	p->hash_area_offset = 0; /* the hash area is the buffer */
	if (p->superblock) {
		if (hash_len < RV_SB_SIZE) {
			report->problem = RV_HASH_TRUNCATED;
			return -EBADMSG;
		}
		r = rv_superblock_parse(hash, RV_SB_SIZE, p);
	} else {
		r = rv_params_check(p);
	}
	if (r < 0)
		return r;
	if (p->data_blocks == 0)
		return -EINVAL; /* nothing to tell the stream's end by */
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->p = *p;
	r = compute_geometry(&s->p, &s->g);
	if (r < 0)
		return r;
	if (root_len != s->g.digest_size)
		return -EMEDIUMTYPE;
	if (hash_len / s->p.hash_block_size < s->g.end_block) {
		report->problem = RV_HASH_TRUNCATED;
		report->block = hash_len / s->p.hash_block_size;
		return -EBADMSG;
	}
	s->md = fetch_md(s->p.hash_name);
	if (!s->md)
		return -EOPNOTSUPP;
	s->tree = hash + s->g.first_block * s->p.hash_block_size;
	r = check_tree(s->md, &s->p, &s->g, s->tree, root, report);
	if (r < 0)
		return r;
	memcpy(s->top, root, s->g.digest_size);
	s->partial = malloc(s->p.data_block_size);
	if (!s->partial)
		return -ENOMEM;
	r = hasher_init(&s->h, s->md, &s->p);
	if (r < 0)
		return r;
	*out = TAKE_PTR(s);
	return 0;
}

static const uint8_t *stream_entry(const struct rv_stream *s, uint64_t block)
{
	if (s->g.levels == 0)
		return s->top;
	return s->tree + entry_off(&s->g, s->p.hash_block_size, 0, block);
}

static int stream_block(struct rv_stream *s, const uint8_t *blk)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	int r = hasher_block(&s->h, blk, s->p.data_block_size, digest);

	if (r < 0)
		return s->error = r;
	if (memcmp(digest, stream_entry(s, s->block), s->g.digest_size) != 0) {
		s->report.problem = s->g.levels == 0 ? RV_ROOT_MISMATCH : RV_DATA_CORRUPT;
		s->report.block = s->block;
		return s->error = -EBADMSG;
	}
	s->block++;
	return 0;
}

int rv_stream_update(struct rv_stream *s, const uint8_t *buf, size_t len, struct rv_report *report)
{
	uint32_t bs = s->p.data_block_size;
	int r;

	while (!s->error && len && s->block < s->p.data_blocks) {
		if (s->partial_len || len < bs) {
			size_t take = bs - s->partial_len < len ? bs - s->partial_len : len;

			memcpy(s->partial + s->partial_len, buf, take);
			s->partial_len += take;
			buf += take;
			len -= take;
			if (s->partial_len < bs)
				break;
			s->partial_len = 0;
			r = stream_block(s, s->partial);
		} else {
			r = stream_block(s, buf); /* whole blocks straight from the caller's buffer */
			buf += bs;
			len -= bs;
		}
		if (r < 0)
			break;
	}
	if (!s->error)
		s->extra += len;
	*report = s->report;
	return s->error;
}

int rv_stream_finish(struct rv_stream *s, struct rv_report *report)
{
	if (!s->error && s->block < s->p.data_blocks) {
		s->report.problem = RV_DATA_TRUNCATED;
		s->report.block = s->block;
		s->error = -EBADMSG;
	}
	*report = s->report;
	return s->error;
}

uint64_t rv_stream_extra(const struct rv_stream *s)
{
	return s->extra;
}

int rv_verify_root(int hash_fd, uint64_t data_size, struct rv_params *p, const uint8_t *root, size_t root_len,
		   struct rv_report *report)
{
	_cleanup_(EVP_MD_freep) EVP_MD *md = NULL;
	_cleanup_free_ uint8_t *blk = NULL;
	uint8_t digest[EVP_MAX_MD_SIZE];
	struct hasher h = { 0 };
	struct geometry g;
	uint64_t hash_size;
	int r;

	memset(report, 0, sizeof(*report));
	r = load_params(hash_fd, p);
	if (r < 0)
		return r;
	r = fd_get_size(hash_fd, &hash_size);
	if (r < 0)
		return r;
	if (p->data_blocks == 0 || data_size / p->data_block_size < p->data_blocks) {
		report->problem = RV_DATA_TRUNCATED;
		report->block = data_size / p->data_block_size;
		return -EBADMSG;
	}
	r = compute_geometry(p, &g);
	if (r < 0)
		return r;
	if (root_len != g.digest_size)
		return -EMEDIUMTYPE;
	if (g.levels == 0)
		return 0; /* a single data block: nothing to check without reading it */
	if (hash_size < g.end_block * p->hash_block_size) {
		report->problem = RV_HASH_TRUNCATED;
		report->block = hash_size / p->hash_block_size;
		return -EBADMSG;
	}
	md = fetch_md(p->hash_name);
	if (!md)
		return -EOPNOTSUPP;
	blk = malloc(p->hash_block_size);
	if (!blk)
		return -ENOMEM;
	r = pread_full(hash_fd, blk, p->hash_block_size, (off_t)(g.level_start[g.levels - 1] * p->hash_block_size));
	if (r < 0)
		return r;
	r = hasher_init(&h, md, p);
	if (r < 0)
		return r;
	r = hasher_block(&h, blk, p->hash_block_size, digest);
	hasher_free(&h);
	if (r < 0)
		return r;
	if (memcmp(digest, root, g.digest_size) != 0) {
		report->problem = RV_ROOT_MISMATCH;
		report->block = g.level_start[g.levels - 1];
		report->level = g.levels - 1;
		return -EBADMSG;
	}
	return 0;
}

int rv_verify(const char *data_path, const char *hash_path, struct rv_params *p, const uint8_t *root,
	      size_t root_len, struct rv_report *report, progress_cb cb, void *userdata)
{
	_cleanup_close_ int data_fd = -1, hash_fd = -1;
	int r;

	data_fd = open(data_path, O_RDONLY | O_CLOEXEC);
	if (data_fd < 0)
		return -errno;
	hash_fd = open(hash_path, O_RDONLY | O_CLOEXEC);
	if (hash_fd < 0)
		return -errno;
	r = same_file(data_fd, hash_fd);
	if (r != 0)
		return r < 0 ? r : -EEXIST;
	return rv_verify_fd(data_fd, hash_fd, p, root, root_len, report, cb, userdata);
}
