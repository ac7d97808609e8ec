/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "source.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "parse.h"

#define FULL_RETRY_SEC 5

static bool is_full(int r)
{
	return r == -ENOSPC || r == -EDQUOT;
}

/* The full-disk policy: stop reading (the source keeps the entries), say
 * so loudly once, retry every few seconds, and record the pause in the
 * store when writing works again. */
static int wait_full(struct logstore *s, int r0, volatile sig_atomic_t *stop)
{
	time_t since = time(NULL);
	int r = r0;

	log_error("log store full (%s, %" PRIu64 " bytes in the store): rempart-logd stopped reading new entries; "
		  "none is dropped by rempart-logd, they wait in the source. Forward or archive old files, or "
		  "raise the store size limit", strerror(-r0), ls_store_bytes(s));
	while (is_full(r)) {
		for (int i = 0; i < FULL_RETRY_SEC * 10 && !*stop; i++)
			usleep(100000);
		if (*stop)
			return r;
		r = ls_maintain(s);
		if (r == 0)
			r = ls_flush(s, true);
	}
	if (r < 0)
		return r;
	{
		char text[160];
		snprintf(text, sizeof(text), "store was full for %lld s (%s); reading was paused, no entry dropped",
			 (long long)(time(NULL) - since), strerror(-r0));
		log_warn("%s", text);
		return ls_append_notice(s, text);
	}
}

int source_append(struct logstore *s, const struct lf_entry *e, uint64_t realtime_usec,
		  volatile sig_atomic_t *stop)
{
	for (;;) {
		int r = ls_append_entry(s, e, realtime_usec);
		if (!is_full(r))
			return r;
		r = wait_full(s, r, stop);
		if (r < 0)
			return r;
	}
}

int source_maintain(struct logstore *s, volatile sig_atomic_t *stop)
{
	int r = ls_maintain(s);

	if (is_full(r))
		r = wait_full(s, r, stop);
	return r;
}

static uint64_t now_rt(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int source_stdin_run(struct logstore *s, const struct source_options *o)
{
	size_t cap = 1u << 20, len = 0;
	_cleanup_free_ char *buf = malloc(cap);
	const char *ident = o->ident ? o->ident : "stdin";
	struct lf_entry e = { .priority = 6, .facility = 1, .ident = ident, .ident_len = strlen(ident) };
	bool eof = false;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	while (!eof && !*o->stop) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		ssize_t n;
		size_t start = 0;

		if (poll(&p, 1, 0) == 0) {
			/* Nothing waiting: make what we have durable, then wait. */
			r = ls_flush(s, true);
			if (r == 0)
				r = source_maintain(s, o->stop);
			if (r < 0)
				return r;
			if (poll(&p, 1, 1000) <= 0)
				continue;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			eof = true;
			if (len > 0)
				buf[len++] = '\n';
		}
		len += (size_t)n;
		for (size_t i = 0; i < len; i++) {
			if (buf[i] != '\n')
				continue;
			e.msg = (const uint8_t *)buf + start;
			e.msg_len = i - start;
			r = source_append(s, &e, now_rt(), o->stop);
			if (r < 0)
				return r;
			start = i + 1;
		}
		if (start == 0 && len == cap) {
			/* A line longer than the buffer: store it in pieces. */
			e.msg = (const uint8_t *)buf;
			e.msg_len = len;
			r = source_append(s, &e, now_rt(), o->stop);
			if (r < 0)
				return r;
			start = len;
		}
		memmove(buf, buf + start, len - start);
		len -= start;
	}
	return ls_flush(s, true);
}

static int get_field(sd_journal *j, const char *field, const void **data, size_t *len)
{
	size_t fl = strlen(field);
	int r = sd_journal_get_data(j, field, data, len);

	if (r < 0)
		return r;
	if (*len < fl + 1)
		return -EBADMSG;
	*data = (const uint8_t *)*data + fl + 1;
	*len -= fl + 1;
	return 0;
}

