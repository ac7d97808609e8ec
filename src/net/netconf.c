/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "conf.h"
#include "fileio.h"

#define NET_CONF_MAX (64 * 1024)

int net_parse_ipv4(const char *s, struct net_prefix *out)
{
	struct in_addr a;

	/* inet_pton accepts exactly four decimal dotted octets. */
	if (!s || strlen(s) > 15 || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	out->addr = ntohl(a.s_addr);
	out->len = 32;
	snprintf(out->text, sizeof(out->text), "%s", s);
	return 0;
}

int net_parse_cidr(const char *s, bool host_bits_zero, struct net_prefix *out)
{
	char buf[16];
	const char *slash;
	unsigned len = 0;
	size_t n;
	uint32_t mask;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= 16)
		return -EINVAL;
	n = (size_t)(slash - s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (net_parse_ipv4(buf, out) < 0)
		return -EINVAL;
	/* 1 or 2 decimal digits, no leading zero, 0..32. */
	slash++;
	if (!slash[0] || strlen(slash) > 2 || (slash[0] == '0' && slash[1]))
		return -EINVAL;
	for (const char *p = slash; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		len = len * 10 + (unsigned)(*p - '0');
	}
	if (len > 32)
		return -EINVAL;
	mask = len ? ~0U << (32 - len) : 0;
	if (host_bits_zero && (out->addr & ~mask))
		return -EINVAL;
	out->len = len;
	snprintf(out->text, sizeof(out->text), "%.15s/%u", buf, len % 100);
	return 0;
}

int net_parse_cidr6(const char *s, char out[44])
{
	struct in6_addr a;
	char buf[INET6_ADDRSTRLEN];
	const char *slash = s ? strchr(s, '/') : NULL;
	unsigned len = 0;
	size_t n;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	n = (size_t)(slash - s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return -EINVAL;
	slash++;
	if (!slash[0] || strlen(slash) > 3 || (slash[0] == '0' && slash[1]))
		return -EINVAL;
	for (const char *p = slash; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		len = len * 10 + (unsigned)(*p - '0');
	}
	if (len > 128)
		return -EINVAL;
	for (unsigned bit = len; bit < 128; bit++)
		if (a.s6_addr[bit / 8] & (0x80 >> (bit % 8)))
			return -EINVAL;
	inet_ntop(AF_INET6, &a, buf, sizeof(buf));
	snprintf(out, 44, "%.39s/%u", buf, len);
	return 0;
}

bool net_id_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > NET_ID_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(" .,=@:_+/-", c)))
			return false;
	}
	return true;
}

bool net_ifname_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static unsigned line_of(const struct conf *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].key, key) == 0)
			return c->v[i].line;
	return 0;
}

static int parse_common(const char *text, size_t len, const char *name, const char *const *allowed,
			struct conf *c, struct cage_err *e)
{
	const char *bad;
	int r;

	if (memchr(text, '\0', len))
		return cage_err_set(e, -EINVAL, "%s: NUL byte in the file", name);
	r = conf_parse(text, len, c);
	if (r == -EBADMSG)
		return cage_err_set(e, -EINVAL, "%s:%u: malformed line or duplicate key (expected key = value)",
				    name, c->error_line);
	if (r == -EFBIG)
		return cage_err_set(e, -EINVAL, "%s: file too large", name);
	if (r < 0)
		return cage_err_set(e, r, "%s: %s", name, strerror(-r));
	bad = conf_unknown_key(c, allowed);
	if (bad)
		return cage_err_set(e, -EINVAL, "%s:%u: unknown key '%s'", name, line_of(c, bad), bad);
	return 0;
}

#define BAD(key, what)                                                                                 \
	cage_err_set(e, -EINVAL, "%s:%u: %s: %s", name, line_of(&c, key), key, what)

