/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nsnet.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/xfrmi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

DEFINE_POINTER_CLEANUP(struct nl_sock, nl_socket_free)
DEFINE_POINTER_CLEANUP(struct rtnl_link, rtnl_link_put)
DEFINE_POINTER_CLEANUP(struct nl_cache, nl_cache_free)

static bool is_netns(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == NSFS_MAGIC;
}

/* Like iproute2: the directory is a shared mount, so that namespaces
 * mounted later are seen from every mount namespace. */
static int make_dir_shared(const char *dir)
{
	if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

int net_ns_create(const char *dir, const char *name, struct cage_err *e)
{
	char path[PATH_MAX];
	int fd, status, r;
	pid_t pid;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return cage_err_set(e, -ENAMETOOLONG, "namespace path too long");
	if (is_netns(path))
		return 0;
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return cage_err_set(e, r, "cannot create %s: %s", dir, strerror(-r));
	r = make_dir_shared(dir);
	if (r < 0)
		return cage_err_set(e, r, "cannot make %s a shared mount: %s", dir, strerror(-r));
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return cage_err_set(e, -errno, "cannot create %s: %s", path, strerror(errno));
	close(fd);
	/* The new namespace is born in a child, which pins it with the bind
	 * mount and exits; this process keeps its own. */
	pid = fork();
	if (pid < 0) {
		r = -errno;
		unlink(path);
		return cage_err_set(e, r, "fork: %s", strerror(-r));
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			_exit(2);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		unlink(path);
		return cage_err_set(e, -EPERM, "cannot create the network namespace %s (%s failed; needs "
				    "CAP_SYS_ADMIN)", path,
				    WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "unshare" : "bind mount");
	}
	return 0;
}

int net_ns_enter(const char *path, int *saved, struct cage_err *e)
{
	_cleanup_close_ int cur = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;

	if (cur < 0)
		return cage_err_set(e, -errno, "cannot open /proc/self/ns/net: %s", strerror(errno));
	if (!is_netns(path))
		return cage_err_set(e, -ENOENT, "%s is not a network namespace", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cage_err_set(e, -errno, "cannot open %s: %s", path, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		return cage_err_set(e, -errno, "cannot enter %s: %s", path, strerror(errno));
	*saved = TAKE_FD(cur);
	return 0;
}

int net_ns_leave(int *saved, struct cage_err *e)
{
	int r = 0;

	if (*saved < 0)
		return 0;
	if (setns(*saved, CLONE_NEWNET) < 0)
		r = cage_err_set(e, -errno, "cannot return to the outer network namespace: %s", strerror(errno));
	close(*saved);
	*saved = -1;
	return r;
}

bool net_link_exists(const char *ifname)
{
	return if_nametoindex(ifname) != 0;
}

static int nl_err(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST: return -EEXIST;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: return -ENODEV;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	default: return -EIO;
	}
}

int net_nl_connect_route(struct nl_sock **sk, struct cage_err *e)
{
	int r;

	*sk = nl_socket_alloc();
	if (!*sk)
		return -ENOMEM;
	r = nl_connect(*sk, NETLINK_ROUTE);
	if (r < 0)
		return cage_err_set(e, nl_err(r), "netlink: %s", nl_geterror(r));
	return 0;
}

int net_link_move(const char *ifname, int nsfd, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL, *change = NULL;
	int r;

	r = net_nl_connect_route(&sk, e);
	if (r < 0)
		return r;
	r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (r < 0)
		return cage_err_set(e, nl_err(r), "interface %s not found: %s", ifname, nl_geterror(r));
	change = rtnl_link_alloc();
	if (!change)
		return -ENOMEM;
	rtnl_link_set_ns_fd(change, nsfd);
	r = rtnl_link_change(sk, link, change, 0);
	if (r < 0)
		return cage_err_set(e, nl_err(r), "cannot move %s into the namespace: %s", ifname, nl_geterror(r));
	return 0;
}

int net_xfrmi_create_move(const char *ifname, uint32_t if_id, int nsfd, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	int r;

	r = net_nl_connect_route(&sk, e);
	if (r < 0)
		return r;
	link = rtnl_link_xfrmi_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, ifname);
	rtnl_link_xfrmi_set_if_id(link, if_id);
	r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return cage_err_set(e, nl_err(r), "cannot create XFRM interface %s (if_id %u): %s%s", ifname, if_id,
				    nl_geterror(r),
				    r == -NLE_OPNOTSUPP || r == -NLE_INVAL
					    ? " (kernel without CONFIG_XFRM_INTERFACE? see --datapath tun)"
					    : "");
	r = net_link_move(ifname, nsfd, e);
	if (r < 0) {
		/* Never leave the tunnel interface in the outer namespace. */
		(void)rtnl_link_delete(sk, link);
		return r;
	}
	return 0;
}

int net_tun_blackhole(const char *ifname, struct cage_err *e)
{
	_cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	struct ifreq ifr = { 0 };

	if (fd < 0)
		return cage_err_set(e, -errno, "cannot open /dev/net/tun: %s", strerror(errno));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0)
		return cage_err_set(e, -errno, "cannot create the TUN black hole %s: %s", ifname, strerror(errno));
	return 0;
}

int net_addr_flush(const char *ifname, const char *keep, struct cage_err *e)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
	unsigned ifindex = if_nametoindex(ifname);
	struct in_addr keep_addr = { 0 };
	unsigned keep_len = 0;
	int r;

	if (ifindex == 0)
		return cage_err_set(e, -ENODEV, "interface %s not found", ifname);
	if (keep) {
		char a[16];
		const char *slash = strchr(keep, '/');

		if (!slash || (size_t)(slash - keep) >= sizeof(a))
			return -EINVAL;
		memcpy(a, keep, (size_t)(slash - keep));
		a[slash - keep] = '\0';
		if (inet_pton(AF_INET, a, &keep_addr) != 1)
			return -EINVAL;
		keep_len = (unsigned)atoi(slash + 1);
	}
	r = net_nl_connect_route(&sk, e);
	if (r < 0)
		return r;
	r = rtnl_addr_alloc_cache(sk, &cache);
	if (r < 0)
		return cage_err_set(e, nl_err(r), "cannot list addresses: %s", nl_geterror(r));
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		char buf[64];

		if (rtnl_addr_get_ifindex(a) != (int)ifindex || rtnl_addr_get_family(a) != AF_INET || !local)
			continue;
		if (keep && nl_addr_get_len(local) == sizeof(keep_addr) &&
		    memcmp(nl_addr_get_binary_addr(local), &keep_addr, sizeof(keep_addr)) == 0 &&
		    (unsigned)rtnl_addr_get_prefixlen(a) == keep_len)
			continue;
		nl_addr2str(local, buf, sizeof(buf));
		r = rtnl_addr_delete(sk, a, 0);
		if (r < 0)
			return cage_err_set(e, nl_err(r), "cannot remove %s from %s: %s", buf, ifname, nl_geterror(r));
	}
	return 0;
}