static uint32_t field_u32(sd_journal *j, const char *field, uint32_t def, uint32_t max)
{
	const void *d;
	size_t l;
	char tmp[16];
	uint32_t v;

	if (get_field(j, field, &d, &l) < 0 || l == 0 || l >= sizeof(tmp))
		return def;
	memcpy(tmp, d, l);
	tmp[l] = 0;
	if (parse_u32(tmp, &v) < 0 || v > max)
		return def;
	return v;
}

static int save_cursor(sd_journal *j, const char *path)
{
	_cleanup_free_ char *c = NULL;
	int r = sd_journal_get_cursor(j, &c);

	if (r < 0)
		return r;
	return write_file_atomic(path, c, strlen(c), 0640);
}

int source_journal_run(struct logstore *s, const struct source_options *o)
{
	sd_journal *j = NULL;
	_cleanup_free_ uint8_t *cur = NULL;
	size_t curlen = 0;
	int r;

	if (o->journal_dir)
		r = sd_journal_open_directory(&j, o->journal_dir, 0);
	else
		r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot open the journal %s", o->journal_dir ? o->journal_dir : "");
	if (read_file(o->cursor_file, 4096, &cur, &curlen) == 0 && curlen > 0) {
		r = sd_journal_seek_cursor(j, (const char *)cur);
		if (r >= 0 && sd_journal_next(j) > 0 && sd_journal_test_cursor(j, (const char *)cur) > 0) {
			/* positioned on the last stored entry; the loop reads the next one */
		} else {
			log_warn("journal cursor %s not found (journal rotated or vacuumed?): continuing from the "
				 "nearest entry; entries in between may be missing or repeated in the store", o->cursor_file);
			/* re-seek so that the nearest entry itself is read, not skipped */
			if (r < 0 || sd_journal_seek_cursor(j, (const char *)cur) < 0)
				sd_journal_seek_head(j);
		}
	} else {
		sd_journal_seek_head(j);
	}
	while (!*o->stop) {
		unsigned n = 0;

		r = source_maintain(s, o->stop);
		if (r < 0)
			break;
		while (n < 4096 && (r = sd_journal_next(j)) > 0) {
			const void *d;
			size_t l;
			uint64_t t = 0;
			struct lf_entry e = { 0 };

			e.priority = (uint8_t)field_u32(j, "PRIORITY", 6, 7);
			e.facility = (uint8_t)field_u32(j, "SYSLOG_FACILITY", 3, 23);
			e.pid = field_u32(j, "_PID", 0, UINT32_MAX);
			{
				const void *id;
				size_t il;
				char ident[256];
				if (get_field(j, "SYSLOG_IDENTIFIER", &id, &il) < 0 && get_field(j, "_COMM", &id, &il) < 0) {
					id = "";
					il = 0;
				}
				if (il > 255)
					il = 255;
				memcpy(ident, id, il);
				e.ident = ident;
				e.ident_len = il;
				/* sd_journal_get_data may invalidate earlier pointers: the
				 * identifier was copied, MESSAGE is fetched last */
				if (get_field(j, "MESSAGE", &d, &l) < 0) {
					d = "";
					l = 0;
				}
				e.msg = d;
				e.msg_len = l;
				sd_journal_get_realtime_usec(j, &t);
				r = source_append(s, &e, t, o->stop);
			}
			if (r < 0)
				break;
			n++;
		}
		if (r < 0)
			break;
		if (n > 0) {
			r = ls_flush(s, true);
			if (r < 0)
				break;
			r = save_cursor(j, o->cursor_file);
			if (r < 0) {
				log_errno(LOG_LVL_ERROR, r, "cannot save the journal cursor %s", o->cursor_file);
				break;
			}
			continue;
		}
		if (o->exit_on_idle)
			break;
		r = sd_journal_wait(j, 1000000);
		if (r < 0)
			break;
	}
	sd_journal_close(j);
	return r < 0 ? r : 0;
}
