/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "cleanup.h"
#include "fileio.h"
#include "hex.h"
#include "verity.h"

struct fixture {
	char dir[64];
	char data[96];
	char hash[96];
};

static const uint8_t kat_salt[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
static const uint8_t kat_uuid[16] = { 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x12, 0x34,
				      0x12, 0x34, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };

/* 300 blocks of 4096 bytes, block i filled with byte i % 256. */
static void write_kat_data(const char *path, unsigned blocks)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	uint8_t buf[4096];

	assert_true(fd >= 0);
	for (unsigned i = 0; i < blocks; i++) {
		memset(buf, (int)(i % 256), sizeof(buf));
		assert_int_equal(write_full(fd, buf, sizeof(buf)), 0);
	}
	close(fd);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/rempart-verity-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	snprintf(f->hash, sizeof(f->hash), "%s/hash", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->data);
	unlink(f->hash);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void kat_params(struct rv_params *p)
{
	rv_params_default(p);
	memcpy(p->salt, kat_salt, sizeof(kat_salt));
	p->salt_size = sizeof(kat_salt);
	memcpy(p->uuid, kat_uuid, 16);
}

static void sha256_file(const char *path, char hex[65])
{
	uint8_t *buf, md[32];
	size_t len;
	unsigned mdlen;

	assert_int_equal(read_file(path, 1 << 26, &buf, &len), 0);
	assert_true(EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL));
	hex_encode(md, 32, hex);
	free(buf);
}

/* Known answers produced by cryptsetup 2.6.1's veritysetup format. */
static void test_kat_sha256(void **state)
{
	struct fixture *f = *state;
	struct rv_params p;
	uint8_t root[RV_MAX_DIGEST];
	size_t len;
	char hex[129];
	struct stat st;

	write_kat_data(f->data, 300);
	kat_params(&p);
	p.threads = 2;
	assert_int_equal(rv_format(f->data, f->hash, &p, root, &len, NULL, NULL), 0);
	assert_int_equal(len, 32);
	hex_encode(root, len, hex);
	assert_string_equal(hex, "5663dcddb9709dc998f564f2ee834c4d677404d773687deeaf27fcb70622e9d7");
	assert_int_equal(p.data_blocks, 300);
	assert_int_equal(stat(f->hash, &st), 0);
	assert_int_equal(st.st_size, 20480);
	sha256_file(f->hash, hex);
	assert_string_equal(hex, "84f1932049c7b8efdadec2564e8e17446d8db1b29482c4c1cddd3b7c8dd6de38");
}

static void test_kat_sha512_small_blocks(void **state)
{
	struct fixture *f = *state;
	struct rv_params p;
	uint8_t root[RV_MAX_DIGEST];
	size_t len;
	char hex[129];

	write_kat_data(f->data, 300);
	kat_params(&p);
	strcpy(p.hash_name, "sha512");
	p.data_block_size = 512;
	p.hash_block_size = 1024;
	assert_int_equal(rv_format(f->data, f->hash, &p, root, &len, NULL, NULL), 0);
	assert_int_equal(len, 64);
	hex_encode(root, len, hex);
	assert_string_equal(hex, "16f72b48c63b23a04ef0846f6430d62b97b4dfee8cdae6bb637924a1ef25d75f"
				 "da3d936b30f4e2e4f21ad824dc02152725b7db48ef558aab6eb3e1248dd01631");
	sha256_file(f->hash, hex);
	assert_string_equal(hex, "36cde1a0c65c65ce3966312776592a0d507b63add2d08dfd675338627d3b5e11");
}