/* Splits v on blanks (or on commas when commas) into at most max items. */
static int split_list(const char *v, bool commas, char items[][48], size_t max, size_t *n)
{
	*n = 0;
	while (*v) {
		size_t l;

		while (*v == ' ' || *v == '\t')
			v++;
		if (!*v)
			break;
		l = commas ? strcspn(v, ",") : strcspn(v, " \t");
		if (commas) /* trim blanks around the item */
			while (l > 0 && (v[l - 1] == ' ' || v[l - 1] == '\t'))
				l--;
		if (l == 0 || l >= 48 || *n == max)
			return -EINVAL;
		memcpy(items[*n], v, l);
		items[*n][l] = '\0';
		(*n)++;
		v += l;
		while (*v == ' ' || *v == '\t')
			v++;
		if (commas) {
			if (*v == ',') {
				v++;
				if (!*v)
					return -EINVAL; /* trailing comma */
			} else if (*v) {
				return -EINVAL;
			}
		}
	}
	return *n ? 0 : -EINVAL;
}

int net_network_parse(const char *text, size_t len, const char *name, struct net_network *out,
		      struct cage_err *e)
{
	static const char *const allowed[] = { "mode", "interface", "address", "gateway", "dns", "levels", NULL };
	_cleanup_(conf_free) struct conf c = { 0 };
	const char *v;
	int r;

	memset(out, 0, sizeof(*out));
	r = parse_common(text, len, name, allowed, &c, e);
	if (r < 0)
		return r;
	v = conf_get(&c, "mode");
	if (!v)
		return cage_err_set(e, -EINVAL, "%s: missing key 'mode' (dhcp or static)", name);
	if (strcmp(v, "dhcp") == 0)
		out->mode = NET_MODE_DHCP;
	else if (strcmp(v, "static") == 0)
		out->mode = NET_MODE_STATIC;
	else
		return BAD("mode", "expected dhcp or static");
	v = conf_get(&c, "levels");
	if (v && strcmp(v, "clear") == 0)
		out->levels_clear = true;
	else if (v && strcmp(v, "ipsec") != 0)
		return BAD("levels", "expected ipsec (nothing of a level leaves in clear) or clear");
	v = conf_get(&c, "interface");
	if (v) {
		if (!net_ifname_valid(v))
			return BAD("interface", "invalid interface name (1-15 of A-Z a-z 0-9 _ . -)");
		snprintf(out->interface, sizeof(out->interface), "%s", v);
	}
	if (out->mode == NET_MODE_DHCP) {
		for (const char *const *k = (const char *const[]){ "address", "gateway", "dns", NULL }; *k; k++)
			if (conf_get(&c, *k))
				return BAD(*k, "only with mode = static");
		return 0;
	}
	v = conf_get(&c, "address");
	if (!v)
		return cage_err_set(e, -EINVAL, "%s: mode = static needs 'address = A.B.C.D/P'", name);
	if (net_parse_cidr(v, false, &out->address) < 0 || out->address.len == 0 || out->address.len > 31)
		return BAD("address", "expected A.B.C.D/P with P from 1 to 31");
	v = conf_get(&c, "gateway");
	if (!v)
		return cage_err_set(e, -EINVAL, "%s: mode = static needs 'gateway = A.B.C.D'", name);
	if (net_parse_ipv4(v, &out->gateway) < 0)
		return BAD("gateway", "expected an IPv4 address A.B.C.D");
	{
		uint32_t mask = ~0U << (32 - out->address.len);

		if ((out->gateway.addr & mask) != (out->address.addr & mask) ||
		    out->gateway.addr == out->address.addr)
			return BAD("gateway", "not another address of the static address's subnet");
	}
	v = conf_get(&c, "dns");
	if (v) {
		char items[NET_MAX_DNS][48];

		if (split_list(v, false, items, NET_MAX_DNS, &out->n_dns) < 0)
			return BAD("dns", "expected 1 to 4 IPv4 addresses separated by blanks");
		for (size_t i = 0; i < out->n_dns; i++)
			if (net_parse_ipv4(items[i], &out->dns[i]) < 0)
				return BAD("dns", "expected 1 to 4 IPv4 addresses separated by blanks");
	}
	return 0;
}

