/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entry sources for rempart-logd: the systemd journal (sd-journal, with a
 * persistent cursor) or stdin (one entry per line, for tests and benchmarks). */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "store.h"

struct source_options {
	const char *journal_dir;  /* NULL: the local system journal */
	const char *cursor_file;  /* persistent journal cursor */
	const char *ident;        /* stdin: SYSLOG_IDENTIFIER */
	bool exit_on_idle;        /* stop when the source has nothing more */
	volatile sig_atomic_t *stop;
};

/* Copies entries into the store until stopped. 0 or negative errno. */
int source_journal_run(struct logstore *s, const struct source_options *o);
int source_stdin_run(struct logstore *s, const struct source_options *o);

/* Shared by both: appends, waiting (loudly) while the store is full. */
int source_append(struct logstore *s, const struct lf_entry *e, uint64_t realtime_usec,
		  volatile sig_atomic_t *stop);
/* Seal/rotate/retention; waits while the store is full. */
int source_maintain(struct logstore *s, volatile sig_atomic_t *stop);