static void test_single_block_no_superblock(void **state)
{
	struct fixture *f = *state;
	struct rv_params p;
	uint8_t root[RV_MAX_DIGEST];
	struct rv_report rep;
	size_t len;
	char hex[129];
	struct stat st;

	write_kat_data(f->data, 1);
	rv_params_default(&p);
	p.superblock = false;
	p.salt_size = 1;
	p.salt[0] = 0;
	assert_int_equal(rv_format(f->data, f->hash, &p, root, &len, NULL, NULL), 0);
	hex_encode(root, len, hex);
	assert_string_equal(hex, "b587fa297299ce9c602e58292b51379402bf7b1074f6b18679c2fb871c917ca8");
	assert_int_equal(stat(f->hash, &st), 0);
	assert_int_equal(st.st_size, 0);
	p.data_blocks = 0;
	assert_int_equal(rv_verify(f->data, f->hash, &p, root, len, &rep, NULL, NULL), 0);
	root[0] ^= 1;
	assert_int_equal(rv_verify(f->data, f->hash, &p, root, len, &rep, NULL, NULL), -EBADMSG);
	assert_int_equal(rep.problem, RV_ROOT_MISMATCH);
}

static void flip_byte(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread_full(fd, &b, 1, off), 0);
	b ^= 0x40;
	assert_int_equal(pwrite_full(fd, &b, 1, off), 0);
	close(fd);
}

static void format_big(struct fixture *f, unsigned blocks, uint8_t *root, size_t *len)
{
	struct rv_params p;

	write_kat_data(f->data, blocks);
	kat_params(&p);
	assert_int_equal(rv_format(f->data, f->hash, &p, root, len, NULL, NULL), 0);
}

static void test_verify_detects_data(void **state)
{
	struct fixture *f = *state;
	uint8_t root[RV_MAX_DIGEST];
	struct rv_params p;
	struct rv_report rep;
	size_t len;

	format_big(f, 20000, root, &len); /* 3 levels with 4 KiB blocks */
	rv_params_default(&p);
	assert_int_equal(rv_verify(f->data, f->hash, &p, root, len, &rep, NULL, NULL), 0);
	flip_byte(f->data, 4096 * 17000 + 5);
	flip_byte(f->data, 4096 * 12345 + 100);
	rv_params_default(&p);
	p.threads = 4;
	assert_int_equal(rv_verify(f->data, f->hash, &p, root, len, &rep, NULL, NULL), -EBADMSG);
	assert_int_equal(rep.problem, RV_DATA_CORRUPT);
	assert_int_equal(rep.block, 12345); /* the first one, whatever the thread split */
}

static void test_verify_detects_hash(void **state)
{
	struct fixture *f = *state;
	uint8_t root[RV_MAX_DIGEST];
	struct rv_params p;
	struct rv_report rep;
	size_t len;

	format_big(f, 20000, root, &len);
	/* Tree: superblock block 0, level 2 at block 1, level 1 at 2, level 0 from 3. */
	flip_byte(f->hash, 4096 * 10 + 7);
	rv_params_default(&p);
	assert_int_equal(rv_verify(f->data, f->hash, &p, root, len, &rep, NULL, NULL), -EBADMSG);
	assert_int_equal(rep.problem, RV_HASH_CORRUPT);
	assert_int_equal(rep.block, 10);
	assert_int_equal(rep.level, 0);

	/* wrong root hash */
	format_big(f, 20000, root, &len);
	root[3] ^= 0xff;
	rv_params_default(&p);
	assert_int_equal(rv_verify(f->data, f->hash, &p, root, len, &rep, NULL, NULL), -EBADMSG);
	assert_int_equal(rep.problem, RV_ROOT_MISMATCH);
}

static void test_verify_spare_area(void **state)
{
	struct fixture *f = *state;
	uint8_t root[RV_MAX_DIGEST];
	struct rv_params p;
	struct rv_report rep;
	size_t len;

	/* 300 blocks: level 0 has 3 blocks, the last holds 44 entries. */
	format_big(f, 300, root, &len);
	flip_byte(f->hash, 4096 * 4 + 4000);
	rv_params_default(&p);
	assert_int_equal(rv_verify(f->data, f->hash, &p, root, len, &rep, NULL, NULL), -EBADMSG);
	/* The flipped spare byte changes the block's hash, seen first from above. */
	assert_true(rep.problem == RV_HASH_CORRUPT || rep.problem == RV_HASH_SPARE);
}

