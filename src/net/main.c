/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-netcfg: applies the network part of the state allow-list
 * (network.conf, ipsec.conf; docs/net.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "gen.h"
#include "json.h"
#include "log.h"
#include "netconf.h"
#include "netlink.h"
#include "nsnet.h"
#include "parse.h"
#include "profile.h"
#include "uplink.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
};

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  rempart-netcfg check [OPTIONS]\n"
	      "  rempart-netcfg show network|swanctl|nft-outer|nft-inner|nft-level|nft-uplink [OPTIONS]\n"
	      "  rempart-netcfg apply [OPTIONS]\n"
	      "  rempart-netcfg level-ns NAME [--profile FILE] [OPTIONS]\n"
	      "  rempart-netcfg level-ns-down NAME [OPTIONS]\n"
	      "  rempart-netcfg updown [OPTIONS]    (run by charon: virtual IP into the namespace)\n"
	      "\n"
	      "Applies network.conf and ipsec.conf of the state allow-list (docs/net.md):\n"
	      "systemd-networkd file of the physical interface, nftables default drop in the\n"
	      "outer namespace (IKE/ESP with the gateway and DHCP only), the 'ipsec' network\n"
	      "namespace holding the tunnel interface (its only route out), its own nftables\n"
	      "ruleset, and the swanctl.conf loaded into charon with swanctl --load-all.\n"
	      "level-ns creates a cage level's namespace rempart-NAME, default drop; with\n"
	      "--profile (the level's cage profile, its uplink keys) also its uplink: veth\n"
	      "rl-NAME in this namespace, forward filter and NAT (table rempart-level-NAME).\n"
	      "level-ns-down removes the uplink and the namespace.\n"
	      "\n"
	      "Options:\n"
	      "  --config-dir DIR      network.conf, ipsec.conf, ipsec/{cert,key,ca}.pem\n"
	      "                        (default /var/lib/rempart/config)\n"
	      "  --networkd-dir DIR    where 10-rempart.network goes (default /run/systemd/network)\n"
	      "  --swanctl-dir DIR     generated swanctl directory: swanctl.conf and\n"
	      "                        private/rempart.pem -> key.pem (default /run/rempart/swanctl)\n"
	      "  --netns-dir DIR       named namespaces (default /run/netns)\n"
	      "  --netns NAME          the IPsec namespace (default ipsec)\n"
	      "  --ifname NAME         tunnel interface (default ipsec0)\n"
	      "  --datapath xfrm|tun   XFRM interface (default) or the TUN device of charon's\n"
	      "                        kernel-libipsec plugin (kernels without XFRM interfaces)\n"
	      "  --if-id N             XFRM interface id (default 42; level-ns: creates ipsec-NAME)\n"
	      "  --profile FILE        level-ns, show nft-level|nft-uplink: the level's cage profile\n"
	      "  --level NAME          show nft-level|nft-uplink: the level (default: the profile's)\n"
	      "  --swanctl PATH        swanctl program (default /usr/sbin/swanctl)\n"
	      "  --vici URI            charon's vici socket (swanctl's default if absent)\n"
	      "  --no-load             write swanctl.conf without loading it\n"
	      "  --networkctl PATH     run 'PATH reload' after writing the .network file\n"
	      "                        (default /usr/bin/networkctl; 'none' to skip)\n"
	      "  --direct-tcp A.B.C.D:PORT  development images only: also allow TCP with this\n"
	      "                        address and port in the outer namespace (the VM update\n"
	      "                        suite's server, rempart build --dev-update-direct)\n"
	      "  --wait SECONDS        tun datapath: wait this long for charon's device (default 10)\n"
	      "  --json                machine-readable summary on stdout (apply)\n"
	      "  -v, --verbose         debug messages\n"
	      "  -h, --help            this help\n"
	      "  --version             print the version\n"
	      "\n"
	      "Exit status: 0 success; 1 applying failed (netlink, nftables, swanctl: the\n"
	      "message says what); 2 invalid usage or configuration (file, line and key named).\n",
	      f);
}

struct opts {
	const char *config_dir, *networkd_dir, *swanctl_dir, *netns_dir, *netns, *ifname;
	const char *swanctl, *vici, *networkctl, *profile, *level;
	enum net_datapath dp;
	uint32_t if_id;
	bool if_id_set, no_load, json;
	uint64_t wait;
	char direct[16]; /* --direct-tcp address ("" = none) */
	uint16_t direct_port;
};

