/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TPMS_ATTEST and TPMT_SIGNATURE from the evidence (untrusted): input =
 * 2-byte big-endian length of the attest structure, the attest structure,
 * then the signature; checked against a fixed P-256 key (the curve's
 * generator) and a fixed RSA-shaped key. */
#include <stdint.h>
#include <string.h>

#include "credential.h"
#include "quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t gx[32] = { 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
				0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96 };
static const uint8_t gy[32] = { 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
				0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TPMT_PUBLIC ak;
	struct qt_quote q;
	char err[QT_ERR_MAX];
	size_t alen;

	if (size < 2)
		return 0;
	alen = (size_t)data[0] << 8 | data[1];
	if (alen > size - 2)
		alen = size - 2;
	(void)qt_parse(data + 2, alen, &q, err);
	tc_ak_template(&ak, true);
	ak.unique.ecc.x.size = 32;
	ak.unique.ecc.y.size = 32;
	memcpy(ak.unique.ecc.x.buffer, gx, 32);
	memcpy(ak.unique.ecc.y.buffer, gy, 32);
	(void)qt_verify_signature(&ak, data + 2, alen, data + 2 + alen, size - 2 - alen, err);
	tc_ak_template(&ak, false);
	ak.unique.rsa.size = 256;
	memset(ak.unique.rsa.buffer, 0xc5, 256);
	(void)qt_verify_signature(&ak, data + 2, alen, data + 2 + alen, size - 2 - alen, err);
	return 0;
}
