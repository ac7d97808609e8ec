/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "uplink.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "netlink.h"
#include "netconf.h"
#include "nsnet.h"
#include "profile.h"

DEFINE_POINTER_CLEANUP(struct nl_sock, nl_socket_free)
DEFINE_POINTER_CLEANUP(struct rtnl_link, rtnl_link_put)

static uint32_t prefix_mask(unsigned len)
{
	return len ? ~0u << (32 - len) : 0;
}

int net_cidr_network(const char *cidr, char out[20])
{
	struct net_prefix p;
	uint32_t a;

	if (net_parse_cidr(cidr, false, &p) < 0)
		return -EINVAL;
	a = p.addr & prefix_mask(p.len);
	snprintf(out, 20, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, p.len);
	return 0;
}

/* Do two prefixes share an address? */
static bool cidr_overlap(const char *x, const char *y)
{
	struct net_prefix a, b;
	uint32_t mask;

	if (net_parse_cidr(x, false, &a) < 0 || net_parse_cidr(y, false, &b) < 0)
		return true;
	mask = prefix_mask(a.len < b.len ? a.len : b.len);
	return (a.addr & mask) == (b.addr & mask);
}

/* The address part of "A.B.C.D/P". */
static int addr_of(const char *cidr, char out[16])
{
	struct net_prefix p;

	if (net_parse_cidr(cidr, false, &p) < 0)
		return -EINVAL;
	snprintf(out, 16, "%.*s", (int)strcspn(p.text, "/"), p.text);
	return 0;
}

int net_uplink_from_profile(const struct cage_profile *p, const char *level, struct net_uplink *u,
			    struct cage_err *e)
{
	memset(u, 0, sizeof(*u));
	if (p->net != CAGE_NET_LEVEL || !p->uplink_outer)
		return cage_err_set(e, -EINVAL, "profile %s has no uplink (network = level and uplink = ... needed)",
				    p->name);
	if (strcmp(p->net_level, level) != 0)
		return cage_err_set(e, -EINVAL, "profile %s is for level %s, not %s", p->name, p->net_level, level);
	snprintf(u->level, sizeof(u->level), "%s", level);
	snprintf(u->outer, sizeof(u->outer), "%s", p->uplink_outer);
	snprintf(u->inner, sizeof(u->inner), "%s", p->uplink_inner);
	if (addr_of(u->outer, u->outer_addr) < 0 || addr_of(u->inner, u->inner_addr) < 0 ||
	    net_cidr_network(u->outer, u->uplink_net) < 0 || net_cidr_network(p->net_addr, u->cages) < 0)
		return cage_err_set(e, -EINVAL, "profile %s: malformed uplink or net-address", p->name);
	{
		char other[20];

		if (net_cidr_network(u->inner, other) < 0 || strcmp(other, u->uplink_net) != 0)
			return cage_err_set(e, -EINVAL, "profile %s: uplink addresses %s and %s are not in one subnet",
					    p->name, u->outer, u->inner);
		if (cidr_overlap(u->uplink_net, u->cages))
			return cage_err_set(e, -EINVAL, "profile %s: the uplink's subnet %s overlaps the cages' %s",
					    p->name, u->uplink_net, u->cages);
	}
	for (size_t i = 0; i < p->n_uplink_allow && i < NET_UPLINK_MAX; i++) {
		u->allow[i].udp = p->uplink_allow[i].udp;
		u->allow[i].port = p->uplink_allow[i].port;
		u->n_allow++;
	}
	for (size_t i = 0; i < p->n_uplink_deny && i < NET_UPLINK_MAX; i++) {
		/* a prefix with host bits is refused by nftables: normalise */
		if (net_cidr_network(p->uplink_deny[i], u->deny[i]) < 0)
			return cage_err_set(e, -EINVAL, "profile %s: bad uplink-deny %s", p->name, p->uplink_deny[i]);
		u->n_deny++;
	}
	return 0;
}

static int write_sysctl(const char *path, const char *value, struct cage_err *e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		return cage_err_set(e, -errno, "cannot write %s to %s: %s", value, path, strerror(errno));
	return 0;
}

