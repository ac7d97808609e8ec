/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

#define READER_CAP (LF_REC_HDR + LF_MAX_PAYLOAD + LS_TAG_LEN + 65536)

int lf_reader_open(struct lf_reader *r, int dirfd, const char *name)
{
	*r = (struct lf_reader)LF_READER_INIT;
	r->fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (r->fd < 0)
		return -errno;
	r->cap = READER_CAP;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		lf_reader_close(r);
		return -ENOMEM;
	}
	return 0;
}

void lf_reader_close(struct lf_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	*r = (struct lf_reader)LF_READER_INIT;
}

/* Makes at least want bytes available from start if the file has them. */
static int fill(struct lf_reader *r, size_t want)
{
	if (r->end - r->start >= want)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	while (r->end < want && r->end < r->cap) {
		ssize_t n = pread(r->fd, r->buf + r->end, r->cap - r->end, (off_t)(r->off + r->end));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		r->end += (size_t)n;
	}
	return 0;
}

int lf_reader_header(struct lf_reader *r, struct lf_header *h, uint8_t raw[LF_HEADER_SIZE])
{
	int k;

	r->off = 0;
	r->start = r->end = 0;
	k = fill(r, LF_HEADER_SIZE);
	if (k < 0)
		return k;
	if (r->end < LF_HEADER_SIZE)
		return -ENODATA;
	k = lf_header_decode(r->buf, r->end, h);
	if (k < 0)
		return k;
	if (raw)
		memcpy(raw, r->buf, LF_HEADER_SIZE);
	r->start = LF_HEADER_SIZE;
	r->off = LF_HEADER_SIZE;
	return 0;
}

int lf_reader_seek(struct lf_reader *r, uint64_t off)
{
	if (off < LF_HEADER_SIZE)
		return -EINVAL;
	r->off = off;
	r->start = r->end = 0;
	return 0;
}

int lf_reader_next(struct lf_reader *r, struct lf_record *rec)
{
	int64_t n;
	int k;

	k = fill(r, LF_REC_HDR);
	if (k < 0)
		return k;
	if (r->end == r->start) {
		/* Drop the empty window so that a later call re-reads from off. */
		r->start = r->end = 0;
		return 0;
	}
	n = lf_record_decode(r->buf + r->start, r->end - r->start, rec);
	if (n == 0) {
		size_t need = LF_REC_HDR;
		if (r->end - r->start >= LF_REC_HDR)
			need += lf_le32dec(r->buf + r->start + 4) + LS_TAG_LEN;
		k = fill(r, need);
		if (k < 0)
			return k;
		n = lf_record_decode(r->buf + r->start, r->end - r->start, rec);
	}
	if (n < 0)
		return (int)n;
	if (n == 0) {
		/* Partial record: forget the window so a retry re-reads the bytes. */
		r->start = r->end = 0;
		return -ENODATA;
	}
	r->start += (size_t)n;
	r->off += (uint64_t)n;
	return 1;
}
