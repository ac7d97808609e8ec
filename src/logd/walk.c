/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cleanup.h"
#include "hex.h"
#include "reader.h"

const char *walk_problem_str(enum walk_problem p)
{
	static const char *const names[] = {
		[WALK_OK] = "ok",
		[WALK_IO] = "io-error",
		[WALK_EMPTY] = "empty",
		[WALK_MISSING_FILE] = "missing-file",
		[WALK_FOREIGN] = "foreign-file",
		[WALK_UNSEALED] = "unsealed-file",
		[WALK_BAD_HEADER] = "bad-header",
		[WALK_HEADER_MAC] = "header-mac-mismatch",
		[WALK_BAD_RECORD] = "malformed-record",
		[WALK_EPOCH] = "epoch-out-of-sequence",
		[WALK_SEQ] = "sequence-out-of-order",
		[WALK_RECORD_MAC] = "record-mac-mismatch",
		[WALK_SEAL] = "bad-seal",
		[WALK_TRUNCATED] = "truncated",
		[WALK_ANCHOR] = "anchor-mismatch",
		[WALK_NONCE] = "nonce-reuse",
	};
	return (unsigned)p < ARRAY_SIZE(names) ? names[p] : "unknown";
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int walk_list_files(int dirfd, uint64_t **out, size_t *n)
{
	_cleanup_free_ uint64_t *v = NULL;
	size_t cnt = 0, cap = 0;
	int fd = dup(dirfd);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		uint64_t idx;

		if (lf_file_name_parse(de->d_name, &idx) < 0)
			continue;
		if (cnt == cap) {
			uint64_t *nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
			if (!nv) {
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = idx;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_u64);
	*out = TAKE_PTR(v);
	*n = cnt;
	return 0;
}

__attribute__((format(printf, 6, 7)))
static void fail(struct walk_result *res, enum walk_problem p, uint64_t file, uint64_t off, uint64_t seq,
		 const char *fmt, ...)
{
	va_list ap;

	res->problem = p;
	res->bad_file = file;
	res->bad_off = off;
	res->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
}

struct walker {
	struct walk_ctx *ctx;
	struct walk_result *res;
	struct seal_mac mac;
	uint8_t mkey[LS_KEY_LEN];
	uint8_t *scratch; /* prev_tag || record, the MAC input */
	size_t scap;
};

static int set_epoch_key(struct walker *w)
{
	int r = seal_mac_key(w->ctx->key, &w->ctx->ids, w->ctx->epoch, w->mkey);
	if (r == 0)
		r = seal_mac_setkey(&w->mac, w->mkey);
	return r;
}

static void check_pos_anchor(struct walker *w, uint64_t file, uint64_t off)
{
	struct walk_anchor *a = &w->ctx->anchor;

	if (!a->pos_set || a->pos_found || a->file != file || a->off != off)
		return;
	a->pos_found = true;
	if (CRYPTO_memcmp(a->tip, w->res->tip, LS_TAG_LEN) != 0 || a->epoch != w->ctx->epoch)
		fail(w->res, WALK_ANCHOR, file, off, w->res->last_seq,
		     "the sealing state's chain position (file %016" PRIx64 " offset %" PRIu64 ", epoch %" PRIu64
		     ") does not match the stored chain (epoch %" PRIu64 "): the store was rewritten",
		     file, off, a->epoch, w->ctx->epoch);
}

/* Checks a header against the chain; mac with the current epoch key. */
static int check_header(struct walker *w, const struct lf_header *h, const uint8_t *raw, uint64_t idx,
			bool first)
{
	struct walk_result *res = w->res;
	struct walk_ctx *ctx = w->ctx;
	uint8_t tag[LS_TAG_LEN];
	char sid[33], mid[33];
	int r;

	if (memcmp(&h->ids, &ctx->ids, sizeof(h->ids)) != 0) {
		hex_encode(h->ids.store_id, LS_ID_LEN, sid);
		hex_encode(h->ids.machine_id, LS_ID_LEN, mid);
		fail(res, WALK_FOREIGN, idx, 0, 0,
		     "file %016" PRIx64 " belongs to store %s on machine %s, not to this store: "
		     "a file was swapped in from another machine or store", idx, sid, mid);
		return 1;
	}
	if ((h->flags & LF_FLAG_PLAIN) && !ctx->plain) {
		fail(res, WALK_UNSEALED, idx, 0, 0,
		     "file %016" PRIx64 " was written without sealing (PLAIN flag): its entries are not authenticated",
		     idx);
		return 1;
	}
	if (!(h->flags & LF_FLAG_PLAIN) && ctx->plain) {
		fail(res, WALK_BAD_HEADER, idx, 0, 0, "file %016" PRIx64 " is sealed in a plain store", idx);
		return 1;
	}
	if (h->file_index != idx) {
		fail(res, WALK_BAD_HEADER, idx, 0, 0,
		     "file %016" PRIx64 " says it is file %016" PRIx64 ": files were renamed", idx, h->file_index);
		return 1;
	}
	if (first) {
		if (h->epoch < ctx->epoch || h->epoch - ctx->epoch > SEAL_MAX_EPOCH_JUMP) {
			fail(res, WALK_EPOCH, idx, 0, 0, "first file %016" PRIx64 " starts at epoch %" PRIu64
			     " but the key is at epoch %" PRIu64 ": not reachable by key evolution", idx, h->epoch,
			     ctx->epoch);
			return 1;
		}
		r = seal_evolve_to(ctx->key, &ctx->ids, ctx->epoch, h->epoch);
		if (r < 0)
			return r;
		ctx->epoch = h->epoch;
		memcpy(res->tip, h->prev_tag, LS_TAG_LEN);
		res->last_seq = h->first_seq - 1;
	} else if (h->epoch != ctx->epoch) {
		fail(res, WALK_EPOCH, idx, 0, 0, "file %016" PRIx64 " starts at epoch %" PRIu64
		     " but the previous file ended in epoch %" PRIu64 ": re-sealed with another epoch key",
		     idx, h->epoch, ctx->epoch);
		return 1;
	}
	if (!ctx->plain) {
		r = set_epoch_key(w);
		if (r < 0)
			return r;
		r = seal_mac_compute(&w->mac, h->nonce, raw, LF_HEADER_MAC_OFF, tag);
		if (r < 0)
			return r;
		if (CRYPTO_memcmp(tag, h->mac, LS_TAG_LEN) != 0) {
			fail(res, WALK_HEADER_MAC, idx, 0, 0,
			     "header of file %016" PRIx64 " fails its MAC for epoch %" PRIu64
			     ": the header was modified or sealed with another key", idx, h->epoch);
			return 1;
		}
	}
	if (!first) {
		if (CRYPTO_memcmp(h->prev_tag, res->tip, LS_TAG_LEN) != 0 || h->first_seq != res->last_seq + 1) {
			fail(res, WALK_BAD_HEADER, idx, 0, h->first_seq,
			     "file %016" PRIx64 " does not continue the chain of file %016" PRIx64
			     " (expected entry %" PRIu64 ", header says %" PRIu64 ")",
			     idx, res->last_file, res->last_seq + 1, h->first_seq);
			return 1;
		}
	}
	if (h->retained_from > res->retained_from)
		res->retained_from = h->retained_from;
	return 0;
}

/* 0 ok, 1 problem recorded, negative errno. */
static int check_record(struct walker *w, const struct lf_record *rec, uint64_t idx, uint64_t off)
{
	struct walk_result *res = w->res;
	struct walk_ctx *ctx = w->ctx;
	uint8_t tag[LS_TAG_LEN];
	uint64_t want_seq = rec->type == LF_ENTRY ? res->last_seq + 1 : res->last_seq;
	int r;

	if (rec->epoch != ctx->epoch) {
		fail(res, WALK_EPOCH, idx, off, rec->seq,
		     "record at file %016" PRIx64 " offset %" PRIu64 " (entry %" PRIu64 ") claims epoch %" PRIu64
		     " but the chain is in epoch %" PRIu64 ": re-sealed with another epoch key, or moved",
		     idx, off, rec->seq, rec->epoch, ctx->epoch);
		return 1;
	}
	if (rec->seq != want_seq) {
		fail(res, WALK_SEQ, idx, off, rec->seq,
		     "entry %" PRIu64 " at file %016" PRIx64 " offset %" PRIu64 " follows entry %" PRIu64
		     ": entries were deleted, inserted or reordered", rec->seq, idx, off, res->last_seq);
		return 1;
	}
	if (!ctx->plain) {
		/* MAC input: prev_tag || record; the tip is copied in front of the
		 * record (a private copy: the record may be in a shared mapping). */
		if (w->scap < LS_TAG_LEN + LF_REC_HDR + rec->len) {
			size_t cap = LS_TAG_LEN + LF_REC_HDR + rec->len + 4096;
			uint8_t *nb = realloc(w->scratch, cap);
			if (!nb)
				return -ENOMEM;
			w->scratch = nb;
			w->scap = cap;
		}
		memcpy(w->scratch, res->tip, LS_TAG_LEN);
		memcpy(w->scratch + LS_TAG_LEN, rec->raw, LF_REC_HDR + rec->len);
		r = seal_mac_compute(&w->mac, rec->nonce, w->scratch, LS_TAG_LEN + LF_REC_HDR + rec->len, tag);
		if (r < 0)
			return r;
		if (CRYPTO_memcmp(tag, rec->tag, LS_TAG_LEN) != 0) {
			fail(res, WALK_RECORD_MAC, idx, off, rec->seq,
			     "first bad entry: %" PRIu64 " at file %016" PRIx64 " offset %" PRIu64
			     " fails its MAC: it was modified, or a record was inserted, deleted or moved before it",
			     rec->seq, idx, off);
			return 1;
		}
		if (res->last_nonce && rec->nonce <= res->last_nonce) {
			fail(res, WALK_NONCE, idx, off, rec->seq,
			     "record at file %016" PRIx64 " offset %" PRIu64 " (entry %" PRIu64 ") has MAC nonce %" PRIu64
			     ", not above the previous record's %" PRIu64 ": the writer reused nonces, so entries of "
			     "epoch %" PRIu64 " may be forgeable", idx, off, rec->seq, rec->nonce, res->last_nonce,
			     rec->epoch);
			return 1;
		}
		res->last_nonce = rec->nonce;
	}
	if (rec->type == LF_SEAL) {
		uint64_t next = lf_le64dec(rec->payload), cnt = lf_le64dec(rec->payload + 8);

		if (next != ctx->epoch + 1 || cnt != res->epoch_entries) {
			fail(res, WALK_SEAL, idx, off, rec->seq,
			     "seal at file %016" PRIx64 " offset %" PRIu64 " is inconsistent (next epoch %" PRIu64
			     ", %" PRIu64 " entries; expected %" PRIu64 ", %" PRIu64 ")", idx, off, next, cnt,
			     ctx->epoch + 1, res->epoch_entries);
			return 1;
		}
	} else if (rec->type == LF_PRUNE) {
		uint64_t floor = lf_le64dec(rec->payload);
		if (floor > res->retained_from)
			res->retained_from = floor;
	} else if (rec->type == LF_ENTRY) {
		struct lf_entry e;
		if (lf_entry_decode(rec->payload, rec->len, &e) < 0) {
			fail(res, WALK_BAD_RECORD, idx, off, rec->seq, "entry %" PRIu64 " has a malformed payload",
			     rec->seq);
			return 1;
		}
	}
	memcpy(res->tip, rec->tag, LS_TAG_LEN);
	res->last_seq = rec->seq;
	res->records++;
	if (rec->type == LF_ENTRY) {
		res->entries++;
		res->epoch_entries++;
	}
	res->ended_with_seal = rec->type == LF_SEAL;
	if (ctx->anchor.seq_set && rec->type == LF_ENTRY && rec->seq == ctx->anchor.seq) {
		ctx->anchor.seq_found = true;
		if (CRYPTO_memcmp(ctx->anchor.tag, rec->tag, LS_TAG_LEN) != 0) {
			fail(res, WALK_ANCHOR, idx, off, rec->seq,
			     "entry %" PRIu64 " differs from the copy the collector received (tag mismatch)",
			     rec->seq);
			return 1;
		}
	}
	if (ctx->on_record) {
		r = ctx->on_record(ctx->ud, rec, idx, off);
		if (r < 0)
			return r;
	}
	if (rec->type == LF_SEAL) {
		res->seals++;
		res->epoch_entries = 0;
		if (!ctx->plain) {
			r = seal_evolve(ctx->key, &ctx->ids, ctx->epoch);
			if (r < 0)
				return r;
		}
		ctx->epoch++;
		if (!ctx->plain) {
			r = set_epoch_key(w);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* A crash can leave zeros at the end of a file (size updated before data). */
static bool zero_tail(int fd, uint64_t off, uint64_t size)
{
	uint8_t buf[4096];

	while (off < size) {
		size_t want = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)off);
		if (n <= 0)
			return false;
		for (ssize_t k = 0; k < n; k++)
			if (buf[k])
				return false;
		off += (uint64_t)n;
	}
	return true;
}

/* prev_file_len from a file's header, unauthenticated (UINT64_MAX if unreadable). */
static uint64_t next_file_len(int dirfd, uint64_t idx)
{
	char name[LF_NAME_LEN + 1];
	uint8_t raw[LF_HEADER_SIZE];
	struct lf_header h;
	_cleanup_close_ int fd = -1;

	lf_file_name(idx, name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || pread(fd, raw, sizeof(raw), 0) != (ssize_t)sizeof(raw) ||
	    lf_header_decode(raw, sizeof(raw), &h) < 0)
		return UINT64_MAX;
	return h.prev_file_len;
}

static int walk_files(struct walker *w, const uint64_t *files, size_t nfiles)
{
	struct walk_ctx *ctx = w->ctx;
	struct walk_result *res = w->res;
	uint64_t prev_size = 0;
	size_t i0 = 0;
	int r;

	if (ctx->from_pos) {
		while (i0 < nfiles && files[i0] != ctx->start_file)
			i0++;
		if (i0 == nfiles) {
			fail(res, WALK_MISSING_FILE, ctx->start_file, 0, ctx->start_seq,
			     "file %016" PRIx64 " named by the sealing state is missing", ctx->start_file);
			return 0;
		}
	}
	res->first_file = files[i0];
	for (size_t i = i0; i < nfiles; i++) {
		uint64_t idx = files[i];
		_cleanup_(lf_reader_close) struct lf_reader rd = LF_READER_INIT;
		char name[LF_NAME_LEN + 1];
		uint8_t raw[LF_HEADER_SIZE];
		struct lf_header h;
		struct lf_record rec;
		struct stat sb;
		uint64_t limit;
		bool resume = ctx->from_pos && i == i0;

		if (i > i0 && idx != files[i - 1] + 1) {
			fail(res, WALK_MISSING_FILE, files[i - 1] + 1, 0, res->last_seq + 1,
			     "file %016" PRIx64 " is missing (files %016" PRIx64 " and %016" PRIx64 " exist)",
			     files[i - 1] + 1, files[i - 1], idx);
			return 0;
		}
		lf_file_name(idx, name);
		r = lf_reader_open(&rd, ctx->dirfd, name);
		if (r < 0 || fstat(rd.fd, &sb) < 0) {
			res->problem = WALK_IO;
			res->err = r < 0 ? r : -errno;
			snprintf(res->msg, sizeof(res->msg), "cannot read file %s", name);
			return 0;
		}
		r = lf_reader_header(&rd, &h, raw);
		if (r == -EBADMSG || r == -ENODATA) {
			fail(res, WALK_BAD_HEADER, idx, 0, res->last_seq + 1, "file %s has a malformed header", name);
			return 0;
		}
		if (r < 0)
			return r;
		if (resume) {
			if (memcmp(&h.ids, &ctx->ids, sizeof(h.ids)) != 0 || h.file_index != idx) {
				fail(res, WALK_FOREIGN, idx, 0, 0, "file %s is not this store's", name);
				return 0;
			}
			memcpy(res->tip, ctx->start_tip, LS_TAG_LEN);
			res->last_seq = ctx->start_seq;
			if (ctx->start_off > LF_HEADER_SIZE)
				lf_reader_seek(&rd, ctx->start_off);
			if (!ctx->plain && (r = set_epoch_key(w)) < 0)
				return r;
		} else {
			r = check_header(w, &h, raw, idx, i == i0);
			if (r != 0)
				return r < 0 ? r : 0;
			if (i > i0) {
				if (h.prev_file_len > prev_size || h.prev_file_len != res->last_off) {
					fail(res, WALK_TRUNCATED, files[i - 1], res->last_off, res->last_seq,
					     "file %016" PRIx64 " holds %" PRIu64 " valid bytes (%" PRIu64
					     " on disk) but file %016" PRIx64 " says it had %" PRIu64
					     ": the file was truncated or extended", files[i - 1], res->last_off,
					     prev_size, idx, h.prev_file_len);
					return 0;
				}
				res->torn_bytes += prev_size - h.prev_file_len;
			}
		}
		/* The next file's header says where this one ends (its MAC is checked
		 * when that file is reached): records after that point are a torn
		 * write continued in the next file. */
		limit = UINT64_MAX;
		if (i + 1 < nfiles)
			limit = next_file_len(ctx->dirfd, files[i + 1]);
		res->files++;
		res->last_file = idx;
		res->last_off = lf_reader_offset(&rd);
		check_pos_anchor(w, idx, res->last_off);
		if (res->problem != WALK_OK)
			return 0;
		for (;;) {
			uint64_t off = lf_reader_offset(&rd);

			if (off >= limit)
				break;
			r = lf_reader_next(&rd, &rec);
			if (r == 0)
				break;
			if (r == -ENODATA || r == -EBADMSG) {
				/* What follows the last good record: a crash leaves a partial
				 * record; the next file header (if any) says where the file ends. */
				if (i + 1 == nfiles) {
					if (fstat(rd.fd, &sb) < 0)
						sb.st_size = 0;
					if (r == -EBADMSG && !zero_tail(rd.fd, off, (uint64_t)sb.st_size)) {
						fail(res, WALK_BAD_RECORD, idx, off, res->last_seq + 1,
						     "malformed record at file %016" PRIx64 " offset %" PRIu64
						     " after entry %" PRIu64 ": the file was modified", idx, off,
						     res->last_seq);
						return 0;
					}
					/* the file may have grown while it was read (live store) */
					if (fstat(rd.fd, &sb) == 0 && (uint64_t)sb.st_size > off)
						res->torn_bytes += (uint64_t)sb.st_size - off;
				}
				break;
			}
			if (r < 0) {
				res->problem = WALK_IO;
				res->err = r;
				snprintf(res->msg, sizeof(res->msg), "cannot read file %s", name);
				return 0;
			}
			r = check_record(w, &rec, idx, off);
			if (r != 0)
				return r < 0 ? r : 0;
			res->last_off = lf_reader_offset(&rd);
			check_pos_anchor(w, idx, res->last_off);
			if (res->problem != WALK_OK)
				return 0;
		}
		prev_size = (uint64_t)sb.st_size;
	}
	return 0;
}

int walk_store(struct walk_ctx *ctx, struct walk_result *res)
{
	_cleanup_free_ uint64_t *files = NULL;
	struct walker w = { .ctx = ctx, .res = res };
	size_t n = 0;
	int r;

	*res = (struct walk_result){ 0 };
	r = walk_list_files(ctx->dirfd, &files, &n);
	if (r < 0) {
		res->problem = WALK_IO;
		res->err = r;
		snprintf(res->msg, sizeof(res->msg), "cannot list the store directory");
		return 0;
	}
	if (n == 0) {
		res->problem = WALK_EMPTY;
		snprintf(res->msg, sizeof(res->msg), "the store holds no log file");
		return 0;
	}
	if (!ctx->plain) {
		r = seal_mac_new(&w.mac);
		if (r < 0)
			return r;
	}
	r = walk_files(&w, files, n);
	seal_mac_free(&w.mac);
	secure_wipe(w.mkey, sizeof(w.mkey));
	free(w.scratch);
	if (r < 0)
		return r;
	if (res->problem != WALK_OK)
		return 0;
	if (!ctx->from_pos && res->first_file != res->retained_from && res->first_file > res->retained_from) {
		fail(res, WALK_MISSING_FILE, res->retained_from, 0, 0,
		     "files %016" PRIx64 " to %016" PRIx64 " are missing: retention only released files below %016"
		     PRIx64, res->retained_from, res->first_file - 1, res->retained_from);
		return 0;
	}
	if (ctx->anchor.pos_set && !ctx->anchor.pos_found) {
		fail(res, WALK_TRUNCATED, ctx->anchor.file, ctx->anchor.off, 0,
		     "the store ends before the sealed position recorded in the sealing state (file %016" PRIx64
		     " offset %" PRIu64 "): sealed entries were truncated or deleted",
		     ctx->anchor.file, ctx->anchor.off);
		return 0;
	}
	if (ctx->anchor.seq_set && !ctx->anchor.seq_found) {
		fail(res, WALK_TRUNCATED, res->last_file, res->last_off, ctx->anchor.seq,
		     "the store ends at entry %" PRIu64 " but the collector received entry %" PRIu64
		     ": entries were truncated", res->last_seq, ctx->anchor.seq);
		return 0;
	}
	return 0;
}
