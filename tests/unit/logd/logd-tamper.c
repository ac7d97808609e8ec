/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: produces each tampering class rempart-logverify must detect,
 * on a store whose inode flags were cleared (chattr -R -ia). Not installed.
 *
 *   logd-tamper modify   DIR SEQ   flip the last message byte of entry SEQ
 *   logd-tamper delete   DIR SEQ   remove entry SEQ
 *   logd-tamper insert   DIR SEQ   insert a copy of entry SEQ after it
 *   logd-tamper swap     DIR SEQ   swap entry SEQ with the record after it
 *   logd-tamper truncate DIR SEQ   cut the store right after entry SEQ
 *   logd-tamper reseal   DIR SEQ   CVE-2023-31438 style: with the current key
 *                                  from seal.state, rewrite entry SEQ and
 *                                  re-seal everything after it in the current
 *                                  epoch; update the state to match
 *   logd-tamper unsealed DIR       append a file written without sealing that
 *                                  continues the chain (CVE-2023-31437/31439 style)
 *   logd-tamper forgestate DIR     change the key in seal.state (valid checksums)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "parse.h"
#include "reader.h"
#include "store.h"
#include "walk.h"

struct loc {
	uint64_t file, off, size, next_size;
	uint8_t prev_tip[LS_TAG_LEN];
};

static char *path_of(const char *dir, uint64_t idx)
{
	char name[LF_NAME_LEN + 1], *p = NULL;

	lf_file_name(idx, name);
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		exit(3);
	return p;
}

/* Finds entry seq: its file, offset, size, the size of the next record
 * (0 if none in that file) and the chain tip before it. */
static int locate(int dirfd, uint64_t seq, struct loc *l)
{
	_cleanup_free_ uint64_t *files = NULL;
	size_t n;

	if (walk_list_files(dirfd, &files, &n) < 0)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		_cleanup_(lf_reader_close) struct lf_reader rd = LF_READER_INIT;
		char name[LF_NAME_LEN + 1];
		struct lf_header h;
		struct lf_record rec;
		bool found = false;

		lf_file_name(files[i], name);
		if (lf_reader_open(&rd, dirfd, name) < 0 || lf_reader_header(&rd, &h, NULL) < 0)
			return -EIO;
		memcpy(l->prev_tip, h.prev_tag, LS_TAG_LEN);
		for (;;) {
			uint64_t off = lf_reader_offset(&rd);
			if (lf_reader_next(&rd, &rec) != 1)
				break;
			if (found) {
				l->next_size = rec.size;
				return 0;
			}
			if (rec.type == LF_ENTRY && rec.seq == seq) {
				uint8_t tip[LS_TAG_LEN];
				memcpy(tip, l->prev_tip, LS_TAG_LEN);
				*l = (struct loc){ .file = files[i], .off = off, .size = rec.size };
				memcpy(l->prev_tip, tip, LS_TAG_LEN);
				found = true;
				continue;
			}
			memcpy(l->prev_tip, rec.tag, LS_TAG_LEN);
		}
		if (found)
			return 0;
	}
	return -ENOENT;
}

static void load(const char *p, uint8_t **buf, size_t *len)
{
	if (read_file(p, 1u << 30, buf, len) < 0) {
		fprintf(stderr, "cannot read %s\n", p);
		exit(3);
	}
}

static void store_file(const char *p, const uint8_t *buf, size_t len)
{
	if (write_file_atomic(p, buf, len, 0640) < 0) {
		fprintf(stderr, "cannot write %s\n", p);
		exit(3);
	}
}

static void drop_files_after(const char *dir, int dirfd, uint64_t idx)
{
	_cleanup_free_ uint64_t *files = NULL;
	size_t n;

	if (walk_list_files(dirfd, &files, &n) < 0)
		exit(3);
	for (size_t i = 0; i < n; i++)
		if (files[i] > idx) {
			_cleanup_free_ char *p = path_of(dir, files[i]);
			unlink(p);
		}
}

