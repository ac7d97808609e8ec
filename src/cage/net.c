/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "net.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
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
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "profile.h"

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

static int lo_up(void)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	return 0;
}

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
	r = nl_addr_parse(cidr, AF_INET, &local);
	if (r < 0)
		return cage_err_set(e, -EINVAL, "bad address %s", cidr);
	addr = rtnl_addr_alloc();
	change = rtnl_link_alloc();
	if (!addr || !change)
		return -ENOMEM;
	rtnl_addr_set_ifindex(addr, rtnl_link_get_ifindex(link));
	r = rtnl_addr_set_local(addr, local);
	if (r >= 0)
		r = rtnl_addr_add(sk, addr, 0);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "cannot add %s to %s: %s", cidr, ifname, nl_geterror(r));
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, link, change, 0);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "cannot bring %s up: %s", ifname, nl_geterror(r));
	return 0;
}

static int default_route(struct nl_sock *sk, const char *ifname, const char *gw, struct cage_err *e)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	_cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *dst = NULL, *via = NULL;
	struct rtnl_nexthop *nh;
	int r;

	r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "interface %s not found", ifname);
	if (nl_addr_parse("0.0.0.0/0", AF_INET, &dst) < 0 || nl_addr_parse(gw, AF_INET, &via) < 0)
		return -EINVAL;
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		if (nh)
			rtnl_route_nh_free(nh);
		return -ENOMEM;
	}
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_dst(route, dst);
	rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(link));
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(route, nh);
	r = rtnl_route_add(sk, route, NLM_F_CREATE);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "cannot add a default route via %s: %s", gw, nl_geterror(r));
	return 0;
}

char *cage_net_ruleset(const struct cage_profile *p)
{
	size_t len = 512;
	char *buf, *w;

	for (size_t i = 0; i < p->n_nft; i++)
		len += strlen(p->nft[i]) + 8;
	buf = malloc(len);
	if (!buf)
		return NULL;
	w = buf;
	w += sprintf(w, "table inet rempart {\n"
			"\tchain output {\n"
			"\t\ttype filter hook output priority 0; policy drop;\n"
			"\t\toif \"lo\" accept\n"
			"\t\tct state established,related accept\n");
	for (size_t i = 0; i < p->n_nft; i++)
		w += sprintf(w, "\t\t%s\n", p->nft[i]);
	/* Refuse loudly (connect fails at once) rather than drop silently. */
	sprintf(w, "\t\tmeta l4proto tcp reject with tcp reset\n"
		   "\t\treject with icmpx type admin-prohibited\n"
		   "\t}\n"
		   "\tchain input {\n"
		   "\t\ttype filter hook input priority 0; policy drop;\n"
		   "\t\tiif \"lo\" accept\n"
		   "\t\tct state established,related accept\n"
		   "\t}\n"
		   "}\n");
	return buf;
}

static int apply_nft(const struct cage_profile *p, struct cage_err *e)
{
	_cleanup_(nft_ctx_freep) struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	_cleanup_free_ char *rules = cage_net_ruleset(p);
	const char *msg;

	if (!nft || !rules)
		return -ENOMEM;
	if (nft_ctx_buffer_error(nft) < 0)
		return -ENOMEM;
	if (nft_run_cmd_from_buffer(nft, rules) != 0) {
		msg = nft_ctx_get_error_buffer(nft);
		return cage_err_set(e, -EINVAL, "nftables refused the profile's rules: %.200s",
				    msg ? msg : "(no message)");
	}
	return 0;
}

int cage_net_child_setup(const struct cage_profile *p, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	int r;

	r = lo_up();
	if (r < 0)
		return cage_err_set(e, r, "cannot bring lo up: %s", strerror(-r));
	if (p->net != CAGE_NET_LEVEL)
		return 0;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return cage_err_set(e, nl_to_errno(r), "netlink: %s", nl_geterror(r));
	r = link_up_addr(sk, "eth0", p->net_addr, e);
	if (r < 0)
		return r;
	if (p->net_gateway) {
		r = default_route(sk, "eth0", p->net_gateway, e);
		if (r < 0)
			return r;
	}
	return apply_nft(p, e);
}

int cage_net_parent_setup(const struct cage_profile *p, pid_t cage_pid, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *veth = NULL;
	_cleanup_close_ int self = -1, level = -1;
	char path[PATH_MAX], host_if[IFNAMSIZ];
	struct rtnl_link *peer;
	int r, r2;

	if (p->net != CAGE_NET_LEVEL)
		return 0;
	snprintf(path, sizeof(path), "/run/netns/rempart-%s", p->net_level);
	level = open(path, O_RDONLY | O_CLOEXEC);
	if (level < 0)
		return cage_err_set(e, -errno, "the level's network namespace %s is missing (%s); the level's "
				    "unit creates it (ip netns add rempart-%s)",
				    path, strerror(errno), p->net_level);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(level, CLONE_NEWNET) < 0)
		return cage_err_set(e, -errno, "cannot enter %s: %s", path, strerror(errno));

	snprintf(host_if, sizeof(host_if), "rc%d", (int)cage_pid);
	sk = nl_socket_alloc();
	veth = rtnl_link_veth_alloc();
	if (!sk || !veth) {
		r = -ENOMEM;
		goto back;
	}
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		r = cage_err_set(e, nl_to_errno(r), "netlink: %s", nl_geterror(r));
		goto back;
	}
	rtnl_link_set_name(veth, host_if);
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(peer, "eth0");
	rtnl_link_set_ns_pid(peer, cage_pid);
	rtnl_link_put(peer);
	r = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0) {
		r = cage_err_set(e, nl_to_errno(r), "cannot create veth %s/eth0: %s", host_if, nl_geterror(r));
		goto back;
	}
	r = link_up_addr(sk, host_if, p->net_peer, e);
back:
	r2 = setns(self, CLONE_NEWNET);
	if (r2 < 0 && r >= 0)
		r = cage_err_set(e, -errno, "cannot return to the launcher's network namespace");
	return r;
}
