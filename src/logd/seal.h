/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Forward-secure sealing keys for the log store.
 *
 * Epoch keys evolve by a one-way function bound to the store and machine:
 *   K[i+1] = HMAC-SHA256(K[i], "rempart-logd evolve v1" || store_id || machine_id || le64(i+1))
 * Records of epoch i are authenticated with a MAC key derived from K[i]:
 *   M[i]   = HMAC-SHA256(K[i], "rempart-logd gmac v2"   || store_id || machine_id || le64(i))
 * and the record MAC is AES-256-GMAC under M[i] (GCM, SP 800-38D, with the
 * record as additional data and no plaintext): tag = GMAC(M[i], IV, data)
 * with IV = le64(nonce) || le32(0). The writer never uses a nonce twice
 * under one key (store.c reserves nonces in the sealing state before use).
 * Knowing K[c] gives K[c+1], K[c+2]... but nothing about K[i<c]; the device
 * keeps only the current K[c]. The administrator keeps K[0] (the
 * verification key) off the device and derives any M[i] from it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <sodium.h>

#define LS_KEY_LEN 32
#define LS_TAG_LEN 16
#define LS_ID_LEN 16

struct ls_ids {
	uint8_t store_id[LS_ID_LEN];
	uint8_t machine_id[LS_ID_LEN];
};

/* K[epoch+1] from K[epoch], in place. */
int seal_evolve(uint8_t key[LS_KEY_LEN], const struct ls_ids *ids, uint64_t epoch);
/* M[epoch] from K[epoch]. */
int seal_mac_key(const uint8_t key[LS_KEY_LEN], const struct ls_ids *ids, uint64_t epoch,
		 uint8_t mac_key[LS_KEY_LEN]);
/* Longest evolution a verifier accepts in one step (implausible epochs are
 * rejected rather than iterated). */
#define SEAL_MAX_EPOCH_JUMP (1ull << 22)

/* K[to] from K[from] (from <= to <= from + SEAL_MAX_EPOCH_JUMP), in place. */
int seal_evolve_to(uint8_t key[LS_KEY_LEN], const struct ls_ids *ids, uint64_t from, uint64_t to);

/* The record MAC, AES-256-GMAC, keyed once per epoch. libsodium's AES-GCM
 * (AES-NI + PCLMUL) is used where the CPU has it: ~90 ns per 180-byte record
 * against ~175 ns for HMAC-SHA256 with SHA-NI (bench/log-mac.sh); elsewhere
 * OpenSSL's EVP AES-256-GCM computes the same tag (checked against each
 * other and against known answers in the unit tests). */
struct seal_mac {
	crypto_aead_aes256gcm_state gcm; /* libsodium expanded key */
	EVP_CIPHER_CTX *evp;             /* OpenSSL fallback */
	bool keyed, use_sodium;
	bool force_evp;                  /* tests: use the OpenSSL path */
};
#define SEAL_IV_LEN 12
int seal_mac_new(struct seal_mac *m);
void seal_mac_free(struct seal_mac *m);
int seal_mac_setkey(struct seal_mac *m, const uint8_t mac_key[LS_KEY_LEN]);
/* tag = GMAC(M, le64(nonce) || le32(0), data[0..len)). */
int seal_mac_compute(struct seal_mac *m, uint64_t nonce, const void *data, size_t len, uint8_t tag[LS_TAG_LEN]);

/* Verification key text: "rlvk1-<store_id hex>-<machine_id hex>-<K0 hex>". */
#define SEAL_VKEY_STRLEN (6 + 32 + 1 + 32 + 1 + 64)
void seal_vkey_format(const struct ls_ids *ids, const uint8_t k0[LS_KEY_LEN], char out[SEAL_VKEY_STRLEN + 1]);
/* Parses (trailing newline/space tolerated). 0 or -EINVAL. */
int seal_vkey_parse(const char *s, struct ls_ids *ids, uint8_t k0[LS_KEY_LEN]);
