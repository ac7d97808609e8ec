/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: PE/COFF headers, section lookup and the signature
 * table of UEFI images (systemd-boot, UKIs). */
#include <stddef.h>
#include <stdint.h>

#include "pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { ".cmdline", ".linux", ".osrel", ".text" };
	struct pe_info pe;

	if (pe_parse(data, size, &pe) < 0)
		return 0;
	(void)pe_signed(&pe, size);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const uint8_t *d;
		size_t n;

		if (pe_section(data, size, &pe, names[i], &d, &n) == 0) {
			if (d < data || n > size || (size_t)(d - data) > size - n)
				__builtin_trap();
			volatile uint8_t sink = n ? d[n - 1] : 0;
			(void)sink;
		}
	}
	return 0;
}
