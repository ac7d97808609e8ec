/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-cage: run a program in an isolated sub-environment. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cage.h"
#include "cgroup.h"
#include "config.h"
#include "json.h"
#include "landlock.h"
#include "log.h"
#include "net.h"
#include "parse.h"
#include "profile.h"
#include "filter.h"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  rempart-cage run [OPTIONS] PROFILE -- PROGRAM [ARGS...]\n"
	      "  rempart-cage check [--json] PROFILE\n"
	      "  rempart-cage export-bpf > FILE     (the fixed deny set as raw BPF, for bwrap --seccomp)\n"
	      "\n"
	      "Runs PROGRAM in a cage described by PROFILE (docs/cage.md): new mount, pid,\n"
	      "ipc, uts, cgroup and network namespaces, a tmpfs root with read-only binds,\n"
	      "cgroup v2 limits, no capabilities, an unprivileged uid, no_new_privs,\n"
	      "Landlock and seccomp. Must be started by root or systemd; it is not setuid.\n"
	      "\n"
	      "Options:\n"
	      "  --keep-fd N            let descriptor N through (besides 0, 1, 2); repeatable\n"
	      "  --cgroup-parent PATH   parent cgroup below the cgroup2 mount (default rempart.slice)\n"
	      "  --cgroup-delegated     use our own cgroup as the parent (systemd Delegate=yes)\n"
	      "  --no-cache             compile the seccomp filters, do not use " CAGE_BPF_CACHE_DIR "\n"
	      "  --json                 check: machine-readable output\n"
	      "  -v, --verbose          debug messages\n"
	      "  -h, --help             this help\n"
	      "  --version              print the version\n"
	      "\n"
	      "Exit status: run: the program's status (128+N if killed by signal N);\n"
	      "125 the cage could not be built (nothing ran); 126 the program cannot be\n"
	      "executed; 127 the program was not found. check: 0 valid, 2 invalid.\n",
	      f);
}

