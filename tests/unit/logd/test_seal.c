/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sealing known-answer tests. The expected values were computed with
 * Python's hmac/hashlib (an independent implementation) from the
 * derivations documented in docs/logd.md. */
#include <errno.h>
#include <stdarg.h>
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
	assert_hex(m, 32, "3921f6a304fa5673d7011a0ef1c1f2ffa184d31eccf1823fbc0e37b416cf0f50");
	assert_int_equal(seal_evolve(k, &ids, 0), 0);
	assert_hex(k, 32, "4da92c5c0af36a3cb4aa98fd3b1416b248ec5201590ba055bc39d711cbb7048e");
	assert_int_equal(seal_evolve(k, &ids, 1), 0);
	assert_hex(k, 32, "39f3cb596b73358194d22d228d4b5117eaa122a4122563910859193eac371b63");
	assert_int_equal(seal_mac_key(k, &ids, 2, m), 0);
	assert_hex(m, 32, "86f4ca08493f1d3aa9729083e73c04ead65a9b4192942aa86b2c6195f6cad6d2");
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

static void test_record_tag_kat(void **state)
{
	struct ls_ids ids;
	uint8_t k[LS_KEY_LEN], m[LS_KEY_LEN], rec[LF_REC_HDR + 16], tip[32] = { 0 }, tag[32];
	struct lf_entry e = { .priority = 6, .facility = 1, .pid = 42, .ident = "abc", .ident_len = 3,
			      .msg = (const uint8_t *)"hello", .msg_len = 5 };
	struct seal_mac mac;

	(void)state;
	ids_init(&ids, k);
	assert_int_equal(seal_mac_key(k, &ids, 0, m), 0);
	lf_record_header_encode(rec, LF_ENTRY, 16, 1, 0, 1700000000000000ull);
	lf_entry_encode(rec + LF_REC_HDR, &e);
	assert_hex(rec, sizeof(rec), "01000000100000000100000000000000000000000000000000401e18240a0600000000000000000006"
				     "0103002a00000061626368656c6c6f");
	assert_int_equal(seal_mac_new(&mac), 0);
	assert_int_equal(seal_mac_compute(&mac, tip, 32, rec, sizeof(rec), tag), -EINVAL); /* no key yet */
	assert_int_equal(seal_mac_setkey(&mac, m), 0);
	assert_int_equal(seal_mac_compute(&mac, tip, 32, rec, sizeof(rec), tag), 0);
	assert_hex(tag, 32, "bce87e1cf8a34246ba85be730107df8b6746d6762537b594d3da39f7a850aebc");
	seal_mac_free(&mac);
}

/* The precomputed-pad HMAC equals OpenSSL's EVP HMAC on random inputs. */
static void test_mac_matches_evp(void **state)
{
	struct seal_mac mac;
	uint8_t key[32], a[200], b[300], tag[32], want[32], cat[500];

	(void)state;
	assert_int_equal(seal_mac_new(&mac), 0);
	for (int i = 0; i < 200; i++) {
		size_t al = (size_t)i % 71, bl = ((size_t)i * 37) % 300, outlen = 0;

		assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
		assert_int_equal(RAND_bytes(a, sizeof(a)), 1);
		assert_int_equal(RAND_bytes(b, sizeof(b)), 1);
		assert_int_equal(seal_mac_setkey(&mac, key), 0);
		assert_int_equal(seal_mac_compute(&mac, a, al, b, bl, tag), 0);
		memcpy(cat, a, al);
		memcpy(cat + al, b, bl);
		assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32, cat, al + bl, want, 32, &outlen));
		assert_memory_equal(tag, want, 32);
	}
	seal_mac_free(&mac);
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
		cmocka_unit_test(test_mac_matches_evp),
		cmocka_unit_test(test_vkey),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
