/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TPM2_Quote results checked in software: TPMS_ATTEST parsing (magic
 * TPM_GENERATED_VALUE, type TPM_ST_ATTEST_QUOTE, extraData = the verifier's
 * nonce, the PCR selection and digest) and the signature (TPMT_SIGNATURE,
 * ECDSA or RSASSA/RSAPSS with sha256) by the attestation key. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#define QT_ERR_MAX 256
#define QT_NPCR 24

struct qt_quote {
	TPMS_ATTEST attest;
	uint32_t pcr_mask;     /* sha256 bank selection */
	uint8_t pcr_digest[32];
};

/* Parses a marshalled TPMS_ATTEST (the content of TPM2B_ATTEST): whole
 * buffer consumed, magic, quote type, a single sha256 bank selection,
 * a 32-byte PCR digest. -EBADMSG with err. */
int qt_parse(const uint8_t *buf, size_t len, struct qt_quote *q, char err[QT_ERR_MAX]);

/* Checks the signature (marshalled TPMT_SIGNATURE) over the attest bytes
 * with the AK. -EBADMSG: unparsable, -EKEYREJECTED: bad signature or a
 * scheme that does not match the key. */
int qt_verify_signature(const TPMT_PUBLIC *ak, const uint8_t *attest, size_t attest_len, const uint8_t *sig,
			size_t sig_len, char err[QT_ERR_MAX]);

/* sha256 over the PCR values of mask in ascending order. */
int qt_pcr_digest(const uint8_t pcrs[QT_NPCR][32], uint32_t mask, uint8_t out[32]);