static void print_check(const struct cage_profile *p, bool json)
{
	char need[64];

	cage_cgroup_needed(p, need, sizeof(need));
	if (json) {
		struct json j;

		json_init(&j, stdout, true);
		json_obj_begin(&j);
		json_kv_str(&j, "name", p->name);
		json_kv_u64(&j, "uid", p->uid);
		json_kv_u64(&j, "gid", p->gid);
		json_kv_str(&j, "hostname", p->hostname);
		json_kv_str(&j, "network", p->net == CAGE_NET_LEVEL ? "level" : "none");
		if (p->net_level)
			json_kv_str(&j, "net_level", p->net_level);
		json_kv_u64(&j, "mounts", p->n_mounts);
		json_kv_u64(&j, "memory_max", p->memory_max);
		json_kv_u64(&j, "pids_max", p->pids_max);
		json_kv_u64(&j, "cpu_weight", p->cpu_weight);
		json_kv_str(&j, "cgroup_controllers", need);
		json_kv_bool(&j, "allow_all_syscalls", p->allow_all_syscalls);
		json_kv_u64(&j, "syscalls", p->n_syscalls);
		json_kv_str(&j, "seccomp_default", p->seccomp_default == CAGE_SECCOMP_KILL ? "kill" : "errno");
		json_kv_u64(&j, "landlock_abi", (uint64_t)cage_landlock_abi());
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	printf("profile %s: valid\n", p->name);
	printf("  uid/gid          %u/%u\n", (unsigned)p->uid, (unsigned)p->gid);
	printf("  network          %s%s\n", p->net == CAGE_NET_LEVEL ? "level " : "none",
	       p->net_level ? p->net_level : "");
	printf("  mounts           %zu\n", p->n_mounts);
	printf("  cgroup           %s\n", need[0] ? need : "(no limits)");
	printf("  syscalls         %s%zu allowed, default %s, fixed deny set always applied\n",
	       p->allow_all_syscalls ? "all but the fixed set; " : "", p->n_syscalls,
	       p->seccomp_default == CAGE_SECCOMP_KILL ? "kill" : "EPERM");
	printf("  landlock         kernel ABI %d\n", cage_landlock_abi());
	if (p->net == CAGE_NET_LEVEL) {
		char *rules = cage_net_ruleset(p);

		if (rules)
			printf("  nftables:\n%s", rules);
		free(rules);
	}
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 256, OPT_KEEP, OPT_CGP, OPT_CGD, OPT_JSON, OPT_NOCACHE };
	static const struct option longopts[] = {
		{ "keep-fd", required_argument, NULL, OPT_KEEP },
		{ "cgroup-parent", required_argument, NULL, OPT_CGP },
		{ "cgroup-delegated", no_argument, NULL, OPT_CGD },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "no-cache", no_argument, NULL, OPT_NOCACHE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct cage_run run = { 0 };
	struct cage_profile p;
	struct cage_parse_error perr;
	struct cage_err e = { { 0 } };
	bool json = false, no_cache = false;
	const char *cmd, *path;
	int c, r, status = 0, stage;

	log_set_program("rempart-cage");
	log_level_from_env();
	/* rempart-cage COMMAND [OPTIONS] PROFILE [-- PROGRAM ARGS]: options
	 * may come before or after the command; "+" stops at the profile so
	 * that the program's own options pass untouched. */
	cmd = NULL;
	if (argc > 1 && argv[1][0] != '-') {
		cmd = argv[1];
		argv++;
		argc--;
	}
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_KEEP: {
			uint32_t fd;

			if (parse_u32(optarg, &fd) < 0 || fd < 3 || fd > 65535 || run.n_keep_fds >= CAGE_MAX_KEEP_FDS) {
				log_error("--keep-fd takes a descriptor number >= 3 (at most %d of them)",
					  CAGE_MAX_KEEP_FDS);
				return CAGE_EXIT_SETUP;
			}
			run.keep_fds[run.n_keep_fds++] = (int)fd;
			break;
		}
		case OPT_CGP: {
			char abs[4096];

			snprintf(abs, sizeof(abs), "/%s", optarg);
			if (optarg[0] == '/' || !cage_path_valid(abs)) {
				log_error("--cgroup-parent must be a canonical relative cgroup path");
				return CAGE_EXIT_SETUP;
			}
			run.cgroup_parent = optarg;
			break;
		}
		case OPT_CGD:
			run.cgroup_delegated = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_NOCACHE:
			no_cache = true;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("rempart-cage %s\n", REMPART_VERSION);
			return 0;
		default:
			usage(stderr);
			return CAGE_EXIT_SETUP;
		}
	}
	if (!cmd && optind < argc)
		cmd = argv[optind++];
	if (cmd && strcmp(cmd, "export-bpf") == 0) {
		r = cage_seccomp_export_fixed(STDOUT_FILENO);
		if (r < 0)
			log_errno(LOG_LVL_ERROR, r, "cannot export the fixed seccomp filter");
		return r < 0 ? CAGE_EXIT_SETUP : 0;
	}
	if (!cmd || optind >= argc) {
		usage(stderr);
		return CAGE_EXIT_SETUP;
	}
	path = argv[optind++];

	r = cage_profile_load(path, &p, &perr);
	if (r < 0) {
		if (r == -EINVAL)
			log_error("invalid profile %s, line %u: %s", path, perr.line, perr.msg);
		else
			log_errno(LOG_LVL_ERROR, r, "cannot read profile %s", path);
		cage_profile_free(&p);
		return strcmp(cmd, "check") == 0 ? 2 : CAGE_EXIT_SETUP;
	}

	if (strcmp(cmd, "check") == 0) {
		print_check(&p, json);
		cage_profile_free(&p);
		return 0;
	}
	if (strcmp(cmd, "run") != 0) {
		log_error("unknown command '%s' (run or check)", cmd);
		cage_profile_free(&p);
		return CAGE_EXIT_SETUP;
	}
	if (optind >= argc || strcmp(argv[optind], "--") != 0 || optind + 1 >= argc) {
		log_error("run needs '-- PROGRAM [ARGS...]' after the profile");
		cage_profile_free(&p);
		return CAGE_EXIT_SETUP;
	}
	if (geteuid() != 0) {
		log_error("rempart-cage must be started by root or systemd (it is not setuid; euid is %u)",
			  (unsigned)geteuid());
		cage_profile_free(&p);
		return CAGE_EXIT_SETUP;
	}
	run.profile = &p;
	run.bpf_cache = no_cache ? NULL : CAGE_BPF_CACHE_DIR;
	run.argv = argv + optind + 1;
	r = cage_run(&run, &status, &stage, &e);
	cage_profile_free(&p);
	if (r < 0) {
		log_error("cage %s: %s", path, e.msg[0] ? e.msg : strerror(-r));
		return stage;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
