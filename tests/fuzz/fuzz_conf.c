/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the KEY=VALUE configuration parser (src/shared/conf.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = { "name", "version", NULL };
	struct conf c;

	if (conf_parse((const char *)data, size, &c) == 0) {
		for (size_t i = 0; i < c.n; i++) {
			/* every parsed entry is found again by its key */
			if (conf_get(&c, c.v[i].key) != c.v[i].value)
				__builtin_trap();
			if (strchr(c.v[i].key, '=') || strchr(c.v[i].key, '\n') || strchr(c.v[i].value, '\n'))
				__builtin_trap();
		}
		(void)conf_unknown_key(&c, allowed);
		conf_free(&c);
	}
	return 0;
}
