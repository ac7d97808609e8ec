/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Key file names inside a key directory. */
#define KEY_OWNER_GUID "owner.guid"
#define KEY_RELEASE_PUB "release.pub"
#define KEY_RELEASE_SEC "release.key"
#define KEY_POLICY_PEM "tpm-policy.key"
#define KEY_POLICY_PUB "tpm-policy.pub"
#define KEY_ESCROW_PUB "escrow.pub"
#define KEY_ESCROW_SEC "escrow.key"
#define KEY_UPDATE_CA "update-ca.pem"
#define KEY_UPDATE_CA_KEY "update-ca.key"

/* Creates a development key set in dir (which must not hold keys yet):
 * Secure Boot PK/KEK/db (RSA-2048 X.509, .esl and .auth enrollment
 * updates), the release signing key (minisign, Ed25519), the TPM policy
 * key (EC P-256) and the recovery escrow key pair (X25519). */
int keys_init(const char *dir);

/* Checks that dir holds a complete key set; names the first missing file. */
int keys_check(const char *dir, const char **missing);

int cmd_keys(int argc, char **argv);

/* efitools: a PEM certificate as an EFI signature list; an ESL signed as a
 * time-based authenticated update of variable var (ts "YYYY-MM-DD HH:MM:SS"). */
int efi_cert_to_esl(const char *guid, const char *crt, const char *esl);
int efi_sign_esl(const char *ts, const char *guid, const char *key, const char *crt, const char *var,
		 const char *esl, const char *auth);
