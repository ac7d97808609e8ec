/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Release manifest: strict parser, writer round trip, versions. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "manifest.h"

static void fill(struct um_manifest *m)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->product, "rempart");
	strcpy(m->channel, "stable");
	strcpy(m->version, "1.2.0");
	m->security_version = 3;
	m->issued_at = 1800000000;
	m->expires = 1800604800;
	m->rollout_percent = 100;
	m->source_date_epoch = 1700000000;
	strcpy(m->root.path, "releases/1.2.0/root.squashfs");
	m->root.size = 8192;
	memset(m->root.sha256, 0x11, 32);
	strcpy(m->verity_tree.path, "releases/1.2.0/root.verity");
	m->verity_tree.size = 4096 * 2;
	memset(m->verity_tree.sha256, 0x22, 32);
	strcpy(m->uki.path, "releases/1.2.0/uki.efi");
	m->uki.size = 1000;
	memset(m->uki.sha256, 0x33, 32);
	strcpy(m->verity.hash, "sha256");
	m->verity.data_block_size = 4096;
	m->verity.hash_block_size = 4096;
	m->verity.data_blocks = 2;
	memset(m->verity.roothash, 0xab, 32);
	m->verity.roothash_len = 32;
	memset(m->verity.salt, 0x5a, 32);
	m->verity.salt_len = 32;
	m->verity.superblock = true;
	strcpy(m->pcr11_value, "00ff");
	strcpy(m->pcr11_signature, "c2ln");
	strcpy(m->pcr11_key_fpr, "abcd");
}

static char *text_of(const struct um_manifest *m)
{
	char *s = NULL;

	assert_int_equal(um_serialize(m, &s), 0);
	return s;
}

static void test_roundtrip(void **state)
{
	struct um_manifest a, b;
	char err[UM_ERR_MAX];
	char *s;

	(void)state;
	fill(&a);
	a.n_envs = 1;
	strcpy(a.envs[0].name, "office");
	strcpy(a.envs[0].image.path, "releases/1.2.0/env-office.squashfs");
	a.envs[0].image.size = 4096;
	strcpy(a.envs[0].hash.path, "releases/1.2.0/env-office.verity");
	a.envs[0].hash.size = 4096;
	a.envs[0].verity = a.verity;
	a.envs[0].verity.data_blocks = 1;
	a.verity.has_uuid = true;
	memset(a.verity.uuid, 0x42, 16);
	s = text_of(&a);
	assert_int_equal(um_parse((uint8_t *)s, strlen(s), &b, err), 0);
	assert_string_equal(b.version, "1.2.0");
	assert_int_equal(b.security_version, 3);
	assert_int_equal(b.expires, 1800604800);
	assert_int_equal(b.root.size, 8192);
	assert_memory_equal(b.uki.sha256, a.uki.sha256, 32);
	assert_memory_equal(b.verity.roothash, a.verity.roothash, 32);
	assert_true(b.verity.has_uuid);
	assert_memory_equal(b.verity.uuid, a.verity.uuid, 16);
	assert_int_equal(b.n_envs, 1);
	assert_string_equal(b.envs[0].name, "office");
	assert_true(b.verity.superblock);
	free(s);
}

/* Replaces the first occurrence of `from` in the canonical text by `to`
 * and expects a refusal whose message contains `msg`. */
static void expect_bad(const char *from, const char *to, const char *msg)
{
	struct um_manifest m;
	char err[UM_ERR_MAX], *s, *p, buf[UM_MAX_SIZE];

	fill(&m);
	assert_int_equal(um_serialize(&m, &s), 0);
	p = strstr(s, from);
	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	free(s);
	assert_int_equal(um_parse((uint8_t *)buf, strlen(buf), &m, err), -EBADMSG);
	if (!strstr(err, msg))
		fail_msg("error \"%s\" does not mention \"%s\"", err, msg);
}

