/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Serialised forms of the sealed object and of a release approval.
 *
 * Both are small versioned binary records (big-endian, fixed field order,
 * no trailing bytes) so that they can be carried base64-encoded in a LUKS2
 * token or a release manifest. The parsers treat their input as untrusted
 * (fuzz targets: tests/fuzz/tpm/). Layouts are in docs/tpm.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "policy.h"

#define TPM_SECRET_MAX 128

/* The sealed state key and what was expected when it was sealed. */
struct tpm_sealed {
	uint32_t srk_handle;      /* persistent parent handle */
	TPM2B_NAME srk_name;      /* pinned: unseal refuses another parent */
	uint8_t pcr7[TP_DIGEST_SIZE]; /* PCR 7 (sha256) bound at seal time */
	TPM2B_NAME key_name;      /* name of the TPM policy key (PolicyAuthorize) */
	TPM2B_PUBLIC pub;         /* keyedhash sealed object */
	TPM2B_PRIVATE priv;
};

/* A release's signed approval of its PCR 11 value ("signature blob"). */
struct tpm_approval {
	uint8_t pcr11[TP_DIGEST_SIZE];
	uint8_t key_x[32], key_y[32];  /* policy key, ECC NIST P-256 */
	uint8_t sig_r[32], sig_s[32];  /* ECDSA-SHA256 over aHash(release policy, "rempart-unseal") */
	bool has_svn;
	uint64_t svn;                  /* security version; the NV counter must be <= svn */
	uint32_t nv_index;
	uint8_t inc_r[32], inc_s[32];  /* ECDSA over aHash(increment policy, "rempart-nv-increment") */
};

#define TPM_SEALED_MAGIC "RMPS"
#define TPM_APPROVAL_MAGIC "RMPA"
#define TPM_BLOB_VERSION 1

/* Binary form. *out is malloc'ed. 0 or negative errno. */
int tpm_sealed_serialize(const struct tpm_sealed *s, uint8_t **out, size_t *outlen);
/* -EBADMSG for anything malformed (bad magic/version, truncated, trailing
 * bytes, unexpected algorithms or sizes). */
int tpm_sealed_parse(const uint8_t *buf, size_t len, struct tpm_sealed *s);

int tpm_approval_serialize(const struct tpm_approval *a, uint8_t **out, size_t *outlen);
int tpm_approval_parse(const uint8_t *buf, size_t len, struct tpm_approval *a);

/* Base64 (RFC 4648, with padding) wrappers, for JSON strings. *out is a
 * malloc'ed NUL-terminated string. */
int tpm_sealed_to_base64(const struct tpm_sealed *s, char **out);
int tpm_sealed_from_base64(const char *b64, struct tpm_sealed *s);
int tpm_approval_to_base64(const struct tpm_approval *a, char **out);
int tpm_approval_from_base64(const char *b64, struct tpm_approval *a);

/* One base64 line read from a file (read_text_line). -errno if the file
 * cannot be read, -EBADMSG if it is not a valid blob. */
int tpm_sealed_load(const char *path, struct tpm_sealed *s);
int tpm_approval_load(const char *path, struct tpm_approval *a);

/* Name of the approval's policy key (from key_x/key_y). */
int tpm_approval_key_name(const struct tpm_approval *a, TPM2B_NAME *out);
