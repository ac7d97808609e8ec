/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "request.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

struct parser {
	const uint8_t *p, *end, *start;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->errlen)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "offset %zu: ", (size_t)(ps->p - ps->start));
	if (n < 0 || (size_t)n >= ps->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms,
 * no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_len(const uint8_t *p, const uint8_t *end)
{
	size_t avail = (size_t)(end - p);
	uint8_t c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (avail < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (avail < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* Parses a string at ps->p (on the opening quote) into a new buffer. */
static int parse_string(struct parser *ps, char **out, size_t *outlen)
{
	const uint8_t *q;
	size_t cap = 0;
	char *buf, *w;

	ps->p++; /* opening quote */
	/* upper bound of the decoded size: the raw length up to the closing quote */
	for (q = ps->p; q < ps->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < ps->end)
			q++;
	if (q >= ps->end)
		return perr(ps, "unterminated string");
	cap = (size_t)(q - ps->p) + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	w = buf;
	while (*ps->p != '"') {
		uint8_t c = *ps->p;

		if (c < 0x20) {
			secure_wipe(buf, cap);
			free(buf);
			return perr(ps, "control character in a string");
		}
		if (c == '\\') {
			uint8_t e = ps->p[1];

			ps->p += 2;
			switch (e) {
			case '"': *w++ = '"'; break;
			case '\\': *w++ = '\\'; break;
			case '/': *w++ = '/'; break;
			case 'b': *w++ = '\b'; break;
			case 'f': *w++ = '\f'; break;
			case 'n': *w++ = '\n'; break;
			case 'r': *w++ = '\r'; break;
			case 't': *w++ = '\t'; break;
			case 'u': {
				unsigned cp = 0;

				for (int i = 0; i < 4; i++) {
					int h = ps->p < ps->end ? hexval(*ps->p) : -1;

					if (h < 0) {
						secure_wipe(buf, cap);
						free(buf);
						return perr(ps, "malformed \\u escape");
					}
					cp = cp << 4 | (unsigned)h;
					ps->p++;
				}
				if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
					secure_wipe(buf, cap);
					free(buf);
					return perr(ps, "\\u%04x is not allowed (NUL or surrogate)", cp);
				}
				/* at most 3 bytes, and the escape took 6: fits in cap */
				if (cp < 0x80) {
					*w++ = (char)cp;
				} else if (cp < 0x800) {
					*w++ = (char)(0xc0 | cp >> 6);
					*w++ = (char)(0x80 | (cp & 0x3f));
				} else {
					*w++ = (char)(0xe0 | cp >> 12);
					*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
					*w++ = (char)(0x80 | (cp & 0x3f));
				}
				continue;
			}
			default:
				ps->p--;
				secure_wipe(buf, cap);
				free(buf);
				return perr(ps, "unknown escape");
			}
			continue;
		}
		{
			size_t l = utf8_len(ps->p, q);

			if (!l) {
				secure_wipe(buf, cap);
				free(buf);
				return perr(ps, "invalid UTF-8 in a string");
			}
			memcpy(w, ps->p, l);
			w += l;
			ps->p += l;
		}
	}
	ps->p++; /* closing quote */
	*w = '\0';
	*out = buf;
	*outlen = (size_t)(w - buf);
	return 0;
}

static int parse_key(struct parser *ps, char key[REQ_KEY_MAX + 1])
{
	size_t n = 0;

	if (ps->p >= ps->end || *ps->p != '"')
		return perr(ps, "expected a quoted key");
	ps->p++;
	while (ps->p < ps->end && *ps->p != '"') {
		uint8_t c = *ps->p;

		if (!((c >= 'a' && c <= 'z') || c == '_' || (n > 0 && c >= '0' && c <= '9')))
			return perr(ps, "key characters are [a-z_], then [a-z0-9_]");
		if (n == REQ_KEY_MAX)
			return perr(ps, "key longer than %d characters", REQ_KEY_MAX);
		key[n++] = (char)c;
		ps->p++;
	}
	if (ps->p >= ps->end)
		return perr(ps, "unterminated key");
	if (n == 0)
		return perr(ps, "empty key");
	key[n] = '\0';
	ps->p++;
	return 0;
}

static bool lit(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static int parse_value(struct parser *ps, struct req_field *f)
{
	uint8_t c;

	if (ps->p >= ps->end)
		return perr(ps, "expected a value");
	c = *ps->p;
	if (c == '"') {
		f->type = REQ_STR;
		return parse_string(ps, &f->str, &f->len);
	}
	if (c >= '0' && c <= '9') {
		uint64_t v = 0;

		if (c == '0' && ps->p + 1 < ps->end && ps->p[1] >= '0' && ps->p[1] <= '9')
			return perr(ps, "leading zero in a number");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
			v = v * 10 + (uint64_t)(*ps->p - '0');
			if (v > (1ull << 53) - 1)
				return perr(ps, "number too large");
			ps->p++;
		}
		if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
			return perr(ps, "only non-negative integers are accepted");
		f->type = REQ_UINT;
		f->u = v;
		return 0;
	}
	if (lit(ps, "true")) {
		f->type = REQ_BOOL;
		f->b = true;
		return 0;
	}
	if (lit(ps, "false")) {
		f->type = REQ_BOOL;
		f->b = false;
		return 0;
	}
	if (c == '{' || c == '[')
		return perr(ps, "nested objects and arrays are not accepted");
	if (c == 'n')
		return perr(ps, "null is not accepted");
	return perr(ps, "expected a string, a non-negative integer, true or false");
}

int req_parse(const uint8_t *buf, size_t len, struct request *r, char *err, size_t errlen)
{
	struct parser ps = { buf, buf + len, buf, err, errlen };
	int ret;

	memset(r, 0, sizeof(*r));
	if (errlen)
		err[0] = '\0';
	skip_ws(&ps);
	if (ps.p >= ps.end || *ps.p != '{')
		return perr(&ps, "expected '{'");
	ps.p++;
	skip_ws(&ps);
	if (ps.p < ps.end && *ps.p == '}') {
		ps.p++;
		goto done;
	}
	for (;;) {
		struct req_field *f;

		if (r->n == REQ_MAX_FIELDS) {
			ret = perr(&ps, "more than %d members", REQ_MAX_FIELDS);
			goto fail;
		}
		f = &r->f[r->n];
		skip_ws(&ps);
		ret = parse_key(&ps, f->key);
		if (ret < 0)
			goto fail;
		for (size_t i = 0; i < r->n; i++)
			if (!strcmp(r->f[i].key, f->key)) {
				ret = perr(&ps, "duplicate key \"%s\"", f->key);
				goto fail;
			}
		skip_ws(&ps);
		if (ps.p >= ps.end || *ps.p != ':') {
			ret = perr(&ps, "expected ':'");
			goto fail;
		}
		ps.p++;
		skip_ws(&ps);
		ret = parse_value(&ps, f);
		if (ret < 0)
			goto fail;
		r->n++;
		skip_ws(&ps);
		if (ps.p < ps.end && *ps.p == ',') {
			ps.p++;
			continue;
		}
		if (ps.p < ps.end && *ps.p == '}') {
			ps.p++;
			break;
		}
		ret = perr(&ps, "expected ',' or '}'");
		goto fail;
	}
done:
	skip_ws(&ps);
	if (ps.p != ps.end) {
		ret = perr(&ps, "trailing bytes after the object");
		goto fail;
	}
	return 0;
fail:
	req_free(r);
	return ret;
}

void req_free(struct request *r)
{
	for (size_t i = 0; i < REQ_MAX_FIELDS; i++)
		if (r->f[i].str) {
			secure_wipe(r->f[i].str, r->f[i].len);
			free(r->f[i].str);
			r->f[i].str = NULL;
		}
	r->n = 0;
}

const struct req_field *req_get(const struct request *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].key, key))
			return &r->f[i];
	return NULL;
}