static char *outer_ruleset(const struct opts *o, const struct net_ipsec *s, const struct net_network *net)
{
	return net_gen_nft_outer_direct(s, o->direct[0] ? o->direct : NULL, o->direct_port,
					net && net->levels_clear);
}

/* --direct-tcp A.B.C.D:PORT */
static int parse_direct(const char *arg, struct opts *o)
{
	const char *colon = strrchr(arg, ':');
	struct in_addr a;
	uint64_t port;

	if (!colon || (size_t)(colon - arg) >= sizeof(o->direct))
		return -EINVAL;
	memcpy(o->direct, arg, (size_t)(colon - arg));
	o->direct[colon - arg] = '\0';
	if (inet_pton(AF_INET, o->direct, &a) != 1 || parse_u64_range(colon + 1, 1, 65535, &port) < 0) {
		o->direct[0] = '\0';
		return -EINVAL;
	}
	o->direct_port = (uint16_t)port;
	return 0;
}

/* Set when the failure is the configuration's or the caller's (exit 2),
 * not the system's while applying it (exit 1). */
static bool invalid_input;

struct cfg {
	struct net_network net;
	struct net_ipsec ipsec;
	char cred_dir[PATH_MAX - 64];
};

static int load_cfg_inner(const struct opts *o, struct cfg *c, bool need_ipsec, struct cage_err *e);

static int load_cfg(const struct opts *o, struct cfg *c, bool need_ipsec, struct cage_err *e)
{
	int r = load_cfg_inner(o, c, need_ipsec, e);

	if (r == -EINVAL)
		invalid_input = true;
	return r;
}

static int load_cfg_inner(const struct opts *o, struct cfg *c, bool need_ipsec, struct cage_err *e)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/network.conf", o->config_dir);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		/* no profile set by the administrator yet: DHCP (the image's default) */
		static const char dflt[] = "mode = dhcp\n";

		log_info("%s absent: DHCP on the wired interfaces", path);
		r = net_network_parse(dflt, sizeof(dflt) - 1, path, &c->net, e);
	} else {
		r = net_network_load(path, &c->net, e);
	}
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/ipsec.conf", o->config_dir);
	if (!need_ipsec && access(path, F_OK) < 0 && errno == ENOENT)
		return 1;
	r = net_ipsec_load(path, &c->ipsec, e);
	if (r < 0)
		return r;
	if (!c->ipsec.virtual_ip && c->net.mode != NET_MODE_STATIC)
		return cage_err_set(e, -EINVAL, "%s: virtual_ip = no needs mode = static in network.conf (the "
				    "tunnel's inner address is the static address)", path);
	for (size_t i = 0; i < c->ipsec.n_remote_ts6; i++)
		log_warn("%s: remote_ts %s ignored: the tunnel carries IPv4 only (IPv6 is dropped everywhere)", path,
			 c->ipsec.remote_ts6[i]);
	if ((size_t)snprintf(c->cred_dir, sizeof(c->cred_dir), "%s/ipsec", o->config_dir) >= sizeof(c->cred_dir))
		return cage_err_set(e, -EINVAL, "--config-dir: path too long");
	return 0;
}

/* Runs argv (fixed, no shell) with an empty environment, stdout to
 * /dev/null unless debugging; returns its exit status or -errno. */
static int run(char *const *argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };

		if (log_get_level() < LOG_LVL_DEBUG) {
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (null < 0 || dup2(null, 1) < 0)
				_exit(126);
		}
		syscall(SYS_close_range, 3, ~0U, 0);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int write_text(const char *path, const char *text, mode_t mode, struct cage_err *e)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;
	int r;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		r = mkdir_p(dir, 0755);
		if (r < 0)
			return cage_err_set(e, r, "cannot create %s: %s", dir, strerror(-r));
	}
	r = write_file_atomic(path, text, strlen(text), mode);
	if (r < 0)
		return cage_err_set(e, r, "cannot write %s: %s", path, strerror(-r));
	return 0;
}

/* swanctl's directory layout (relative to swanctl.conf): the credential
 * subdirectories it scans, the private key linked from the state. */
