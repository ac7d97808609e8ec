/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device's manifest checks: each refusal names its check. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks.h"

static void fill(struct um_manifest *m)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->product, "rempart");
	strcpy(m->channel, "stable");
	strcpy(m->version, "1.2.0");
	m->security_version = 3;
	m->issued_at = 1000;
	m->expires = 2000;
	m->rollout_percent = 100;
	strcpy(m->root.path, "releases/1.2.0/root.squashfs");
	m->root.size = 8192;
	strcpy(m->verity_tree.path, "releases/1.2.0/root.verity");
	m->verity_tree.size = 8192;
	strcpy(m->uki.path, "releases/1.2.0/uki.efi");
	m->uki.size = 100;
	strcpy(m->verity.hash, "sha256");
	m->verity.data_block_size = m->verity.hash_block_size = 4096;
	m->verity.data_blocks = 2;
	m->verity.roothash_len = 32;
	m->verity.superblock = true;
	strcpy(m->pcr11_value, "00");
	strcpy(m->pcr11_signature, "AA==");
	strcpy(m->pcr11_key_fpr, "00");
}

static struct uc_expect expect(void)
{
	return (struct uc_expect){ .product = "rempart", .channel = "stable", .running_version = "1.1.0",
				   .newest_issued_at = 900, .now = 1500, .min_security_version = 3 };
}

static void check_refused(const struct um_manifest *m, const struct uc_expect *e, enum uc_check c)
{
	struct uc_result r;

	assert_int_equal(uc_check_manifest(m, e, &r), -EBADMSG);
	assert_int_equal(r.check, c);
	assert_true(strlen(r.msg) > 10);
}

static void test_device_checks(void **state)
{
	struct um_manifest m;
	struct uc_expect e = expect();
	struct uc_result r;

	(void)state;
	fill(&m);
	assert_int_equal(uc_check_manifest(&m, &e, &r), 0);
	strcpy(m.product, "other");
	check_refused(&m, &e, UC_PRODUCT);
	fill(&m);
	strcpy(m.channel, "beta");
	check_refused(&m, &e, UC_CHANNEL);
	fill(&m);
	e.newest_issued_at = 1001;
	check_refused(&m, &e, UC_ISSUED_AT);
	e = expect();
	e.now = 2000;
	check_refused(&m, &e, UC_EXPIRY);
	/* The device clock behind the newest accepted issued-at does not
	 * make an expired manifest fresh: the effective clock never goes back. */
	e = expect();
	e.now = 10;
	e.newest_issued_at = 1000;
	assert_int_equal(uc_check_manifest(&m, &e, &r), 0);
	m.issued_at = 500;
	m.expires = 999;
	check_refused(&m, &e, UC_ISSUED_AT);
	fill(&m);
	e = expect();
	strcpy(m.version, "1.0.9");
	check_refused(&m, &e, UC_VERSION);
	strcpy(m.version, "1.1.0");
	assert_int_equal(uc_check_manifest(&m, &e, &r), -EALREADY);
	fill(&m);
	m.security_version = 2;
	check_refused(&m, &e, UC_SECURITY_VERSION);
	assert_int_equal(uc_effective_now(5, 9), 9);
	assert_int_equal(uc_effective_now(9, 5), 9);
	assert_string_equal(uc_check_name(UC_ISSUED_AT), "issued-at");
}

static void test_verify_signed(void **state)
{
	struct ms_seckey sk;
	struct ms_pubkey pk;
	struct um_manifest m, out;
	struct uc_result r;
	char *text = NULL, *tc = NULL, *sig = NULL;

	(void)state;
	assert_int_equal(ms_keypair_generate(&sk, &pk), 0);
	fill(&m);
	assert_int_equal(um_serialize(&m, &text), 0);
	assert_int_equal(um_trusted_comment(&m, &tc), 0);
	assert_int_equal(ms_sign(&sk, (uint8_t *)text, strlen(text), tc, &sig), 0);
	assert_int_equal(uc_verify_signed((uint8_t *)text, strlen(text), (uint8_t *)sig, strlen(sig), &pk, &out, &r), 0);
	assert_string_equal(out.version, "1.2.0");
	free(sig);
	/* Signed, but the trusted comment names another version. */
	assert_int_equal(ms_sign(&sk, (uint8_t *)text, strlen(text),
				 "rempart-manifest product=rempart channel=stable version=9.9.9", &sig), 0);
	assert_int_equal(uc_verify_signed((uint8_t *)text, strlen(text), (uint8_t *)sig, strlen(sig), &pk, &out, &r),
			 -EBADMSG);
	assert_int_equal(r.check, UC_TRUSTED_COMMENT);
	free(sig);
	/* Signed garbage: the strict parser still refuses it. */
	assert_int_equal(ms_sign(&sk, (const uint8_t *)"{\"format\":1}", 12, tc, &sig), 0);
	assert_int_equal(uc_verify_signed((const uint8_t *)"{\"format\":1}", 12, (uint8_t *)sig, strlen(sig), &pk,
					  &out, &r), -EBADMSG);
	assert_int_equal(r.check, UC_FORMAT);
	/* Tampered document. */
	text[10] ^= 1;
	assert_int_equal(uc_verify_signed((uint8_t *)text, strlen(text), (uint8_t *)sig, strlen(sig), &pk, &out, &r),
			 -EBADMSG);
	assert_int_equal(r.check, UC_SIGNATURE);
	assert_int_equal(uc_verify_signed((uint8_t *)text, strlen(text), (const uint8_t *)"junk", 4, &pk, &out, &r),
			 -EBADMSG);
	assert_int_equal(r.check, UC_SIGNATURE);
	free(sig);
	free(text);
	free(tc);
	ms_seckey_wipe(&sk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_checks),
		cmocka_unit_test(test_verify_signed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
