/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The log store writer: sealed, append-only files with rotation and
 * retention (docs/logd.md). Single-threaded; one writer per directory. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "format.h"
#include "seal.h"

#define LS_STATE_NAME "seal.state"
#define LS_FWD_CURSOR_NAME "forward.cursor"
#define LS_LOCK_NAME "writer.lock"

struct ls_options {
	uint64_t max_file_size;    /* rotate when a file would grow past this (bytes) */
	uint64_t max_file_age;     /* rotate a file older than this (seconds) */
	uint64_t seal_interval;    /* seal the epoch at least this often (seconds) */
	uint64_t max_store_size;   /* retention target for all files (bytes, 0 = no limit) */
	bool prune_unforwarded;    /* retention may delete files not yet forwarded */
	bool require_flags;        /* fail if the append-only/immutable flags cannot be set */
	uint64_t nonce_block;      /* MAC nonces reserved per sealing-state save (> 0) */
	/* Told about events worth a log line (retention, torn tail recovered);
	 * the library itself does not print. May be NULL. */
	void (*notify)(const char *text);
};

void ls_options_default(struct ls_options *o);

struct logstore;

/* Creates a new store in dir (created if missing; must hold no store).
 * Writes file 0 and the sealing state; returns the verification key text
 * (K[0]) in vkey, which must be exported and then erased by the caller. */
int ls_create(const char *dir, const uint8_t machine_id[LS_ID_LEN], bool plain, bool require_flags,
	      char vkey[SEAL_VKEY_STRLEN + 1]);

/* Opens a store for appending; recovers the chain position after a crash
 * (a torn tail is left in place and continued in a new file). On
 * -EBADMSG, msg says what the store's own check found. */
int ls_open(struct logstore **out, const char *dir, const struct ls_options *o, char *msg, size_t msglen);
/* Flushes, seals the epoch (erasing its key) and frees. */
int ls_close(struct logstore *s);
void ls_free(struct logstore *s);

int ls_append_entry(struct logstore *s, const struct lf_entry *e, uint64_t realtime_usec);
int ls_append_notice(struct logstore *s, const char *text);
/* Writes buffered records; with sync, also fdatasync. */
int ls_flush(struct logstore *s, bool sync);
/* Ends the epoch: seal record, fsync, evolve and erase the key, save state. */
int ls_seal(struct logstore *s);
/* Seal, close the file immutable, start the next file, apply retention
 * (-ENOSPC as for ls_maintain; the new file is in place either way). */
int ls_rotate(struct logstore *s);
/* Time-based sealing/rotation and retention. -ENOSPC when the store is
 * full and retention may not delete anything. */
int ls_maintain(struct logstore *s);
/* Tests only: makes the writer reuse nonces from n (a faulty writer). */
void ls_test_set_nonce(struct logstore *s, uint64_t n);

uint64_t ls_last_seq(const struct logstore *s);
uint64_t ls_epoch(const struct logstore *s);
uint64_t ls_store_bytes(const struct logstore *s);

/* FS_APPEND_FL / FS_IMMUTABLE_FL helpers (0 or negative errno). */
int ls_set_inode_flags(int fd, int set, int clear);

/* Forwarding cursor (last entry seq confirmed by the collector). */
int ls_read_fwd_cursor(int dirfd, uint64_t *seq);
int ls_write_fwd_cursor(const char *dir, uint64_t seq);
