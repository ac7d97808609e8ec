/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-admind requests: a strict parser of the JSON subset the protocol
 * uses (docs/admin.md), and the length-prefixed framing.
 *
 * Accepted: one flat object { "key": value, ... }, keys of [a-z_][a-z0-9_]* (1..31
 * characters, no escapes), values a string, a non-negative integer below
 * 2^53 without leading zeros, true or false. Blanks (space, tab, CR, LF)
 * between tokens. Strings are valid UTF-8 (no overlong forms, no
 * surrogates), no raw control characters; escapes \" \\ \/ \b \f \n \r \t
 * and \uXXXX (not U+0000, not a surrogate). Rejected: anything else
 * (nested values, null, floats, signs, exponents, duplicate keys, more than
 * REQ_MAX_FIELDS members, a byte after the closing brace). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REQ_MAX_FRAME (256u * 1024u)   /* request body */
#define RESP_MAX_FRAME (16u * 1024u * 1024u)
#define REQ_MAX_FIELDS 16
#define REQ_KEY_MAX 31

enum req_type { REQ_STR, REQ_UINT, REQ_BOOL };

struct req_field {
	char key[REQ_KEY_MAX + 1];
	enum req_type type;
	char *str;    /* REQ_STR: NUL-terminated, no embedded NUL */
	size_t len;
	uint64_t u;   /* REQ_UINT */
	bool b;       /* REQ_BOOL */
};

struct request {
	struct req_field f[REQ_MAX_FIELDS];
	size_t n;
};

/* Parses buf[0..len). 0, -EINVAL (err says where and what) or -ENOMEM.
 * On failure nothing needs freeing. */
int req_parse(const uint8_t *buf, size_t len, struct request *r, char *err, size_t errlen);
/* Wipes (strings may hold key material) and frees. */
void req_free(struct request *r);
const struct req_field *req_get(const struct request *r, const char *key);
const char *req_type_name(enum req_type t);

/* Framing: u32 big-endian length, then the body. Reads at most max bytes
 * of body (-EMSGSIZE beyond, without reading it), -EPROTO on a short
 * frame or a zero length, -ETIMEDOUT when the deadline (CLOCK_MONOTONIC
 * ns, 0 = none) passes. */
int frame_read(int fd, size_t max, int64_t deadline_ns, uint8_t **body, size_t *len);
int frame_write(int fd, const void *body, size_t len);
int64_t mono_ns(void);
