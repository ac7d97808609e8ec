/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cage profiles: a small line-based declarative format (docs/cage.md).
 * The parser treats its input as untrusted: bounded sizes, strict
 * tokens, canonical absolute paths only, every error names its line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CAGE_PROFILE_MAX_SIZE (256u * 1024u)
#define CAGE_PROFILE_MAX_LINE 4096u
#define CAGE_MAX_MOUNTS 128u
#define CAGE_MAX_SYSCALLS 512u
#define CAGE_MAX_NFT 256u
#define CAGE_MAX_ENV 64u
#define CAGE_NAME_MAX 32u
#define CAGE_MAX_UPLINK 32u

enum cage_mount_kind {
	CAGE_MOUNT_RO,      /* read-only bind of the environment's tree */
	CAGE_MOUNT_HOME,    /* writable bind, noexec,nosuid,nodev */
	CAGE_MOUNT_TMPFS,   /* private tmpfs, noexec,nosuid,nodev */
	CAGE_MOUNT_SYMLINK, /* symlink DST -> SRC (target text) */
};

struct cage_mount {
	enum cage_mount_kind kind;
	char *src; /* host path (RO, HOME), symlink target (SYMLINK), NULL (TMPFS) */
	char *dst; /* absolute path inside the cage */
	bool optional; /* RO only: skip when the source does not exist */
};

enum cage_net {
	CAGE_NET_NONE,  /* empty network namespace, loopback only */
	CAGE_NET_LEVEL, /* veth into the level's network namespace */
};

enum cage_rlimit {
	CAGE_RL_NPROC,
	CAGE_RL_AS,
	CAGE_RL_NOFILE,
	CAGE_RL_FSIZE,
	CAGE_RL_STACK,
	CAGE_RL_CPU,
	CAGE_RL_CORE,
	CAGE_RL_COUNT,
};

enum cage_landlock {
	CAGE_LANDLOCK_BEST_EFFORT, /* apply when the kernel supports it */
	CAGE_LANDLOCK_REQUIRED,    /* fail when the kernel does not */
	CAGE_LANDLOCK_OFF,
};

enum cage_seccomp_default {
	CAGE_SECCOMP_ERRNO, /* unlisted system calls fail with EPERM */
	CAGE_SECCOMP_KILL,  /* unlisted system calls kill the process */
};

struct cage_profile {
	char *name;
	uid_t uid;
	gid_t gid;
	char *hostname;
	char *cwd;
	struct cage_mount mounts[CAGE_MAX_MOUNTS];
	size_t n_mounts;
	bool proc_full; /* false: procfs subset=pid (no /proc/sys, no sysrq-trigger) */
	uint64_t tmpfs_size;

	enum cage_net net;
	char *net_level;  /* name of the per-level namespace */
	char *net_addr;   /* cage side, CIDR */
	char *net_peer;   /* level side, CIDR */
	char *net_gateway;
	char *nft[CAGE_MAX_NFT];
	size_t n_nft;
	/* The level's uplink to the host (rempart-netcfg level-ns --profile,
	 * docs/net.md): veth addresses in the host's namespace and in the
	 * level's, what the level may reach outside (protocol, port), and
	 * destinations refused on top of the fixed ones. */
	char *uplink_outer; /* CIDR, host side (NULL: no uplink) */
	char *uplink_inner; /* CIDR, level side */
	struct cage_uplink_allow {
		bool udp; /* false: tcp */
		uint16_t port;
	} uplink_allow[CAGE_MAX_UPLINK];
	size_t n_uplink_allow;
	char *uplink_deny[CAGE_MAX_UPLINK]; /* CIDR */
	size_t n_uplink_deny;

	uint64_t memory_max; /* bytes, 0 = unset */
	uint64_t pids_max;
	uint64_t cpu_weight;

	bool rlimit_set[CAGE_RL_COUNT];
	uint64_t rlimit[CAGE_RL_COUNT];

	int syscalls[CAGE_MAX_SYSCALLS]; /* native numbers, deduplicated */
	size_t n_syscalls;
	bool allow_all_syscalls; /* "syscalls = @all": only the fixed deny set applies */
	enum cage_seccomp_default seccomp_default;
	enum cage_landlock landlock;

	char *env[CAGE_MAX_ENV]; /* "NAME=value" */
	size_t n_env;
};

struct cage_parse_error {
	unsigned line;
	char msg[160];
};

/* Parses a profile from a buffer (not NUL-terminated). 0, -EINVAL (err
 * says where and why), -EFBIG, -ENOMEM. The profile must be freed with
 * cage_profile_free() on success and on failure. */
int cage_profile_parse(const char *buf, size_t len, struct cage_profile *p, struct cage_parse_error *err);
/* Reads and parses a file (at most CAGE_PROFILE_MAX_SIZE bytes). */
int cage_profile_load(const char *path, struct cage_profile *p, struct cage_parse_error *err);
void cage_profile_free(struct cage_profile *p);

/* True for a canonical absolute path: starts with '/', no empty, "." or
 * ".." component, no trailing '/', printable ASCII without spaces. */
bool cage_path_valid(const char *s);
/* Level/profile names: [a-z0-9][a-z0-9_-]{0,31}. */
bool cage_name_valid(const char *s);
const char *cage_rlimit_name(enum cage_rlimit r);
int cage_rlimit_resource(enum cage_rlimit r);
