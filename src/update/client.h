/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-update's device logic: check, apply (A/B install), status,
 * mark-good, commit. This is program logic: it logs refusals and errors
 * once, with the check's name, and returns a negative errno:
 *   -EBADMSG  refused by a security check (message names it)
 *   -EPROTO   transport (TLS, HTTP) failure
 *   -EINVAL   configuration or usage
 *   other     system error */
#pragma once

#include <stdbool.h>

struct client;

struct client_opts {
	const char *config;
	bool dry_run;
	bool json;
};

int client_open(const struct client_opts *o, struct client **out);
void client_free(struct client *c);

int client_check(struct client *c);
int client_apply(struct client *c);
int client_status(struct client *c);
int client_mark_good(struct client *c);
int client_commit(struct client *c);