static void test_strict(void **state)
{
	(void)state;
	expect_bad("\"format\": 1", "\"format\": 1, \"extra\": 1", "unknown field \"extra\"");
	expect_bad("\"format\": 1", "\"format\": 1, \"format\": 1", "duplicate");
	expect_bad("\"format\": 1", "\"format\": 2", "format");
	expect_bad("\"security_version\": 3", "\"security_version\": 3.0", "security_version: not an integer");
	expect_bad("\"security_version\": 3", "\"security_version\": -3", "out of range");
	expect_bad("\"version\": \"1.2.0\"", "\"version\": \"1.02.0\"", "dotted decimal");
	expect_bad("\"channel\": \"stable\"", "\"channel\": \"Stable\"", "channel");
	expect_bad("\"channel\": \"stable\"", "\"channel\": \"sta\\u0000ble\"", "NUL");
	expect_bad("releases/1.2.0/uki.efi", "releases/1.1.0/uki.efi", "artifacts.uki.path");
	expect_bad("releases/1.2.0/uki.efi", "releases/1.2.0/../uki.efi", "artifacts.uki.path");
	expect_bad("\"expires\": 1800604800", "\"expires\": 1800000000", "expires");
	expect_bad("\"rollout_percent\": 100", "\"rollout_percent\": 101", "rollout_percent");
	expect_bad("\"hash\": \"sha256\"", "\"hash\": \"md5\"", "verity.hash");
	expect_bad("\"hash\": \"sha256\"", "\"hash\": \"sha512\"", "roothash");
	expect_bad("\"data_blocks\": 2", "\"data_blocks\": 3", "exceed");
	expect_bad("\"data_block_size\": 4096", "\"data_block_size\": 4095", "power of two");
	expect_bad("\"superblock\": true", "\"superblock\": 1", "superblock");
	expect_bad("\"value\": \"00ff\"", "\"value\": \"00FF\"", "pcr11.value");
	expect_bad("\"sha256\": \"1111", "\"sha256\": \"111", "sha256");
	expect_bad("\"signature\": \"c2ln\"", "\"signature\": \"c2 ln\"", "pcr11.signature");
	expect_bad("\"pcr11\"", "\"pcr12\"", "unknown field \"pcr12\"");
}

/* The optional attestation reference values: round trip, strictness. */
static void fill_reference(struct um_manifest *m)
{
	struct um_reference *r = &m->reference;

	r->present = true;
	memset(r->pcr11, 0xa1, 32);
	memset(r->systemd_boot, 0xb2, 32);
	memset(r->uki, 0xc3, 32);
	for (int i = 0; i < UM_SB_VARS; i++)
		memset(r->secure_boot[i], 0xd0 + i, 32);
	r->n_authority = 1;
	memset(r->authority[0], 0xe5, 32);
	r->n_dbcert = 2;
	memset(r->dbcert[0], 0xf6, 32);
	memset(r->dbcert[1], 0xf7, 32);
}

static void expect_bad_ref(const char *from, const char *to, const char *msg)
{
	struct um_manifest m;
	char err[UM_ERR_MAX], *s, *p, buf[UM_MAX_SIZE];

	fill(&m);
	fill_reference(&m);
	assert_int_equal(um_serialize(&m, &s), 0);
	p = strstr(s, from);
	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	free(s);
	assert_int_equal(um_parse((uint8_t *)buf, strlen(buf), &m, err), -EBADMSG);
	if (!strstr(err, msg))
		fail_msg("error \"%s\" does not mention \"%s\"", err, msg);
}

