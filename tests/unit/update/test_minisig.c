/* SPDX-License-Identifier: GPL-2.0-or-later */
/* minisign keys and signatures, including vectors made by minisign 0.11. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "minisig.h"

/* `minisign -G -W`, then `minisign -S -t "trusted hello"` of "hello\n". */
static const char real_pub[] = "untrusted comment: minisign public key D857CFFEA910C49D\n"
			       "RWSdxBCp/s9X2AZOcJ+anyoLy8WC1y20ujHF0OlNfwPMG0DKmsdzP56q\n";
static const char real_sec[] =
	"untrusted comment: minisign encrypted secret key\n"
	"RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAncQQqf7PV9hfuZ+54w/yCIOdJEUPi/L1yOc8iPie"
	"EdSGRYDviNRF3AZOcJ+anyoLy8WC1y20ujHF0OlNfwPMG0DKmsdzP56qAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
static const char real_sig[] =
	"untrusted comment: signature from minisign secret key\n"
	"RUSdxBCp/s9X2K8pHxEWlSORhlS0+mD3t5YyI4UADCn1TxZHfsq8fRCbeNDqR3M7QH/OT70LrM36gMQBAaLv54gc+Pjej1BbmwU=\n"
	"trusted comment: trusted hello\n"
	"02wIHg6IsuA/NA2IRQMq0OnFhL8d+Jx3iksC2FF09zzpe5lbOZG0Kpsnxafsg2arMPtLt7qrZAIrha7TVYqXDg==\n";

static void test_real_minisign(void **state)
{
	struct ms_pubkey pk;
	struct ms_seckey sk;
	struct ms_signature s;
	char id[17];

	(void)state;
	assert_int_equal(ms_pubkey_parse(real_pub, strlen(real_pub), &pk), 0);
	ms_keyid_str(pk.keynum, id);
	assert_string_equal(id, "D857CFFEA910C49D");
	assert_int_equal(ms_signature_parse(real_sig, strlen(real_sig), &s), 0);
	assert_string_equal(s.trusted, "trusted hello");
	assert_int_equal(ms_verify(&pk, &s, (const uint8_t *)"hello\n", 6), 0);
	assert_int_equal(ms_verify(&pk, &s, (const uint8_t *)"hello!", 6), -EBADMSG);
	strcpy(s.trusted, "trusted hellO");
	assert_int_equal(ms_verify(&pk, &s, (const uint8_t *)"hello\n", 6), -EBADMSG);
	/* The unencrypted secret key minisign wrote is the same pair. */
	assert_int_equal(ms_seckey_parse(real_sec, strlen(real_sec), &sk), 0);
	assert_memory_equal(sk.keynum, pk.keynum, 8);
	assert_memory_equal(sk.sk + 32, pk.pk, 32);
	ms_seckey_wipe(&sk);
}

static void test_sign_verify(void **state)
{
	struct ms_pubkey pk, pk2, other;
	struct ms_seckey sk, sk2, osk;
	struct ms_signature s;
	char *sig = NULL, *text;
	const uint8_t msg[] = "a manifest";

	(void)state;
	assert_int_equal(ms_keypair_generate(&sk, &pk), 0);
	assert_int_equal(ms_keypair_generate(&osk, &other), 0);
	assert_int_equal(ms_sign(&sk, msg, sizeof(msg), "product=rempart version=1", &sig), 0);
	assert_int_equal(ms_signature_parse(sig, strlen(sig), &s), 0);
	assert_memory_equal(s.alg, "ED", 2);
	assert_int_equal(ms_verify(&pk, &s, msg, sizeof(msg)), 0);
	assert_int_equal(ms_verify(&other, &s, msg, sizeof(msg)), -EKEYREJECTED);
	/* Same key id, different key: the signature does not verify. */
	memcpy(other.keynum, pk.keynum, 8);
	assert_int_equal(ms_verify(&other, &s, msg, sizeof(msg)), -EBADMSG);
	memcpy(s.alg, "Ed", 2);
	assert_int_equal(ms_verify(&pk, &s, msg, sizeof(msg)), -EPROTONOSUPPORT);
	free(sig);
	/* Key files round trip, with the checksum. */
	text = ms_seckey_format(&sk);
	assert_non_null(text);
	assert_int_equal(ms_seckey_parse(text, strlen(text), &sk2), 0);
	assert_memory_equal(&sk, &sk2, sizeof(sk));
	text[strlen(text) - 10] ^= 1; /* corrupt the checksum region */
	assert_int_not_equal(ms_seckey_parse(text, strlen(text), &sk2), 0);
	free(text);
	text = ms_pubkey_format(&pk);
	assert_int_equal(ms_pubkey_parse(text, strlen(text), &pk2), 0);
	assert_memory_equal(&pk, &pk2, sizeof(pk));
	free(text);
	/* Control characters are not allowed in a trusted comment. */
	assert_int_equal(ms_sign(&sk, msg, sizeof(msg), "a\nb", &sig), -EINVAL);
	ms_seckey_wipe(&sk);
	ms_seckey_wipe(&osk);
}

static void expect_sig_error(const char *text, int err)
{
	struct ms_signature s;

	assert_int_equal(ms_signature_parse(text, strlen(text), &s), err);
}

static void test_signature_strict(void **state)
{
	char buf[8192];
	const char *l2 = strchr(real_sig, '\n') + 1;

	(void)state;
	/* No final newline is fine; CRLF is fine. */
	snprintf(buf, sizeof(buf), "%.*s", (int)strlen(real_sig) - 1, real_sig);
	expect_sig_error(buf, 0);
	/* An extra line, a blank line, junk after base64, wrong prefixes. */
	snprintf(buf, sizeof(buf), "%sextra\n", real_sig);
	expect_sig_error(buf, -EINVAL);
	snprintf(buf, sizeof(buf), "%s\n", real_sig);
	expect_sig_error(buf, -EINVAL);
	snprintf(buf, sizeof(buf), "untrusted comment: x\n%.*sA\n%s", (int)(strchr(l2, '\n') - l2), l2,
		 strchr(l2, '\n') + 1);
	expect_sig_error(buf, -EINVAL);
	snprintf(buf, sizeof(buf), "comment: x\n%s", l2);
	expect_sig_error(buf, -EINVAL);
	expect_sig_error("", -EINVAL);
	memset(buf, 'A', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	expect_sig_error(buf, -E2BIG);
	/* Public keys: bad base64 and an unknown algorithm. */
	{
		struct ms_pubkey pk;

		assert_int_equal(ms_pubkey_parse("RWSdxBCp", 8, &pk), -EINVAL);
		assert_int_equal(ms_pubkey_parse("RUSdxBCp/s9X2AZOcJ+anyoLy8WC1y20ujHF0OlNfwPMG0DKmsdzP56q", 56, &pk),
				 -EOPNOTSUPP);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_minisign),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_signature_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
