/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Detail of a failure for the caller to log once: what was checked, what
 * was found, what to do. Library functions fill it and return -errno. */
#pragma once

#include <stdarg.h>
#include <stdio.h>

struct cage_err {
	char msg[320];
};

static inline __attribute__((format(printf, 3, 4))) int cage_err_set(struct cage_err *e, int r,
								      const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return r;
}
