/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-cage-net's netlink and nftables work (libnl-route, libnftables).
 * Kept out of rempart-cage itself: those libraries load only for levels
 * with a network, and their parsers run in a short-lived helper. */
#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"

DEFINE_POINTER_CLEANUP(struct nl_sock, nl_socket_free)
DEFINE_POINTER_CLEANUP(struct rtnl_link, rtnl_link_put)
DEFINE_POINTER_CLEANUP(struct rtnl_addr, rtnl_addr_put)
DEFINE_POINTER_CLEANUP(struct rtnl_route, rtnl_route_put)
DEFINE_POINTER_CLEANUP(struct nl_addr, nl_addr_put)
DEFINE_POINTER_CLEANUP(struct nft_ctx, nft_ctx_free)

static int nl_to_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST: return -EEXIST;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: return -ENODEV;
	case NLE_INVAL: return -EINVAL;
	default: return -EIO;
	}
}

/* Brings ifname up, first adding cidr (may be NULL) to it. */
static int link_up_addr(struct nl_sock *sk, const char *ifname, const char *cidr, struct cage_err *e)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *change = NULL;
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *addr = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *local = NULL;
	int r;

	r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "interface %s not found: %s", ifname, nl_geterror(r));
	if (cidr) {
		r = nl_addr_parse(cidr, AF_INET, &local);
		if (r < 0)
			return cage_err_set(e, -EINVAL, "bad address %s", cidr);
		addr = rtnl_addr_alloc();
		if (!addr)
			return -ENOMEM;
		rtnl_addr_set_ifindex(addr, rtnl_link_get_ifindex(link));
		r = rtnl_addr_set_local(addr, local);
		if (r >= 0)
			r = rtnl_addr_add(sk, addr, 0);
		/* Already there (re-applied configuration): fine. */
		if (r < 0 && r != -NLE_EXIST)
			return cage_err_set(e, nl_to_errno(r), "cannot add %s to %s: %s", cidr, ifname,
					    nl_geterror(r));
	}
	change = rtnl_link_alloc();
	if (!change)
		return -ENOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, link, change, 0);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "cannot bring %s up: %s", ifname, nl_geterror(r));
	return 0;
}

/* Route to dst_cidr through ifname, via gw (may be NULL: on-link);
 * flags NLM_F_REPLACE, or NLM_F_EXCL (-EEXIST when taken). */
static int route_add_flags(struct nl_sock *sk, const char *dst_cidr, const char *ifname, const char *gw,
			   int flags, struct cage_err *e)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	_cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *dst = NULL, *via = NULL;
	struct rtnl_nexthop *nh;
	int r;

	r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "interface %s not found", ifname);
	if (nl_addr_parse(dst_cidr, AF_INET, &dst) < 0 || (gw && nl_addr_parse(gw, AF_INET, &via) < 0))
		return cage_err_set(e, -EINVAL, "bad route %s via %s", dst_cidr, gw ? gw : "(link)");
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		if (nh)
			rtnl_route_nh_free(nh);
		return -ENOMEM;
	}
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_dst(route, dst);
	if (!gw)
		rtnl_route_set_scope(route, RT_SCOPE_LINK);
	rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(link));
	if (via)
		rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(route, nh);
	r = rtnl_route_add(sk, route, NLM_F_CREATE | flags);
	if (r == -NLE_EXIST && (flags & NLM_F_EXCL))
		return -EEXIST;
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "cannot add a route to %s via %s: %s", dst_cidr,
				    gw ? gw : ifname, nl_geterror(r));
	return 0;
}

static int route_add(struct nl_sock *sk, const char *dst_cidr, const char *ifname, const char *gw,
		     struct cage_err *e)
{
	return route_add_flags(sk, dst_cidr, ifname, gw, NLM_F_REPLACE, e);
}

static int route_socket(struct nl_sock **out, struct cage_err *e)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return cage_err_set(e, nl_to_errno(r), "netlink: %s", nl_geterror(r));
	}
	*out = sk;
	return 0;
}

int cage_nl_link_up(const char *ifname, const char *cidr, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	int r = route_socket(&sk, e);

	return r < 0 ? r : link_up_addr(sk, ifname, cidr, e);
}

int cage_nl_route(const char *dst_cidr, const char *ifname, const char *gw, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	int r = route_socket(&sk, e);

	return r < 0 ? r : route_add(sk, dst_cidr, ifname, gw, e);
}

int cage_nl_apply_nft(const char *rules, struct cage_err *e)
{
	_cleanup_(nft_ctx_freep) struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *msg;

	if (!nft)
		return -ENOMEM;
	if (nft_ctx_buffer_error(nft) < 0)
		return -ENOMEM;
	if (nft_run_cmd_from_buffer(nft, rules) != 0) {
		msg = nft_ctx_get_error_buffer(nft);
		return cage_err_set(e, -EINVAL, "nftables refused the rules: %.200s",
				    msg ? msg : "(no message)");
	}
	return 0;
}

