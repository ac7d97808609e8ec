/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scope-bound resource release through __attribute__((cleanup)).
 *
 *   _cleanup_free_ char *s = NULL;
 *   _cleanup_close_ int fd = -1;
 *
 * To hand a resource out of the scope, steal it: `return TAKE_PTR(s);`.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Define a cleanup helper `NAMEp` for a pointer type freed by FUNC. */
#define DEFINE_POINTER_CLEANUP(type, func)                 \
	static inline __attribute__((unused)) void func##p(type **p) \
	{                                                  \
		if (*p)                                    \
			func(*p);                          \
	}

#define TAKE_PTR(p)                                        \
	({                                                 \
		__typeof__(p) _tp = (p);                   \
		(p) = NULL;                                \
		_tp;                                       \
	})

#define TAKE_FD(fd)                                        \
	({                                                 \
		int _tfd = (fd);                           \
		(fd) = -1;                                 \
		_tfd;                                      \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Securely wipe a buffer of secret material. */
static inline void secure_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}
