/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sealing known-answer tests. The expected values were computed with
 * Python's hmac/hashlib and cryptography's AESGCM (independent of this
 * code) from the derivations documented in docs/logd.md; the GMAC of the
 * empty message is test case 13 of the GCM specification (McGrew-Viega). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "format.h"
#include "hex.h"
#include "seal.h"

static void ids_init(struct ls_ids *ids, uint8_t k0[LS_KEY_LEN])
{
	for (int i = 0; i < 16; i++) {
		ids->store_id[i] = (uint8_t)(0x10 + i);
		ids->machine_id[i] = (uint8_t)(0x20 + i);
	}
	for (int i = 0; i < 32; i++)
		k0[i] = (uint8_t)i;
}

static void assert_hex(const uint8_t *buf, size_t len, const char *want)
{
	char got[2 * 64 + 1];
	hex_encode(buf, len, got);
	assert_string_equal(got, want);
}

static void test_evolve_kat(void **state)
{
	struct ls_ids ids;
	uint8_t k[LS_KEY_LEN], m[LS_KEY_LEN];

	(void)state;
	ids_init(&ids, k);
	assert_int_equal(seal_mac_key(k, &ids, 0, m), 0);
	assert_hex(m, 32, "c052352069b697940aa89efcdee8d6f8bea3c5fc206a5cc1be32fa515635820e");
	assert_int_equal(seal_evolve(k, &ids, 0), 0);
	assert_hex(k, 32, "4da92c5c0af36a3cb4aa98fd3b1416b248ec5201590ba055bc39d711cbb7048e");
	assert_int_equal(seal_evolve(k, &ids, 1), 0);
	assert_hex(k, 32, "39f3cb596b73358194d22d228d4b5117eaa122a4122563910859193eac371b63");
	assert_int_equal(seal_mac_key(k, &ids, 2, m), 0);
	assert_hex(m, 32, "033c9832b1034b8cf4337cdea569e36cab5185dcf4bd12f5acb9fdcba9d68915");
	/* evolve_to gives the same as step by step, and refuses to go back */
	ids_init(&ids, k);
	assert_int_equal(seal_evolve_to(k, &ids, 0, 2), 0);
	assert_hex(k, 32, "39f3cb596b73358194d22d228d4b5117eaa122a4122563910859193eac371b63");
	assert_int_equal(seal_evolve_to(k, &ids, 2, 1), -EINVAL);
}

static void test_machine_binding(void **state)
{
	struct ls_ids ids, other;
	uint8_t k[LS_KEY_LEN], k2[LS_KEY_LEN], m1[32], m2[32];

	(void)state;
	ids_init(&ids, k);
	other = ids;
	other.machine_id[0] ^= 1;
	memcpy(k2, k, sizeof(k));
	assert_int_equal(seal_mac_key(k, &ids, 5, m1), 0);
	assert_int_equal(seal_mac_key(k2, &other, 5, m2), 0);
	assert_memory_not_equal(m1, m2, 32);
	assert_int_equal(seal_evolve(k, &ids, 0), 0);
	assert_int_equal(seal_evolve(k2, &other, 0), 0);
	assert_memory_not_equal(k, k2, 32);
}

static void record_tag_kat(bool force_evp)
{
	struct ls_ids ids;
	uint8_t k[LS_KEY_LEN], m[LS_KEY_LEN], in[LS_TAG_LEN + LF_REC_HDR + 16] = { 0 }, tag[LS_TAG_LEN];
	uint8_t *rec = in + LS_TAG_LEN; /* prev_tag (zero) || record */
	struct lf_entry e = { .priority = 6, .facility = 1, .pid = 42, .ident = "abc", .ident_len = 3,
			      .msg = (const uint8_t *)"hello", .msg_len = 5 };
	struct seal_mac mac;

	ids_init(&ids, k);
	assert_int_equal(seal_mac_key(k, &ids, 0, m), 0);
	lf_record_header_encode(rec, LF_ENTRY, 16, 1, 0, 1700000000000000ull, 7);
	lf_entry_encode(rec + LF_REC_HDR, &e);
	assert_hex(rec, LF_REC_HDR + 16, "01000000100000000100000000000000000000000000000000401e18240a0600070000000000"
					 "0000060103002a00000061626368656c6c6f");
	assert_int_equal(seal_mac_new(&mac), 0);
	mac.force_evp = force_evp;
	assert_int_equal(seal_mac_compute(&mac, 7, in, sizeof(in), tag), -EINVAL); /* no key yet */
	assert_int_equal(seal_mac_setkey(&mac, m), 0);
	assert_int_equal(seal_mac_compute(&mac, 7, in, sizeof(in), tag), 0);
	assert_hex(tag, LS_TAG_LEN, "0ad1f5375d678f008c9956e324ae8305");
	/* the nonce is bound: the same input under nonce 8 gives another tag */
	assert_int_equal(seal_mac_compute(&mac, 8, in, sizeof(in), tag), 0);
	assert_memory_not_equal(tag, "\x0a\xd1\xf5\x37\x5d\x67\x8f\x00\x8c\x99\x56\xe3\x24\xae\x83\x05", LS_TAG_LEN);
	/* GCM spec test case 13: K = 0^256, IV = 0^96, nothing to authenticate */
	memset(m, 0, sizeof(m));
	assert_int_equal(seal_mac_setkey(&mac, m), 0);
	assert_int_equal(seal_mac_compute(&mac, 0, NULL, 0, tag), 0);
	assert_hex(tag, LS_TAG_LEN, "530f8afbc74536b9a963b4f1c4cb738b");
	seal_mac_free(&mac);
}