static int write_swanctl_dir(const char *dir, const char *conf, const char *cred_dir, char *conf_path,
			     size_t n, struct cage_err *e)
{
	static const char *const subdirs[] = { "x509", "x509ca", "x509ocsp", "x509aa", "x509ac", "x509crl",
					       "pubkey", "private", "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12",
					       NULL };
	char path[PATH_MAX], target[PATH_MAX], tmp[PATH_MAX];
	int r;

	for (const char *const *d = subdirs; *d; d++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, *d) >= sizeof(path))
			return cage_err_set(e, -ENAMETOOLONG, "--swanctl-dir: path too long");
		r = mkdir_p(path, 0700);
		if (r < 0)
			return cage_err_set(e, r, "cannot create %s: %s", path, strerror(-r));
	}
	snprintf(target, sizeof(target), "%s/key.pem", cred_dir);
	snprintf(path, sizeof(path), "%s/private/rempart.pem", dir);
	snprintf(tmp, sizeof(tmp), "%s/private/.rempart.pem.tmp", dir);
	(void)unlink(tmp);
	if (symlink(target, tmp) < 0 || rename(tmp, path) < 0) {
		r = -errno;
		(void)unlink(tmp);
		return cage_err_set(e, r, "cannot link %s to %s: %s", path, target, strerror(-r));
	}
	if ((size_t)snprintf(conf_path, n, "%s/swanctl.conf", dir) >= n)
		return cage_err_set(e, -ENAMETOOLONG, "--swanctl-dir: path too long");
	return write_text(conf_path, conf, 0600, e);
}

