/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dm-verity hash trees, on-disk compatible with cryptsetup's veritysetup
 * (format version 1, superblock optional).
 *
 * Library rules: no exit, no printing above debug level. Functions return
 * 0 or a negative errno; verification failures return -EBADMSG and fill a
 * struct rv_report naming the first bad block. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "progress.h"

#define RV_SB_SIZE 512
#define RV_MAX_SALT 256
#define RV_MAX_DIGEST 64
#define RV_MIN_BLOCK 512u
#define RV_MAX_BLOCK (512u * 1024u)

struct rv_params {
	char hash_name[32];        /* OpenSSL digest name, lowercase: "sha256" */
	uint32_t hash_type;        /* 1: normal (salt first); 0 (Chrome OS) unsupported */
	uint32_t data_block_size;
	uint32_t hash_block_size;
	uint64_t data_blocks;      /* 0 on input to rv_format: whole data device */
	uint64_t hash_area_offset; /* bytes into the hash device */
	uint64_t data_area_offset; /* bytes into the data device where data block 0 starts
				    * (not stored on disk; lets one disk image file serve
				    * as the data device of a partition) */
	uint8_t salt[RV_MAX_SALT];
	uint16_t salt_size;
	uint8_t uuid[16];
	bool superblock;           /* write / read the version-1 superblock */
	unsigned threads;          /* 0: one per online CPU */
};

enum rv_problem {
	RV_OK = 0,
	RV_ROOT_MISMATCH,  /* the top hash block does not hash to the root hash */
	RV_HASH_CORRUPT,   /* hash block `block` (absolute, in hash blocks) at `level` */
	RV_HASH_SPARE,     /* non-zero bytes in the unused part of hash block `block` */
	RV_DATA_CORRUPT,   /* data block `block` */
	RV_HASH_TRUNCATED, /* hash device ends before hash block `block` */
	RV_DATA_TRUNCATED, /* data device ends before data block `block` */
};

struct rv_report {
	enum rv_problem problem;
	uint64_t block;
	unsigned level;
};

/* Defaults of veritysetup: sha256, 4096/4096, type 1, superblock, no salt
 * (callers choose a salt), zero UUID. */
void rv_params_default(struct rv_params *p);

/* Checks parameters for consistency: block sizes, known digest, salt size,
 * data_blocks bounds. 0 or -EINVAL / -EOPNOTSUPP. */
int rv_params_check(const struct rv_params *p);

/* Parses and validates a superblock; on success fills the on-disk fields
 * of p (hash_name, hash_type, block sizes, data_blocks, salt, uuid) and
 * sets superblock = true. Errors: -EINVAL (too short), -EBADMSG (bad
 * magic), -EPROTONOSUPPORT (version), -EOPNOTSUPP (hash type or digest),
 * -ERANGE (block size, salt size, data blocks). */
int rv_superblock_parse(const uint8_t *buf, size_t len, struct rv_params *p);

/* Serialises p into a superblock (buf zeroed first). */
void rv_superblock_build(const struct rv_params *p, uint8_t buf[RV_SB_SIZE]);

const char *rv_problem_str(enum rv_problem problem);

/* Digest size of p->hash_name, or a negative errno. */
int rv_digest_size(const struct rv_params *p);

/* Bytes of hash device needed for p (superblock, padding and tree). */
int rv_hash_device_size(const struct rv_params *p, uint64_t *size);

/* Builds the tree of data_fd into hash_fd (offset p->hash_area_offset).
 * Fills p->data_blocks if 0. root must hold RV_MAX_DIGEST bytes. */
int rv_format_fd(int data_fd, int hash_fd, struct rv_params *p, uint8_t *root, size_t *root_len,
		 progress_cb cb, void *userdata);

/* Path version: validates everything first; a regular-file HASH is
 * replaced atomically (no partial output on error); a block device is
 * written in place. DATA and HASH must be different files. */
int rv_format(const char *data_path, const char *hash_path, struct rv_params *p, uint8_t *root,
	      size_t *root_len, progress_cb cb, void *userdata);

/* Verifies every hash and data block. If p->superblock, the parameters are
 * read from the hash device's superblock (p's other fields are replaced).
 * Returns 0 if intact, -EBADMSG with *report filled if not. */
int rv_verify_fd(int data_fd, int hash_fd, struct rv_params *p, const uint8_t *root, size_t root_len,
		 struct rv_report *report, progress_cb cb, void *userdata);

/* Cheap check before activation: reads the superblock (if p->superblock)
 * and the top hash block only, and checks it hashes to root. Catches a
 * hash device from another build without reading the data. 0, -EBADMSG
 * (mismatch, report filled) or another negative errno. data_size is the
 * data device size in bytes (the tree must describe that many blocks). */
int rv_verify_root(int hash_fd, uint64_t data_size, struct rv_params *p, const uint8_t *root, size_t root_len,
		   struct rv_report *report);

/* Streaming verification: checks data as it is received or written, in
 * one pass, against a hash tree already in memory (what dm-verity does at
 * read time, for every block in order). rv_stream_new checks the whole
 * tree first, top down against root (with the superblock's parameters if
 * p->superblock; p->hash_area_offset is taken as 0: `hash` is the hash
 * area), so level 0 is trusted before the first data byte. p->data_blocks
 * must be set (-EINVAL): it tells where the data ends. `hash` must stay
 * valid and unchanged until rv_stream_free. Errors as rv_verify_fd
 * (-EBADMSG with report filled: root, hash block, spare area, truncation).
 * One stream is used by one thread at a time. */
struct rv_stream;
int rv_stream_new(struct rv_params *p, const uint8_t *hash, size_t hash_len, const uint8_t *root, size_t root_len,
		  struct rv_report *report, struct rv_stream **out);
/* Feeds the next len bytes of data, split anywhere. Returns -EBADMSG with
 * report naming the first data block whose digest is not its level-0
 * entry (RV_DATA_CORRUPT; RV_ROOT_MISMATCH for a one-block tree); the
 * error is sticky. Bytes after the last data block are counted, not
 * checked (the tree does not cover them; see rv_stream_extra). */
int rv_stream_update(struct rv_stream *s, const uint8_t *buf, size_t len, struct rv_report *report);
/* 0 if every data block arrived and matched; -EBADMSG with
 * RV_DATA_TRUNCATED if fewer than data_blocks arrived, or the sticky error. */
int rv_stream_finish(struct rv_stream *s, struct rv_report *report);
/* Bytes received after the last data block. */
uint64_t rv_stream_extra(const struct rv_stream *s);
void rv_stream_free(struct rv_stream *s);
static inline void rv_stream_freep(struct rv_stream **s)
{
	rv_stream_free(*s);
}

int rv_verify(const char *data_path, const char *hash_path, struct rv_params *p, const uint8_t *root,
	      size_t root_len, struct rv_report *report, progress_cb cb, void *userdata);