static int load_state(const char *dir, struct lf_state *st)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;

	if (asprintf(&p, "%s/%s", dir, LS_STATE_NAME) < 0)
		return -ENOMEM;
	load(p, &buf, &len);
	return lf_state_file_decode(buf, len, st);
}

static int save_state(const char *dir, struct lf_state *st)
{
	_cleanup_free_ char *p = NULL;
	uint8_t raw[LF_STATE_FILE_SIZE];

	if (asprintf(&p, "%s/%s", dir, LS_STATE_NAME) < 0)
		return -ENOMEM;
	st->generation++;
	lf_state_encode(st, raw);
	memcpy(raw + LF_STATE_SIZE, raw, LF_STATE_SIZE);
	store_file(p, raw, sizeof(raw));
	return 0;
}

static int reseal(const char *dir, int dirfd, const struct loc *l)
{
	_cleanup_free_ char *p = path_of(dir, l->file);
	_cleanup_free_ uint8_t *buf = NULL, *out = NULL;
	struct lf_state st;
	struct seal_mac mac;
	uint8_t mk[LS_KEY_LEN], tip[LS_TAG_LEN];
	size_t len, olen, pos;
	uint64_t last_seq = 0;

	if (load_state(dir, &st) < 0)
		return 3;
	load(p, &buf, &len);
	out = malloc(len);
	memcpy(out, buf, l->off);
	olen = l->off;
	memcpy(tip, l->prev_tip, LS_TAG_LEN);
	seal_mac_key(st.key, &st.ids, st.epoch, mk);
	seal_mac_new(&mac);
	seal_mac_setkey(&mac, mk);
	for (pos = l->off; pos < len;) {
		struct lf_record rec;
		int64_t n = lf_record_decode(buf + pos, len - pos, &rec);
		if (n <= 0)
			break;
		pos += (size_t)n;
		if (rec.type != LF_ENTRY)
			continue; /* the forger drops the seals of the epochs it rewrites */
		memcpy(out + olen, rec.raw, rec.size);
		lf_le64enc(out + olen + 16, st.epoch);
		if (olen == l->off)
			out[olen + LF_REC_HDR + rec.len - 1] ^= 0x01; /* the forged entry */
		{
			/* MAC input: prev_tag || record, under the record's own nonce */
			_cleanup_free_ uint8_t *in = malloc(LS_TAG_LEN + LF_REC_HDR + rec.len);
			if (!in)
				return 3;
			memcpy(in, tip, LS_TAG_LEN);
			memcpy(in + LS_TAG_LEN, out + olen, LF_REC_HDR + rec.len);
			seal_mac_compute(&mac, rec.nonce, in, LS_TAG_LEN + LF_REC_HDR + rec.len,
					 out + olen + LF_REC_HDR + rec.len);
		}
		memcpy(tip, out + olen + LF_REC_HDR + rec.len, LS_TAG_LEN);
		last_seq = rec.seq;
		olen += rec.size;
	}
	store_file(p, out, olen);
	drop_files_after(dir, dirfd, l->file);
	st.file_index = l->file;
	st.sealed_offset = olen;
	st.sealed_seq = last_seq;
	memcpy(st.sealed_tag, tip, LS_TAG_LEN);
	save_state(dir, &st);
	seal_mac_free(&mac);
	return 0;
}