int net_ipsec_parse(const char *text, size_t len, const char *name, struct net_ipsec *out,
		    struct cage_err *e)
{
	static const char *const allowed[] = { "gateway", "remote_id", "local_id", "remote_ts", "virtual_ip",
					       NULL };
	_cleanup_(conf_free) struct conf c = { 0 };
	char items[NET_MAX_TS][48];
	const char *v;
	int r;

	memset(out, 0, sizeof(*out));
	r = parse_common(text, len, name, allowed, &c, e);
	if (r < 0)
		return r;
	for (const char *const *k = (const char *const[]){ "gateway", "remote_id", "remote_ts", NULL }; *k; k++)
		if (!conf_get(&c, *k))
			return cage_err_set(e, -EINVAL, "%s: missing key '%s'", name, *k);
	if (net_parse_ipv4(conf_get(&c, "gateway"), &out->gateway) < 0)
		return BAD("gateway", "expected an IPv4 address A.B.C.D");
	v = conf_get(&c, "remote_id");
	if (!net_id_valid(v))
		return BAD("remote_id", "expected 1-255 of A-Z a-z 0-9 space . , = @ : _ + / -");
	snprintf(out->remote_id, sizeof(out->remote_id), "%s", v);
	v = conf_get(&c, "local_id");
	if (v) {
		if (!net_id_valid(v))
			return BAD("local_id", "expected 1-255 of A-Z a-z 0-9 space . , = @ : _ + / -");
		snprintf(out->local_id, sizeof(out->local_id), "%s", v);
	}
	if (split_list(conf_get(&c, "remote_ts"), true, items, NET_MAX_TS, &out->n_remote_ts) < 0)
		return BAD("remote_ts", "expected 1 to 16 prefixes separated by commas");
	{
		size_t n = out->n_remote_ts;

		out->n_remote_ts = 0;
		for (size_t i = 0; i < n; i++) {
			if (strchr(items[i], ':')) {
				if (net_parse_cidr6(items[i], out->remote_ts6[out->n_remote_ts6]) < 0)
					return BAD("remote_ts", "expected network prefixes (no host bits set)");
				out->n_remote_ts6++;
			} else if (net_parse_cidr(items[i], true, &out->remote_ts[out->n_remote_ts++]) < 0) {
				return BAD("remote_ts", "expected network prefixes A.B.C.D/P (no host bits set)");
			}
		}
		/* The tunnel carries IPv4 only (its inner address is IPv4). */
		if (out->n_remote_ts == 0)
			return BAD("remote_ts", "no IPv4 prefix: the tunnel carries IPv4 only");
	}
	v = conf_get(&c, "virtual_ip");
	if (v) {
		if (strcmp(v, "yes") == 0)
			out->virtual_ip = true;
		else if (strcmp(v, "no") != 0)
			return BAD("virtual_ip", "expected yes or no");
	}
	return 0;
}

static int load(const char *path, char **text, size_t *len, struct cage_err *e)
{
	uint8_t *buf = NULL;
	int r = read_file(path, NET_CONF_MAX, &buf, len);

	if (r == -EFBIG)
		return cage_err_set(e, -EINVAL, "%s: larger than %d bytes", path, NET_CONF_MAX);
	if (r < 0)
		return cage_err_set(e, r, "cannot read %s: %s", path, strerror(-r));
	*text = (char *)buf;
	return 0;
}

int net_network_load(const char *path, struct net_network *out, struct cage_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = load(path, &text, &len, e);

	return r < 0 ? r : net_network_parse(text, len, path, out, e);
}

int net_ipsec_load(const char *path, struct net_ipsec *out, struct cage_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = load(path, &text, &len, e);

	return r < 0 ? r : net_ipsec_parse(text, len, path, out, e);
}