/* veth outer (current namespace) <-> NET_UPLINK_INNER in nsfd. */
static int veth_create(const char *outer, int nsfd, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *veth = NULL;
	struct rtnl_link *peer;
	int r;

	r = net_nl_connect_route(&sk, e);
	if (r < 0)
		return r;
	veth = rtnl_link_veth_alloc();
	if (!veth)
		return -ENOMEM;
	rtnl_link_set_name(veth, outer);
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(peer, NET_UPLINK_INNER);
	rtnl_link_set_ns_fd(peer, nsfd);
	rtnl_link_put(peer);
	r = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return cage_err_set(e, -EIO, "cannot create veth %s/%s: %s", outer, NET_UPLINK_INNER, nl_geterror(r));
	return 0;
}

static int link_delete(const char *ifname, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	int r;

	if (!net_link_exists(ifname))
		return 0;
	r = net_nl_connect_route(&sk, e);
	if (r < 0)
		return r;
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, ifname);
	r = rtnl_link_delete(sk, link);
	if (r < 0)
		return cage_err_set(e, -EIO, "cannot delete %s: %s", ifname, nl_geterror(r));
	return 0;
}

int net_uplink_up(const struct net_uplink *u, const char *nspath, struct cage_err *e)
{
	_cleanup_free_ char *rules = net_gen_nft_uplink(u);
	_cleanup_close_ int nsfd = -1;
	char outer[IFNAMSIZ];
	bool inside;
	int saved = -1, r;

	if (!rules)
		return -ENOMEM;
	snprintf(outer, sizeof(outer), NET_UPLINK_OUTER_PREFIX "%s", u->level);
	/* 1. The host side's rules, before any packet can flow. */
	r = cage_nl_apply_nft(rules, e);
	if (r < 0)
		return r;
	/* 2. The veth pair (again if half of it is gone). */
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return cage_err_set(e, -errno, "cannot open %s: %s", nspath, strerror(errno));
	r = net_ns_enter(nspath, &saved, e);
	if (r < 0)
		return r;
	inside = net_link_exists(NET_UPLINK_INNER);
	r = net_ns_leave(&saved, e);
	if (r < 0)
		return r;
	if (!inside || !net_link_exists(outer)) {
		r = link_delete(outer, e);
		if (r == 0)
			r = veth_create(outer, nsfd, e);
		if (r < 0)
			return r;
	}
	/* 3. Host side: address, route to the cages, forwarding. */
	r = cage_nl_link_up(outer, u->outer, e);
	if (r == 0)
		r = cage_nl_route(u->cages, outer, u->inner_addr, e);
	if (r < 0)
		return r;
	/* 4. Level side: address, default route, forwarding (the level's
	 * forward chain, policy drop, decides what passes). */
	r = net_ns_enter(nspath, &saved, e);
	if (r < 0)
		return r;
	r = cage_nl_link_up(NET_UPLINK_INNER, u->inner, e);
	if (r == 0)
		r = cage_nl_route("0.0.0.0/0", NET_UPLINK_INNER, u->outer_addr, e);
	if (r == 0)
		r = write_sysctl("/proc/sys/net/ipv4/conf/all/forwarding", "1", e);
	if (net_ns_leave(&saved, e) < 0 || r < 0)
		return r < 0 ? r : -EIO;
	/* The kernel decides forwarding by the interface a packet comes in
	 * on: the replies arrive on the physical interface, so forwarding is
	 * on for the namespace, now that the table above drops whatever
	 * neither enters nor leaves a level's veth. */
	return write_sysctl("/proc/sys/net/ipv4/conf/all/forwarding", "1", e);
}

static bool other_uplink_left(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	bool found = false;

	if (!ifs)
		return true; /* cannot tell: leave forwarding as it is */
	for (i = ifs; i->if_index; i++)
		if (strncmp(i->if_name, NET_UPLINK_OUTER_PREFIX, strlen(NET_UPLINK_OUTER_PREFIX)) == 0)
			found = true;
	if_freenameindex(ifs);
	return found;
}

int net_uplink_down(const char *level, struct cage_err *e)
{
	char outer[IFNAMSIZ], cmd[128];
	int r;

	snprintf(outer, sizeof(outer), NET_UPLINK_OUTER_PREFIX "%s", level);
	r = link_delete(outer, e);
	if (r < 0)
		return r;
	if (!other_uplink_left()) {
		r = write_sysctl("/proc/sys/net/ipv4/conf/all/forwarding", "0", e);
		if (r < 0)
			return r;
	}
	/* "table" first: deleting an absent table is an error. */
	snprintf(cmd, sizeof(cmd), "table inet rempart-level-%s\ndelete table inet rempart-level-%s\n", level, level);
	return cage_nl_apply_nft(cmd, e);
}
