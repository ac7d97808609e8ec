/* SPDX-License-Identifier: GPL-2.0-or-later */
/* EK certificates (TCG EK Credential Profile for TPM 2.0 §2.2.1.4: the TPM
 * maker's certificate of the EK, in NV at 0x01c00002 for the RSA 2048 EK
 * of template L-1, 0x01c0000a for the ECC P-256 EK of template L-2).
 *
 * The verifier trusts an EK only if its certificate chains (OpenSSL
 * X509_verify_cert) to a trust store of TPM manufacturer CAs and certifies
 * exactly the EK public key the credential is made for. Everything here is
 * OpenSSL: d2i_X509 for the bytes, X509_STORE for the chain, EVP_PKEY_eq
 * for the key. 0 or a negative errno; messages say what was checked and
 * found. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <tss2/tss2_tpm2_types.h>

#define EKC_NV_RSA2048 0x01c00002u
#define EKC_NV_ECCP256 0x01c0000au
/* Largest certificate accepted (manufacturer EK certificates are 1-2 kB). */
#define EKC_MAX_DER 8192

struct ekc_store;

int ekc_store_new(struct ekc_store **out);
void ekc_store_free(struct ekc_store *s);
static inline void ekc_store_freep(struct ekc_store **s)
{
	if (*s)
		ekc_store_free(*s);
}
/* Adds the CA certificates of path: a file (one DER certificate or any
 * number of PEM certificates) or a directory (each regular file in it,
 * not recursively). -EBADMSG with err when a file holds no certificate. */
int ekc_store_add(struct ekc_store *s, const char *path, char *err, size_t errsize);
/* Number of certificates in the store. */
size_t ekc_store_count(const struct ekc_store *s);
/* Verification time (tests; default: now). */
void ekc_store_set_time(struct ekc_store *s, time_t t);

/* Length of the DER certificate at the start of buf (NV indices may be
 * larger than the certificate they hold): -EBADMSG if it is not one. */
int ekc_der_length(const uint8_t *buf, size_t len, size_t *der_len);

/* Checks that der (exactly one DER certificate) chains to the store and
 * certifies ek's public key. 0: msg receives the certificate's subject and
 * issuer; -EBADMSG (not a certificate), -EKEYREJECTED (untrusted issuer,
 * expired, not yet valid, bad signature, another key): msg says which. */
int ekc_check(const struct ekc_store *s, const uint8_t *der, size_t len, const TPMT_PUBLIC *ek, char *msg,
	      size_t msgsize);

/* NV index of the EK certificate for the EK of template L-1 (ecc false) or
 * L-2 (ecc true). */
static inline uint32_t ekc_nv_index(bool ecc)
{
	return ecc ? EKC_NV_ECCP256 : EKC_NV_RSA2048;
}
