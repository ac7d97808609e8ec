/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reference values, PCR 11 expectations, TPMS_ATTEST parsing and the
 * verifier's early rejections (the full chain with a TPM is in
 * test_swtpm.c and tests/host/attest.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "quote.h"
#include "verify.h"

static void test_reference_parse(void **state)
{
	size_t len;
	uint8_t *buf = load_data("reference-0.1.0.json", &len);
	struct av_reference ref;
	char err[256];
	const char *bad[] = {
		"{\"version\":\"1\",\"security_version\":1}",
		"{\"version\":\"1\",\"security_version\":-1,\"reference\":{}}",
		"{\"version\":\"1\",\"security_version\":1,\"reference\":{\"authenticode\":{}}}",
		"{\"version\":\"1\",\"security_version\":1,\"reference\":{\"authenticode\":{\"uki\":\"00\"}}}",
		"{\"version\":\"1\",\"security_version\":1,\"reference\":{\"authenticode\":{\"uki\":1}}}",
		"[1]",
		"{\"version\":\"1\",\"version\":\"2\",\"security_version\":1}",
	};

	(void)state;
	assert_int_equal(av_reference_parse(buf, len, &ref, err, sizeof(err)), 0);
	assert_string_equal(ref.version, "0.1.0");
	assert_int_equal(ref.security_version, 1);
	assert_true(ref.has_uki && ref.has_sdboot && ref.has_pcr11);
	for (int i = 0; i < 4; i++)
		assert_true(ref.has_var[i]);
	assert_int_equal(ref.n_authority, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(av_reference_parse((const uint8_t *)bad[i], strlen(bad[i]), &ref, err, sizeof(err)),
				 -EBADMSG);
	free(buf);
}

static void test_pcr11(void **state)
{
	uint8_t vm[24][32], ref11[32], other[32];
	size_t n;

	(void)state;
	load_pcrs(vm);
	hex_decode("a74f5fe642a6578d96a1e6c5a5bcd8aa5bfc3d104621000078360b4cb3efc2d5", ref11, 32, &n);
	assert_true(av_pcr11_matches(ref11, vm[11]));
	assert_true(av_pcr11_matches(ref11, ref11));
	memcpy(other, ref11, 32);
	other[0] ^= 1;
	assert_false(av_pcr11_matches(other, vm[11]));
	assert_false(av_pcr11_matches(ref11, vm[7]));
}

static void test_attest_parse_rejects(void **state)
{
	struct qt_quote q;
	char err[QT_ERR_MAX];
	/* magic ff544347, type 8018, then a truncated body */
	uint8_t buf[64] = { 0xff, 0x54, 0x43, 0x47, 0x80, 0x18 };

	(void)state;
	assert_int_equal(qt_parse(buf, 6, &q, err), -EBADMSG);
	assert_int_equal(qt_parse(buf, 0, &q, err), -EBADMSG);
	buf[0] = 0;
	assert_int_equal(qt_parse(buf, sizeof(buf), &q, err), -EBADMSG);
}

static void test_verify_early_rejections(void **state)
{
	static const char *ev =
		"{\"format\":\"rempart-attest-evidence-v1\",\"nonce\":\"00112233445566778899aabbccddeeff\","
		"\"ak_name\":\"000b00\",\"quote\":{\"attest\":\"00\",\"signature\":\"00\"},"
		"\"pcrs\":{\"bank\":\"sha256\",\"values\":{}}}";
	uint8_t nonce[16];
	struct av_result *res = calloc(1, sizeof(*res));
	struct av_input in = { .evidence = (const uint8_t *)ev, .evidence_len = strlen(ev), .nonce = nonce,
			       .nonce_len = 16, .registry = "/nonexistent", .required_pcrs = 0xff };
	size_t n;

	(void)state;
	hex_decode("00112233445566778899aabbccddeeff", nonce, 16, &n);
	assert_int_equal(av_verify(&in, res), 0);
	assert_int_equal(res->verdict, AV_REJECTED);
	assert_string_equal(res->f[0].code, "ak-unknown");
	nonce[0] = 1;
	assert_int_equal(av_verify(&in, res), 0);
	assert_int_equal(res->verdict, AV_REJECTED);
	assert_string_equal(res->f[0].code, "nonce-mismatch");
	in.evidence = (const uint8_t *)"{\"format\":\"x\"}";
	in.evidence_len = strlen((const char *)in.evidence);
	assert_int_equal(av_verify(&in, res), 0);
	assert_string_equal(res->f[0].code, "evidence-malformed");
	free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_parse),
		cmocka_unit_test(test_pcr11),
		cmocka_unit_test(test_attest_parse_rejects),
		cmocka_unit_test(test_verify_early_rejections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
