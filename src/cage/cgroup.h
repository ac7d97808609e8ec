/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2 subtree of a cage: <cgroup2 mount>/<parent>/<name>.<pid>, with
 * memory.max, pids.max and cpu.weight from the profile. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct cage_profile;

struct cage_cgroup {
	char *path; /* absolute path of the cage's cgroup directory */
	int fd;     /* O_DIRECTORY fd of it, for clone3(CLONE_INTO_CGROUP) */
};

#define CAGE_CGROUP_INIT { .path = NULL, .fd = -1 }

/* Finds the cgroup2 mount point (/sys/fs/cgroup, or the unified one of a
 * hybrid host). 0, -ENOENT if none. */
int cage_cgroup_mount(char *out, size_t outsize);
/* Controllers named in the profile's limits, as "memory pids cpu" (may be empty). */
void cage_cgroup_needed(const struct cage_profile *p, char *out, size_t outsize);

/* Creates the cage's cgroup and writes its limits. parent is relative to
 * the cgroup2 mount ("rempart.slice") or NULL with delegated = true: the
 * caller's own cgroup (systemd Delegate=yes), into whose "supervisor"
 * child the caller first moves itself. */
int cage_cgroup_create(const struct cage_profile *p, const char *parent, bool delegated, struct cage_cgroup *cg,
		       struct cage_err *e);
/* Removes the directory (waits up to ~2 s for it to empty) and frees. */
void cage_cgroup_destroy(struct cage_cgroup *cg);
