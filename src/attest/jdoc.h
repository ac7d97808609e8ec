/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the small protocol documents (enrolment request, challenge,
 * activation, registry records) with jansson, behind names that do not
 * collide with src/shared/json.h. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct jdoc;

/* A JSON object from path (duplicate keys refused). -EBADMSG with err. */
int jdoc_load(const char *path, struct jdoc **out, char *err, size_t errsize);
void jdoc_free(struct jdoc *d);
static inline void jdoc_freep(struct jdoc **d)
{
	if (*d)
		jdoc_free(*d);
}
/* Top-level string field, or NULL. */
const char *jdoc_str(struct jdoc *d, const char *key);
/* Top-level hex field decoded into out (at most max bytes). -EBADMSG. */
int jdoc_hex(struct jdoc *d, const char *key, uint8_t *out, size_t max, size_t *len);
