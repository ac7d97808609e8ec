/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <unistd.h>

#include "efisig.h"
#include "uuid.h"

#define X509_GUID "a5c059a1-94e4-4aa7-87b5-ab155c2bf072"
#define SHA256_GUID "c1c41626-504c-4092-aca9-41f936934328"
#define MS_OWNER "77fa9abd-0359-4d32-bd60-28f4e78f784b"
#define OUR_OWNER "0badc0de-1234-4567-89ab-cdef01234567"

/* EFI_GUID in memory: the first three fields little-endian. */
static void guid_bytes(const char *s, uint8_t out[16])
{
	uint8_t t[16];

	assert_int_equal(uuid_parse(s, t), 0);
	memcpy(out, t, 16);
	out[0] = t[3], out[1] = t[2], out[2] = t[1], out[3] = t[0];
	out[4] = t[5], out[5] = t[4], out[6] = t[7], out[7] = t[6];
}

static size_t make_cert(const char *org, uint8_t **der)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	int len;

	assert_non_null(k);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)org, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"db key", -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	*der = NULL;
	len = i2d_X509(x, der);
	assert_true(len > 0);
	X509_NAME_free(n);
	X509_free(x);
	EVP_PKEY_free(k);
	return (size_t)len;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* Appends one signature list with one entry to buf at *len. */
static void add_list(uint8_t *buf, size_t *len, const char *type, const char *owner, const uint8_t *data, size_t n)
{
	uint8_t *p = buf + *len;

	guid_bytes(type, p);
	put32(p + 16, (uint32_t)(28 + 16 + n));
	put32(p + 20, 0);
	put32(p + 24, (uint32_t)(16 + n));
	guid_bytes(owner, p + 28);
	memcpy(p + 44, data, n);
	*len += 44 + n;
}

static void test_ours_and_microsoft(void **state)
{
	uint8_t *ours, *ms, buf[8192], hash[32] = { 1 };
	size_t lo = make_cert("Rempart", &ours), lm = make_cert("Microsoft Corporation", &ms), len = 4;
	struct efisig_list l = { 0 };

	memset(buf, 0, 4); /* efivarfs attributes */
	add_list(buf, &len, X509_GUID, OUR_OWNER, ours, lo);
	add_list(buf, &len, SHA256_GUID, OUR_OWNER, hash, sizeof(hash));
	assert_int_equal(efisig_parse(buf, len, true, &l), 0);
	assert_int_equal(l.n, 2);
	assert_true(l.v[0].x509);
	assert_false(l.v[0].microsoft);
	assert_non_null(strstr(l.v[0].subject, "O=Rempart"));
	assert_string_equal(l.v[0].owner, OUR_OWNER);
	assert_true(l.v[1].sha256);
	efisig_list_free(&l);

	add_list(buf, &len, X509_GUID, OUR_OWNER, ms, lm); /* Microsoft's certificate, our owner GUID */
	assert_int_equal(efisig_parse(buf, len, true, &l), 0);
	assert_int_equal(l.n, 3);
	assert_true(l.v[2].microsoft);
	efisig_list_free(&l);

	len = 0;
	add_list(buf, &len, X509_GUID, MS_OWNER, ours, lo); /* Microsoft's owner GUID */
	assert_int_equal(efisig_parse(buf, len, false, &l), 0);
	assert_true(l.v[0].microsoft);
	efisig_list_free(&l);
	OPENSSL_free(ours);
	OPENSSL_free(ms);
}

static void test_fingerprint(void **state)
{
	uint8_t *ours, *ms, buf[8192], fp[32];
	size_t lo = make_cert("Rempart", &ours), lm = make_cert("Other", &ms), len = 0;
	char path[] = "/tmp/rempart-crt-XXXXXX";
	struct efisig_list l = { 0 };
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, ours, lo), (ssize_t)lo); /* DER */
	close(fd);
	add_list(buf, &len, X509_GUID, OUR_OWNER, ours, lo);
	add_list(buf, &len, X509_GUID, OUR_OWNER, ms, lm);
	assert_int_equal(efisig_parse(buf, len, false, &l), 0);
	assert_int_equal(efisig_cert_fingerprint(path, fp), 0);
	assert_memory_equal(fp, l.v[0].fingerprint, 32);
	assert_memory_not_equal(fp, l.v[1].fingerprint, 32);
	/* the same certificate as PEM */
	{
		const unsigned char *p = ours;
		X509 *x = d2i_X509(NULL, &p, (long)lo);

		f = fopen(path, "w");
		PEM_write_X509(f, x);
		fclose(f);
		X509_free(x);
	}
	memset(fp, 0, sizeof(fp));
	assert_int_equal(efisig_cert_fingerprint(path, fp), 0);
	assert_memory_equal(fp, l.v[0].fingerprint, 32);
	f = fopen(path, "w");
	fputs("not a certificate\n", f);
	fclose(f);
	assert_int_equal(efisig_cert_fingerprint(path, fp), -EBADMSG);
	unlink(path);
	assert_int_equal(efisig_cert_fingerprint(path, fp), -ENOENT);
	efisig_list_free(&l);
	OPENSSL_free(ours);
	OPENSSL_free(ms);
}

static void test_malformed(void **state)
{
	uint8_t buf[256] = { 0 }, data[8] = { 0 };
	size_t len = 0;
	struct efisig_list l = { 0 };

	add_list(buf, &len, SHA256_GUID, OUR_OWNER, data, sizeof(data));
	assert_int_equal(efisig_parse(buf, len - 1, false, &l), -EBADMSG); /* list runs past the end */
	efisig_list_free(&l);
	put32(buf + 24, 8); /* signature smaller than its owner GUID */
	assert_int_equal(efisig_parse(buf, len, false, &l), -EBADMSG);
	efisig_list_free(&l);
	put32(buf + 24, 16 + 8);
	put32(buf + 20, 5); /* header leaves a partial entry */
	assert_int_equal(efisig_parse(buf, len, false, &l), -EBADMSG);
	efisig_list_free(&l);
	assert_int_equal(efisig_parse(buf, 3, true, &l), -EBADMSG);
	assert_int_equal(efisig_parse(buf, 4, true, &l), 0); /* empty variable */
	assert_int_equal(l.n, 0);
	efisig_list_free(&l);
}

static void test_bool(void **state)
{
	bool v;

	assert_int_equal(efivar_bool((const uint8_t *)"\x06\0\0\0\x01", 5, &v), 0);
	assert_true(v);
	assert_int_equal(efivar_bool((const uint8_t *)"\x06\0\0\0\x00", 5, &v), 0);
	assert_false(v);
	assert_int_equal(efivar_bool((const uint8_t *)"\x06\0\0\0\x02", 5, &v), -EBADMSG);
	assert_int_equal(efivar_bool((const uint8_t *)"\x06\0\0\0", 4, &v), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ours_and_microsoft),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bool),
	};

	return cmocka_run_group_tests_name("check-efisig", tests, NULL, NULL);
}
