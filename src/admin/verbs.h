/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verb table: for each verb, the roles allowed to call it and the
 * schema of its request (every field, its type, whether it is required,
 * its validator). Requests are checked here before any handler runs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "admind.h"
#include "request.h"
#include "role.h"

struct field_spec {
	const char *name;
	enum req_type type;
	bool required;
	bool (*valid)(const char *s);  /* REQ_STR: validator, or NULL for PEM text */
	size_t max;                    /* REQ_STR: max length; REQ_UINT: max value */
	bool secret;                   /* never logged */
};

#define VERB_MAX_FIELDS 8

struct verb_spec {
	const char *name;
	unsigned roles;                /* enum role bits */
	verb_fn fn;
	struct field_spec fields[VERB_MAX_FIELDS];
};

enum verb_outcome {
	OUT_OK,
	OUT_DENIED,   /* the caller's role may not call this verb */
	OUT_INVALID,  /* malformed or invalid request */
	OUT_FAILED,   /* valid and allowed, but the operation failed */
};

const char *verb_outcome_name(enum verb_outcome o);

extern const struct verb_spec verb_table[];
extern const size_t verb_count;

const struct verb_spec *verb_find(const char *name);

/* Checks req against the verb's schema: the "verb" member plus exactly the
 * fields of the spec, types, lengths, validators. 0 or -EINVAL (msg). */
int verb_check_schema(const struct verb_spec *v, const struct request *req, char *msg, size_t msglen);

/* The whole decision for one request body: parse, find the verb, check the
 * role, check the schema, run the handler. Writes the complete response
 * document into *resp (malloc'd) and returns the outcome; *verb_name
 * points at the verb name (or "-") for logging. */
enum verb_outcome verb_dispatch(struct admind *d, enum role role, uid_t uid, const uint8_t *body, size_t len,
				char **resp, size_t *resplen, char *verb_name, size_t verb_len, char *msg,
				size_t msglen);
