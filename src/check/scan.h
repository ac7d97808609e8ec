/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole-filesystem scans over a struct rootfs: setuid/setgid files, ELF QA
 * of every ELF file, interpreters present. Each adds its rows to a report;
 * the profile's "allow" rules exempt paths (with the reason recorded). */
#pragma once

#include <stdbool.h>

#include "report.h"
#include "rootfs.h"

enum {
	SCAN_SUID = 1 << 0,
	SCAN_ELF = 1 << 1,
	SCAN_INTERP = 1 << 2,
};

struct scan_opts {
	unsigned what;
	const char *const *exclude; /* NULL-terminated path prefixes to prune, or NULL */
	const char *where;          /* label for the "found" column: "image", "/"... */
};

/* Walks fs once and adds the rows suid.none, elf.* and interp.none. */
int scan_rootfs(struct rootfs *fs, struct report *r, const struct scan_opts *o);
/* True if a basename names a program interpreter (sh, perl5.36, python3.11...). */
bool scan_is_interpreter(const char *name);