int cage_nl_inside(const char *addr, const char *gateway, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	int r;

	r = route_socket(&sk, e);
	if (r < 0)
		return r;
	r = link_up_addr(sk, "eth0", addr, e);
	if (r < 0)
		return r;
	if (gateway)
		return route_add(sk, "0.0.0.0/0", "eth0", gateway, e);
	return 0;
}

/* "a.b.c.d/n" -> address (host order) and prefix length. */
static int cidr_split(const char *cidr, uint32_t *addr, unsigned *plen)
{
	unsigned a, b, c, d, n;
	char tail;

	if (sscanf(cidr, "%3u.%3u.%3u.%3u/%2u%c", &a, &b, &c, &d, &n, &tail) != 5 || a > 255 || b > 255 ||
	    c > 255 || d > 255 || n < 1 || n > 32)
		return -EINVAL;
	*addr = a << 24 | b << 16 | c << 8 | d;
	*plen = n;
	return 0;
}

static void addr_text(uint32_t a, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

int cage_nl_veth(const char *level, pid_t cage_pid, const char *peer_cidr, const char *addr_cidr,
		 const char *gateway, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *veth = NULL;
	_cleanup_close_ int levelfd = -1, cagefd = -1;
	char path[PATH_MAX], host_if[IFNAMSIZ], peer32[24], text[16], cage_cidr[24];
	uint32_t base, peer, mask, cand = 0;
	unsigned plen, peer_plen;
	struct rtnl_link *peerl;
	int r;

	if (cidr_split(addr_cidr, &base, &plen) < 0 || cidr_split(peer_cidr, &peer, &peer_plen) < 0)
		return cage_err_set(e, -EINVAL, "bad cage addresses %s / %s", addr_cidr, peer_cidr);
	snprintf(path, sizeof(path), "/run/netns/rempart-%s", level);
	levelfd = open(path, O_RDONLY | O_CLOEXEC);
	if (levelfd < 0)
		return cage_err_set(e, -errno, "the level's network namespace %s is missing (%s); the level's "
				    "unit creates it (rempart-netcfg level-ns %s)",
				    path, strerror(errno), level);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)cage_pid);
	cagefd = open(path, O_RDONLY | O_CLOEXEC);
	if (cagefd < 0)
		return cage_err_set(e, -errno, "cannot open %s: %s", path, strerror(errno));
	/* This helper lives only for this: no need to come back. */
	if (setns(levelfd, CLONE_NEWNET) < 0)
		return cage_err_set(e, -errno, "cannot enter the level's namespace: %s", strerror(errno));
	snprintf(host_if, sizeof(host_if), "rc%d", (int)cage_pid);
	sk = nl_socket_alloc();
	veth = rtnl_link_veth_alloc();
	if (!sk || !veth)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "netlink: %s", nl_geterror(r));
	rtnl_link_set_name(veth, host_if);
	peerl = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(peerl, "eth0");
	rtnl_link_set_ns_pid(peerl, cage_pid);
	rtnl_link_put(peerl);
	r = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "cannot create veth %s/eth0: %s", host_if, nl_geterror(r));
	/* Every cage of the level has its own veth with the level's address
	 * as a /32 (no prefix route shared between cages) and a /32 route to
	 * its own address: the first free one from net-address up, taken
	 * atomically (NLM_F_EXCL), so that replies reach the right cage when
	 * several cages of one level run. */
	addr_text(peer, text);
	snprintf(peer32, sizeof(peer32), "%s/32", text);
	r = link_up_addr(sk, host_if, peer32, e);
	if (r < 0)
		return r;
	mask = plen == 32 ? ~0u : ~(~0u >> plen);
	for (uint32_t a = base; (a & mask) == (base & mask) && a != 0; a++) {
		char dst[24];

		if (a == peer || (plen < 31 && ((a & ~mask) == 0 || (a & ~mask) == ~mask)))
			continue;
		addr_text(a, text);
		snprintf(dst, sizeof(dst), "%s/32", text);
		r = route_add_flags(sk, dst, host_if, NULL, NLM_F_EXCL, e);
		if (r == -EEXIST)
			continue;
		if (r < 0)
			return r;
		cand = a;
		break;
	}
	if (!cand)
		return cage_err_set(e, -EADDRNOTAVAIL, "no free address left for a cage of level %s in %s", level,
				    addr_cidr);
	/* The cage's side, in its own namespace. */
	if (setns(cagefd, CLONE_NEWNET) < 0)
		return cage_err_set(e, -errno, "cannot enter the cage's namespace: %s", strerror(errno));
	nl_socket_free(sk);
	sk = NULL;
	r = route_socket(&sk, e);
	if (r < 0)
		return r;
	addr_text(cand, text);
	snprintf(cage_cidr, sizeof(cage_cidr), "%s/%u", text, plen);
	r = link_up_addr(sk, "eth0", cage_cidr, e);
	if (r == 0 && gateway)
		r = route_add(sk, "0.0.0.0/0", "eth0", gateway, e);
	return r;
}
