/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks of a running system: firmware (Secure Boot, keys), TPM, verified
 * root, mounts, kernel state (lockdown, sysctl, command line, modules),
 * PID 1 (no_new_privs, capability bounding set), CPU and platform
 * features, and the filesystem scans. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "expect.h"
#include "report.h"

struct live_opts {
	const char *sysroot;        /* "" normally; a fixture tree in tests */
	const char *expect_dir;     /* NULL: <sysroot>/usr/share/rempart/hardening */
	const char *const *exclude; /* scan exclusions */
	const char *keys_dir;       /* PK.crt, KEK.crt, db.crt: the enrolled keys must be these */
	bool scan;                  /* run the filesystem scans */
};

int live_run(struct report *r, const struct live_opts *o);

struct verity_state {
	bool is_dm;
	bool is_verity;       /* dm target/type verity */
	bool status_known;
	bool corrupted;
	char name[128];
	char roothash[129];   /* of the active device, "" if unknown */
};
/* Decision for root.verity. found receives the explanation. */
enum check_status verity_judge(const struct verity_state *v, const char *cmdline_roothash, char *found, size_t n);

/* Decision for pid1.capbnd: every capability the product drops must be
 * absent from the bounding set (hex as in /proc/<pid>/status). Writes the
 * names of those still present to found. */
enum check_status capbnd_judge(const char *capbnd_hex, const struct cap_list *caps, char *found, size_t n);

/* Decision for one cpu.vuln:<name> file content. */
enum check_status vuln_judge(const char *content);

/* Kernel log (/dev/kmsg records "pri,seq,ts,flags;message"): true if a
 * message contains needle; the first such message is copied to out. */
bool kmsg_find(const char *text, size_t len, const char *needle, char *out, size_t n);

/* Lockdown: the bracketed mode of /sys/kernel/security/lockdown, or NULL. */
const char *lockdown_mode(const char *content, char *buf, size_t n);
/* True if the "flags" line of cpuinfo lists FLAG. */
bool cpuinfo_has_flag(const char *cpuinfo, const char *flag);
/* Value of the first "key : value" line of cpuinfo ("wp" -> "yes"). */
bool cpuinfo_value(const char *cpuinfo, const char *key, char *out, size_t n);
