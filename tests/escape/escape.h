/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Escape regression vectors. Each program attempts one escape or abuse
 * from inside a cage and reports on stdout:
 *   "blocked WHAT: ERRNO"            exit 0: failed with the expected errno
 *   "ESCAPE WHAT: ..."               exit 1: the attempt succeeded
 *   "UNEXPECTED WHAT: got X want Y"  exit 2: failed, but not as expected
 * tests/host/cage-escape.sh runs them and checks for side effects outside. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "?";
}

static inline int expect_errno(const char *what, long ret, int err, int want)
{
	if (ret >= 0) {
		printf("ESCAPE %s: succeeded (returned %ld)\n", what, ret);
		return 1;
	}
	if (err != want) {
		printf("UNEXPECTED %s: got %s, want %s\n", what, errname(err), errname(want));
		return 2;
	}
	printf("blocked %s: %s\n", what, errname(err));
	return 0;
}

/* Runs CALL; returns from main unless it failed with WANT. */
#define EXPECT(what, call, want)                                         \
	do {                                                             \
		errno = 0;                                               \
		long r_ = (long)(call);                                  \
		int rc_ = expect_errno((what), r_, errno, (want));       \
		if (rc_)                                                 \
			return rc_;                                      \
	} while (0)
