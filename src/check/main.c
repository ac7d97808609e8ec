/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-check: checks a running system, a disk image or a directory tree
 * against every observable Rempart security objective. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "image.h"
#include "live.h"
#include "log.h"
#include "report.h"

enum {
	EXIT_PASS = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
};

#define MAX_LIST 64

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  rempart-check [OPTIONS]                 check this running system\n"
	      "  rempart-check --image DISK.img [OPTIONS] check a disk image offline (nothing mounted)\n"
	      "  rempart-check --tree DIR [OPTIONS]       check a root filesystem tree (image builder)\n"
	      "\n"
	      "One row per observable objective: check, objective, expected, found, OK/FAIL/N/A.\n"
	      "\n"
	      "Options:\n"
	      "  --profile FILE     deployment profile (vm, hardware, server): marks checks N/A or\n"
	      "                     advisory, allows paths for per-file checks (see docs/check.md)\n"
	      "  --expect DIR       expected hardening (cmdline, sysctl.conf, capabilities); default\n"
	      "                     /usr/share/rempart/hardening of the system, image or tree checked\n"
	      "  --keys DIR         our Secure Boot certificates (PK.crt, KEK.crt, db.crt): live, the\n"
	      "                     enrolled keys must be exactly these; offline, the boot loader and\n"
	      "                     UKI must verify with db.crt (sbverify)\n"
	      "  --only LIST        only these checks (comma-separated id prefixes: elf,suid,sysctl...)\n"
	      "  --exclude PATH     prune PATH from the filesystem scans (repeatable)\n"
	      "  --no-scan          skip the filesystem scans (setuid, ELF, interpreters)\n"
	      "  --sysroot DIR      live mode: read /proc, /sys, efivars from DIR (test fixtures)\n"
	      "  --json             machine-readable report on stdout\n"
	      "  -v, --verbose      every detail in the table, debug messages\n"
	      "  -h, --help         this help\n"
	      "  --version          print the version\n"
	      "\n"
	      "Exit status: 0 every required check passed; 1 a required check failed;\n"
	      "2 invalid usage or input (bad profile, unreadable image); 3 system error.\n",
	      f);
}

