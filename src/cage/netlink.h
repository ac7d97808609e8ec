/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network plumbing done by the rempart-cage-net helper (libnl, libnftables). */
#pragma once

#include <sys/types.h>

#include "error.h"

/* In the launcher's namespaces: veth rc<pid> in /run/netns/rempart-<level>
 * with peer_cidr's address as a /32 and a /32 route to the cage's address
 * (the first free one from addr_cidr up, within its prefix), its peer
 * "eth0" moved into the cage's namespace with that address and a default
 * route via gateway (NULL: none). */
int cage_nl_veth(const char *level, pid_t cage_pid, const char *peer_cidr, const char *addr_cidr,
		 const char *gateway, struct cage_err *e);
/* In the cage's namespace: eth0 up with addr, default route via gateway (may be NULL). */
int cage_nl_inside(const char *addr, const char *gateway, struct cage_err *e);
/* Applies an nftables ruleset (text) in the current network namespace. */
int cage_nl_apply_nft(const char *rules, struct cage_err *e);
/* Generic helpers, also used by rempart-netcfg (src/net), all in the
 * current network namespace. ifname up, after adding cidr (NULL: none; an
 * address already present is not an error). */
int cage_nl_link_up(const char *ifname, const char *cidr, struct cage_err *e);
/* Route (created or replaced) to dst_cidr through ifname via gw (NULL: on-link). */
int cage_nl_route(const char *dst_cidr, const char *ifname, const char *gw, struct cage_err *e);