static void test_truncated_hash(void **state)
{
	struct fixture *f = *state;
	uint8_t root[RV_MAX_DIGEST];
	struct rv_params p;
	struct rv_report rep;
	size_t len;

	format_big(f, 300, root, &len);
	assert_int_equal(truncate(f->hash, 4096 * 3), 0);
	rv_params_default(&p);
	assert_int_equal(rv_verify(f->data, f->hash, &p, root, len, &rep, NULL, NULL), -EBADMSG);
	assert_int_equal(rep.problem, RV_HASH_TRUNCATED);
	assert_int_equal(truncate(f->hash, 100), 0);
	assert_int_equal(rv_verify(f->data, f->hash, &p, root, len, &rep, NULL, NULL), -ENODATA);
}

static void test_bad_inputs_leave_nothing(void **state)
{
	struct fixture *f = *state;
	uint8_t root[RV_MAX_DIGEST];
	struct rv_params p;
	size_t len;
	int fd;

	fd = open(f->data, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write_full(fd, "short", 5), 0);
	close(fd);
	rv_params_default(&p);
	assert_int_equal(rv_format(f->data, f->hash, &p, root, &len, NULL, NULL), -EINVAL);
	assert_int_equal(access(f->hash, F_OK), -1);

	write_kat_data(f->data, 4);
	rv_params_default(&p);
	assert_int_equal(rv_format(f->data, f->data, &p, root, &len, NULL, NULL), -EEXIST);
	rv_params_default(&p);
	p.data_block_size = 1000;
	assert_int_equal(rv_format(f->data, f->hash, &p, root, &len, NULL, NULL), -ERANGE);
	rv_params_default(&p);
	strcpy(p.hash_name, "md5");
	assert_int_equal(rv_format(f->data, f->hash, &p, root, &len, NULL, NULL), -EOPNOTSUPP);
	rv_params_default(&p);
	assert_int_equal(rv_format(f->data, "/nonexistent/dir/hash", &p, root, &len, NULL, NULL), -ENOENT);
	assert_int_equal(access(f->hash, F_OK), -1);
}

static void test_verify_root_only(void **state)
{
	struct fixture *f = *state;
	uint8_t root[RV_MAX_DIGEST];
	struct rv_params p;
	struct rv_report rep;
	size_t len;
	int fd;

	format_big(f, 20000, root, &len);
	fd = open(f->hash, O_RDONLY);
	assert_true(fd >= 0);
	rv_params_default(&p);
	assert_int_equal(rv_verify_root(fd, 20000ULL * 4096, &p, root, len, &rep), 0);
	rv_params_default(&p);
	assert_int_equal(rv_verify_root(fd, 100ULL * 4096, &p, root, len, &rep), -EBADMSG);
	assert_int_equal(rep.problem, RV_DATA_TRUNCATED);
	root[0] ^= 1;
	rv_params_default(&p);
	assert_int_equal(rv_verify_root(fd, 20000ULL * 4096, &p, root, len, &rep), -EBADMSG);
	assert_int_equal(rep.problem, RV_ROOT_MISMATCH);
	rv_params_default(&p);
	assert_int_equal(rv_verify_root(fd, 20000ULL * 4096, &p, root, 20, &rep), -EMEDIUMTYPE);
	close(fd);
	/* a tree of other data (same size) does not match the root hash */
	root[0] ^= 1;
	write_kat_data(f->data, 20001);
	assert_int_equal(truncate(f->data, 20000LL * 4096), 0);
	flip_byte(f->data, 0);
	{
		struct rv_params q;
		uint8_t other[RV_MAX_DIGEST];
		size_t olen;

		kat_params(&q);
		assert_int_equal(rv_format(f->data, f->hash, &q, other, &olen, NULL, NULL), 0);
	}
	fd = open(f->hash, O_RDONLY);
	rv_params_default(&p);
	assert_int_equal(rv_verify_root(fd, 20000ULL * 4096, &p, root, len, &rep), -EBADMSG);
	assert_int_equal(rep.problem, RV_ROOT_MISMATCH);
	close(fd);
}

