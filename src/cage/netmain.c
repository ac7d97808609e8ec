/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-cage-net: network plumbing helper of rempart-cage (internal).
 *
 *   rempart-cage-net veth LEVEL PID PEER_CIDR ADDR_CIDR GATEWAY|-
 *       in /run/netns/rempart-LEVEL: veth rcPID (PEER_CIDR's address as
 *       a /32, up, a /32 route to the cage's address: the first free one
 *       from ADDR_CIDR up), its peer eth0 moved into the network namespace
 *       of PID with that address and a default route via GATEWAY
 *   rempart-cage-net inside - -   < RULESET
 *       in the caller's namespace: the nftables RULESET read from stdin
 *       (ADDR_CIDR GATEWAY|- instead of "- -": eth0 configured first)
 *
 * Exit status: 0 done; 1 failed (message on stderr); 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "netlink.h"
#include "parse.h"

int main(int argc, char **argv)
{
	struct cage_err e = { { 0 } };
	int r;

	log_set_program("rempart-cage-net");
	if (argc == 7 && strcmp(argv[1], "veth") == 0) {
		uint32_t pid;

		if (parse_u32(argv[3], &pid) < 0 || pid < 2) {
			log_error("invalid pid %s", argv[3]);
			return 2;
		}
		r = cage_nl_veth(argv[2], (pid_t)pid, argv[4], argv[5], strcmp(argv[6], "-") == 0 ? NULL : argv[6], &e);
	} else if (argc == 4 && strcmp(argv[1], "inside") == 0) {
		char rules[65536];
		size_t n = 0;
		ssize_t l;

		while (n < sizeof(rules) - 1 && (l = read(0, rules + n, sizeof(rules) - 1 - n)) > 0)
			n += (size_t)l;
		rules[n] = '\0';
		r = strcmp(argv[2], "-") == 0 ? 0 : cage_nl_inside(argv[2], strcmp(argv[3], "-") == 0 ? NULL : argv[3], &e);
		if (r == 0)
			r = cage_nl_apply_nft(rules, &e);
	} else {
		fputs("rempart-cage-net: internal helper of rempart-cage\n", stderr);
		return 2;
	}
	if (r < 0) {
		log_error("%s", e.msg[0] ? e.msg : strerror(-r));
		return 1;
	}
	return 0;
}
