/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TPM 2.0 policy digests computed in software (TPM 2.0 Part 3, "Policy
 * Commands"), and the names of the objects they refer to. Everything here is
 * sha256 (nameAlg, policy hash and PCR bank). No TPM is needed: the build
 * host uses this to sign release approvals, the device to seal.
 *
 * Rempart's policy profile (see docs/tpm.md):
 *   sealed object authPolicy = PolicyPCR({7}, H(pcr7)) applied to
 *                              PolicyAuthorize(policy key, "rempart-unseal")
 *   release approval         = [PolicyNV(counter <= svn)] applied to PolicyPCR({11}, H(pcr11))
 *   NV counter authPolicy    = PolicyAuthorize(policy key, "rempart-nv-increment")
 *   increment approval       = PolicyCommandCode(NV_Increment) applied to PolicyNV(counter < svn)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#define TP_DIGEST_SIZE 32
#define TP_NAME_SIZE 34 /* sha256 nameAlg (2 bytes) + digest */

#define TP_REF_UNSEAL "rempart-unseal"
#define TP_REF_NV_INCREMENT "rempart-nv-increment"

/* Default handles. The SRK handle is the TCG-recommended one; the NV
 * index is in the owner range (TCG handle registry: 0x01000000-0x013fffff). */
#define TP_SRK_HANDLE 0x81000001u
#define TP_NV_INDEX_DEFAULT 0x013e0001u

/* A running policy digest. Starts at zero (tp_policy_reset). */
struct tp_policy {
	uint8_t d[TP_DIGEST_SIZE];
};

void tp_policy_reset(struct tp_policy *p);

/* H(value_1 || ... || value_n) for PCR values in ascending PCR order. */
int tp_pcr_composite(const uint8_t (*values)[TP_DIGEST_SIZE], size_t n, uint8_t out[TP_DIGEST_SIZE]);

/* PolicyPCR over the sha256 bank PCRs in mask (bit i = PCR i, i < 24) whose
 * composite digest is pcr_digest. */
int tp_policy_pcr(struct tp_policy *p, uint32_t mask, const uint8_t pcr_digest[TP_DIGEST_SIZE]);
/* PolicyAuthorize(keySign = key_name, policyRef = ref): resets then extends. */
int tp_policy_authorize(struct tp_policy *p, const TPM2B_NAME *key_name, const uint8_t *ref, size_t ref_len);
/* PolicyNV(nvIndexName, operandB, offset, operation). */
int tp_policy_nv(struct tp_policy *p, const TPM2B_NAME *nv_name, const uint8_t *operand_b, size_t operand_len,
		 uint16_t offset, uint16_t operation);
/* PolicyCommandCode(code). */
int tp_policy_command_code(struct tp_policy *p, uint32_t code);

/* The digest a PolicyAuthorize signature covers: aHash = H(approved || ref). */
int tp_authorize_ahash(const uint8_t approved[TP_DIGEST_SIZE], const uint8_t *ref, size_t ref_len,
		       uint8_t out[TP_DIGEST_SIZE]);

/* TPM2B_PUBLIC of a policy key (ECC NIST P-256, ECDSA-SHA256, sign only,
 * nameAlg sha256, no authPolicy) from its affine coordinates. */
void tp_policy_key_public(const uint8_t x[32], const uint8_t y[32], TPM2B_PUBLIC *out);
/* Name of an object: nameAlg || H(marshalled TPMT_PUBLIC). */
int tp_object_name(const TPMT_PUBLIC *pub, TPM2B_NAME *out);
/* Name of an NV index: nameAlg || H(marshalled TPMS_NV_PUBLIC). */
int tp_nv_name(const TPMS_NV_PUBLIC *pub, TPM2B_NAME *out);

/* The security-version counter's public area: TPM_NT_COUNTER, 8 bytes,
 * OWNERWRITE | POLICYWRITE (authPolicy = PolicyAuthorize(key, "rempart-nv-increment")),
 * AUTHREAD | OWNERREAD (anyone may read; the value is not secret), NO_DA.
 * written selects TPMA_NV_WRITTEN, which is part of the name. */
int tp_nv_counter_public(uint32_t index, const TPM2B_NAME *key_name, bool written, TPM2B_NV_PUBLIC *out);

/* --- Rempart profile --- */
/* authPolicy of the sealed object. */
int tp_profile_sealed_policy(const TPM2B_NAME *key_name, const uint8_t pcr7[TP_DIGEST_SIZE],
			     uint8_t out[TP_DIGEST_SIZE]);
/* Approved policy a release signs; nv_name NULL = no security-version check. */
int tp_profile_release_policy(const uint8_t pcr11[TP_DIGEST_SIZE], const TPM2B_NAME *nv_name, uint64_t svn,
			      uint8_t out[TP_DIGEST_SIZE]);
/* Approved policy allowing one NV_Increment while counter < svn. */
int tp_profile_increment_policy(const TPM2B_NAME *nv_name, uint64_t svn, uint8_t out[TP_DIGEST_SIZE]);
/* authPolicy of the NV counter. */
int tp_profile_nv_policy(const TPM2B_NAME *key_name, uint8_t out[TP_DIGEST_SIZE]);

void tp_be64(uint64_t v, uint8_t out[8]);
