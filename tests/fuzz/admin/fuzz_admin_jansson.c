/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The differential half of fuzz-admin_request: jansson must accept what
 * our strict parser accepted, with the same members and values. (A
 * separate file: jansson's json_null() clashes with src/shared/json.h.) */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "request.h"

void admin_fuzz_differential(const uint8_t *data, size_t size, const struct request *r);

void admin_fuzz_differential(const uint8_t *data, size_t size, const struct request *r)
{
	json_error_t e;
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);

	if (!json_is_object(doc) || json_object_size(doc) != r->n)
		__builtin_trap();
	for (size_t i = 0; i < r->n; i++) {
		json_t *v = json_object_get(doc, r->f[i].key);

		switch (r->f[i].type) {
		case REQ_STR:
			if (!json_is_string(v) || json_string_length(v) != r->f[i].len ||
			    memcmp(json_string_value(v), r->f[i].str, r->f[i].len) != 0 ||
			    strlen(r->f[i].str) != r->f[i].len)
				__builtin_trap();
			break;
		case REQ_UINT:
			if (!json_is_integer(v) || (uint64_t)json_integer_value(v) != r->f[i].u)
				__builtin_trap();
			break;
		case REQ_BOOL:
			if (!json_is_boolean(v) || json_is_true(v) != r->f[i].b)
				__builtin_trap();
			break;
		}
	}
	json_decref(doc);
}
