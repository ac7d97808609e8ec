/* SPDX-License-Identifier: GPL-2.0-or-later */
/* network.conf / ipsec.conf parsers (every error path names file, line
 * and key) and the generators (networkd, swanctl.conf, nftables: the
 * rulesets are checked by libnftables itself, in dry-run mode). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <nftables/libnftables.h>

#include "gen.h"
#include "profile.h"
#include "uplink.h"
#include "netconf.h"

static const char ipsec_ok[] = "gateway = 198.51.100.7\n"
			       "remote_id = gw.example.org\n"
			       "local_id = C=FR, O=Rempart, CN=ws-042\n"
			       "remote_ts = 10.1.0.0/16, 10.2.3.0/24\n";
static const char static_ok[] = "mode = static\n"
				"interface = enp0s3\n"
				"address = 192.168.10.20/24\n"
				"gateway = 192.168.10.1\n"
				"dns = 10.1.0.53 10.1.0.54\n";

static int net_parse(const char *text, struct net_network *n, struct cage_err *e)
{
	return net_network_parse(text, strlen(text), "network.conf", n, e);
}

static int ipsec_parse(const char *text, struct net_ipsec *s, struct cage_err *e)
{
	return net_ipsec_parse(text, strlen(text), "ipsec.conf", s, e);
}

static void expect_msg(const struct cage_err *e, const char *want)
{
	if (!strstr(e->msg, want))
		fail_msg("message '%s' lacks '%s'", e->msg, want);
}

static void net_fail(const char *text, const char *want)
{
	struct net_network n;
	struct cage_err e = { { 0 } };

	assert_int_equal(net_parse(text, &n, &e), -EINVAL);
	expect_msg(&e, want);
}

static void ipsec_fail(const char *text, const char *want)
{
	struct net_ipsec s;
	struct cage_err e = { { 0 } };

	assert_int_equal(ipsec_parse(text, &s, &e), -EINVAL);
	expect_msg(&e, want);
}

static void test_addresses(void **state)
{
	struct net_prefix p;

	assert_int_equal(net_parse_ipv4("10.0.0.1", &p), 0);
	assert_int_equal(p.addr, 0x0a000001);
	assert_string_equal(p.text, "10.0.0.1");
	assert_int_equal(net_parse_cidr("10.1.0.0/16", true, &p), 0);
	assert_int_equal(p.len, 16);
	assert_string_equal(p.text, "10.1.0.0/16");
	assert_int_equal(net_parse_cidr("0.0.0.0/0", true, &p), 0);
	assert_int_equal(net_parse_cidr("10.1.2.3/16", false, &p), 0);
	/* Host bits, prefix syntax, address syntax. */
	const char *bad_cidr[] = { "10.1.2.3/16", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1",
				   "10.0.0.0/1a", "10.0.0.0", "10.0.0/8", "010.0.0.0/8", "10.0.0.0/8 ",
				   " 10.0.0.0/8", "1.2.3.4.5/32", "256.0.0.0/8", "a.b.c.d/8", "/8", "" };
	for (size_t i = 0; i < sizeof(bad_cidr) / sizeof(bad_cidr[0]); i++)
		if (net_parse_cidr(bad_cidr[i], true, &p) == 0)
			fail_msg("accepted CIDR '%s'", bad_cidr[i]);
	const char *bad_ip[] = { "1.2.3", "1.2.3.4.", "1.2.3.256", "0x1.2.3.4", "1.2.3.4 ", "::1", "", "1..2.3" };
	for (size_t i = 0; i < sizeof(bad_ip) / sizeof(bad_ip[0]); i++)
		if (net_parse_ipv4(bad_ip[i], &p) == 0)
			fail_msg("accepted address '%s'", bad_ip[i]);
}