static void test_superblock_parse(void **state)
{
	struct rv_params p, q;
	uint8_t sb[RV_SB_SIZE];

	kat_params(&p);
	p.data_blocks = 300;
	rv_superblock_build(&p, sb);
	memset(&q, 0, sizeof(q));
	assert_int_equal(rv_superblock_parse(sb, sizeof(sb), &q), 0);
	assert_int_equal(q.data_blocks, 300);
	assert_int_equal(q.salt_size, 16);
	assert_memory_equal(q.uuid, kat_uuid, 16);
	assert_string_equal(q.hash_name, "sha256");

	assert_int_equal(rv_superblock_parse(sb, 100, &q), -EINVAL);
	sb[0] = 'V';
	assert_int_equal(rv_superblock_parse(sb, sizeof(sb), &q), -EBADMSG);
	rv_superblock_build(&p, sb);
	sb[8] = 2; /* version */
	assert_int_equal(rv_superblock_parse(sb, sizeof(sb), &q), -EPROTONOSUPPORT);
	rv_superblock_build(&p, sb);
	sb[12] = 0; /* hash type 0 */
	assert_int_equal(rv_superblock_parse(sb, sizeof(sb), &q), -EOPNOTSUPP);
	rv_superblock_build(&p, sb);
	memcpy(sb + 32, "md4", 4);
	assert_int_equal(rv_superblock_parse(sb, sizeof(sb), &q), -EOPNOTSUPP);
	rv_superblock_build(&p, sb);
	sb[64] = 0x01; /* data block size 4097 */
	assert_int_equal(rv_superblock_parse(sb, sizeof(sb), &q), -ERANGE);
	rv_superblock_build(&p, sb);
	sb[80] = 0xff; /* salt size 0x10ff */
	sb[81] = 0x10;
	assert_int_equal(rv_superblock_parse(sb, sizeof(sb), &q), -ERANGE);
	rv_superblock_build(&p, sb);
	memset(sb + 72, 0, 8); /* zero data blocks */
	assert_int_equal(rv_superblock_parse(sb, sizeof(sb), &q), -ERANGE);
}

static void test_hash_device_size(void **state)
{
	struct rv_params p;
	uint64_t size;

	rv_params_default(&p);
	p.data_blocks = 300;
	assert_int_equal(rv_hash_device_size(&p, &size), 0);
	assert_int_equal(size, 20480);
	p.superblock = false;
	p.data_blocks = 1;
	assert_int_equal(rv_hash_device_size(&p, &size), 0);
	assert_int_equal(size, 0);
	p.data_blocks = (1ULL << 30) / 4096; /* 1 GiB */
	assert_int_equal(rv_hash_device_size(&p, &size), 0);
	assert_int_equal(size, (2048 + 16 + 1) * 4096);
}

/* --- streaming verification ------------------------------------------ */

struct stream_fixture {
	uint8_t *data, *hash;
	size_t data_len, hash_len;
	uint8_t root[RV_MAX_DIGEST];
	size_t root_len;
};

static void stream_load(struct fixture *f, struct stream_fixture *s)
{
	assert_int_equal(read_file(f->data, 1 << 28, &s->data, &s->data_len), 0);
	assert_int_equal(read_file(f->hash, 1 << 28, &s->hash, &s->hash_len), 0);
}

/* A 20000-block image with its 3-level tree, formatted and loaded. */
static void stream_load_big(struct fixture *f, struct stream_fixture *s)
{
	format_big(f, 20000, s->root, &s->root_len);
	stream_load(f, s);
}

/* rv_stream_new with default parameters on the first hash_len bytes of
 * the loaded tree. */
static int stream_open(const struct stream_fixture *s, size_t hash_len, struct rv_report *rep, struct rv_stream **vs)
{
	struct rv_params p;

	rv_params_default(&p);
	return rv_stream_new(&p, s->hash, hash_len, s->root, s->root_len, rep, vs);
}

static void stream_unload(struct stream_fixture *s)
{
	free(s->data);
	free(s->hash);
}

/* Feeds data in pieces of odd sizes (1 byte to several blocks, crossing
 * block boundaries); returns the first error. */
