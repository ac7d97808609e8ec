/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The network part of the state allow-list written by rempart-admind
 * (docs/net.md): network.conf (DHCP or static addressing) and ipsec.conf
 * (the IKEv2 gateway). Strict: unknown keys, duplicate keys, malformed
 * addresses and characters that could change the meaning of a generated
 * file are refused, naming the file, the line and the key. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NET_MAX_DNS 4
#define NET_MAX_TS 16
#define NET_ID_MAX 255

enum net_mode { NET_MODE_DHCP, NET_MODE_STATIC };

/* An IPv4 address or prefix, kept as text (canonical dotted quad) and bits. */
struct net_prefix {
	uint32_t addr; /* host byte order */
	unsigned len;  /* 32 for a plain address */
	char text[20]; /* "A.B.C.D/P" or "A.B.C.D" */
};

struct net_network {
	enum net_mode mode;
	char interface[16]; /* empty: every Ethernet interface (en*, eth*) */
	struct net_prefix address; /* static: host address with its prefix */
	struct net_prefix gateway; /* static */
	struct net_prefix dns[NET_MAX_DNS];
	size_t n_dns;
	bool levels_clear; /* "levels = clear": the levels' uplinks may go out in clear */
};

struct net_ipsec {
	struct net_prefix gateway; /* IKE peer */
	char remote_id[NET_ID_MAX + 1];
	char local_id[NET_ID_MAX + 1]; /* empty: the certificate's subject */
	struct net_prefix remote_ts[NET_MAX_TS]; /* IPv4: what the tunnel carries */
	size_t n_remote_ts;
	/* IPv6 prefixes rempart-admind accepts: validated, kept, not used
	 * (the tunnel's inner address is IPv4; IPv6 is dropped everywhere). */
	char remote_ts6[NET_MAX_TS][44];
	size_t n_remote_ts6;
	bool virtual_ip;
};

/* Parse the text of network.conf / ipsec.conf; name is used in messages. */
int net_network_parse(const char *text, size_t len, const char *name, struct net_network *out,
		      struct cage_err *e);
int net_ipsec_parse(const char *text, size_t len, const char *name, struct net_ipsec *out,
		    struct cage_err *e);
/* Load them from a file. */
int net_network_load(const char *path, struct net_network *out, struct cage_err *e);
int net_ipsec_load(const char *path, struct net_ipsec *out, struct cage_err *e);

/* Building blocks (exposed for the tests). 0 or -EINVAL. */
int net_parse_ipv4(const char *s, struct net_prefix *out);
/* "A.B.C.D/P"; host_bits_zero: a network prefix (no bits beyond P). */
int net_parse_cidr(const char *s, bool host_bits_zero, struct net_prefix *out);
/* "X:Y::/P", P 0..128, no host bits set. */
int net_parse_cidr6(const char *s, char out[44]);
/* IKE identities: 1..255 of [A-Za-z0-9 .,=@:_+/-], not starting or ending with a space. */
bool net_id_valid(const char *s);
/* Interface names: 1..15 of [A-Za-z0-9_.-], not "." or "..". */
bool net_ifname_valid(const char *s);
