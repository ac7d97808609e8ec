/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sequential, bounded-memory reader of one store file. Tolerates a file
 * that is still growing: a partial record at the end is reported as
 * -ENODATA and can be retried after more bytes were appended. */
#pragma once

#include <stdint.h>

#include "format.h"

struct lf_reader {
	int fd;
	uint8_t *buf;
	size_t cap, start, end;
	uint64_t off; /* file offset of buf[start] */
};

#define LF_READER_INIT { .fd = -1 }

/* Opens name in dirfd for reading. */
int lf_reader_open(struct lf_reader *r, int dirfd, const char *name);
void lf_reader_close(struct lf_reader *r);
/* Reads and decodes the header. -EBADMSG if malformed, -ENODATA if short. */
int lf_reader_header(struct lf_reader *r, struct lf_header *h, uint8_t raw[LF_HEADER_SIZE]);
/* Positions the reader at a file offset (>= header). */
int lf_reader_seek(struct lf_reader *r, uint64_t off);
/* 1 and the record (valid until the next call), 0 at a clean end,
 * -ENODATA for a partial record at the end, -EBADMSG for a malformed one. */
int lf_reader_next(struct lf_reader *r, struct lf_record *rec);
/* Offset of the next unread byte. */
static inline uint64_t lf_reader_offset(const struct lf_reader *r)
{
	return r->off;
}
