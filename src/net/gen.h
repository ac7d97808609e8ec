/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text generated from the parsed configuration (docs/net.md): the
 * systemd-networkd unit of the physical interface, swanctl.conf, and the
 * nftables rulesets of the outer, the ipsec and a level's namespaces.
 * Every function returns a malloc'd NUL-terminated string or NULL (ENOMEM). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "netconf.h"

/* How ESP packets reach the ipsec namespace: an XFRM interface (kernel
 * ESP, the image) or the TUN device of strongSwan's kernel-libipsec
 * (userspace ESP, for kernels without XFRM interfaces). */
enum net_datapath { NET_DP_XFRM, NET_DP_TUN };

#define NET_IF_ID_DEFAULT 42

/* Ports allowed in the ipsec namespace. */
#define NET_PORT_SSH 22
#define NET_PORT_HTTPS 443
#define NET_PORT_SYSLOG_TLS 6514
#define NET_PORT_NTP 123
#define NET_PORT_DNS 53

char *net_gen_networkd(const struct net_network *n);
/* cred_dir: directory holding cert.pem, key.pem, ca.pem. updown: the
 * command charon runs when the CHILD_SA goes up or down (with a virtual
 * IP only; NULL: none). */
char *net_gen_swanctl(const struct net_ipsec *s, const struct net_network *n, const char *cred_dir,
		      enum net_datapath dp, uint32_t if_id, const char *updown);
/* Safe inside charon's updown command line (run by a shell): [A-Za-z0-9/._-]. */
bool net_shell_safe(const char *s);
/* s NULL (no ipsec.conf yet): DHCP and loopback only. */
char *net_gen_nft_outer(const struct net_ipsec *s);
/* The same with one direct TCP path in the outer namespace (development
 * images' update server, rempart build --dev-update-direct; docs/net.md):
 * direct is a dotted quad (validated by the caller), port 1..65535. */
char *net_gen_nft_outer_direct(const struct net_ipsec *s, const char *direct, uint16_t port, bool levels_clear);
char *net_gen_nft_inner(const struct net_ipsec *s);
/* A level's uplink to the host's namespace (from the level's cage
 * profile, src/net/uplink.h): veth NET_UPLINK_OUTER_PREFIX<level> in the
 * host's namespace, NET_UPLINK_INNER in the level's, NAT to the outside. */
#define NET_UPLINK_OUTER_PREFIX "rl-"
#define NET_UPLINK_INNER "uplink"
#define NET_UPLINK_MAX 32

struct net_uplink {
	char level[9];      /* level name, 1-8 of a-z 0-9 */
	char outer[20];     /* host side CIDR */
	char outer_addr[16];
	char inner[20];     /* level side CIDR */
	char inner_addr[16];
	char uplink_net[20]; /* the veth's subnet */
	char cages[20];     /* the cages' subnet (network/prefix of net-address) */
	struct {
		bool udp;
		uint16_t port;
	} allow[NET_UPLINK_MAX];
	size_t n_allow;
	char deny[NET_UPLINK_MAX][20]; /* extra refused destinations (CIDR) */
	size_t n_deny;
};

/* A cage level's namespace: nothing in or out but lo; cages' veths
 * (rc*) may only be forwarded to the level's tunnel interface (ipsec-*)
 * and, with an uplink (u not NULL), to the uplink within its allow-list. */
char *net_gen_nft_level(const struct net_ipsec *s, const struct net_uplink *u);
/* The host namespace's side of a level's uplink: table inet
 * rempart-level-<level> (forward filter of the level's veth, no input from
 * it, masquerade out). Replaced atomically. */
char *net_gen_nft_uplink(const struct net_uplink *u);
/* The inner address of the tunnel when there is no virtual IP: the static
 * address as a /32. NULL if there is none (DHCP). */
const char *net_inner_address(const struct net_network *n, char buf[20]);
