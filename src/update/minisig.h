/* SPDX-License-Identifier: GPL-2.0-or-later */
/* minisign keys and signatures (https://jedisct1.github.io/minisign/),
 * through libsodium. Only the prehashed algorithm ("ED": Ed25519 over the
 * BLAKE2b-512 of the message) is produced and accepted; legacy "Ed"
 * signatures are refused. Secret keys are read and written unencrypted
 * (KDF "\0\0", as `minisign -G -W` writes them).
 *
 * Library rules: 0 or a negative errno, no printing above debug level. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define MS_KEYNUM_BYTES 8
#define MS_PK_BYTES 32
#define MS_SK_BYTES 64
#define MS_SIG_BYTES 64
/* Upper bound we accept for a trusted comment (minisign allows 8192). */
#define MS_TRUSTED_MAX 1024
/* Upper bound for a whole .minisig file. */
#define MS_SIGFILE_MAX 4096

struct ms_pubkey {
	uint8_t keynum[MS_KEYNUM_BYTES];
	uint8_t pk[MS_PK_BYTES];
};

struct ms_seckey {
	uint8_t keynum[MS_KEYNUM_BYTES];
	uint8_t sk[MS_SK_BYTES]; /* libsodium layout: seed || public key */
};

struct ms_signature {
	uint8_t alg[2];
	uint8_t keynum[MS_KEYNUM_BYTES];
	uint8_t sig[MS_SIG_BYTES];
	char trusted[MS_TRUSTED_MAX + 1];
	uint8_t global_sig[MS_SIG_BYTES];
};

/* Key id as minisign prints it (16 uppercase hex digits, little endian). */
void ms_keyid_str(const uint8_t keynum[MS_KEYNUM_BYTES], char out[17]);

/* Parses a public key file ("untrusted comment:" line + base64 line), or
 * a bare base64 key. -EINVAL on malformed input, -EOPNOTSUPP for an
 * unknown algorithm. */
int ms_pubkey_parse(const char *text, size_t len, struct ms_pubkey *pk);
int ms_pubkey_load(const char *path, struct ms_pubkey *pk);
/* Public key file text (malloc'd). */
char *ms_pubkey_format(const struct ms_pubkey *pk);

/* Parses an unencrypted secret key file. -EINVAL malformed, -EOPNOTSUPP
 * for an encrypted key (KDF "Sc") or unknown algorithm, -EBADMSG when the
 * checksum does not match. The text is not wiped (caller owns it). */
int ms_seckey_parse(const char *text, size_t len, struct ms_seckey *sk);
/* Reads and parses, wiping the file buffer. */
int ms_seckey_load(const char *path, struct ms_seckey *sk);
/* New random key pair. */
int ms_keypair_generate(struct ms_seckey *sk, struct ms_pubkey *pk);
/* Secret key file text (malloc'd, caller wipes and frees). */
char *ms_seckey_format(const struct ms_seckey *sk);
void ms_seckey_wipe(struct ms_seckey *sk);

/* Signs msg (prehashed) with the trusted comment (one line, no control
 * characters, at most MS_TRUSTED_MAX bytes). *out: .minisig text. */
int ms_sign(const struct ms_seckey *sk, const uint8_t *msg, size_t len, const char *trusted, char **out);

/* Strict .minisig parser: exactly four lines (a final newline optional),
 * base64 without junk, nothing after. -EINVAL malformed, -E2BIG oversize. */
int ms_signature_parse(const char *text, size_t len, struct ms_signature *s);

/* Checks a parsed signature: -EKEYREJECTED when made by another key id,
 * -EPROTONOSUPPORT for a legacy (non-prehashed) signature, -EBADMSG when
 * the signature or the trusted-comment signature does not verify. */
int ms_verify(const struct ms_pubkey *pk, const struct ms_signature *s, const uint8_t *msg, size_t len);
