/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Levelled logging to stderr. Libraries log at debug level only; the caller
 * that decides what to do about an error logs it once, with context. */
#pragma once

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
};

/* Program name used as the prefix; defaults to "rempart". */
void log_set_program(const char *name);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Reads REMPART_LOG_LEVEL (error|warn|info|debug or 0..3). */
void log_level_from_env(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Logs "<prefix>: <message>: <strerror(-err)>" and returns err (negative). */
int log_errno(enum log_level level, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
