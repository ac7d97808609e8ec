/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-update: A/B updates from a signed release manifest. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "config.h"
#include "update_config.h"
#include "log.h"

enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
	EXIT_TRANSPORT = 4,
};

static void usage(FILE *f)
{
	fputs("Usage: rempart-update [OPTIONS] COMMAND\n"
	      "\n"
	      "Commands:\n"
	      "  status      running version and slot, boot entries (pending/good/bad), failed update,\n"
	      "              security-version floor, last refusal\n"
	      "  check       fetch and check the channel's manifest; say whether an update is available\n"
	      "  apply       check, then install the update into the inactive slot and add its boot\n"
	      "              entry last; idempotent and resumable (rerun after a crash)\n"
	      "  mark-good   health check of the running boot (gates boot-complete.target)\n"
	      "  commit      after systemd-bless-boot marked the entry good: raise the anti-rollback\n"
	      "              security version to the running release's\n"
	      "\n"
	      "Options:\n"
	      "  -c, --config PATH   configuration file (default " UPDATE_CONF_DEFAULT ")\n"
	      "  -n, --dry-run       check and plan only: nothing is written, not even the state\n"
	      "  --json              machine-readable output on stdout (status, check, apply)\n"
	      "  -v, --verbose       debug messages\n"
	      "  -h, --help          this help\n"
	      "\n"
	      "Every refusal names the check that failed: signature, format, trusted-comment, product,\n"
	      "channel, issued-at, expiry, version, security-version, size, sha256, verity, transport.\n"
	      "\n"
	      "Exit status: 0 success (including \"up to date\"); 1 refused by a check (or mark-good's\n"
	      "health check failed, or commit before the entry is good); 2 invalid usage or\n"
	      "configuration; 3 system error; 4 transport error (TLS, HTTP, network).\n",
	      f);
}

static int exit_for(int r)
{
	switch (r) {
	case 0:
		return EXIT_OK;
	case -EBADMSG:
		return EXIT_REFUSED;
	case -EINVAL:
		return EXIT_USAGE;
	case -EPROTO:
		return EXIT_TRANSPORT;
	default:
		return EXIT_SYSTEM;
	}
}

int main(int argc, char **argv)
{
	enum { O_JSON = 256, O_VERSION };
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, O_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct client_opts o = { .config = UPDATE_CONF_DEFAULT };
	struct client *c = NULL;
	const char *cmd;
	int ch, r;

	log_set_program("rempart-update");
	log_level_from_env();
	while ((ch = getopt_long(argc, argv, "c:nvh", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': o.config = optarg; break;
		case 'n': o.dry_run = true; break;
		case O_JSON: o.json = true; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return EXIT_OK;
		case O_VERSION: puts("rempart-update " REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "status") && strcmp(cmd, "check") && strcmp(cmd, "apply") && strcmp(cmd, "mark-good") &&
	    strcmp(cmd, "commit")) {
		log_error("unknown command \"%s\" (status, check, apply, mark-good, commit)", cmd);
		return EXIT_USAGE;
	}
	r = client_open(&o, &c);
	if (r < 0)
		return exit_for(r);
	if (strcmp(cmd, "status") == 0)
		r = client_status(c);
	else if (strcmp(cmd, "check") == 0)
		r = client_check(c);
	else if (strcmp(cmd, "apply") == 0)
		r = client_apply(c);
	else if (strcmp(cmd, "mark-good") == 0)
		r = client_mark_good(c);
	else
		r = client_commit(c);
	client_free(c);
	return exit_for(r);
}
