/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "profile.h"

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

/* The helper sits next to our own executable. */
static int helper_path(char *out, size_t n)
{
	ssize_t l = readlink("/proc/self/exe", out, n - 32);
	char *slash;

	if (l < 0)
		return -errno;
	out[l] = '\0';
	slash = strrchr(out, '/');
	if (!slash)
		return -ENOENT;
	strcpy(slash + 1, "rempart-cage-net");
	return 0;
}

/* Runs the helper with argv, feeding input (may be NULL) on its stdin. */
static int spawn_helper(char *const *argv, const char *input, struct cage_err *e)
{
	char path[PATH_MAX];
	int in[2] = { -1, -1 }, status, r;
	pid_t pid;

	r = helper_path(path, sizeof(path));
	if (r < 0)
		return cage_err_set(e, r, "cannot locate rempart-cage-net: %s", strerror(-r));
	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(in[0]);
		close(in[1]);
		return r;
	}
	if (pid == 0) {
		char *envp[] = { NULL };

		if (dup2(in[0], 0) < 0)
			_exit(126);
		syscall(SYS_close_range, 3, ~0U, 0);
		execve(path, argv, envp);
		_exit(127);
	}
	close(in[0]);
	if (input)
		(void)write_full(in[1], input, strlen(input));
	close(in[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cage_err_set(e, -EIO, "%s %s failed (status 0x%x, its message is above)", path, argv[1],
				    (unsigned)status);
	return 0;
}

int cage_net_child_setup(const struct cage_profile *p, struct cage_err *e)
{
	_cleanup_free_ char *rules = NULL;
	int r;

	r = lo_up();
	if (r < 0)
		return cage_err_set(e, r, "cannot bring lo up: %s", strerror(-r));
	if (p->net != CAGE_NET_LEVEL)
		return 0;
	rules = cage_net_ruleset(p);
	if (!rules)
		return -ENOMEM;
	/* eth0's address and route were set by the launcher's helper. */
	char *argv[] = { (char *)"rempart-cage-net", (char *)"inside", (char *)"-", (char *)"-", NULL };
	return spawn_helper(argv, rules, e);
}

int cage_net_parent_setup(const struct cage_profile *p, pid_t cage_pid, struct cage_err *e)
{
	char pid[32];

	if (p->net != CAGE_NET_LEVEL)
		return 0;
	snprintf(pid, sizeof(pid), "%d", (int)cage_pid);
	char *argv[] = { (char *)"rempart-cage-net", (char *)"veth", p->net_level, pid, p->net_peer, p->net_addr,
			 p->net_gateway ? p->net_gateway : (char *)"-", NULL };
	return spawn_helper(argv, NULL, e);
}
