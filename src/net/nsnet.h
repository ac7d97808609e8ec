/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Named network namespaces (the layout of `ip netns`: an nsfs bind mount
 * at DIR/NAME, DIR a shared mount) and the tunnel interface moved into
 * one. Generic address/route/nftables work is src/cage/netlink.h's. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct nl_sock;

/* Creates DIR/NAME unless it already is a network namespace. */
int net_ns_create(const char *dir, const char *name, struct cage_err *e);
/* Enters the namespace at path; *saved receives an fd of the current one. */
int net_ns_enter(const char *path, int *saved, struct cage_err *e);
/* Goes back to saved (and closes it). */
int net_ns_leave(int *saved, struct cage_err *e);
/* A new rtnetlink socket of the current namespace (nl_socket_free it). */
int net_nl_connect_route(struct nl_sock **sk, struct cage_err *e);
/* Is ifname present in the current namespace? */
bool net_link_exists(const char *ifname);
/* Creates XFRM interface ifname with if_id in the current namespace (its
 * SAs are looked up here), then moves it into the namespace nsfd. */
int net_xfrmi_create_move(const char *ifname, uint32_t if_id, int nsfd, struct cage_err *e);
/* Moves an existing interface of the current namespace into nsfd. */
int net_link_move(const char *ifname, int nsfd, struct cage_err *e);
/* A persistent TUN device nobody reads (packets routed to it are dropped),
 * left in the outer namespace under the name of charon's kernel-libipsec
 * device once that one is moved: the plugin insists on routing the
 * tunnel's traffic through a device of that name in its own namespace. */
int net_tun_blackhole(const char *ifname, struct cage_err *e);
/* Removes the IPv4 addresses of ifname (current namespace) but keep
 * ("A.B.C.D/P" as libnl prints it, NULL: none). */
int net_addr_flush(const char *ifname, const char *keep, struct cage_err *e);
