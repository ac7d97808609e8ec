/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs a program inside a cage described by a profile (docs/cage.md). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "profile.h"

#define CAGE_MAX_KEEP_FDS 16

struct cage_run {
	const struct cage_profile *profile;
	char *const *argv;                /* program and arguments, argv[0] searched in the cage's PATH */
	int keep_fds[CAGE_MAX_KEEP_FDS];  /* inherited as is, besides 0, 1, 2 */
	size_t n_keep_fds;
	const char *cgroup_parent;        /* relative to the cgroup2 mount; NULL: rempart.slice */
	bool cgroup_delegated;            /* use our own (systemd-delegated) cgroup as the parent */
	const char *bpf_cache;            /* compiled-filter cache directory, NULL: none */
};

/* Exit statuses of rempart-cage itself (the program's own otherwise). */
enum {
	CAGE_EXIT_SETUP = 125,  /* the cage could not be built: nothing ran */
	CAGE_EXIT_NOEXEC = 126, /* the program exists but cannot be executed */
	CAGE_EXIT_NOTFOUND = 127,
};

/* Builds the cage, runs the program and waits for it. Returns 0 and sets
 * *status to a wait(2) status once the program ran; a negative errno (with
 * e filled) when the cage could not be built or the program not started:
 * *stage is then CAGE_EXIT_SETUP, CAGE_EXIT_NOEXEC or CAGE_EXIT_NOTFOUND. */
int cage_run(const struct cage_run *run, int *status, int *stage, struct cage_err *e);
