/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sealed object comes from a LUKS2 token on disk: untrusted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpm_sealed s, t;
	uint8_t *buf = NULL;
	size_t len = 0;
	char *str;

	if (tpm_sealed_parse(data, size, &s) == 0) {
		/* Whatever parses re-serialises and parses to the same object. */
		if (tpm_sealed_serialize(&s, &buf, &len) != 0 || tpm_sealed_parse(buf, len, &t) != 0 ||
		    memcmp(s.pcr7, t.pcr7, sizeof(s.pcr7)) != 0 || s.priv.size != t.priv.size)
			abort();
		free(buf);
	}
	/* The base64 form, as found in the token's JSON string. */
	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = 0;
	(void)tpm_sealed_from_base64(str, &s);
	free(str);
	return 0;
}
