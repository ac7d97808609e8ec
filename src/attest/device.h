/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device side against the TPM (tss2-esys): the endorsement key (TCG
 * template L-1 RSA 2048 or L-2 ECC P-256, recreated from the endorsement
 * seed), the attestation key (a restricted signing primary key of the
 * endorsement hierarchy, recreated identically from the same seed: nothing
 * secret is stored on disk), ActivateCredential with the EK in a
 * PolicySecret(TPM_RH_ENDORSEMENT) session, Quote and PCR reads.
 * 0 or a negative errno; ad_last_error() describes the failing TPM call. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

struct ad_ctx;

/* tcti: NULL or "device:PATH" (default /dev/tpmrm0) or a tctildr string
 * such as "swtpm:host=127.0.0.1,port=2321". */
int ad_open(const char *tcti, struct ad_ctx **out);
void ad_close(struct ad_ctx *c);
const char *ad_last_error(const struct ad_ctx *c);

int ad_load_ek(struct ad_ctx *c, bool ecc, TPM2B_PUBLIC *pub);
int ad_load_ak(struct ad_ctx *c, bool ecc, TPM2B_PUBLIC *pub);
/* Needs ad_load_ek and ad_load_ak first. cred receives up to 64 bytes. */
int ad_activate(struct ad_ctx *c, const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret, uint8_t *cred,
		size_t *credlen);
/* Quote (sha256 bank, mask) signed by the AK with nonce as qualifying data.
 * attest/sig receive the marshalled TPMS_ATTEST and TPMT_SIGNATURE. */
int ad_quote(struct ad_ctx *c, const uint8_t *nonce, size_t nlen, uint32_t mask, uint8_t *attest, size_t *alen,
	     uint8_t *sig, size_t *slen);
int ad_pcr_read(struct ad_ctx *c, uint32_t mask, uint8_t pcrs[24][32]);
int ad_pcr_extend(struct ad_ctx *c, unsigned pcr, const uint8_t digest[32]);
/* The whole content of NV index idx (authorised by the index itself, empty
 * auth, as for the EK certificate indices), malloc'd, at most max bytes.
 * -ENOENT if the index is not defined. */
int ad_nv_read(struct ad_ctx *c, uint32_t idx, size_t max, uint8_t **out, size_t *len);
/* TPM2_MakeCredential with the loaded EK (reference for the software
 * implementation in credential.c; the verifier never needs a TPM). */
int ad_tpm_make_credential(struct ad_ctx *c, const uint8_t *cred, size_t len, const TPM2B_NAME *name,
			   TPM2B_ID_OBJECT *blob, TPM2B_ENCRYPTED_SECRET *secret);