static int apply_nft(const char *what, const char *rules, struct cage_err *e)
{
	int r;

	if (!rules)
		return -ENOMEM;
	r = cage_nl_apply_nft(rules, e);
	if (r < 0) {
		char msg[sizeof(e->msg)];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		return cage_err_set(e, r, "%s: %s", what, msg);
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_network(const struct opts *o, const struct cfg *c, char *path, size_t n, struct cage_err *e)
{
	_cleanup_free_ char *network = net_gen_networkd(&c->net);
	int r;

	if (!network)
		return -ENOMEM;
	snprintf(path, n, "%s/10-rempart.network", o->networkd_dir);
	r = write_text(path, network, 0644, e);
	if (r < 0)
		return r;
	if (strcmp(o->networkctl, "none") != 0) {
		char *argv[] = { (char *)o->networkctl, (char *)"reload", NULL };
		int st = run(argv);

		if (st != 0)
			log_warn("%s reload: exit %d (is systemd-networkd running?); %s is written", o->networkctl,
				 st, path);
	}
	return 0;
}

/* No ipsec.conf yet: the physical interface is configured, the outer
 * namespace allows DHCP only, and there is no IPsec namespace (the
 * services bound to it do not start). */
static int apply_network_only(const struct opts *o, const struct cfg *c, struct cage_err *e)
{
	_cleanup_free_ char *rules = outer_ruleset(o, NULL, &c->net);
	char path[PATH_MAX];
	int r;

	if (!rules)
		return -ENOMEM;
	r = apply_nft("outer namespace ruleset", rules, e);
	if (r < 0)
		return r;
	r = write_network(o, c, path, sizeof(path), e);
	if (r < 0)
		return r;
	log_warn("no %s/ipsec.conf: network configured, everything but DHCP dropped, no IPsec namespace",
		 o->config_dir);
	return 0;
}

/* The command charon runs on CHILD_SA up/down: this program, with the
 * namespace and interface of this configuration. */
static int updown_command(const struct opts *o, char *out, size_t n, struct cage_err *e)
{
	char exe[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (l < 0)
		return cage_err_set(e, -errno, "cannot read /proc/self/exe: %s", strerror(errno));
	exe[l] = '\0';
	if (!net_shell_safe(exe) || !net_shell_safe(o->netns_dir))
		return cage_err_set(e, -EINVAL, "%s or %s: only A-Z a-z 0-9 / . _ - may appear in charon's updown "
				    "command", exe, o->netns_dir);
	if ((size_t)snprintf(out, n, "%s --netns-dir %s --netns %s --ifname %s updown", exe, o->netns_dir, o->netns,
			     o->ifname) >= n)
		return cage_err_set(e, -ENAMETOOLONG, "updown command too long");
	return 0;
}

/* Run by charon's updown plugin (PLUTO_* environment): the virtual IP it
 * obtained goes on the tunnel interface inside the namespace. */
static int do_updown(const struct opts *o, struct cage_err *e)
{
	const char *verb = getenv("PLUTO_VERB"), *vip = getenv("PLUTO_MY_SOURCEIP");
	struct net_prefix p;
	char nspath[PATH_MAX], cidr[24];
	int saved = -1, r;

	if (!verb) {
		invalid_input = true;
		return cage_err_set(e, -EINVAL, "PLUTO_VERB is not set (this is run by charon)");
	}
	if (strcmp(verb, "up-client") != 0) {
		log_debug("updown: %s: nothing to do", verb);
		return 0;
	}
	if (!vip || !*vip) {
		log_debug("updown: no virtual IP");
		return 0;
	}
	if (net_parse_ipv4(vip, &p) < 0)
		return cage_err_set(e, -EINVAL, "PLUTO_MY_SOURCEIP '%.40s' is not an IPv4 address", vip);
	snprintf(cidr, sizeof(cidr), "%s/32", p.text);
	snprintf(nspath, sizeof(nspath), "%s/%s", o->netns_dir, o->netns);
	r = net_ns_enter(nspath, &saved, e);
	if (r < 0)
		return r;
	/* The previous virtual IP (or static address) goes, after the new
	 * one is there: removing the last address would flush the routes. */
	r = cage_nl_link_up(o->ifname, cidr, e);
	if (r == 0)
		r = net_addr_flush(o->ifname, cidr, e);
	if (net_ns_leave(&saved, e) < 0 || r < 0)
		return r < 0 ? r : -EIO;
	log_info("virtual IP %s on %s in %s", cidr, o->ifname, nspath);
	return 0;
}

/* Puts the tunnel interface into the namespace (entered by the caller
 * through nsfd) and returns with the current namespace unchanged. */
static int tunnel_interface(const struct opts *o, const char *nspath, struct cage_err *e)
{
	_cleanup_close_ int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	int saved = -1, r;
	bool inside;

	if (nsfd < 0)
		return cage_err_set(e, -errno, "cannot open %s: %s", nspath, strerror(errno));
	r = net_ns_enter(nspath, &saved, e);
	if (r < 0)
		return r;
	inside = net_link_exists(o->ifname);
	r = net_ns_leave(&saved, e);
	if (r < 0 || inside)
		return r;
	if (o->dp == NET_DP_XFRM) {
		if (net_link_exists(o->ifname))
			return cage_err_set(e, -EEXIST, "%s already exists in the outer namespace; refusing to use "
					    "an interface this program did not create (ip link del %s)",
					    o->ifname, o->ifname);
		return net_xfrmi_create_move(o->ifname, o->if_id, nsfd, e);
	}
	/* tun: charon's kernel-libipsec creates the device when it starts. */
	for (uint64_t i = 0; !net_link_exists(o->ifname); i++) {
		if (i >= o->wait * 10)
			return cage_err_set(e, -ENODEV, "charon's TUN device %s did not appear within %llus (is "
					    "charon running with the kernel-libipsec plugin?)",
					    o->ifname, (unsigned long long)o->wait);
		usleep(100000);
	}
	r = net_link_move(o->ifname, nsfd, e);
	if (r < 0)
		return r;
	r = net_tun_blackhole(o->ifname, e);
	return r < 0 ? r : cage_nl_link_up(o->ifname, NULL, e);
}

static int do_apply(const struct opts *o, struct cage_err *e)
{
	struct cfg c;
	char path[PATH_MAX], nspath[PATH_MAX], swconf[PATH_MAX], inner[20], updown[PATH_MAX * 2 + 64];
	_cleanup_free_ char *swanctl = NULL, *outer_rules = NULL, *inner_rules = NULL;
	double t0 = now();
	int saved = -1, r;

	r = load_cfg(o, &c, false, e);
	if (r < 0) {
		/* Fail closed: an invalid configuration leaves no open outer
		 * namespace (DHCP only; the ipsec namespace, if any, keeps
		 * its ruleset, and has no way out without a SA). */
		_cleanup_free_ char *rules = outer_ruleset(o, NULL, NULL);
		struct cage_err e2 = { { 0 } };

		if (!rules || apply_nft("outer namespace ruleset", rules, &e2) < 0)
			log_error("cannot load the DHCP-only outer ruleset after the configuration error: %s",
				  e2.msg[0] ? e2.msg : "out of memory");
		else
			log_warn("configuration refused: outer namespace reset to DHCP only (everything else dropped)");
		return r;
	}
	if (r == 1)
		return apply_network_only(o, &c, e);
	r = updown_command(o, updown, sizeof(updown), e);
	if (r < 0)
		return r;
	swanctl = net_gen_swanctl(&c.ipsec, &c.net, c.cred_dir, o->dp, o->if_id, updown);
	outer_rules = outer_ruleset(o, &c.ipsec, &c.net);
	inner_rules = net_gen_nft_inner(&c.ipsec);
	if (!swanctl || !outer_rules || !inner_rules)
		return -ENOMEM;
	for (const char *const *n = (const char *const[]){ "cert.pem", "key.pem", "ca.pem", NULL }; *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", c.cred_dir, *n);
		if (access(path, R_OK) < 0) {
			invalid_input = true;
			return cage_err_set(e, -EINVAL, "IPsec credential %s: %s (the administrator sets it with "
					    "the IPsec credentials)", path, strerror(errno));
		}
	}

	/* 1. Outer namespace first: default drop before anything else. */
	r = apply_nft("outer namespace ruleset", outer_rules, e);
	if (r < 0)
		return r;
	r = write_network(o, &c, path, sizeof(path), e);
	if (r < 0)
		return r;

	/* 2. The IPsec namespace, its ruleset, its tunnel interface. */
	r = net_ns_create(o->netns_dir, o->netns, e);
	if (r < 0)
		return r;
	snprintf(nspath, sizeof(nspath), "%s/%s", o->netns_dir, o->netns);
	r = net_ns_enter(nspath, &saved, e);
	if (r < 0)
		return r;
	r = cage_nl_link_up("lo", NULL, e);
	if (r == 0)
		r = apply_nft("ipsec namespace ruleset", inner_rules, e);
	if (net_ns_leave(&saved, e) < 0 || r < 0)
		return r < 0 ? r : -EIO;
	r = tunnel_interface(o, nspath, e);
	if (r < 0)
		return r;
	r = net_ns_enter(nspath, &saved, e);
	if (r < 0)
		return r;
	/* With a virtual IP, the address comes later, from the updown hook
	 * (one already there from it is kept). A stale address goes. */
	{
		const char *addr = c.ipsec.virtual_ip ? NULL : net_inner_address(&c.net, inner);

		/* Add first: removing the last address flushes the routes. */
		r = cage_nl_link_up(o->ifname, addr, e);
		if (r == 0 && addr)
			r = net_addr_flush(o->ifname, addr, e);
	}
	for (size_t i = 0; r == 0 && i < c.ipsec.n_remote_ts; i++)
		r = cage_nl_route(c.ipsec.remote_ts[i].text, o->ifname, NULL, e);
	if (net_ns_leave(&saved, e) < 0 || r < 0)
		return r < 0 ? r : -EIO;

	/* 3. The IKE configuration, loaded into charon. */
	r = write_swanctl_dir(o->swanctl_dir, swanctl, c.cred_dir, swconf, sizeof(swconf), e);
	if (r < 0)
		return r;
	if (!o->no_load) {
		char *argv[7] = { (char *)o->swanctl, (char *)"--load-all", (char *)"--file",
				  swconf, NULL, NULL, NULL };
		int st;

		if (o->vici) {
			argv[4] = (char *)"--uri";
			argv[5] = (char *)o->vici;
		}
		st = run(argv);
		if (st != 0)
			return cage_err_set(e, -EIO, "%s --load-all --file %s failed (exit %d): is charon running? "
					    "(its message is above)", o->swanctl, swconf, st);
	}
	if (o->json) {
		struct json j;

		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_str(&j, "mode", c.net.mode == NET_MODE_DHCP ? "dhcp" : "static");
		json_kv_str(&j, "network_file", path);
		json_kv_str(&j, "swanctl_conf", swconf);
		json_kv_str(&j, "netns", nspath);
		json_kv_str(&j, "interface", o->ifname);
		json_kv_str(&j, "datapath", o->dp == NET_DP_XFRM ? "xfrm" : "tun");
		json_kv_str(&j, "gateway", c.ipsec.gateway.text);
		json_kv_u64(&j, "milliseconds", (uint64_t)((now() - t0) * 1000));
		json_obj_end(&j);
		if (json_end(&j) < 0)
			return -EIO;
	}
	log_info("applied: outer and %s rulesets, %s in %s, swanctl.conf %s", o->netns, o->ifname, nspath,
		 o->no_load ? "written" : "loaded");
	return 0;
}

static bool level_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* The level's uplink from its cage profile (o->profile; NULL: none). */
static int load_uplink(const struct opts *o, const char *level, struct net_uplink *u, bool *have,
		       struct cage_err *e)
{
	struct cage_profile p = { 0 };
	struct cage_parse_error pe = { 0 };
	int r;

	*have = false;
	if (!o->profile)
		return 0;
	r = cage_profile_load(o->profile, &p, &pe);
	if (r < 0) {
		cage_profile_free(&p);
		invalid_input = true;
		return cage_err_set(e, r, "%s:%u: %s", o->profile, pe.line, pe.msg[0] ? pe.msg : strerror(-r));
	}
	if (!level)
		level = p.net_level ? p.net_level : "";
	r = net_uplink_from_profile(&p, level, u, e);
	cage_profile_free(&p);
	if (r < 0) {
		invalid_input = true;
		return r;
	}
	*have = true;
	return 0;
}

/* network.conf/ipsec.conf for a level: none at all is fine without --if-id. */
static int load_level_cfg(const struct opts *o, struct cfg *c, struct cage_err *e)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/network.conf", o->config_dir);
	if (!o->if_id_set && access(path, F_OK) < 0 && errno == ENOENT)
		return 1;
	return load_cfg(o, c, o->if_id_set, e);
}

static int do_level_ns(const struct opts *o, const char *level, struct cage_err *e)
{
	struct cfg c;
	struct net_uplink u;
	char name[32], nspath[PATH_MAX], ifname[16];
	_cleanup_free_ char *rules = NULL;
	bool have_ipsec, have_uplink;
	int saved = -1, r;

	if (!level_name_valid(level)) {
		invalid_input = true;
		return cage_err_set(e, -EINVAL, "invalid level name '%s' (1-8 of a-z 0-9)", level);
	}
	r = load_uplink(o, level, &u, &have_uplink, e);
	if (r < 0)
		return r;
	r = load_level_cfg(o, &c, e);
	if (r < 0)
		return r;
	have_ipsec = r == 0;
	rules = net_gen_nft_level(have_ipsec ? &c.ipsec : NULL, have_uplink ? &u : NULL);
	if (!rules)
		return -ENOMEM;
	snprintf(name, sizeof(name), "rempart-%s", level);
	snprintf(nspath, sizeof(nspath), "%s/%s", o->netns_dir, name);
	r = net_ns_create(o->netns_dir, name, e);
	if (r < 0)
		return r;
	r = net_ns_enter(nspath, &saved, e);
	if (r < 0)
		return r;
	r = cage_nl_link_up("lo", NULL, e);
	if (r == 0)
		r = apply_nft("level namespace ruleset", rules, e);
	if (net_ns_leave(&saved, e) < 0 || r < 0)
		return r < 0 ? r : -EIO;
	if (have_uplink) {
		r = net_uplink_up(&u, nspath, e);
		if (r < 0)
			return r;
		log_info("level %s: uplink " NET_UPLINK_OUTER_PREFIX "%s %s <-> %s %s, cages %s", level, level,
			 u.outer, NET_UPLINK_INNER, u.inner, u.cages);
	}
	if (!o->if_id_set)
		return 0;
	/* The level's own tunnel interface (its child SA carries this if_id). */
	snprintf(ifname, sizeof(ifname), "ipsec-%s", level);
	{
		_cleanup_close_ int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);

		if (nsfd < 0)
			return -errno;
		r = net_ns_enter(nspath, &saved, e);
		if (r < 0)
			return r;
		bool inside = net_link_exists(ifname);

		if (net_ns_leave(&saved, e) < 0)
			return -EIO;
		if (!inside) {
			r = net_xfrmi_create_move(ifname, o->if_id, nsfd, e);
			if (r < 0)
				return r;
		}
	}
	r = net_ns_enter(nspath, &saved, e);
	if (r < 0)
		return r;
	r = cage_nl_link_up(ifname, NULL, e);
	for (size_t i = 0; r == 0 && i < c.ipsec.n_remote_ts; i++)
		r = cage_nl_route(c.ipsec.remote_ts[i].text, ifname, NULL, e);
	if (net_ns_leave(&saved, e) < 0 || r < 0)
		return r < 0 ? r : -EIO;
	return 0;
}

/* The uplink's host side, then the namespace (its interfaces go with it). */
static int do_level_ns_down(const struct opts *o, const char *level, struct cage_err *e)
{
	char path[PATH_MAX];
	int r;

	if (!level_name_valid(level)) {
		invalid_input = true;
		return cage_err_set(e, -EINVAL, "invalid level name '%s' (1-8 of a-z 0-9)", level);
	}
	r = net_uplink_down(level, e);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/rempart-%s", o->netns_dir, level);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return cage_err_set(e, -errno, "cannot unmount %s: %s", path, strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		return cage_err_set(e, -errno, "cannot remove %s: %s", path, strerror(errno));
	return 0;
}

static int do_show(const struct opts *o, const char *what, struct cage_err *e)
{
	struct cfg c;
	_cleanup_free_ char *text = NULL;
	struct net_uplink u;
	bool have_uplink = false, level = strcmp(what, "nft-level") == 0 || strcmp(what, "nft-uplink") == 0;
	bool need_ipsec = strcmp(what, "network") != 0 && !level;
	int r;

	if (level) {
		r = load_uplink(o, o->level, &u, &have_uplink, e);
		if (r < 0)
			return r;
		if (!have_uplink && strcmp(what, "nft-uplink") == 0) {
			invalid_input = true;
			return cage_err_set(e, -EINVAL, "show nft-uplink needs --profile");
		}
	}
	r = level ? load_level_cfg(o, &c, e) : load_cfg(o, &c, need_ipsec, e);
	if (r < 0)
		return r;
	if (strcmp(what, "network") == 0)
		text = net_gen_networkd(&c.net);
	else if (strcmp(what, "swanctl") == 0)
	{
		char updown[PATH_MAX * 2 + 64];

		r = updown_command(o, updown, sizeof(updown), e);
		if (r < 0)
			return r;
		text = net_gen_swanctl(&c.ipsec, &c.net, c.cred_dir, o->dp, o->if_id, updown);
	}
	else if (strcmp(what, "nft-outer") == 0)
		text = outer_ruleset(o, &c.ipsec, &c.net);
	else if (strcmp(what, "nft-inner") == 0)
		text = net_gen_nft_inner(&c.ipsec);
	else if (strcmp(what, "nft-level") == 0)
		text = net_gen_nft_level(r == 0 ? &c.ipsec : NULL, have_uplink ? &u : NULL);
	else if (strcmp(what, "nft-uplink") == 0)
		text = net_gen_nft_uplink(&u);
	else {
		invalid_input = true;
		return cage_err_set(e, -EINVAL, "show: unknown item '%s'", what);
	}
	if (!text)
		return -ENOMEM;
	fputs(text, stdout);
	return fflush(stdout) == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	enum { O_CONFIG = 256, O_NETWORKD, O_SWCONF, O_NSDIR, O_NETNS, O_IFNAME, O_DP, O_IFID, O_SWANCTL,
	       O_VICI, O_NOLOAD, O_NETWORKCTL, O_WAIT, O_JSON, O_VERSION, O_PROFILE, O_LEVEL, O_DIRTCP };
	static const struct option longopts[] = {
		{ "config-dir", required_argument, NULL, O_CONFIG },
		{ "networkd-dir", required_argument, NULL, O_NETWORKD },
		{ "swanctl-dir", required_argument, NULL, O_SWCONF },
		{ "netns-dir", required_argument, NULL, O_NSDIR },
		{ "netns", required_argument, NULL, O_NETNS },
		{ "ifname", required_argument, NULL, O_IFNAME },
		{ "datapath", required_argument, NULL, O_DP },
		{ "if-id", required_argument, NULL, O_IFID },
		{ "swanctl", required_argument, NULL, O_SWANCTL },
		{ "vici", required_argument, NULL, O_VICI },
		{ "no-load", no_argument, NULL, O_NOLOAD },
		{ "networkctl", required_argument, NULL, O_NETWORKCTL },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "direct-tcp", required_argument, NULL, O_DIRTCP },
		{ "json", no_argument, NULL, O_JSON },
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "level", required_argument, NULL, O_LEVEL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.config_dir = "/var/lib/rempart/config",
		.networkd_dir = "/run/systemd/network",
		.swanctl_dir = "/run/rempart/swanctl",
		.netns_dir = "/run/netns",
		.netns = "ipsec",
		.ifname = "ipsec0",
		.swanctl = "/usr/sbin/swanctl",
		.networkctl = "/usr/bin/networkctl",
		.dp = NET_DP_XFRM,
		.if_id = NET_IF_ID_DEFAULT,
		.wait = 10,
	};
	struct cage_err e = { { 0 } };
	const char *cmd;
	int c, r;

	log_set_program("rempart-netcfg");
	log_level_from_env();
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_CONFIG: o.config_dir = optarg; break;
		case O_NETWORKD: o.networkd_dir = optarg; break;
		case O_SWCONF: o.swanctl_dir = optarg; break;
		case O_NSDIR:
			if (!net_shell_safe(optarg)) {
				log_error("--netns-dir: only A-Z a-z 0-9 / . _ - allowed");
				return EXIT_USAGE;
			}
			o.netns_dir = optarg;
			break;
		case O_NETNS:
			if (!net_ifname_valid(optarg) || strchr(optarg, '/')) {
				log_error("invalid namespace name %s", optarg);
				return EXIT_USAGE;
			}
			o.netns = optarg;
			break;
		case O_IFNAME:
			if (!net_ifname_valid(optarg)) {
				log_error("invalid interface name %s", optarg);
				return EXIT_USAGE;
			}
			o.ifname = optarg;
			break;
		case O_DP:
			if (strcmp(optarg, "xfrm") == 0)
				o.dp = NET_DP_XFRM;
			else if (strcmp(optarg, "tun") == 0)
				o.dp = NET_DP_TUN;
			else {
				log_error("--datapath: expected xfrm or tun");
				return EXIT_USAGE;
			}
			break;
		case O_IFID:
			if (parse_u32(optarg, &o.if_id) < 0 || o.if_id == 0) {
				log_error("--if-id: expected a number from 1 to 4294967295");
				return EXIT_USAGE;
			}
			o.if_id_set = true;
			break;
		case O_SWANCTL: o.swanctl = optarg; break;
		case O_VICI: o.vici = optarg; break;
		case O_NOLOAD: o.no_load = true; break;
		case O_NETWORKCTL: o.networkctl = optarg; break;
		case O_WAIT:
			if (parse_u64_range(optarg, 0, 600, &o.wait) < 0) {
				log_error("--wait: expected seconds from 0 to 600");
				return EXIT_USAGE;
			}
			break;
		case O_DIRTCP:
			if (parse_direct(optarg, &o) < 0) {
				log_error("--direct-tcp %s: expected A.B.C.D:PORT", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_JSON: o.json = true; break;
		case O_PROFILE: o.profile = optarg; break;
		case O_LEVEL:
			if (!level_name_valid(optarg)) {
				log_error("--level: 1-8 of a-z 0-9");
				return EXIT_USAGE;
			}
			o.level = optarg;
			break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return EXIT_OK;
		case O_VERSION: puts("rempart-netcfg " REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "check") == 0 && optind == argc) {
		struct cfg cf;

		r = load_cfg(&o, &cf, true, &e);
		if (r == 0)
			printf("network.conf and ipsec.conf of %s are valid\n", o.config_dir);
	} else if (strcmp(cmd, "show") == 0 && optind + 1 == argc) {
		r = do_show(&o, argv[optind], &e);
	} else if (strcmp(cmd, "apply") == 0 && optind == argc) {
		r = do_apply(&o, &e);
	} else if (strcmp(cmd, "updown") == 0 && optind == argc) {
		r = do_updown(&o, &e);
	} else if (strcmp(cmd, "level-ns") == 0 && optind + 1 == argc) {
		r = do_level_ns(&o, argv[optind], &e);
	} else if (strcmp(cmd, "level-ns-down") == 0 && optind + 1 == argc) {
		r = do_level_ns_down(&o, argv[optind], &e);
	} else {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (r < 0) {
		log_error("%s: %s", cmd, e.msg[0] ? e.msg : strerror(-r));
		return invalid_input ? EXIT_USAGE : EXIT_FAILED;
	}
	return EXIT_OK;
}