static void test_reference(void **state)
{
	struct um_manifest a, b;
	char err[UM_ERR_MAX], *s, *s2;

	(void)state;
	/* without: no "reference" key, parsed as absent (older manifests stay valid) */
	fill(&a);
	s = text_of(&a);
	assert_null(strstr(s, "reference"));
	assert_int_equal(um_parse((uint8_t *)s, strlen(s), &b, err), 0);
	assert_false(b.reference.present);
	free(s);
	/* with: round trip */
	fill_reference(&a);
	s = text_of(&a);
	assert_int_equal(um_parse((uint8_t *)s, strlen(s), &b, err), 0);
	assert_true(b.reference.present);
	assert_memory_equal(&b.reference, &a.reference, sizeof(a.reference));
	s2 = text_of(&b);
	assert_string_equal(s, s2);
	free(s);
	free(s2);
	expect_bad_ref("\"db_authority\"", "\"extra\": 1, \"db_authority\"", "unknown field \"extra\"");
	expect_bad_ref("\"uki\": \"c3c3", "\"uki\": \"C3c3", "not lowercase hex");
	expect_bad_ref("\"uki\": \"c3c3", "\"uki\": \"c3", "reference.authenticode.uki");
	expect_bad_ref("\"SecureBoot\": ", "\"SecureBoat\": ", "unknown field");
	expect_bad_ref("\"db_certificates\": [", "\"db_certificates\": [1, ", "db_certificates[0]");
}

static void test_document_level(void **state)
{
	struct um_manifest m;
	char err[UM_ERR_MAX], *s, *big;
	size_t n;

	(void)state;
	fill(&m);
	s = text_of(&m);
	n = strlen(s);
	assert_int_equal(um_parse((uint8_t *)s, n, &m, err), 0);
	/* Trailing data after the document. */
	big = malloc(UM_MAX_SIZE + 16);
	memcpy(big, s, n);
	memcpy(big + n, "{}", 2);
	assert_int_equal(um_parse((uint8_t *)big, n + 2, &m, err), -EBADMSG);
	/* Truncated document. */
	assert_int_equal(um_parse((uint8_t *)s, n / 2, &m, err), -EBADMSG);
	/* Oversize. */
	memset(big, ' ', UM_MAX_SIZE + 1);
	assert_int_equal(um_parse((uint8_t *)big, UM_MAX_SIZE + 1, &m, err), -E2BIG);
	/* Not an object; empty. */
	assert_int_equal(um_parse((const uint8_t *)"[]", 2, &m, err), -EBADMSG);
	assert_int_equal(um_parse((const uint8_t *)"", 0, &m, err), -EBADMSG);
	free(big);
	free(s);
}

static void test_versions(void **state)
{
	(void)state;
	assert_true(um_version_valid("1.2.0"));
	assert_true(um_version_valid("0"));
	assert_true(um_version_valid("10.0.123456789"));
	assert_false(um_version_valid(""));
	assert_false(um_version_valid("1."));
	assert_false(um_version_valid(".1"));
	assert_false(um_version_valid("1..2"));
	assert_false(um_version_valid("01.2"));
	assert_false(um_version_valid("1.2a"));
	assert_false(um_version_valid("1234567890"));
	assert_false(um_version_valid("1.2.3.4.5.6.7.8.9"));
	assert_true(um_version_cmp("1.10.0", "1.9.9") > 0);
	assert_true(um_version_cmp("1.2", "1.2.0") == 0);
	assert_true(um_version_cmp("1.2.0", "1.2.1") < 0);
	assert_true(um_version_cmp("2", "1.99") > 0);
	assert_true(um_name_valid("rempart-dev"));
	assert_false(um_name_valid("-x"));
	assert_false(um_name_valid("a/b"));
	assert_true(um_filename_valid("root.squashfs"));
	assert_false(um_filename_valid(".."));
	assert_false(um_filename_valid("a/b"));
}

static void test_trusted_comment(void **state)
{
	struct um_manifest m;
	char *tc = NULL;

	(void)state;
	fill(&m);
	assert_int_equal(um_trusted_comment(&m, &tc), 0);
	assert_string_equal(tc, "rempart-manifest product=rempart channel=stable version=1.2.0 security_version=3 "
				"issued_at=1800000000 expires=1800604800");
	free(tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_document_level),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_trusted_comment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
