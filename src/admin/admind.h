/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-admind: the daemon's configuration and the verb handlers
 * (docs/admin.md). Handlers validate what the schema cannot (cross-field
 * rules, credentials), do the change, and describe the outcome in a JSON
 * "result" object. They return 0, -EINVAL for a request that is refused
 * as invalid (msg says why), or another negative errno when the operation
 * failed (msg says what was being done). They never log secrets. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "json.h"
#include "request.h"
#include "role.h"

struct admind {
	/* the state allow-list, from --state-dir (default /var/lib/rempart) */
	char config_dir[512];  /* network.conf, ipsec.conf, ipsec/, update.conf */
	char auth_dir[512];    /* system/<role>/ and users/<name>/authorized_keys */
	char userdb_dir[512];  /* systemd user records of admind-managed users */
	char admind_dir[512];  /* admind's own state (escrow collection mark) */
	char home_dir[512];    /* home directories of created users (/home) */
	char escrow_path[512]; /* /efi/rempart/escrow.bin */
	char log_store[512];   /* /var/log/rempart */
	char check_prog[512], attest_prog[512], update_prog[512];
	char unit_network[256], unit_ipsec[256], unit_update[256];
	bool apply;            /* restart/start units through sd-bus */
	bool chown_homes;      /* chown created home directories (off when not root) */
	bool systemd_run;      /* run the tools as transient units (outside our sandbox) */
	uid_t uid_min, uid_max;
	struct role_groups groups;
};

void admind_defaults(struct admind *d);
/* Derives the allow-list directories from a state root. */
int admind_set_state_dir(struct admind *d, const char *dir);

typedef int (*verb_fn)(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);

/* verbs_*.c */
int verb_status(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_network_get(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_network_set(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_ipsec_get(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_ipsec_set(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_ipsec_credentials(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_update_get(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_update_set(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_update_trigger(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_update_status(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_user_list(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_user_add(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_user_remove(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_user_lock(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_user_unlock(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_user_setkey(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_escrow_collect(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_escrow_delete(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_logs_read(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_check_run(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);
int verb_attest_quote(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen);

/* msg helper: formats into msg and returns err. */
int verb_fail(char *msg, size_t msglen, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Restarts (method "RestartUnit") or starts ("StartUnit") a unit through
 * sd-bus, or does nothing with apply off; writes "applied" into out. */
int verb_apply(struct admind *d, const char *unit, const char *method, struct json *out, char *msg, size_t msglen);
/* Runs argv[0] (absolute path) with a fixed environment, stdin /dev/null,
 * capturing at most max bytes of stdout and 4 KiB of stderr, killed after
 * timeout_s. Returns 0 and the exit status (-1 if killed by a signal). */
int spawn_capture(char *const argv[], size_t max, unsigned timeout_s, char **out, size_t *outlen, char *errbuf,
		  size_t errlen, int *status);