static int unsealed(const char *dir, int dirfd)
{
	_cleanup_free_ uint64_t *files = NULL;
	_cleanup_(lf_reader_close) struct lf_reader rd = LF_READER_INIT;
	struct lf_state st;
	struct lf_header h;
	struct lf_record rec;
	uint8_t out[LF_HEADER_SIZE + 256], tip[LS_TAG_LEN];
	char name[LF_NAME_LEN + 1];
	uint64_t seq, last;
	size_t n, olen;
	const char *text = "forged entry";
	struct lf_entry e = { .priority = 6, .facility = 1, .ident = "x", .ident_len = 1,
			      .msg = (const uint8_t *)text, .msg_len = 12 };

	if (load_state(dir, &st) < 0 || walk_list_files(dirfd, &files, &n) < 0 || n == 0)
		return 3;
	last = files[n - 1];
	lf_file_name(last, name);
	if (lf_reader_open(&rd, dirfd, name) < 0 || lf_reader_header(&rd, &h, NULL) < 0)
		return 3;
	memcpy(tip, h.prev_tag, LS_TAG_LEN);
	seq = h.first_seq - 1;
	while (lf_reader_next(&rd, &rec) == 1) {
		memcpy(tip, rec.tag, LS_TAG_LEN);
		seq = rec.seq;
	}
	h.flags = LF_FLAG_PLAIN;
	h.file_index = last + 1;
	h.epoch = st.epoch;
	h.first_seq = seq + 1;
	h.prev_file_len = lf_reader_offset(&rd);
	memcpy(h.prev_tag, tip, LS_TAG_LEN);
	memset(h.mac, 0, LS_TAG_LEN);
	lf_header_encode(&h, out);
	olen = LF_HEADER_SIZE;
	lf_record_header_encode(out + olen, LF_ENTRY, (uint32_t)lf_entry_size(1, 12), seq + 1, st.epoch, 0, 0);
	lf_entry_encode(out + olen + LF_REC_HDR, &e);
	olen += LF_REC_HDR + lf_entry_size(1, 12);
	memset(out + olen, 0, LS_TAG_LEN);
	olen += LS_TAG_LEN;
	{
		_cleanup_free_ char *p = path_of(dir, last + 1);
		store_file(p, out, olen);
	}
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ char *p = NULL;
	const char *op, *dir;
	struct loc l = { 0 };
	uint64_t seq = 0;
	size_t len;

	if (argc < 3) {
		fprintf(stderr, "usage: logd-tamper OP DIR [SEQ]\n");
		return 2;
	}
	op = argv[1];
	dir = argv[2];
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return 3;
	if (!strcmp(op, "unsealed"))
		return unsealed(dir, dirfd);
	if (!strcmp(op, "forgestate")) {
		struct lf_state st;
		if (load_state(dir, &st) < 0)
			return 3;
		st.key[3] ^= 0x01;
		return save_state(dir, &st) < 0 ? 3 : 0;
	}
	if (argc != 4 || parse_u64(argv[3], &seq) < 0)
		return 2;
	if (locate(dirfd, seq, &l) < 0) {
		fprintf(stderr, "entry %" PRIu64 " not found\n", seq);
		return 3;
	}
	if (!strcmp(op, "reseal"))
		return reseal(dir, dirfd, &l);
	p = path_of(dir, l.file);
	load(p, &buf, &len);
	if (!strcmp(op, "modify")) {
		buf[l.off + l.size - LS_TAG_LEN - 1] ^= 0x01;
		store_file(p, buf, len);
	} else if (!strcmp(op, "delete")) {
		memmove(buf + l.off, buf + l.off + l.size, len - l.off - l.size);
		store_file(p, buf, len - l.size);
	} else if (!strcmp(op, "insert")) {
		uint8_t *nb = malloc(len + l.size);
		memcpy(nb, buf, l.off + l.size);
		memcpy(nb + l.off + l.size, buf + l.off, len - l.off);
		store_file(p, nb, len + l.size);
		free(nb);
	} else if (!strcmp(op, "swap")) {
		uint8_t *tmp = malloc(l.size);
		if (!l.next_size)
			return 3;
		memcpy(tmp, buf + l.off, l.size);
		memmove(buf + l.off, buf + l.off + l.size, l.next_size);
		memcpy(buf + l.off + l.next_size, tmp, l.size);
		free(tmp);
		store_file(p, buf, len);
	} else if (!strcmp(op, "truncate")) {
		store_file(p, buf, l.off + l.size);
		drop_files_after(dir, dirfd, l.file);
	} else {
		fprintf(stderr, "unknown operation %s\n", op);
		return 2;
	}
	return 0;
}
