/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: ELF QA reader (libelf-based) and its decisions. */
#include <stddef.h>
#include <stdint.h>

#include "elfqa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfqa q;

	if (elfqa_analyze(data, size, &q) == 0)
		for (int p = 0; p < ELFQA_NPROPS; p++)
			(void)elfqa_judge(&q, (enum elfqa_prop)p);
	return 0;
}
