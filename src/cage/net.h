/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network of a cage. "none": the new network namespace with only lo up.
 * "level": a veth pair, eth0 in the cage, rc<pid> in the level's named
 * namespace /run/netns/rempart-<level>; the profile's nft rules are the
 * output chain (policy drop) of table inet rempart in the cage's
 * namespace, applied through libnftables before privileges are dropped. */
#pragma once

#include <sys/types.h>

#include "error.h"

struct cage_profile;

/* In the launcher, after the cage's namespaces exist. */
int cage_net_parent_setup(const struct cage_profile *p, pid_t cage_pid, struct cage_err *e);
/* In the cage (still privileged), inside its network namespace. */
int cage_net_child_setup(const struct cage_profile *p, struct cage_err *e);
/* The nftables ruleset applied for p (for "check" and the tests). Caller frees. */
char *cage_net_ruleset(const struct cage_profile *p);
