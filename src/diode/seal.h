/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The encrypting diode's file format (docs/diode.md), libsodium:
 *
 *   0   8   magic "RDIODE1\n"
 *   8   80  crypto_box_seal(recipient pk, secretstream key)   (32 + 48)
 *   88  24  crypto_secretstream_xchacha20poly1305 header
 *   112 ... chunks: 64 KiB of plaintext + 17 bytes each, the last one
 *           (possibly empty) tagged FINAL; AAD of every chunk = bytes 0..87
 *
 * Only the holder of the recipient's secret key opens the sealed key; a
 * truncated, extended, reordered or modified file fails authentication. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define RD_MAGIC "RDIODE1\n"
#define RD_MAGIC_LEN 8
#define RD_KEY_LEN 32
#define RD_HEADER_LEN 112
#define RD_CHUNK 65536u

/* New recipient key pair (crypto_box, X25519). */
int rd_keygen(uint8_t pk[RD_KEY_LEN], uint8_t sk[RD_KEY_LEN]);
/* Encrypts len bytes read from in_fd (from its current offset) to out_fd. */
int rd_seal(int in_fd, uint64_t len, int out_fd, const uint8_t pk[RD_KEY_LEN]);
/* Decrypts in_fd (from its current offset to EOF) into out_fd. Writes
 * plaintext as it is authenticated: the caller must discard out_fd unless
 * 0 is returned. -EBADMSG for any corrupt, truncated, extended or foreign
 * input; -EFBIG if the plaintext would exceed max_out. */
int rd_unseal(int in_fd, int out_fd, const uint8_t pk[RD_KEY_LEN], const uint8_t sk[RD_KEY_LEN], uint64_t max_out);
/* Key files: 64 hex digits and a newline. Secret files must be 0600 or stricter. */
int rd_key_write(const char *path, const uint8_t key[RD_KEY_LEN], int secret);
int rd_key_read(const char *path, uint8_t key[RD_KEY_LEN], int secret);
/* The public key of a secret key. */
int rd_public_from_secret(const uint8_t sk[RD_KEY_LEN], uint8_t pk[RD_KEY_LEN]);