const char *req_type_name(enum req_type t)
{
	switch (t) {
	case REQ_STR: return "a string";
	case REQ_UINT: return "an integer";
	case REQ_BOOL: return "a boolean";
	}
	return "?";
}

/* --- framing ------------------------------------------------------------ */

int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int read_exact(int fd, uint8_t *buf, size_t len, int64_t deadline_ns)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (deadline_ns) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int64_t left = deadline_ns - mono_ns();
			int pr;

			if (left <= 0)
				return -ETIMEDOUT;
			pr = poll(&pfd, 1, (int)(left / 1000000 + 1));
			if (pr < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (pr == 0)
				return -ETIMEDOUT;
		}
		n = read(fd, buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPROTO;
		got += (size_t)n;
	}
	return 0;
}

int frame_read(int fd, size_t max, int64_t deadline_ns, uint8_t **body, size_t *len)
{
	uint8_t hdr[4];
	uint32_t l;
	uint8_t *b;
	int r;

	r = read_exact(fd, hdr, 4, deadline_ns);
	if (r < 0)
		return r;
	l = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (l == 0)
		return -EPROTO;
	if (l > max)
		return -EMSGSIZE;
	b = malloc((size_t)l + 1);
	if (!b)
		return -ENOMEM;
	r = read_exact(fd, b, l, deadline_ns);
	if (r < 0) {
		secure_wipe(b, l);
		free(b);
		return r;
	}
	b[l] = '\0';
	*body = b;
	*len = l;
	return 0;
}

int frame_write(int fd, const void *body, size_t len)
{
	uint8_t hdr[4];
	int r;

	if (len == 0 || len > UINT32_MAX)
		return -EMSGSIZE;
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
	r = write_full(fd, hdr, 4);
	if (r < 0)
		return r;
	return write_full(fd, body, len);
}