static void test_record_tag_kat(void **state)
{
	(void)state;
	record_tag_kat(false);
}

static void test_record_tag_kat_evp(void **state)
{
	(void)state;
	record_tag_kat(true);
}

/* Where the CPU has AES-NI and PCLMUL, libsodium's GMAC and OpenSSL's give
 * the same tags on random keys, nonces and lengths (both are used: the
 * writer's machine and the verifier's may differ). */
static void test_mac_implementations_agree(void **state)
{
	struct seal_mac fast, evp;
	uint8_t key[32], data[700], t1[LS_TAG_LEN], t2[LS_TAG_LEN];
	uint64_t nonce;

	(void)state;
	assert_int_equal(seal_mac_new(&fast), 0);
	assert_int_equal(seal_mac_new(&evp), 0);
	evp.force_evp = true;
	for (int i = 0; i < 300; i++) {
		size_t len = ((size_t)i * 37) % sizeof(data);

		assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
		assert_int_equal(RAND_bytes(data, sizeof(data)), 1);
		assert_int_equal(RAND_bytes((uint8_t *)&nonce, sizeof(nonce)), 1);
		assert_int_equal(seal_mac_setkey(&fast, key), 0);
		assert_int_equal(seal_mac_setkey(&evp, key), 0);
		assert_false(evp.use_sodium);
		assert_int_equal(seal_mac_compute(&fast, nonce, data, len, t1), 0);
		assert_int_equal(seal_mac_compute(&evp, nonce, data, len, t2), 0);
		assert_memory_equal(t1, t2, LS_TAG_LEN);
	}
	if (!fast.use_sodium)
		print_message("libsodium AES-GCM unavailable on this CPU: only the OpenSSL path was tested\n");
	seal_mac_free(&fast);
	seal_mac_free(&evp);
}

static void test_vkey(void **state)
{
	struct ls_ids ids, ids2;
	uint8_t k[LS_KEY_LEN], k2[LS_KEY_LEN];
	char s[SEAL_VKEY_STRLEN + 2];

	(void)state;
	ids_init(&ids, k);
	seal_vkey_format(&ids, k, s);
	assert_int_equal(strlen(s), SEAL_VKEY_STRLEN);
	assert_string_equal(s, "rlvk1-101112131415161718191a1b1c1d1e1f-202122232425262728292a2b2c2d2e2f-"
			       "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	strcat(s, "\n");
	assert_int_equal(seal_vkey_parse(s, &ids2, k2), 0);
	assert_memory_equal(&ids, &ids2, sizeof(ids));
	assert_memory_equal(k, k2, sizeof(k));
	s[10] = 'x';
	assert_int_equal(seal_vkey_parse(s, &ids2, k2), -EINVAL);
	assert_int_equal(seal_vkey_parse("rlvk1-", &ids2, k2), -EINVAL);
	assert_int_equal(seal_vkey_parse("", &ids2, k2), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evolve_kat),
		cmocka_unit_test(test_machine_binding),
		cmocka_unit_test(test_record_tag_kat),
		cmocka_unit_test(test_record_tag_kat_evp),
		cmocka_unit_test(test_mac_implementations_agree),
		cmocka_unit_test(test_vkey),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
