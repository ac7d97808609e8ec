/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Recovery escrow (libsodium): a random recovery secret is encrypted to
 * the administrator's offline escrow public key with crypto_box_seal
 * (X25519 + XSalsa20-Poly1305, anonymous sender) and written to the ESP as
 * rempart/escrow.bin; `rempart recover` opens it with the secret key.
 *
 * escrow.bin (93 bytes): "RMPE" u8 version=1 u8[8] key id (first 8 bytes of
 * SHA-256 of the public key) u8[80] crypto_box_seal(secret[32]).
 * Key files are one text line: "rempart-escrow-public-v1 <base64 32 bytes>"
 * and "rempart-escrow-secret-v1 <base64 32 bytes>" (mode 0600). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ESCROW_KEY_BYTES 32
#define ESCROW_SECRET_BYTES 32
#define ESCROW_KEYID_BYTES 8
#define ESCROW_BLOB_BYTES (4 + 1 + ESCROW_KEYID_BYTES + 48 + ESCROW_SECRET_BYTES)
/* The recovery passphrase given to LUKS: the secret in lowercase hex. */
#define ESCROW_PASSPHRASE_LEN (2 * ESCROW_SECRET_BYTES)

int escrow_keygen(const char *secret_path, const char *public_path);
int escrow_load_public(const char *path, uint8_t pk[ESCROW_KEY_BYTES]);
/* Loads the secret key and derives its public key. */
int escrow_load_secret(const char *path, uint8_t pk[ESCROW_KEY_BYTES], uint8_t sk[ESCROW_KEY_BYTES]);

int escrow_secret_generate(uint8_t secret[ESCROW_SECRET_BYTES]);
void escrow_passphrase(const uint8_t secret[ESCROW_SECRET_BYTES], char out[ESCROW_PASSPHRASE_LEN + 1]);

void escrow_key_id(const uint8_t pk[ESCROW_KEY_BYTES], uint8_t id[ESCROW_KEYID_BYTES]);
int escrow_seal(const uint8_t pk[ESCROW_KEY_BYTES], const uint8_t secret[ESCROW_SECRET_BYTES],
		uint8_t blob[ESCROW_BLOB_BYTES]);
/* -EBADMSG malformed, -ENOKEY made for another key (key id differs),
 * -EKEYREJECTED authentication failed (tampered). Untrusted input. */
int escrow_open(const uint8_t pk[ESCROW_KEY_BYTES], const uint8_t sk[ESCROW_KEY_BYTES], const uint8_t *blob,
		size_t len, uint8_t secret[ESCROW_SECRET_BYTES]);
/* Parses one key-file line (exported for the fuzz target). */
int escrow_parse_key_line(const char *text, size_t len, const char *tag, uint8_t key[ESCROW_KEY_BYTES]);
