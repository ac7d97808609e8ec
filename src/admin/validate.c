/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "validate.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cleanup.h"
#include "parse.h"

static bool in_set(char c, const char *set)
{
	return c && strchr(set, c);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool v_ipv4(const char *s)
{
	struct in_addr a;

	return strlen(s) <= 15 && inet_pton(AF_INET, s, &a) == 1;
}

bool v_ipv6(const char *s)
{
	struct in6_addr a;

	return strlen(s) <= 45 && inet_pton(AF_INET6, s, &a) == 1;
}

static bool ipv4_host_u32(uint32_t a)
{
	uint8_t first = (uint8_t)(a >> 24);

	return first != 0 && first != 127 && first < 224 && a != 0xffffffffu;
}

bool v_ipv4_host(const char *s)
{
	struct in_addr a;

	if (strlen(s) > 15 || inet_pton(AF_INET, s, &a) != 1)
		return false;
	return ipv4_host_u32(ntohl(a.s_addr));
}

/* Splits "ADDR/P" into addr (copied to buf) and the prefix; false if malformed. */
static bool split_prefix(const char *s, char *buf, size_t size, unsigned max, unsigned *prefix)
{
	const char *slash = strchr(s, '/');
	uint64_t p;

	if (!slash || (size_t)(slash - s) >= size || slash == s)
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	/* parse_u64_range refuses signs, blanks, empty strings; no leading zeros either */
	if ((slash[1] == '0' && slash[2]) || parse_u64_range(slash + 1, 0, max, &p) < 0)
		return false;
	*prefix = (unsigned)p;
	return true;
}

bool v_ipv4_cidr_host(const char *s)
{
	char buf[16];
	unsigned p;
	struct in_addr a;
	uint32_t host, mask;

	if (!split_prefix(s, buf, sizeof(buf), 32, &p) || p < 1 || inet_pton(AF_INET, buf, &a) != 1)
		return false;
	host = ntohl(a.s_addr);
	if (!ipv4_host_u32(host))
		return false;
	if (p <= 30) {
		mask = p == 0 ? 0 : 0xffffffffu << (32 - p);
		/* neither the network nor the broadcast address of its subnet */
		if ((host & ~mask) == 0 || (host & ~mask) == ~mask)
			return false;
	}
	return true;
}

bool v_cidr_net(const char *s)
{
	char buf[46];
	unsigned p;
	uint8_t a[16];
	size_t bytes;

	if (strchr(s, ':')) {
		if (!split_prefix(s, buf, sizeof(buf), 128, &p) || inet_pton(AF_INET6, buf, a) != 1)
			return false;
		bytes = 16;
	} else {
		if (!split_prefix(s, buf, 16, 32, &p) || inet_pton(AF_INET, buf, a) != 1)
			return false;
		bytes = 4;
	}
	/* canonical: no bit set after the prefix */
	for (size_t i = 0; i < bytes; i++) {
		unsigned bit0 = (unsigned)i * 8;
		uint8_t keep = p >= bit0 + 8 ? 0xff : p <= bit0 ? 0 : (uint8_t)(0xff << (8 - (p - bit0)));

		if (a[i] & (uint8_t)~keep)
			return false;
	}
	return true;
}

/* Applies ok() to each sep-separated item of s: 1..max items, none empty. */
static bool each(const char *s, char sep, size_t max, size_t itemmax, bool (*ok)(const char *))
{
	char item[64];
	size_t n = 0;

	if (!*s)
		return false;
	for (const char *p = s;;) {
		const char *e = strchr(p, sep);
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 0 || len >= sizeof(item) || len > itemmax || ++n > max)
			return false;
		memcpy(item, p, len);
		item[len] = '\0';
		if (!ok(item))
			return false;
		if (!e)
			return true;
		p = e + 1;
	}
}

bool v_cidr_list(const char *s)
{
	return each(s, ',', V_TS_MAX, 49, v_cidr_net);
}

bool v_dns_list(const char *s)
{
	return each(s, ' ', V_DNS_MAX, 15, v_ipv4_host);
}

bool v_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !in_set(s[i], "_.-"))
			return false;
	return true;
}