static void test_names(void **state)
{
	char big[300];

	assert_true(net_id_valid("gw.example.org"));
	assert_true(net_id_valid("C=FR, O=Rempart, CN=gw"));
	assert_true(net_id_valid("user@example.org"));
	const char *bad[] = { "", " lead", "trail ", "quote\"", "brace{", "brace}", "hash#", "semi;", "nl\n",
			      "back\\slash", "tab\t", "dollar$", "é" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (net_id_valid(bad[i]))
			fail_msg("accepted id '%s'", bad[i]);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(net_id_valid(big));
	big[NET_ID_MAX] = '\0';
	assert_true(net_id_valid(big));
	assert_true(net_shell_safe("/usr/bin/rempart-netcfg"));
	assert_false(net_shell_safe("/tmp/a b"));
	assert_false(net_shell_safe("/tmp/a;b"));
	assert_false(net_shell_safe("$(x)"));
	assert_false(net_shell_safe(""));
	assert_true(net_ifname_valid("enp0s31f6"));
	assert_true(net_ifname_valid("eth0.42"));
	assert_false(net_ifname_valid(""));
	assert_false(net_ifname_valid("."));
	assert_false(net_ifname_valid(".."));
	assert_false(net_ifname_valid("a/b"));
	assert_false(net_ifname_valid("sixteen-chars-xx"));
	assert_false(net_ifname_valid("a b"));
}

static void test_network_ok(void **state)
{
	struct net_network n;
	struct cage_err e = { { 0 } };

	assert_int_equal(net_parse(static_ok, &n, &e), 0);
	assert_int_equal(n.mode, NET_MODE_STATIC);
	assert_string_equal(n.interface, "enp0s3");
	assert_string_equal(n.address.text, "192.168.10.20/24");
	assert_string_equal(n.gateway.text, "192.168.10.1");
	assert_int_equal(n.n_dns, 2);
	assert_string_equal(n.dns[1].text, "10.1.0.54");
	assert_int_equal(net_parse("# DHCP\nmode = dhcp\n", &n, &e), 0);
	assert_int_equal(n.mode, NET_MODE_DHCP);
	assert_string_equal(n.interface, "");
	assert_false(n.levels_clear);
	assert_int_equal(net_parse("mode = dhcp\nlevels = clear\n", &n, &e), 0);
	assert_true(n.levels_clear);
	assert_int_equal(net_parse("mode = dhcp\nlevels = ipsec\n", &n, &e), 0);
	assert_false(n.levels_clear);
}

static void test_network_errors(void **state)
{
	net_fail("", "missing key 'mode'");
	net_fail("mode = auto\n", "network.conf:1: mode: expected dhcp or static");
	net_fail("mode = dhcp\nmode = dhcp\n", "network.conf:2: malformed line or duplicate key");
	net_fail("mode = dhcp\nfoo = 1\n", "network.conf:2: unknown key 'foo'");
	net_fail("mode = dhcp\nlevels = open\n", "network.conf:2: levels: expected ipsec");
	net_fail("mode = dhcp\nnot an assignment\n", "network.conf:2: malformed");
	net_fail("mode = dhcp\naddress = 10.0.0.2/24\n", "network.conf:2: address: only with mode = static");
	net_fail("mode = dhcp\ndns = 10.0.0.2\n", "network.conf:2: dns: only with mode = static");
	net_fail("mode = dhcp\ninterface = a/b\n", "network.conf:2: interface: invalid interface name");
	net_fail("mode = static\ngateway = 10.0.0.1\n", "needs 'address");
	net_fail("mode = static\naddress = 10.0.0.2/24\n", "needs 'gateway");
	net_fail("mode = static\naddress = 10.0.0.2\ngateway = 10.0.0.1\n", "network.conf:2: address: expected A.B.C.D/P");
	net_fail("mode = static\naddress = 10.0.0.2/32\ngateway = 10.0.0.3\n", "address: expected A.B.C.D/P");
	{
		struct net_network n31;
		struct cage_err e31 = { { 0 } };

		assert_int_equal(net_parse("mode = static\naddress = 10.0.0.2/31\ngateway = 10.0.0.3\n", &n31, &e31), 0);
	}
	net_fail("mode = static\naddress = 10.0.0.2/0\ngateway = 10.0.0.1\n", "address: expected A.B.C.D/P");
	net_fail("mode = static\naddress = 10.0.0.2/24\ngateway = 10.0.1.1\n",
		 "network.conf:3: gateway: not another address of the static address's subnet");
	net_fail("mode = static\naddress = 10.0.0.2/24\ngateway = 10.0.0.2\n", "gateway: not another address");
	net_fail("mode = static\naddress = 10.0.0.2/24\ngateway = 10.0.0.1\ndns = 1.1.1.1 1.0.0.1 8.8.8.8 8.8.4.4 9.9.9.9\n",
		 "network.conf:4: dns: expected 1 to 4");
	net_fail("mode = static\naddress = 10.0.0.2/24\ngateway = 10.0.0.1\ndns = 1.1.1.1,1.0.0.1\n", "dns: expected");
	{
		struct net_network n;
		struct cage_err e = { { 0 } };
		static const char nul[] = "mode = dhcp\n\0mode = static\n";

		assert_int_equal(net_network_parse(nul, sizeof(nul) - 1, "network.conf", &n, &e), -EINVAL);
		expect_msg(&e, "NUL byte");
	}
}

static void test_ipsec_ok(void **state)
{
	struct net_ipsec s;
	struct cage_err e = { { 0 } };

	assert_int_equal(ipsec_parse(ipsec_ok, &s, &e), 0);
	assert_string_equal(s.gateway.text, "198.51.100.7");
	assert_string_equal(s.remote_id, "gw.example.org");
	assert_string_equal(s.local_id, "C=FR, O=Rempart, CN=ws-042");
	assert_int_equal(s.n_remote_ts, 2);
	assert_string_equal(s.remote_ts[1].text, "10.2.3.0/24");
	assert_false(s.virtual_ip);
	assert_int_equal(ipsec_parse("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 0.0.0.0/0\nvirtual_ip = yes\n",
				     &s, &e), 0);
	assert_true(s.virtual_ip);
	assert_string_equal(s.local_id, "");
	/* As rempart-admind writes it: IPv6 prefixes kept aside, not used. */
	assert_int_equal(ipsec_parse("gateway = 192.0.2.1\nremote_id = gw.test\nremote_ts = 10.0.0.0/8,fd00::/8\n",
				     &s, &e), 0);
	assert_int_equal(s.n_remote_ts, 1);
	assert_int_equal(s.n_remote_ts6, 1);
	assert_string_equal(s.remote_ts6[0], "fd00::/8");
	{
		char *t = net_gen_nft_inner(&s);

		assert_null(strstr(t, "fd00"));
		free(t);
		t = net_gen_swanctl(&s, NULL, "/c", NET_DP_XFRM, 42, NULL);
		assert_non_null(strstr(t, "remote_ts = 10.0.0.0/8\n"));
		free(t);
	}
}

static void test_ipsec_errors(void **state)
{
	ipsec_fail("remote_id = gw\nremote_ts = 10.0.0.0/8\n", "missing key 'gateway'");
	ipsec_fail("gateway = 1.2.3.4\nremote_ts = 10.0.0.0/8\n", "missing key 'remote_id'");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\n", "missing key 'remote_ts'");
	ipsec_fail("gateway = gw.example.org\nremote_id = gw\nremote_ts = 10.0.0.0/8\n",
		   "ipsec.conf:1: gateway: expected an IPv4 address");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\"; }\nremote_ts = 10.0.0.0/8\n", "ipsec.conf:2: remote_id: expected");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nlocal_id = a{b\nremote_ts = 10.0.0.0/8\n", "ipsec.conf:3: local_id");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 10.0.0.1/8\n",
		   "ipsec.conf:3: remote_ts: expected network prefixes");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 10.0.0.0/8,\n", "ipsec.conf:3: remote_ts: expected 1 to 16");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = fd00::/8\n",
		   "ipsec.conf:3: remote_ts: no IPv4 prefix: the tunnel carries IPv4 only");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 10.0.0.0/8,fd00::1/8\n",
		   "ipsec.conf:3: remote_ts: expected network prefixes");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 10.0.0.0/8,fd00::/129\n", "remote_ts: expected");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 10.0.0.0/8,fd00:::/8\n", "remote_ts: expected");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 10.0.0.0/8,,10.1.0.0/16\n", "remote_ts: expected");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 10.0.0.0/8 10.1.0.0/16\n", "remote_ts: expected");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,"
		   "5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8,9.0.0.0/8,10.0.0.0/8,11.0.0.0/8,12.0.0.0/8,13.0.0.0/8,"
		   "14.0.0.0/8,15.0.0.0/8,16.0.0.0/8,17.0.0.0/8\n", "remote_ts: expected 1 to 16");
	{
		struct net_ipsec s16;
		struct cage_err e16 = { { 0 } };

		assert_int_equal(ipsec_parse("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 1.0.0.0/8,2.0.0.0/8,"
					     "3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8,7.0.0.0/8,8.0.0.0/8,9.0.0.0/8,"
					     "10.0.0.0/8,11.0.0.0/8,12.0.0.0/8,13.0.0.0/8,14.0.0.0/8,15.0.0.0/8,"
					     "16.0.0.0/8\n", &s16, &e16), 0);
		assert_int_equal(s16.n_remote_ts, 16);
	}
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 10.0.0.0/8\nvirtual_ip = true\n",
		   "ipsec.conf:4: virtual_ip: expected yes or no");
	ipsec_fail("gateway = 1.2.3.4\nremote_id = gw\nremote_ts = 10.0.0.0/8\nproposals = aes128\n",
		   "ipsec.conf:4: unknown key 'proposals'");
}