int main(int argc, char **argv)
{
	enum { O_IMAGE = 256, O_TREE, O_PROFILE, O_EXPECT, O_ONLY, O_EXCLUDE, O_NOSCAN, O_SYSROOT, O_JSON, O_VERSION, O_KEYS };
	static const struct option lo[] = {
		{ "image", required_argument, NULL, O_IMAGE },
		{ "tree", required_argument, NULL, O_TREE },
		{ "profile", required_argument, NULL, O_PROFILE },
		{ "expect", required_argument, NULL, O_EXPECT },
		{ "only", required_argument, NULL, O_ONLY },
		{ "exclude", required_argument, NULL, O_EXCLUDE },
		{ "keys", required_argument, NULL, O_KEYS },
		{ "no-scan", no_argument, NULL, O_NOSCAN },
		{ "sysroot", required_argument, NULL, O_SYSROOT },
		{ "json", no_argument, NULL, O_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = NULL, *tree = NULL, *profile_path = NULL, *expect = NULL, *sysroot = "", *keys = NULL;
	const char *only[MAX_LIST + 1] = { 0 }, *exclude[MAX_LIST + 1] = { 0 };
	_cleanup_free_ char *only_buf = NULL;
	size_t n_only = 0, n_exclude = 0;
	bool json = false, verbose = false, scan = true;
	struct profile profile;
	struct report rep;
	const char *mode;
	int c, r;

	log_set_program("rempart-check");
	log_level_from_env();
	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case O_IMAGE:
			image = optarg;
			break;
		case O_TREE:
			tree = optarg;
			break;
		case O_PROFILE:
			profile_path = optarg;
			break;
		case O_EXPECT:
			expect = optarg;
			break;
		case O_ONLY:
			free(only_buf);
			only_buf = strdup(optarg);
			if (!only_buf)
				return EXIT_SYSTEM;
			n_only = 0;
			for (char *save = NULL, *t = strtok_r(only_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				if (n_only == MAX_LIST) {
					log_error("--only: at most %d entries", MAX_LIST);
					return EXIT_USAGE;
				}
				only[n_only++] = t;
			}
			only[n_only] = NULL;
			if (!n_only) {
				log_error("--only needs at least one check prefix (e.g. elf,suid)");
				return EXIT_USAGE;
			}
			break;
		case O_EXCLUDE:
			if (n_exclude == MAX_LIST || optarg[0] != '/') {
				log_error("--exclude '%s': expected an absolute path (at most %d)", optarg, MAX_LIST);
				return EXIT_USAGE;
			}
			exclude[n_exclude++] = optarg;
			break;
		case O_KEYS:
			keys = optarg;
			break;
		case O_NOSCAN:
			scan = false;
			break;
		case O_SYSROOT:
			sysroot = optarg;
			break;
		case O_JSON:
			json = true;
			break;
		case 'v':
			verbose = true;
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return EXIT_PASS;
		case O_VERSION:
			printf("rempart-check %s\n", REMPART_VERSION);
			return EXIT_PASS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (see --help)", argv[optind]);
		return EXIT_USAGE;
	}
	if (image && tree) {
		log_error("--image and --tree are exclusive");
		return EXIT_USAGE;
	}
	if (*sysroot && (image || tree)) {
		log_error("--sysroot applies to the live mode only");
		return EXIT_USAGE;
	}
	profile_init(&profile);
	if (profile_path) {
		_cleanup_free_ char *bad = NULL;
		unsigned line = 0;

		r = profile_load(&profile, profile_path, &bad, &line);
		if (r < 0) {
			if (r == -EINVAL)
				log_error("profile %s line %u: expected 'na|advisory CHECK REASON', 'required CHECK', "
					  "'allow CHECK PATH REASON' or 'include FILE' (a waiver needs a reason)",
					  bad ? bad : profile_path, line);
			else
				log_errno(LOG_LVL_ERROR, r, "cannot load profile %s", bad ? bad : profile_path);
			profile_free(&profile);
			return EXIT_USAGE;
		}
	}
	report_init(&rep, &profile);
	rep.only = n_only ? only : NULL;
	if (image) {
		struct image_opts io = { .path = image, .expect_dir = expect, .keys_dir = keys, .scan = scan };

		mode = "image";
		r = image_run(&rep, &io);
		if (r < 0)
			log_errno(LOG_LVL_ERROR, r, "cannot check image %s", image);
	} else if (tree) {
		struct tree_opts to = { .dir = tree, .expect_dir = expect, .exclude = exclude, .scan = scan };

		mode = "tree";
		r = tree_run(&rep, &to);
		if (r < 0)
			log_errno(LOG_LVL_ERROR, r, "cannot check tree %s", tree);
	} else {
		struct live_opts lo2 = { .sysroot = sysroot, .expect_dir = expect, .exclude = exclude, .scan = scan,
					 .keys_dir = keys };

		mode = "live";
		r = live_run(&rep, &lo2);
		if (r < 0)
			log_errno(LOG_LVL_ERROR, r, "cannot check the running system");
	}
	if (r < 0) {
		int code = r == -ENOENT || r == -ENOTDIR || r == -EINVAL || r == -EACCES ? EXIT_USAGE : EXIT_SYSTEM;

		report_free(&rep);
		profile_free(&profile);
		return code;
	}
	for (size_t i = 0; i < n_only; i++) {
		bool hit = false;

		for (size_t k = 0; k < rep.n && !hit; k++) {
			const char *o1[] = { only[i], NULL };
			struct report one = { .only = o1 };

			hit = report_wants(&one, rep.v[k].id);
		}
		if (!hit) {
			log_error("--only %s: no check of that name in %s mode (ids: see --json or docs/check.md)", only[i],
				  mode);
			report_free(&rep);
			profile_free(&profile);
			return EXIT_USAGE;
		}
	}
	if (json)
		r = report_print_json(&rep, stdout, mode, image ? image : tree ? tree : NULL);
	else
		report_print_table(&rep, stdout, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"), verbose);
	if (fflush(stdout) != 0 || r < 0) {
		report_free(&rep);
		profile_free(&profile);
		return EXIT_SYSTEM;
	}
	if (report_failures(&rep)) {
		if (!json)
			log_error("%zu required check(s) failed: the system does not meet the Rempart objectives "
				  "(see the FAIL rows; --json for every detail)", report_failures(&rep));
		r = EXIT_FAILED;
	} else {
		r = EXIT_PASS;
	}
	report_free(&rep);
	profile_free(&profile);
	return r;
}
