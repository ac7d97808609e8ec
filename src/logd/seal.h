/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Forward-secure sealing keys for the log store.
 *
 * Epoch keys evolve by a one-way function bound to the store and machine:
 *   K[i+1] = HMAC-SHA256(K[i], "rempart-logd evolve v1" || store_id || machine_id || le64(i+1))
 * Records of epoch i are authenticated with a MAC key derived from K[i]:
 *   M[i]   = HMAC-SHA256(K[i], "rempart-logd mac v1"    || store_id || machine_id || le64(i))
 * Knowing K[c] gives K[c+1], K[c+2]... but nothing about K[i<c]; the device
 * keeps only the current K[c]. The administrator keeps K[0] (the
 * verification key) off the device and derives any M[i] from it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SHA256_CTX: the low-level API is deprecated in OpenSSL 3 but kept for this use. */
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/evp.h>
#include <openssl/sha.h>

#define LS_KEY_LEN 32
#define LS_TAG_LEN 32
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

/* A keyed HMAC-SHA256 context reused for every record of an epoch. The
 * inner and outer pad states are computed once per key (RFC 2104 section 4),
 * so a record costs its own compression blocks plus one: OpenSSL 3.0's
 * EVP_MAC re-initialisation allocates on every message, which doubled the
 * cost of sealing. The result is checked against EVP HMAC in the unit tests. */
struct seal_mac {
	SHA256_CTX inner, outer;
	bool keyed;
};
int seal_mac_new(struct seal_mac *m);
void seal_mac_free(struct seal_mac *m);
int seal_mac_setkey(struct seal_mac *m, const uint8_t mac_key[LS_KEY_LEN]);
/* tag = HMAC(M, a || b). Either part may be empty. */
int seal_mac_compute(struct seal_mac *m, const void *a, size_t alen, const void *b, size_t blen,
		     uint8_t tag[LS_TAG_LEN]);

/* Verification key text: "rlvk1-<store_id hex>-<machine_id hex>-<K0 hex>". */
#define SEAL_VKEY_STRLEN (6 + 32 + 1 + 32 + 1 + 64)
void seal_vkey_format(const struct ls_ids *ids, const uint8_t k0[LS_KEY_LEN], char out[SEAL_VKEY_STRLEN + 1]);
/* Parses (trailing newline/space tolerated). 0 or -EINVAL. */
int seal_vkey_parse(const char *s, struct ls_ids *ids, uint8_t k0[LS_KEY_LEN]);
