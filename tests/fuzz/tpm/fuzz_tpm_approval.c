/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A release approval ships with the release (ESP, manifest): untrusted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "signer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpm_approval a, b;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (tpm_approval_parse(data, size, &a) != 0)
		return 0;
	if (tpm_approval_serialize(&a, &buf, &len) != 0 || len != size || memcmp(buf, data, size) != 0 ||
	    tpm_approval_parse(buf, len, &b) != 0)
		abort(); /* the format is canonical: a parsed approval re-encodes byte for byte */
	free(buf);
	/* Arbitrary points and signatures through OpenSSL: must fail cleanly. */
	(void)signer_verify(&a, NULL, NULL);
	return 0;
}
