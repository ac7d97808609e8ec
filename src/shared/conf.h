/* SPDX-License-Identifier: GPL-2.0-or-later */
/* KEY=VALUE configuration files: one assignment per line, '#' comments,
 * blank lines, no quoting, no continuation. Keys are [a-z0-9_.-]+; values
 * are the rest of the line with surrounding blanks trimmed. Duplicate keys
 * and malformed lines are errors (reported with the line number). */
#pragma once

#include <stddef.h>

struct conf_entry {
	char *key;
	char *value;
	unsigned line;
};

struct conf {
	struct conf_entry *v;
	size_t n;
	unsigned error_line; /* set when parsing fails */
};

int conf_parse(const char *text, size_t len, struct conf *c);
int conf_load(const char *path, struct conf *c);
const char *conf_get(const struct conf *c, const char *key);
/* Returns the first key not in allowed (NULL-terminated), or NULL. */
const char *conf_unknown_key(const struct conf *c, const char *const *allowed);
void conf_free(struct conf *c);

/* Word lists: one item per line, '#' comments and blank lines ignored,
 * surrounding blanks trimmed. */
int list_load(const char *path, char ***items, size_t *n);
void list_free(char **items, size_t n);
