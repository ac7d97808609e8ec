/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Check results: one row per observable objective (check id, objective,
 * expected, found, status), a deployment profile that marks rows not
 * applicable or advisory, and the table / JSON renderings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum check_status {
	CHECK_OK = 0,
	CHECK_FAIL = 1,
	CHECK_NA = 2,
};

struct check {
	char *id;
	char *objective;
	char *expected;
	char *found;
	char *note;          /* profile reason, or why N/A */
	enum check_status status;
	bool required;
	char **details;      /* e.g. offending files */
	size_t n_details;
	size_t total_details; /* may exceed n_details (capped) */
};

/* Profile rules (see docs/check.md):
 *   na        CHECK-GLOB  REASON...
 *   advisory  CHECK-GLOB  REASON...
 *   required  CHECK-GLOB
 *   allow     CHECK-GLOB  PATH-GLOB  REASON...
 *   enforce   CHECK-GLOB  PATH-GLOB  [REASON]   (never allowed, whatever allow says)
 *   include   FILE
 * Later rules win over earlier ones for the same check. */
enum profile_action {
	PROFILE_NA,
	PROFILE_ADVISORY,
	PROFILE_REQUIRED,
	PROFILE_ALLOW,
	PROFILE_ENFORCE,
};

struct profile_rule {
	enum profile_action action;
	char *pattern;   /* check glob, or check id for allow */
	char *path;      /* allow: path glob */
	char *reason;
};

struct profile {
	struct profile_rule *rules;
	size_t n, cap;
	char *name;
};

void profile_init(struct profile *p);
void profile_free(struct profile *p);
/* Parses profile text; `dir` resolves includes (NULL: includes refused).
 * On error sets *line to the offending line number (1-based). 0/-EINVAL/-ENOMEM/-ELOOP. */
int profile_parse(struct profile *p, const char *text, size_t len, const char *dir, int depth, unsigned *line);
/* Loads a file (includes relative to its directory). On error *bad names the file and *line. */
int profile_load(struct profile *p, const char *path, char **bad, unsigned *line);
/* Effective disposition of a check id: returns the last matching non-allow
 * rule or NULL. */
const struct profile_rule *profile_lookup(const struct profile *p, const char *id);
/* True if a path is exempt from per-file check `id`; *reason set. */
bool profile_allows(const struct profile *p, const char *id, const char *path, const char **reason);

#define REPORT_MAX_DETAILS 200

struct report {
	struct check *v;
	size_t n, cap;
	const struct profile *profile;
	const char **only;   /* NULL-terminated check-id prefixes, or NULL for all */
};

void report_init(struct report *r, const struct profile *profile);
void report_free(struct report *r);
/* True if a check id is selected by --only. */
bool report_wants(const struct report *r, const char *id);
/* True if any check of a group ("elf", "mount"...) is selected by --only. */
bool report_wants_group(const struct report *r, const char *group);
/* Adds a row; the profile may turn it N/A or advisory. Returns the row or
 * NULL (ENOMEM, or not selected by --only). `found` is printf-style. */
struct check *report_add(struct report *r, const char *id, const char *objective, enum check_status st,
			 const char *expected, const char *found_fmt, ...) __attribute__((format(printf, 6, 7)));
/* Appends a detail line to a row (capped at REPORT_MAX_DETAILS; the total is counted). */
int check_add_detail(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct check *report_find(struct report *r, const char *id);
/* Number of required rows that are FAIL. */
size_t report_failures(const struct report *r);
void report_print_table(const struct report *r, FILE *f, bool color, bool verbose);
int report_print_json(const struct report *r, FILE *f, const char *mode, const char *target);
const char *check_status_str(enum check_status s);
