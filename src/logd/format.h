/* SPDX-License-Identifier: GPL-2.0-or-later */
/* On-disk format of the log store (docs/logd.md). All integers little-endian.
 *
 * File header (160 bytes):
 *   0 magic "RMPLOG\0\1"   8 u32 version (2)   12 u32 flags (bit 0: PLAIN, unsealed)
 *  16 store_id[16]        32 machine_id[16]
 *  48 u64 file_index      56 u64 epoch        64 u64 first_seq
 *  72 u64 retained_from   80 u64 prev_file_len  88 u64 created_usec
 *  96 prev_tag[16]       112 u64 nonce       120 u64 reserved (0)
 * 128 mac[16] = GMAC(M[epoch], nonce, header[0..128))   144 reserved[16] (0)
 *
 * Record (40 + len bytes + 16-byte tag):
 *   0 u16 type  2 u16 flags (0)  4 u32 len  8 u64 seq  16 u64 epoch  24 u64 realtime_usec
 *  32 u64 nonce (0 in a plain store)  40 payload[len]
 *  then tag = GMAC(M[epoch], nonce, prev_tag || record[0..40+len))
 * Nonces are unique in the store: records carry strictly increasing ones.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seal.h"

#define LF_MAGIC "RMPLOG\0\1"
#define LF_VERSION 2
#define LF_HEADER_SIZE 160
#define LF_HEADER_MAC_OFF 128
#define LF_REC_HDR 40
#define LF_MAX_PAYLOAD (1u << 20)
#define LF_FLAG_PLAIN 1u

enum lf_type {
	LF_ENTRY = 1,  /* a journal entry; seq counts entries */
	LF_SEAL = 2,   /* ends the epoch; the key evolves after it */
	LF_PRUNE = 3,  /* retention deleted closed files below retained_from */
	LF_NOTICE = 4, /* daemon event (start, store full, torn tail recovered) */
};

struct lf_header {
	uint32_t version, flags;
	struct ls_ids ids;
	uint64_t file_index, epoch, first_seq, retained_from, prev_file_len, created_usec;
	uint8_t prev_tag[LS_TAG_LEN];
	uint64_t nonce;
	uint8_t mac[LS_TAG_LEN];
};

struct lf_record {
	uint16_t type;
	uint32_t len;
	uint64_t seq, epoch, realtime_usec, nonce;
	const uint8_t *payload;   /* points into the parsed buffer */
	const uint8_t *tag;       /* idem */
	const uint8_t *raw;       /* start of the record (for MAC computation) */
	size_t size;              /* total bytes including the tag */
};

/* ENTRY payload: u8 priority, u8 facility, u8 ident_len, u8 0, u32 pid, ident, message. */
struct lf_entry {
	uint8_t priority, facility;
	uint32_t pid;
	const char *ident;
	size_t ident_len;
	const uint8_t *msg;
	size_t msg_len;
};
#define LF_ENTRY_FIXED 8

/* SEAL payload: u64 next_epoch, u64 entries_in_epoch. PRUNE: u64 retained_from, u64 last_pruned_seq. */
#define LF_SEAL_LEN 16
#define LF_PRUNE_LEN 16

void lf_header_encode(const struct lf_header *h, uint8_t out[LF_HEADER_SIZE]);
/* Structural checks only (magic, version, flags); the MAC is the caller's. 0 or -EBADMSG. */
int lf_header_decode(const uint8_t *buf, size_t len, struct lf_header *h);

/* Writes the 40-byte record header. */
void lf_record_header_encode(uint8_t out[LF_REC_HDR], uint16_t type, uint32_t len, uint64_t seq,
			     uint64_t epoch, uint64_t realtime_usec, uint64_t nonce);
/* Parses one record at buf[0..len). Returns its size (> 0), 0 if the buffer
 * holds only part of a record (need more bytes), or -EBADMSG if malformed. */
int64_t lf_record_decode(const uint8_t *buf, size_t len, struct lf_record *rec);

size_t lf_entry_size(size_t ident_len, size_t msg_len);
void lf_entry_encode(uint8_t *out, const struct lf_entry *e);
int lf_entry_decode(const uint8_t *p, size_t len, struct lf_entry *e);

static inline void lf_le64enc(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t lf_le64dec(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}
static inline void lf_le32enc(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t lf_le32dec(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* File names: "%016llx.rlog" of the file index. */
#define LF_NAME_LEN 21
void lf_file_name(uint64_t index, char out[LF_NAME_LEN + 1]);
/* 0 and the index if name is a store file name, else -EINVAL. */
int lf_file_name_parse(const char *name, uint64_t *index);

/* Sealing state (seal.state, 0600). Two copies ("slots") of 176 bytes,
 * overwritten in place, slot 1 then slot 0, so that the previous epoch key
 * is physically overwritten (a rename would leave it in freed blocks) and
 * a crash leaves at least one valid slot; the newest valid one is used.
 * Slot:
 *   0 magic "RMPLSTA1"  8 u32 version (2)  12 u32 flags (PLAIN)  16 ids[32]
 *  48 u64 epoch  56 key[32] (K[epoch])  88 u64 file_index  96 u64 sealed_offset
 * 104 u64 sealed_seq  112 sealed_tag[16]  128 u64 nonce_limit  136 u64 reserved
 * 144 u64 retained_from  152 u64 generation  160 u64 reserved
 * 168 checksum[8] (SHA-256 of 0..168)
 * nonce_limit: every nonce below it may have been used; a writer takes
 * nonces only below the limit it has saved (store.c). */
#define LF_STATE_SIZE 176
#define LF_STATE_VERSION 2
#define LF_STATE_FILE_SIZE (2 * LF_STATE_SIZE)
struct lf_state {
	uint32_t flags;
	struct ls_ids ids;
	uint64_t epoch;
	uint8_t key[LS_KEY_LEN];
	uint64_t file_index, sealed_offset, sealed_seq, retained_from, generation, nonce_limit;
	uint8_t sealed_tag[LS_TAG_LEN];
};
void lf_state_encode(const struct lf_state *s, uint8_t out[LF_STATE_SIZE]);
/* One slot; -EBADMSG if malformed or its checksum fails. */
int lf_state_decode(const uint8_t *buf, size_t len, struct lf_state *s);
/* The whole file: the valid slot with the highest generation. */
int lf_state_file_decode(const uint8_t *buf, size_t len, struct lf_state *s);
