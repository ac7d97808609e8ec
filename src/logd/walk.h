/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Walks a store directory as one authenticated stream (every file, every
 * record, in order), checking headers, the MAC chain, epochs, sequence
 * numbers, seals and file continuity. Used by the verifier (from K[0]) and
 * by the daemon to recover its position after a restart (from K[c]). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "format.h"

enum walk_problem {
	WALK_OK = 0,
	WALK_IO,           /* cannot read (negative errno in .err) */
	WALK_EMPTY,        /* no store file */
	WALK_MISSING_FILE, /* a file index is missing (deleted file) */
	WALK_FOREIGN,      /* file from another store/machine */
	WALK_UNSEALED,     /* file written without sealing */
	WALK_BAD_HEADER,   /* malformed header or header fields inconsistent with the chain */
	WALK_HEADER_MAC,   /* header MAC mismatch */
	WALK_BAD_RECORD,   /* malformed record */
	WALK_EPOCH,        /* record epoch out of sequence (re-sealed with another key) */
	WALK_SEQ,          /* sequence number out of order (deleted, inserted or moved entry) */
	WALK_RECORD_MAC,   /* record MAC mismatch (modified, inserted, deleted or moved) */
	WALK_SEAL,         /* inconsistent seal record */
	WALK_TRUNCATED,    /* a file is shorter than the next header or an anchor says */
	WALK_ANCHOR,       /* an anchor (state, collector) was not found or differs */
	WALK_NONCE,        /* authentic records with non-increasing MAC nonces (writer fault) */
};

const char *walk_problem_str(enum walk_problem p);

/* A point the stream must contain: a chain position (file, offset, tip,
 * epoch), e.g. the sealing state; or an entry (seq, tag), e.g. the last
 * entry a collector received. */
struct walk_anchor {
	bool pos_set, pos_found;
	uint64_t file, off, epoch;
	uint8_t tip[LS_TAG_LEN];
	bool seq_set, seq_found;
	uint64_t seq;
	uint8_t tag[LS_TAG_LEN];
};

struct walk_ctx {
	int dirfd;
	struct ls_ids ids;
	uint8_t key[LS_KEY_LEN]; /* K[epoch]; evolved in place while walking */
	uint64_t epoch;
	bool plain;
	/* Start inside the stream instead of at the first file (daemon recovery). */
	bool from_pos;
	uint64_t start_file, start_off, start_seq;
	uint8_t start_tip[LS_TAG_LEN];
	struct walk_anchor anchor;
	/* Called for each authenticated record; a negative return stops the walk. */
	int (*on_record)(void *ud, const struct lf_record *rec, uint64_t file, uint64_t off);
	void *ud;
};

struct walk_result {
	enum walk_problem problem;
	int err;
	char msg[512];
	/* where the first problem is */
	uint64_t bad_file, bad_off, bad_seq;
	/* what was walked */
	uint64_t first_file, files, records, entries, seals, torn_bytes;
	uint64_t retained_from;
	/* chain position at the end of the last good record */
	uint64_t last_file, last_off, last_seq, epoch_entries;
	uint64_t last_nonce; /* of the last good sealed record (0: none) */
	uint8_t tip[LS_TAG_LEN];
	bool ended_with_seal;
};

/* Walks; fills *res (res->problem == WALK_OK on success). The context key
 * and epoch end at the last epoch reached. Returns 0, or a negative errno
 * for an internal error (memory). */
int walk_store(struct walk_ctx *ctx, struct walk_result *res);

/* Sorted list of the store file indices in dirfd. */
int walk_list_files(int dirfd, uint64_t **out, size_t *n);