bool v_hostname(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return false;
		if (label == 0 && c == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

bool v_url_https(const char *s)
{
	const char *h, *e, *port = NULL, *path;
	char host[254];
	size_t hl;

	if (strlen(s) > V_URL_MAX || strncmp(s, "https://", 8) != 0)
		return false;
	h = s + 8;
	if (*h == '[') {
		e = strchr(h, ']');
		if (!e || (size_t)(e - h - 1) >= 46)
			return false;
		memcpy(host, h + 1, (size_t)(e - h - 1));
		host[e - h - 1] = '\0';
		if (!v_ipv6(host))
			return false;
		e++;
	} else {
		e = h + strcspn(h, ":/");
		hl = (size_t)(e - h);
		if (hl == 0 || hl >= sizeof(host))
			return false;
		memcpy(host, h, hl);
		host[hl] = '\0';
		if (!v_hostname(host))
			return false;
	}
	if (*e == ':') {
		char pbuf[6];
		size_t pl;
		uint64_t pv;

		port = e + 1;
		pl = strcspn(port, "/");
		if (pl == 0 || pl >= sizeof(pbuf) || port[0] == '0')
			return false;
		memcpy(pbuf, port, pl);
		pbuf[pl] = '\0';
		if (parse_u64_range(pbuf, 1, 65535, &pv) < 0)
			return false;
		e = port + pl;
	}
	if (*e && *e != '/')
		return false;
	for (path = e; *path; path++)
		if (!is_alnum(*path) && !in_set(*path, "._~/-"))
			return false;
	return true;
}

bool v_channel(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > V_NAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

bool v_username(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > V_USER_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

bool v_ike_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > V_ID_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !in_set(s[i], " .,=@_:/+-"))
			return false;
	return true;
}

bool v_yesno(const char *s)
{
	return !strcmp(s, "yes") || !strcmp(s, "no");
}

static bool hex_digits(const char *s, size_t min, size_t max, bool lower_only)
{
	size_t n = strlen(s);

	if (n < min || n > max || n % 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (!lower_only && c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

bool v_nonce_hex(const char *s)
{
	return hex_digits(s, 32, 128, false);
}

bool v_sha256_hex(const char *s)
{
	return hex_digits(s, 64, 64, true);
}

/* --- OpenSSH public keys (RFC 4253 §6.6, RFC 5656, PROTOCOL.u2f) ------- */

struct rd {
	const uint8_t *p;
	size_t n;
};

/* Reads an SSH "string" (u32 big-endian length + bytes). */
static bool rd_string(struct rd *r, const uint8_t **s, size_t *len)
{
	uint32_t l;

	if (r->n < 4)
		return false;
	l = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	if (l > r->n - 4)
		return false;
	*s = r->p + 4;
	*len = l;
	r->p += 4 + l;
	r->n -= 4 + l;
	return true;
}

static bool rd_expect(struct rd *r, const char *want)
{
	const uint8_t *s;
	size_t l;

	return rd_string(r, &s, &l) && l == strlen(want) && memcmp(s, want, l) == 0;
}

static bool rd_len(struct rd *r, size_t want)
{
	const uint8_t *s;
	size_t l;

	return rd_string(r, &s, &l) && l == want;
}

static bool rd_point(struct rd *r, size_t want)
{
	const uint8_t *s;
	size_t l;

	return rd_string(r, &s, &l) && l == want && s[0] == 0x04;
}

static bool rd_application(struct rd *r)
{
	const uint8_t *s;
	size_t l;

	if (!rd_string(r, &s, &l) || l == 0 || l > 256)
		return false;
	for (size_t i = 0; i < l; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static bool ssh_blob_valid(const char *type, const uint8_t *blob, size_t len)
{
	struct rd r = { blob, len };

	if (!rd_expect(&r, type))
		return false;
	if (!strcmp(type, "ssh-ed25519")) {
		if (!rd_len(&r, 32))
			return false;
	} else if (!strcmp(type, "ecdsa-sha2-nistp256")) {
		if (!rd_expect(&r, "nistp256") || !rd_point(&r, 65))
			return false;
	} else if (!strcmp(type, "ecdsa-sha2-nistp384")) {
		if (!rd_expect(&r, "nistp384") || !rd_point(&r, 97))
			return false;
	} else if (!strcmp(type, "ecdsa-sha2-nistp521")) {
		if (!rd_expect(&r, "nistp521") || !rd_point(&r, 133))
			return false;
	} else if (!strcmp(type, "sk-ssh-ed25519@openssh.com")) {
		if (!rd_len(&r, 32) || !rd_application(&r))
			return false;
	} else if (!strcmp(type, "sk-ecdsa-sha2-nistp256@openssh.com")) {
		if (!rd_expect(&r, "nistp256") || !rd_point(&r, 65) || !rd_application(&r))
			return false;
	} else {
		return false;
	}
	return r.n == 0;
}

bool v_ssh_pubkey(const char *s)
{
	static const char *const types[] = {
		"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
		"sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
	};
	const char *sp1, *b64, *sp2, *comment = NULL;
	char type[40];
	_cleanup_free_ uint8_t *blob = NULL;
	size_t tl, bl, blob_len, max;
	bool known = false;

	if (strlen(s) > V_SSH_KEY_MAX || sodium_init() < 0)
		return false;
	sp1 = strchr(s, ' ');
	if (!sp1 || (tl = (size_t)(sp1 - s)) == 0 || tl >= sizeof(type))
		return false;
	memcpy(type, s, tl);
	type[tl] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		known |= !strcmp(type, types[i]);
	if (!known)
		return false;
	b64 = sp1 + 1;
	sp2 = strchr(b64, ' ');
	bl = sp2 ? (size_t)(sp2 - b64) : strlen(b64);
	if (sp2)
		comment = sp2 + 1;
	if (bl == 0 || bl > 1024)
		return false;
	max = bl / 4 * 3 + 3;
	blob = malloc(max);
	if (!blob)
		return false;
	if (sodium_base642bin(blob, max, b64, bl, NULL, &blob_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	if (!ssh_blob_valid(type, blob, blob_len))
		return false;
	if (comment) {
		size_t cl = strlen(comment);

		if (cl == 0 || cl > 128)
			return false;
		for (size_t i = 0; i < cl; i++)
			if (!is_alnum(comment[i]) && !in_set(comment[i], "@._+-"))
				return false;
	}
	return true;
}
