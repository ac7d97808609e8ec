/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *program = "rempart";
static enum log_level current = LOG_LVL_INFO;

void log_set_program(const char *name)
{
	if (name && *name)
		program = name;
}

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_get_level(void)
{
	return current;
}

void log_level_from_env(void)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	const char *e = getenv("REMPART_LOG_LEVEL");

	if (!e)
		return;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(e, names[i]) == 0 || (e[0] == (char)('0' + i) && e[1] == '\0')) {
			current = (enum log_level)i;
			return;
		}
	}
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const tags[] = { "error: ", "warning: ", "", "debug: " };
	int saved = errno;

	if (level > current)
		return;
	fprintf(stderr, "%s: %s", program, tags[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

int log_errno(enum log_level level, int err, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (level > current)
		return err;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(level, "%s: %s", buf, strerror(err < 0 ? -err : err));
	return err;
}