static int stream_feed(struct rv_stream *vs, const uint8_t *data, size_t len, struct rv_report *rep)
{
	size_t off = 0, step = 1;
	int r = 0;

	while (off < len && r == 0) {
		size_t n = step < len - off ? step : len - off;

		r = rv_stream_update(vs, data + off, n, rep);
		off += n;
		step = step * 5 + 3;
		if (step > 300000)
			step = 7;
	}
	return r;
}

static void test_stream_ok(void **state)
{
	struct fixture *f = *state;
	struct stream_fixture s = { 0 };
	struct rv_stream *vs = NULL;
	struct rv_params p;
	struct rv_report rep;
	uint8_t tail[100] = { 1 };

	stream_load_big(f, &s);
	rv_params_default(&p); /* parameters from the superblock */
	p.hash_area_offset = 4096; /* ignored: the buffer is the hash area */
	assert_int_equal(rv_stream_new(&p, s.hash, s.hash_len, s.root, s.root_len, &rep, &vs), 0);
	assert_int_equal(p.data_blocks, 20000);
	assert_int_equal(p.salt_size, sizeof(kat_salt));
	assert_int_equal(stream_feed(vs, s.data, s.data_len, &rep), 0);
	/* bytes after the last data block are counted, not checked */
	assert_int_equal(rv_stream_update(vs, tail, sizeof(tail), &rep), 0);
	assert_int_equal(rv_stream_extra(vs), sizeof(tail));
	assert_int_equal(rv_stream_finish(vs, &rep), 0);
	assert_int_equal(rep.problem, RV_OK);
	rv_stream_free(vs);

	/* sha512, 512-byte data blocks, 1 KiB hash blocks, no superblock */
	stream_unload(&s);
	write_kat_data(f->data, 300);
	kat_params(&p);
	strcpy(p.hash_name, "sha512");
	p.data_block_size = 512;
	p.hash_block_size = 1024;
	p.superblock = false;
	assert_int_equal(rv_format(f->data, f->hash, &p, s.root, &s.root_len, NULL, NULL), 0);
	stream_load(f, &s);
	assert_int_equal(rv_stream_new(&p, s.hash, s.hash_len, s.root, s.root_len, &rep, &vs), 0);
	assert_int_equal(stream_feed(vs, s.data, s.data_len, &rep), 0);
	assert_int_equal(rv_stream_finish(vs, &rep), 0);
	rv_stream_free(vs);
	stream_unload(&s);
}

static void test_stream_detects_data(void **state)
{
	struct fixture *f = *state;
	struct stream_fixture s = { 0 };
	struct rv_stream *vs = NULL;
	struct rv_report rep;

	stream_load_big(f, &s);
	s.data[4096 * 12345 + 100] ^= 0x40;
	s.data[4096 * 17000 + 5] ^= 0x40;
	assert_int_equal(stream_open(&s, s.hash_len, &rep, &vs), 0);
	assert_int_equal(stream_feed(vs, s.data, s.data_len, &rep), -EBADMSG);
	assert_int_equal(rep.problem, RV_DATA_CORRUPT);
	assert_int_equal(rep.block, 12345);
	/* sticky: later data does not clear it */
	assert_int_equal(rv_stream_update(vs, s.data, 4096, &rep), -EBADMSG);
	assert_int_equal(rv_stream_finish(vs, &rep), -EBADMSG);
	assert_int_equal(rep.block, 12345);
	rv_stream_free(vs);

	/* data that ends early */
	s.data[4096 * 12345 + 100] ^= 0x40;
	assert_int_equal(stream_open(&s, s.hash_len, &rep, &vs), 0);
	assert_int_equal(stream_feed(vs, s.data, 4096 * 9000 + 17, &rep), 0);
	assert_int_equal(rv_stream_finish(vs, &rep), -EBADMSG);
	assert_int_equal(rep.problem, RV_DATA_TRUNCATED);
	assert_int_equal(rep.block, 9000);
	rv_stream_free(vs);
	stream_unload(&s);
}

