/* SPDX-License-Identifier: GPL-2.0-or-later */
/* minisign signature and key parsers (the signature comes from the
 * network), and ESP boot entry names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "minisig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_signature s;
	struct ms_pubkey pk = { 0 };
	struct ms_seckey sk;
	struct esp_entry e;
	char name[300];

	if (ms_signature_parse((const char *)data, size, &s) == 0) {
		if (strlen(s.trusted) > MS_TRUSTED_MAX)
			abort();
		(void)ms_verify(&pk, &s, data, size);
	}
	(void)ms_pubkey_parse((const char *)data, size, &pk);
	(void)ms_seckey_parse((const char *)data, size, &sk);
	if (size < sizeof(name)) {
		memcpy(name, data, size);
		name[size] = '\0';
		(void)esp_parse_name(name, &e);
	}
	return 0;
}
