/* SPDX-License-Identifier: GPL-2.0-or-later */
/* logs.read: entries of the rempart-logd store (docs/logd.md), read-only.
 * The store's seals are verified off the device by rempart-logverify with
 * the verification key; this verb only reads (it has no key), so it
 * reports what the files hold, in order. Without "since" it returns the
 * last "max" entries (default 100), with "since" the first "max" entries
 * whose sequence number is >= since. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admind.h"
#include "cleanup.h"
#include "format.h"
#include "reader.h"
#include "walk.h"

#define MSG_MAX 4096

struct entry {
	uint64_t seq, usec;
	uint32_t pid;
	uint8_t prio;
	char *ident, *msg;
	size_t ident_len, msg_len;
};

static void entry_clear(struct entry *e)
{
	free(e->ident);
	free(e->msg);
	memset(e, 0, sizeof(*e));
}

static int entry_set(struct entry *e, const struct lf_record *rec, const struct lf_entry *le)
{
	entry_clear(e);
	e->seq = rec->seq;
	e->usec = rec->realtime_usec;
	e->pid = le->pid;
	e->prio = le->priority;
	e->ident_len = le->ident_len;
	e->msg_len = le->msg_len > MSG_MAX ? MSG_MAX : le->msg_len;
	e->ident = malloc(e->ident_len + 1);
	e->msg = malloc(e->msg_len + 1);
	if (!e->ident || !e->msg)
		return -ENOMEM;
	memcpy(e->ident, le->ident, e->ident_len);
	memcpy(e->msg, le->msg, e->msg_len);
	return 0;
}

int verb_logs_read(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	const struct req_field *fs = req_get(req, "since"), *fm = req_get(req, "max");
	uint64_t since = fs ? fs->u : 0, max = fm ? fm->u : 100, count = 0, total = 0;
	bool tail = !fs;
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ uint64_t *files = NULL;
	_cleanup_free_ struct entry *ring = NULL;
	size_t nfiles = 0;
	int r = 0;

	if (max == 0)
		return verb_fail(msg, msglen, -EINVAL, "logs.read: max must be 1 to 1000");
	dirfd = open(d->log_store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return verb_fail(msg, msglen, -errno, "logs.read: cannot open the log store %s: %m", d->log_store);
	r = walk_list_files(dirfd, &files, &nfiles);
	if (r < 0)
		return verb_fail(msg, msglen, r, "logs.read: cannot list %s: %s", d->log_store, strerror(-r));
	ring = calloc(max, sizeof(*ring));
	if (!ring)
		return verb_fail(msg, msglen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < nfiles && r >= 0; i++) {
		struct lf_reader rd;
		struct lf_header h;
		uint8_t raw[LF_HEADER_SIZE];
		char name[LF_NAME_LEN + 1];

		lf_file_name(files[i], name);
		r = lf_reader_open(&rd, dirfd, name);
		if (r == -ENOENT) { /* rotated away meanwhile */
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		r = lf_reader_header(&rd, &h, raw);
		while (r >= 0) {
			struct lf_record rec;
			struct lf_entry le;

			r = lf_reader_next(&rd, &rec);
			if (r <= 0)
				break;
			if (rec.type != LF_ENTRY || rec.seq < since || lf_entry_decode(rec.payload, rec.len, &le) < 0)
				continue;
			total++;
			if (!tail && count == max)
				continue;
			r = entry_set(&ring[count % max], &rec, &le);
			count++;
		}
		lf_reader_close(&rd);
		if (r == -ENODATA || r == -EBADMSG || r == 0)
			r = 0; /* a growing or damaged tail: stop this file, the verifier reports damage */
	}
	if (r < 0) {
		for (uint64_t i = 0; i < max; i++)
			entry_clear(&ring[i]);
		return verb_fail(msg, msglen, r, "logs.read: cannot read the log store %s: %s", d->log_store,
				 strerror(-r));
	}
	json_kv_str(out, "store", d->log_store);
	json_kv_u64(out, "matching", total);
	json_key(out, "entries");
	json_arr_begin(out);
	{
		uint64_t n = count < max ? count : max, first = count < max ? 0 : count % max;

		for (uint64_t k = 0; k < n; k++) {
			struct entry *e = &ring[(first + k) % max];

			json_obj_begin(out);
			json_kv_u64(out, "seq", e->seq);
			json_kv_u64(out, "time_usec", e->usec);
			json_kv_u64(out, "priority", e->prio);
			json_key(out, "ident");
			json_strn(out, e->ident, e->ident_len);
			json_kv_u64(out, "pid", e->pid);
			json_key(out, "message");
			json_strn(out, e->msg, e->msg_len);
			json_obj_end(out);
		}
	}
	json_arr_end(out);
	for (uint64_t i = 0; i < max; i++)
		entry_clear(&ring[i]);
	return 0;
}