/* The tree is checked against the root before any data: a bad hash
 * block, a wrong root, a truncated tree are refused by rv_stream_new. */
static void test_stream_checks_tree_first(void **state)
{
	struct fixture *f = *state;
	struct stream_fixture s = { 0 };
	struct rv_stream *vs = NULL;
	struct rv_params p;
	struct rv_report rep;

	stream_load_big(f, &s);
	s.hash[4096 * 10 + 7] ^= 0x40; /* a level-0 hash block */
	assert_int_equal(stream_open(&s, s.hash_len, &rep, &vs), -EBADMSG);
	assert_int_equal(rep.problem, RV_HASH_CORRUPT);
	assert_int_equal(rep.block, 10);
	assert_int_equal(rep.level, 0);
	assert_null(vs);
	s.hash[4096 * 10 + 7] ^= 0x40;
	s.root[3] ^= 0xff;
	assert_int_equal(stream_open(&s, s.hash_len, &rep, &vs), -EBADMSG);
	assert_int_equal(rep.problem, RV_ROOT_MISMATCH);
	s.root[3] ^= 0xff;
	assert_int_equal(stream_open(&s, 4096 * 3, &rep, &vs), -EBADMSG);
	assert_int_equal(rep.problem, RV_HASH_TRUNCATED);
	assert_int_equal(stream_open(&s, 100, &rep, &vs), -EBADMSG);
	assert_int_equal(rep.problem, RV_HASH_TRUNCATED);
	{
		struct stream_fixture short_root = s;

		short_root.root_len = 20;
		assert_int_equal(stream_open(&short_root, s.hash_len, &rep, &vs), -EMEDIUMTYPE);
	}
	s.hash[0] ^= 1; /* superblock magic */
	assert_int_equal(stream_open(&s, s.hash_len, &rep, &vs), -EBADMSG);
	assert_int_equal(rep.problem, RV_OK);
	/* without a superblock the data size must be given */
	kat_params(&p);
	p.superblock = false;
	assert_int_equal(rv_stream_new(&p, s.hash + 4096, s.hash_len - 4096, s.root, s.root_len, &rep, &vs), -EINVAL);
	/* the same tree without its superblock block, parameters given */
	p.data_blocks = 20000;
	assert_int_equal(rv_stream_new(&p, s.hash + 4096, s.hash_len - 4096, s.root, s.root_len, &rep, &vs), 0);
	rv_stream_free(vs);
	stream_unload(&s);
}

/* One data block: no hash blocks, the block's digest is the root. */
static void test_stream_single_block(void **state)
{
	struct fixture *f = *state;
	struct rv_stream *vs = NULL;
	struct rv_params p;
	struct rv_report rep;
	uint8_t root[RV_MAX_DIGEST], block[4096], none = 0;
	size_t len;

	write_kat_data(f->data, 1);
	rv_params_default(&p);
	p.superblock = false;
	assert_int_equal(rv_format(f->data, f->hash, &p, root, &len, NULL, NULL), 0);
	memset(block, 0, sizeof(block));
	assert_int_equal(rv_stream_new(&p, &none, 0, root, len, &rep, &vs), 0);
	assert_int_equal(rv_stream_update(vs, block, sizeof(block), &rep), 0);
	assert_int_equal(rv_stream_finish(vs, &rep), 0);
	rv_stream_free(vs);
	block[9] = 1;
	assert_int_equal(rv_stream_new(&p, &none, 0, root, len, &rep, &vs), 0);
	assert_int_equal(rv_stream_update(vs, block, sizeof(block), &rep), -EBADMSG);
	assert_int_equal(rep.problem, RV_ROOT_MISMATCH);
	rv_stream_free(vs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kat_sha256, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kat_sha512_small_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_block_no_superblock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_detects_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_detects_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_spare_area, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_inputs_leave_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_root_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_detects_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_checks_tree_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_single_block, setup, teardown),
		cmocka_unit_test(test_superblock_parse),
		cmocka_unit_test(test_hash_device_size),
	};

	return cmocka_run_group_tests_name("verity", tests, NULL, NULL);
}
