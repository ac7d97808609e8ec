/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the cage profile parser (untrusted text). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cage_profile p;
	struct cage_parse_error e;

	if (cage_profile_parse((const char *)data, size, &p, &e) == 0) {
		char *rules;

		/* What the parser accepts must satisfy its own invariants. */
		if (!p.name || !p.hostname || p.uid == 0 || p.gid == 0 || p.n_mounts > CAGE_MAX_MOUNTS)
			__builtin_trap();
		for (size_t i = 0; i < p.n_mounts; i++)
			if (!cage_path_valid(p.mounts[i].dst))
				__builtin_trap();
		rules = cage_net_ruleset(&p);
		free(rules);
	} else if (strnlen(e.msg, sizeof(e.msg)) == sizeof(e.msg)) {
		__builtin_trap(); /* unterminated message */
	}
	cage_profile_free(&p);
	return 0;
}
