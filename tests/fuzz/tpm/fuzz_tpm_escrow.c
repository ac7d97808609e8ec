/* SPDX-License-Identifier: GPL-2.0-or-later */
/* escrow.bin is collected from a machine's ESP, key files from anywhere. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "escrow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pk[32], sk[32];
	static int init;
	uint8_t secret[ESCROW_SECRET_BYTES], key[ESCROW_KEY_BYTES];

	if (!init) {
		if (sodium_init() < 0)
			abort();
		memset(sk, 0x42, sizeof(sk));
		crypto_scalarmult_base(pk, sk);
		init = 1;
	}
	(void)escrow_open(pk, sk, data, size, secret);
	(void)escrow_parse_key_line((const char *)data, size, "rempart-escrow-secret-v1", key);
	return 0;
}
