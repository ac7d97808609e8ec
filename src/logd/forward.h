/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Forwarding of store entries to a syslog collector over TLS (RFC 5425:
 * octet-counted RFC 5424 messages), mutual TLS with a pinned CA,
 * at-least-once delivery with an on-disk cursor (docs/logd.md). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

#define FWD_SD_ID "rempart@32473"

struct fwd_options {
	const char *store;
	const char *host, *port, *server_name;
	const char *ca, *cert, *key;
	const char *hostname;         /* HOSTNAME field (default: gethostname) */
	uint64_t batch_entries;       /* entries per TLS session before a confirmed close */
	uint64_t backoff_min_ms, backoff_max_ms;
	uint64_t exit_at_seq;         /* exit 0 once the cursor reaches this (0: never) */
	bool exit_on_idle;            /* exit 0 once everything present is confirmed */
	volatile sig_atomic_t *stop;
};

/* Formats one entry as "LEN SP <RFC 5424 message>" into out (size cap).
 * Returns the length, or -ENOBUFS. */
int fwd_format(char *out, size_t cap, const struct lf_record *rec, const struct lf_entry *e,
	       const char *hostname);

/* Runs until stopped or an exit condition; 0 or a negative errno. */
int fwd_run(const struct fwd_options *o);
