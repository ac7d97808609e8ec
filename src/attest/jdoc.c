/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "hex.h"
#include "jdoc.h"

struct jdoc {
	json_t *root;
};

int jdoc_load(const char *path, struct jdoc **out, char *err, size_t es)
{
	json_error_t jerr;
	struct jdoc *d;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

	if (!j || !json_is_object(j)) {
		snprintf(err, es, "not a JSON object%s%s", j ? "" : ": ", j ? "" : jerr.text);
		json_decref(j);
		return -EBADMSG;
	}
	d = malloc(sizeof(*d));
	if (!d) {
		json_decref(j);
		return -ENOMEM;
	}
	d->root = j;
	*out = d;
	return 0;
}

void jdoc_free(struct jdoc *d)
{
	json_decref(d->root);
	free(d);
}

const char *jdoc_str(struct jdoc *d, const char *key)
{
	json_t *v = json_object_get(d->root, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int jdoc_hex(struct jdoc *d, const char *key, uint8_t *out, size_t max, size_t *len)
{
	const char *s = jdoc_str(d, key);

	if (!s)
		return -EBADMSG;
	return hex_decode(s, out, max, len) < 0 ? -EBADMSG : 0;
}
