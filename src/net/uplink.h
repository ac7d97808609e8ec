/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A cage level's uplink (docs/net.md, "Level uplinks"): a veth pair from
 * the host's namespace (rl-<level>) into the level's (uplink), the route
 * to the level's cages, forwarding, and the nftables tables of both
 * sides, all described by the level's cage profile (uplink, uplink-allow,
 * uplink-deny; docs/cage.md). */
#pragma once

#include "error.h"
#include "gen.h"

struct cage_profile;

/* Fills u from a profile with network = level and an uplink; -EINVAL
 * (e says why) otherwise. level: the namespace's level name. */
int net_uplink_from_profile(const struct cage_profile *p, const char *level, struct net_uplink *u,
			    struct cage_err *e);
/* Network/prefix text of a CIDR ("10.77.1.2/24" -> "10.77.1.0/24"). */
int net_cidr_network(const char *cidr, char out[20]);
/* In the host's namespace (current): its table first (one nftables
 * transaction), then the veth pair into the level's namespace nspath, the
 * addresses, the routes and IPv4 forwarding. Idempotent. */
int net_uplink_up(const struct net_uplink *u, const char *nspath, struct cage_err *e);
/* Removes the host side: the table, the veth (its peer goes with it), and
 * forwarding when no other level's uplink is left. */
int net_uplink_down(const char *level, struct cage_err *e);