/* libnftables parses and checks the ruleset without committing it (its
 * cache dump needs CAP_NET_ADMIN: not root, the check is skipped). */
static int nft_dry_run(const char *rules)
{
	struct nft_ctx *nft;
	int r;

	if (geteuid() != 0) {
		print_message("nft dry run skipped (needs root)\n");
		return 0;
	}
	nft = nft_ctx_new(NFT_CTX_DEFAULT);

	assert_non_null(nft);
	nft_ctx_set_dry_run(nft, true);
	nft_ctx_buffer_error(nft);
	r = nft_run_cmd_from_buffer(nft, rules);
	if (r != 0)
		print_message("nft: %s\n", nft_ctx_get_error_buffer(nft));
	nft_ctx_free(nft);
	return r;
}

static void test_generators(void **state)
{
	struct net_network n;
	struct net_ipsec s;
	struct cage_err e = { { 0 } };
	char *t;

	assert_int_equal(net_parse(static_ok, &n, &e), 0);
	assert_int_equal(ipsec_parse(ipsec_ok, &s, &e), 0);

	t = net_gen_networkd(&n);
	assert_non_null(t);
	assert_non_null(strstr(t, "[Match]\nName=enp0s3\n"));
	assert_non_null(strstr(t, "Address=192.168.10.20/24\nGateway=192.168.10.1\nDNS=10.1.0.53\nDNS=10.1.0.54\n"));
	assert_non_null(strstr(t, "LinkLocalAddressing=no\n"));
	assert_null(strstr(t, "DHCP="));
	free(t);

	t = net_gen_swanctl(&s, &n, "/var/lib/rempart/config/ipsec", NET_DP_XFRM, 42, "/u");
	assert_non_null(t);
	assert_non_null(strstr(t, "remote_addrs = 198.51.100.7\n"));
	assert_non_null(strstr(t, "version = 2\n"));
	assert_non_null(strstr(t, "proposals = aes256gcm16-prfsha384-ecp384\n"));
	assert_non_null(strstr(t, "esp_proposals = aes256gcm16-ecp384\n"));
	assert_non_null(strstr(t, "id = \"C=FR, O=Rempart, CN=ws-042\"\n"));
	assert_non_null(strstr(t, "id = \"gw.example.org\"\n"));
	assert_non_null(strstr(t, "certs = /var/lib/rempart/config/ipsec/cert.pem\n"));
	assert_non_null(strstr(t, "cacerts = /var/lib/rempart/config/ipsec/ca.pem\n"));
	assert_non_null(strstr(t, "local_ts = 192.168.10.20/32\n"));
	assert_non_null(strstr(t, "remote_ts = 10.1.0.0/16,10.2.3.0/24\n"));
	assert_non_null(strstr(t, "if_id_in = 42\n"));
	assert_non_null(strstr(t, "if_id_out = 42\n"));
	assert_non_null(strstr(t, "start_action = start\n"));
	assert_null(strstr(t, "vips"));
	assert_null(strstr(t, "updown"));
	free(t);
	t = net_gen_swanctl(&s, &n, "/c", NET_DP_TUN, 42, "/u");
	assert_null(strstr(t, "if_id"));
	free(t);
	s.virtual_ip = true;
	t = net_gen_swanctl(&s, &n, "/c", NET_DP_XFRM, 7, "/usr/bin/rempart-netcfg --netns ipsec updown");
	assert_non_null(strstr(t, "vips = 0.0.0.0\n"));
	assert_non_null(strstr(t, "local_ts = dynamic\n"));
	assert_non_null(strstr(t, "if_id_in = 7\n"));
	assert_non_null(strstr(t, "updown = /usr/bin/rempart-netcfg --netns ipsec updown\n"));
	free(t);
	s.virtual_ip = false;

	t = net_gen_nft_outer(&s);
	assert_non_null(strstr(t, "ip daddr 198.51.100.7 udp sport { 500, 4500 } udp dport { 500, 4500 } accept\n"));
	assert_non_null(strstr(t, "ip daddr 198.51.100.7 meta l4proto esp accept\n"));
	assert_non_null(strstr(t, "type filter hook output priority 0; policy drop;"));
	assert_non_null(strstr(t, "type filter hook input priority 0; policy drop;"));
	assert_non_null(strstr(t, "type filter hook forward priority 0; policy drop;"));
	assert_null(strstr(t, "ct state"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);
	t = net_gen_nft_outer_direct(NULL, "10.0.2.100", 443, false);
	assert_non_null(strstr(t, "ip daddr 10.0.2.100 tcp dport 443 accept\n"));
	assert_non_null(strstr(t, "ip saddr 10.0.2.100 tcp sport 443 accept\n"));
	assert_null(strstr(t, "esp"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);
	t = net_gen_nft_outer(NULL);
	assert_null(strstr(t, "tcp dport"));
	assert_null(strstr(t, "tcp sport"));
	assert_null(strstr(t, "esp"));
	/* levels = ipsec (default): a level's traffic is refused at once */
	assert_non_null(strstr(t, "iifname \"rl-*\" reject with icmpx type admin-prohibited\n"));
	assert_null(strstr(t, "iifname \"rl-*\" accept"));
	assert_non_null(strstr(t, "oifname \"rl-*\" tcp flags & rst == rst accept\n"));
	assert_null(strstr(t, "oifname \"rl-*\" accept"));
	assert_null(strstr(t, "4500"));
	assert_non_null(strstr(t, "udp sport 68 udp dport 67 accept"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);
	/* levels = clear: the levels' own tables decide */
	t = net_gen_nft_outer_direct(&s, NULL, 0, true);
	assert_non_null(strstr(t, "iifname \"rl-*\" accept\n"));
	assert_non_null(strstr(t, "oifname \"rl-*\" accept\n"));
	assert_non_null(strstr(t, "oifname \"rl-*\" ct state established,related accept\n"));
	assert_null(strstr(t, "reject"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);
	t = net_gen_nft_inner(&s);
	assert_non_null(strstr(t, "elements = { 10.1.0.0/16, 10.2.3.0/24 }"));
	assert_non_null(strstr(t, "ip saddr @remote tcp dport 22 accept"));
	assert_non_null(strstr(t, "ip daddr @remote tcp dport { 53, 443, 6514 } accept"));
	assert_non_null(strstr(t, "ip daddr @remote udp dport { 53, 123 } accept"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);
	t = net_gen_nft_level(&s, NULL);
	assert_non_null(strstr(t, "iifname \"rc*\" oifname \"ipsec-*\" ip daddr { 10.1.0.0/16, 10.2.3.0/24 } accept"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);
	t = net_gen_nft_level(NULL, NULL);
	assert_null(strstr(t, "iifname"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);
	/* The dry run itself is not a rubber stamp. */
	if (geteuid() == 0)
		assert_int_not_equal(nft_dry_run("table inet rempart {\nchain c {\ntype filter hook output priority 0; "
					  "policy drop;\nip daddr 10.0.0.0/33 accept\n}\n}\n"), 0);

	assert_int_equal(net_parse("mode = dhcp\n", &n, &e), 0);
	t = net_gen_networkd(&n);
	assert_non_null(strstr(t, "Name=en* eth*\n"));
	assert_non_null(strstr(t, "DHCP=ipv4\n"));
	assert_null(strstr(t, "Address="));
	free(t);
	{
		char buf[20];

		assert_null(net_inner_address(&n, buf));
	}
}

static void test_load(void **state)
{
	char dir[] = "/tmp/test-net-XXXXXX", path[64];
	struct net_ipsec s;
	struct cage_err e = { { 0 } };
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ipsec.conf", dir);
	assert_int_equal(net_ipsec_load(path, &s, &e), -ENOENT);
	expect_msg(&e, "cannot read");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(ipsec_ok, f);
	fputs("gateway = 1.2.3.4\n", f);
	fclose(f);
	assert_int_equal(net_ipsec_load(path, &s, &e), -EINVAL);
	expect_msg(&e, "ipsec.conf:5: malformed line or duplicate key");
	expect_msg(&e, dir);
	unlink(path);
	rmdir(dir);
}

static const char uplink_profile[] =
	"name = low\nuid = 60100\ngid = 60100\nsyscalls = @basic\nnetwork = level\nnet-level = low\n"
	"net-address = 10.77.1.2/24\nnet-peer = 10.77.1.1/24\nnet-gateway = 10.77.1.1\n"
	"uplink = 10.77.0.1/30 10.77.0.2/30\nuplink-allow = tcp 80 443\nuplink-allow = udp 53\n"
	"uplink-deny = 10.0.0.0/8 192.168.7.9/16\n";

/* profile text -> net_uplink; returns net_uplink_from_profile's result */
static int uplink_from(const char *text, const char *level, struct net_uplink *u, struct cage_err *e)
{
	struct cage_profile p = { 0 };
	struct cage_parse_error pe = { 0 };
	int r = cage_profile_parse(text, strlen(text), &p, &pe);

	if (r == 0)
		r = net_uplink_from_profile(&p, level, u, e);
	cage_profile_free(&p);
	return r;
}

static void test_uplink(void **state)
{
	struct net_uplink u;
	struct cage_err e = { { 0 } };
	char *t, net[20], bad[1024];

	(void)state;
	assert_int_equal(net_cidr_network("10.77.1.2/24", net), 0);
	assert_string_equal(net, "10.77.1.0/24");
	assert_int_equal(net_cidr_network("192.168.7.9/16", net), 0);
	assert_string_equal(net, "192.168.0.0/16");
	assert_int_equal(net_cidr_network("10.1.2.3", net), -EINVAL);

	assert_int_equal(uplink_from(uplink_profile, "low", &u, &e), 0);
	assert_string_equal(u.cages, "10.77.1.0/24");
	assert_string_equal(u.uplink_net, "10.77.0.0/30");
	assert_string_equal(u.outer_addr, "10.77.0.1");
	assert_string_equal(u.inner_addr, "10.77.0.2");
	assert_int_equal(u.n_allow, 3);
	assert_string_equal(u.deny[1], "192.168.0.0/16"); /* host bits cleared */

	/* host side: its own table, forwarding confined, NAT, allow-list */
	t = net_gen_nft_uplink(&u);
	assert_non_null(strstr(t, "table inet rempart-level-low\ndelete table inet rempart-level-low\n"));
	assert_non_null(strstr(t, "iifname != \"rl-*\" oifname != \"rl-*\" drop\n"));
	assert_non_null(strstr(t, "oifname \"rl-low\" ct state established,related accept\n\t\toifname \"rl-low\" iifname"));
	assert_non_null(strstr(t, "oifname \"rl-low\" drop\n"));
	assert_non_null(strstr(t, "iifname \"rl-low\" ip saddr != 10.77.1.0/24 drop\n"));
	assert_non_null(strstr(t, "iifname \"rl-low\" tcp dport { 80, 443 } accept\n"));
	assert_non_null(strstr(t, "iifname \"rl-low\" udp dport { 53 } accept\n"));
	assert_non_null(strstr(t, "169.254.0.0/16"));
	assert_non_null(strstr(t, "127.0.0.0/8"));
	assert_non_null(strstr(t, "10.77.0.0/30, 10.77.1.0/24, 10.0.0.0/8, 192.168.0.0/16 }"));
	assert_non_null(strstr(t, "type nat hook postrouting priority srcnat;"));
	assert_non_null(strstr(t, "iifname \"rl-low\" ip saddr 10.77.1.0/24 oifname != \"rl-*\" masquerade\n"));
	/* the host's own services: everything from the veth refused on input */
	assert_non_null(strstr(t, "type filter hook input priority 0; policy accept;\n"
				  "\t\tiifname \"rl-low\" meta l4proto tcp reject with tcp reset\n"
				  "\t\tiifname \"rl-low\" reject with icmpx type admin-prohibited\n\t}"));
	/* the refused destinations come before the allow-list */
	assert_true(strstr(t, "ip daddr @deny meta l4proto tcp reject") < strstr(t, "tcp dport { 80, 443 } accept"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);

	/* level side: default drop, the same allow-list towards the uplink only */
	t = net_gen_nft_level(NULL, &u);
	assert_non_null(strstr(t, "type filter hook forward priority 0; policy drop;"));
	assert_non_null(strstr(t, "iifname \"rc*\" oifname \"uplink\" ip saddr 10.77.1.0/24 tcp dport { 80, 443 } accept\n"));
	assert_non_null(strstr(t, "iifname \"rc*\" oifname \"uplink\" ip saddr 10.77.1.0/24 udp dport { 53 } accept\n"));
	assert_non_null(strstr(t, "oifname \"rc*\" tcp flags rst accept\n"));
	assert_true(strstr(t, "iifname \"rc*\" ip daddr @deny") < strstr(t, "tcp dport { 80, 443 } accept"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);
	/* without an allow-list: nothing is accepted towards the uplink */
	u.n_allow = 0;
	t = net_gen_nft_uplink(&u);
	assert_null(strstr(t, "dport"));
	assert_int_equal(nft_dry_run(t), 0);
	free(t);

	/* refusals */
	assert_int_equal(uplink_from(uplink_profile, "high", &u, &e), -EINVAL);
	expect_msg(&e, "is for level low, not high");
	snprintf(bad, sizeof(bad), "%s", uplink_profile);
	*strstr(bad, "uplink = ") = '\0';
	assert_int_equal(uplink_from(bad, "low", &u, &e), -EINVAL);
	expect_msg(&e, "has no uplink");
	snprintf(bad, sizeof(bad), "%s", uplink_profile);
	memcpy(strstr(bad, "10.77.0.2/30"), "10.78.0.2/30", 12);
	assert_int_equal(uplink_from(bad, "low", &u, &e), -EINVAL);
	expect_msg(&e, "not in one subnet");
	snprintf(bad, sizeof(bad), "%s", uplink_profile);
	memcpy(strstr(bad, "uplink = 10.77.0.1/30 10.77.0.2/30"), "uplink = 10.77.1.5/30 10.77.1.6/30", 34);
	assert_int_equal(uplink_from(bad, "low", &u, &e), -EINVAL);
	expect_msg(&e, "overlaps the cages' 10.77.1.0/24");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses), cmocka_unit_test(test_names),
		cmocka_unit_test(test_network_ok), cmocka_unit_test(test_network_errors),
		cmocka_unit_test(test_ipsec_ok), cmocka_unit_test(test_ipsec_errors),
		cmocka_unit_test(test_generators), cmocka_unit_test(test_load), cmocka_unit_test(test_uplink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
