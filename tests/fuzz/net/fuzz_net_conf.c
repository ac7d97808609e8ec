/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: network.conf and ipsec.conf (written by rempart-admind
 * from an administrator's request) and the generators fed by them. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "netconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Nothing the parser accepts may change the structure of a generated
 * file: braces balanced, quotes paired on every line. */
static void check_text(char *t)
{
	long depth = 0;
	unsigned quotes = 0;

	if (!t)
		return;
	for (const char *p = t; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth < 0)
			__builtin_trap();
		else if (*p == '"')
			quotes++;
		else if (*p == '\n' && quotes % 2)
			__builtin_trap();
	}
	if (depth != 0)
		__builtin_trap();
	free(t);
}

static void check_id(const char *id)
{
	if (strpbrk(id, "\"{}#\n\\;$"))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_network n;
	struct net_ipsec s;
	struct cage_err e = { { 0 } };
	bool net_ok = net_network_parse((const char *)data, size, "network.conf", &n, &e) == 0;
	bool ipsec_ok = net_ipsec_parse((const char *)data, size, "ipsec.conf", &s, &e) == 0;

	if (strnlen(e.msg, sizeof(e.msg)) == sizeof(e.msg))
		__builtin_trap();
	if (net_ok) {
		if (n.mode == NET_MODE_STATIC && (n.address.len == 0 || n.address.len > 31 || n.n_dns > NET_MAX_DNS))
			__builtin_trap();
		check_text(net_gen_networkd(&n));
	}
	if (ipsec_ok) {
		if (s.n_remote_ts == 0 || s.n_remote_ts > NET_MAX_TS)
			__builtin_trap();
		check_id(s.remote_id);
		check_id(s.local_id);
		check_text(net_gen_swanctl(&s, net_ok ? &n : NULL, "/c", NET_DP_XFRM, 42, "/u"));
		check_text(net_gen_nft_outer(&s));
		check_text(net_gen_nft_inner(&s));
		check_text(net_gen_nft_level(&s, NULL));
	}
	return 0;
}
