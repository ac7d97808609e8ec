/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp-bpf filters of a cage, through libseccomp (docs/cage.md).
 *
 * Two filters are stacked. The profile filter (installed first) allows the
 * profile's list and answers every other call with the profile's default
 * action; it lets the fixed deny set through so that the fixed filter,
 * installed last, decides those calls: the kernel returns the action of
 * highest precedence and, for equal actions, the data of the most recently
 * installed filter, so clone3 and the new mount API get ENOSYS (glibc
 * falls back) and everything else in the set EPERM. Both filters kill the
 * process for a foreign architecture. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cage_profile;

struct cage_deny {
	const char *name;
	int err; /* errno returned */
};

/* Native system call number for a name, or -1. */
int cage_seccomp_resolve(const char *name);
/* NULL-terminated list of names for "@basic", "@network", "@process"...; NULL if unknown. */
const char *const *cage_seccomp_group(const char *name);
/* The fixed deny set (unconditional entries), terminated by a NULL name. */
const struct cage_deny *cage_seccomp_fixed_set(void);
/* True if nr is handled by the fixed set (unconditionally or by argument). */
bool cage_seccomp_in_fixed_set(int nr);

/* A compiled filter (struct sock_filter[]), built before the cage is
 * created and loaded in it with seccomp(2) directly. */
struct sock_filter;
struct cage_bpf {
	struct sock_filter *insns;
	unsigned short len; /* 0: no filter */
};

int cage_seccomp_compile_fixed(struct cage_bpf *out);
/* len 0 for "@all" (only the fixed filter applies). */
int cage_seccomp_compile_profile(const struct cage_profile *p, struct cage_bpf *out);
/* The same, through a cache directory of compiled filters (root's, mode
 * 0700; NULL: no cache). A cached file with the wrong owner, mode or size
 * is ignored and the filter compiled again. */
#define CAGE_BPF_CACHE_DIR "/run/rempart-cage"
int cage_seccomp_compile_fixed_cached(const char *cachedir, struct cage_bpf *out);
int cage_seccomp_compile_profile_cached(const struct cage_profile *p, const char *cachedir, struct cage_bpf *out);
/* Sets no_new_privs and installs b in the calling thread. */
int cage_seccomp_load(const struct cage_bpf *b);
void cage_bpf_free(struct cage_bpf *b);

/* Build and install the filters in the calling thread. 0 or negative errno. */
int cage_seccomp_install_fixed(void);
int cage_seccomp_install_profile(const struct cage_profile *p);
/* Writes the fixed filter as raw BPF (struct sock_filter[]), the format
 * bwrap --seccomp reads: the benchmark gives both launchers the same set. */
int cage_seccomp_export_fixed(int fd);
