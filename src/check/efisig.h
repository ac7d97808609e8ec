/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UEFI variables as efivarfs shows them (4-byte attributes, then data):
 * booleans (SecureBoot, SetupMode) and EFI_SIGNATURE_LIST arrays (PK, KEK,
 * db), whose X.509 entries are decoded with OpenSSL to recognise
 * Microsoft's keys. The input is untrusted (firmware, or a crafted file). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define EFI_IMAGE_SECURITY_DATABASE_GUID "d719b2cb-3d3a-4596-a3bc-dad00e67656f"

struct efisig_entry {
	bool x509;             /* EFI_CERT_X509_GUID */
	bool sha256;           /* EFI_CERT_SHA256_GUID (a hash, not a key) */
	bool microsoft;        /* owner GUID is Microsoft's, or the certificate is Microsoft's */
	char owner[37];        /* owner GUID */
	char subject[256];     /* X.509 subject (one line), or "" */
	char issuer[256];
	uint8_t fingerprint[32]; /* SHA-256 of the entry's data (the DER certificate for X.509) */
};

struct efisig_list {
	struct efisig_entry *v;
	size_t n, cap;
};

void efisig_list_free(struct efisig_list *l);
/* Parses the data of a signature database variable (with or without the
 * 4-byte efivarfs attribute prefix, per `has_attr`). -EBADMSG on malformed
 * lists, -ENOMEM. An X.509 entry that OpenSSL cannot decode is kept with
 * an empty subject. */
int efisig_parse(const uint8_t *buf, size_t len, bool has_attr, struct efisig_list *out);
/* Decodes a one-byte boolean variable (SecureBoot, SetupMode): 0/1, -EBADMSG. */
int efivar_bool(const uint8_t *buf, size_t len, bool *value);
/* SHA-256 fingerprint of a certificate file (PEM or DER). -ENOENT,
 * -EBADMSG when not a certificate. */
int efisig_cert_fingerprint(const char *path, uint8_t fp[32]);
/* GUID bytes (EFI mixed-endian) to text. */
void efi_guid_format(const uint8_t g[16], char out[37]);
