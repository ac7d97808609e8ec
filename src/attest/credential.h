/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TPM 2.0 objects in software (OpenSSL 3): object names, TPM2B_PUBLIC to
 * EVP_PKEY, the KDFa/KDFe key derivations and MakeCredential (TPM 2.0
 * Part 1 §24 "Credential Protection", Part 3 TPM2_MakeCredential), which the
 * verifier runs without a TPM to bind an attestation key to an EK:
 *
 *   seed     RSA EK: random (digest size), encrypted with RSA-OAEP(nameAlg,
 *            label "IDENTITY\0"); ECC EK: KDFe(nameAlg, Z = x(ECDH(ephemeral,
 *            EK)), "IDENTITY", x(ephemeral), x(EK)), the secret being the
 *            ephemeral point (TPMS_ECC_POINT)
 *   symKey   KDFa(nameAlg, seed, "STORAGE", name, "", EK symmetric key bits)
 *   encIdentity = AES-CFB(symKey, IV 0, TPM2B_DIGEST credential)
 *   hmacKey  KDFa(nameAlg, seed, "INTEGRITY", "", "", digest bits)
 *   credentialBlob = TPM2B(HMAC(hmacKey, encIdentity || name)) || encIdentity
 *
 * The TPM releases the credential (ActivateCredential) only if the EK's
 * private key is in it and the object with that name is loaded in it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

/* KDFa (Part 1 §11.4.10.2): counter-mode HMAC; label without its NUL. */
int tc_kdfa(TPM2_ALG_ID hash, const uint8_t *key, size_t keylen, const char *label, const uint8_t *ctx_u,
	    size_t ulen, const uint8_t *ctx_v, size_t vlen, uint8_t *out, size_t outlen);
/* KDFe (Part 1 §11.4.10.3): counter-mode hash of Z. */
int tc_kdfe(TPM2_ALG_ID hash, const uint8_t *z, size_t zlen, const char *label, const uint8_t *u, size_t ulen,
	    const uint8_t *v, size_t vlen, uint8_t *out, size_t outlen);

/* Name = nameAlg (big-endian) || H(marshalled TPMT_PUBLIC). */
int tc_name(const TPMT_PUBLIC *pub, TPM2B_NAME *name);
/* RSA or ECC (NIST P-256/384/521) public key. */
int tc_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out);

/* Software MakeCredential. cred at most the EK nameAlg digest size. */
int tc_make_credential(const TPMT_PUBLIC *ek, const uint8_t *cred, size_t credlen, const TPM2B_NAME *name,
		       TPM2B_ID_OBJECT *blob, TPM2B_ENCRYPTED_SECRET *secret);

/* TCG EK Credential Profile templates L-1 (RSA 2048) and L-2 (ECC P-256),
 * and the attestation key template (restricted signing; ECC P-256/ECDSA or
 * RSA 2048/RSASSA, sha256). */
void tc_ek_template(TPMT_PUBLIC *t, bool ecc);
void tc_ak_template(TPMT_PUBLIC *t, bool ecc);
/* An AK we accept: restricted signing, fixedTPM, fixedParent,
 * sensitiveDataOrigin, not decrypt, sha256 name, signing scheme sha256.
 * why receives the first failing property. */
bool tc_ak_acceptable(const TPMT_PUBLIC *ak, const char **why);

/* Marshalling helpers over tss2-mu (buffers of at most max bytes). */
int tc_public_marshal(const TPM2B_PUBLIC *pub, uint8_t *buf, size_t max, size_t *len);
int tc_public_unmarshal(const uint8_t *buf, size_t len, TPM2B_PUBLIC *pub);
