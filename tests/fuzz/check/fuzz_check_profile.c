/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: deployment profiles and their rule lookups. */
#include <stddef.h>
#include <stdint.h>

#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile p;
	unsigned line;
	const char *reason;

	profile_init(&p);
	if (profile_parse(&p, (const char *)data, size, NULL, 0, &line) == 0) {
		(void)profile_lookup(&p, "cpu.vuln:mds");
		(void)profile_allows(&p, "elf.bindnow", "/usr/lib/x86_64-linux-gnu/libc.so.6", &reason);
	}
	profile_free(&p);
	return 0;
}
