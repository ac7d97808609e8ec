/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Build-host side of the release approvals: the TPM policy key (ECDSA
 * NIST P-256, PEM through OpenSSL) and the signatures a release ships. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "blob.h"

/* Generates a key pair; writes the private key (PKCS#8 PEM, mode 0600) and
 * the public key (SubjectPublicKeyInfo PEM) atomically. */
int signer_keygen(const char *private_pem, const char *public_pem);

/* Affine coordinates of a P-256 key in a PEM file (private or public). */
int signer_load_public(const char *pem_path, uint8_t x[32], uint8_t y[32]);

/* Fills *a: pcr11, key, signature of the release policy and, if has_svn,
 * the security version, NV index and the increment signature. */
int signer_approve(const char *private_pem, const uint8_t pcr11[32], bool has_svn, uint64_t svn,
		   uint32_t nv_index, struct tpm_approval *a);

/* Checks both signatures of an approval in software against its embedded
 * key (and, if expect_x/y are given, that the key is that one). 0 or
 * -EBADMSG. The TPM checks again at unseal; this is for early, clear errors. */
int signer_verify(const struct tpm_approval *a, const uint8_t *expect_x, const uint8_t *expect_y);

/* Digests an approval's signatures cover (used by signer and unsealer). */
int approval_unseal_ahash(const struct tpm_approval *a, uint8_t approved[32], uint8_t ahash[32]);
int approval_increment_ahash(const struct tpm_approval *a, uint8_t approved[32], uint8_t ahash[32]);
/* Name of the NV counter (written) an approval refers to. */
int approval_nv_name(const struct tpm_approval *a, TPM2B_NAME *out);
