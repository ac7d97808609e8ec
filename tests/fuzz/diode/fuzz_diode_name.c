/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: file-name sanitising (names chosen by the sender). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[300], out[DIODE_NAME_MAX + 1];

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (diode_name_sanitize(in, out, sizeof(out)) == 0) {
		size_t n = strlen(out);

		if (n == 0 || n > DIODE_NAME_MAX || out[0] == '.' || out[0] == '-')
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (out[i] == '/' || out[i] < 0x21 || out[i] > 0x7e)
				__builtin_trap();
	}
	return 0;
}
