/* SPDX-License-Identifier: GPL-2.0-or-later */
/* EK certificate checks (ekcert.c) against certificates made here with
 * OpenSSL: a CA, an EK certificate for an ECC P-256 or RSA 2048 EK public
 * area (TCG templates L-2, L-1), and each way it must fail: another CA,
 * another key, expired, not yet valid, not DER, trailing bytes. Trust
 * stores from PEM bundles, DER files and directories. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "credential.h"
#include "ekcert.h"
#include "fileio.h"

static EVP_PKEY *ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

/* The EK public area (template L-2 or L-1) holding k's public key. */
static void ek_public(EVP_PKEY *k, TPMT_PUBLIC *t)
{
	BIGNUM *a = NULL, *b = NULL;

	if (EVP_PKEY_is_a(k, "EC")) {
		tc_ek_template(t, true);
		assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &a), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &b), 1);
		assert_int_equal(BN_bn2binpad(a, t->unique.ecc.x.buffer, 32), 32);
		assert_int_equal(BN_bn2binpad(b, t->unique.ecc.y.buffer, 32), 32);
		t->unique.ecc.x.size = t->unique.ecc.y.size = 32;
	} else {
		tc_ek_template(t, false);
		assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &a), 1);
		assert_int_equal(BN_bn2binpad(a, t->unique.rsa.buffer, 256), 256);
		t->unique.rsa.size = 256;
	}
	BN_free(a);
	BN_free(b);
}

/* A certificate of key, issued by (ikey, icert) or self-signed (icert NULL),
 * valid from now+from to now+to seconds. */
static X509 *mkcert(EVP_PKEY *key, const char *cn, EVP_PKEY *ikey, X509 *icert, long from, long to, bool ca)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const uint8_t *)cn, -1, -1, 0);
	X509_set_issuer_name(x, icert ? X509_get_subject_name(icert) : X509_get_subject_name(x));
	X509V3_set_ctx(&v3, icert ? icert : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,keyEncipherment");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static uint8_t *der_of(X509 *x, size_t *len)
{
	uint8_t *d = NULL;
	int l = i2d_X509(x, &d);

	assert_true(l > 0);
	*len = (size_t)l;
	return d;
}

struct fx {
	EVP_PKEY *ca_key, *other_ca_key, *ek_key, *other_key;
	X509 *ca, *other_ca;
	TPMT_PUBLIC ek;
	struct ekc_store *store;
	char dir[64];
};

static void write_pem(const char *path, X509 *a, X509 *b)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	PEM_write_X509(f, a);
	if (b)
		PEM_write_X509(f, b);
	fclose(f);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[128], err[256];

	f->ca_key = ec_key();
	f->other_ca_key = ec_key();
	f->ek_key = ec_key();
	f->other_key = ec_key();
	f->ca = mkcert(f->ca_key, "TPM maker root CA", NULL, NULL, -86400, 86400L * 3650, true);
	f->other_ca = mkcert(f->other_ca_key, "TPM maker root CA", NULL, NULL, -86400, 86400L * 3650, true);
	ek_public(f->ek_key, &f->ek);
	strcpy(f->dir, "/tmp/rempart-test-ekcert.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/ca.pem", f->dir);
	write_pem(path, f->ca, NULL);
	assert_int_equal(ekc_store_new(&f->store), 0);
	assert_int_equal(ekc_store_add(f->store, path, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	ekc_store_free(f->store);
	X509_free(f->ca);
	X509_free(f->other_ca);
	EVP_PKEY_free(f->ca_key);
	EVP_PKEY_free(f->other_ca_key);
	EVP_PKEY_free(f->ek_key);
	EVP_PKEY_free(f->other_key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int check(struct fx *f, X509 *x, const TPMT_PUBLIC *ek, char *msg, size_t ms)
{
	size_t len;
	uint8_t *d = der_of(x, &len);
	int r = ekc_check(f->store, d, len, ek, msg, ms);

	OPENSSL_free(d);
	X509_free(x);
	return r;
}

static void test_genuine(void **state)
{
	struct fx *f = *state;
	char msg[512];

	assert_int_equal(check(f, mkcert(f->ek_key, "ek", f->ca_key, f->ca, -60, 86400, false), &f->ek, msg,
			       sizeof(msg)),
			 0);
	assert_non_null(strstr(msg, "TPM maker root CA"));
}

static void test_rsa_ek(void **state)
{
	struct fx *f = *state;
	EVP_PKEY *rk = EVP_RSA_gen(2048);
	TPMT_PUBLIC ek;
	char msg[512];

	assert_non_null(rk);
	ek_public(rk, &ek);
	assert_int_equal(check(f, mkcert(rk, "ek", f->ca_key, f->ca, -60, 86400, false), &ek, msg, sizeof(msg)), 0);
	/* the RSA EK's certificate does not certify the ECC EK */
	assert_int_equal(check(f, mkcert(rk, "ek", f->ca_key, f->ca, -60, 86400, false), &f->ek, msg, sizeof(msg)),
			 -EKEYREJECTED);
	assert_non_null(strstr(msg, "certifies another key"));
	EVP_PKEY_free(rk);
}

static void test_other_ca(void **state)
{
	struct fx *f = *state;
	char msg[512];

	/* same CA name, another CA key: the signature does not chain */
	assert_int_equal(check(f, mkcert(f->ek_key, "ek", f->other_ca_key, f->other_ca, -60, 86400, false), &f->ek,
			       msg, sizeof(msg)),
			 -EKEYREJECTED);
	assert_non_null(strstr(msg, "EK certificate"));
	/* a self-signed "EK certificate" */
	assert_int_equal(check(f, mkcert(f->ek_key, "ek", NULL, NULL, -60, 86400, false), &f->ek, msg, sizeof(msg)),
			 -EKEYREJECTED);
	assert_non_null(strstr(msg, "does not chain to the TPM manufacturer CAs"));
}

static void test_other_key(void **state)
{
	struct fx *f = *state;
	char msg[512];

	assert_int_equal(check(f, mkcert(f->other_key, "ek", f->ca_key, f->ca, -60, 86400, false), &f->ek, msg,
			       sizeof(msg)),
			 -EKEYREJECTED);
	assert_non_null(strstr(msg, "certifies another key"));
}

static void test_validity(void **state)
{
	struct fx *f = *state;
	char msg[512];

	assert_int_equal(check(f, mkcert(f->ek_key, "ek", f->ca_key, f->ca, -86400, -3600, false), &f->ek, msg,
			       sizeof(msg)),
			 -EKEYREJECTED);
	assert_non_null(strstr(msg, "expired on"));
	assert_int_equal(check(f, mkcert(f->ek_key, "ek", f->ca_key, f->ca, 3600, 86400, false), &f->ek, msg,
			       sizeof(msg)),
			 -EKEYREJECTED);
	assert_non_null(strstr(msg, "not valid before"));
	/* checked at a time when it was valid: accepted */
	ekc_store_set_time(f->store, time(NULL) + 7200);
	assert_int_equal(check(f, mkcert(f->ek_key, "ek", f->ca_key, f->ca, 3600, 86400, false), &f->ek, msg,
			       sizeof(msg)),
			 0);
}

static void test_malformed(void **state)
{
	struct fx *f = *state;
	X509 *x = mkcert(f->ek_key, "ek", f->ca_key, f->ca, -60, 86400, false);
	size_t len, dl = 0;
	uint8_t *d = der_of(x, &len), *pad = calloc(1, len + 64);
	char msg[512];

	assert_int_equal(ekc_check(f->store, d, len - 1, &f->ek, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "not one DER X.509 certificate"));
	memcpy(pad, d, len);
	assert_int_equal(ekc_check(f->store, pad, len + 1, &f->ek, msg, sizeof(msg)), -EBADMSG);
	assert_int_equal(ekc_check(f->store, pad, 0, &f->ek, msg, sizeof(msg)), -EBADMSG);
	/* an NV index larger than the certificate: the DER length is found */
	assert_int_equal(ekc_der_length(pad, len + 64, &dl), 0);
	assert_int_equal(dl, len);
	assert_int_equal(ekc_check(f->store, pad, dl, &f->ek, msg, sizeof(msg)), 0);
	memset(pad, 0xff, 16);
	assert_int_equal(ekc_der_length(pad, len + 64, &dl), -EBADMSG);
	free(pad);
	OPENSSL_free(d);
	X509_free(x);
}

static void test_store_forms(void **state)
{
	struct fx *f = *state;
	struct ekc_store *s = NULL;
	EVP_PKEY *ik = ec_key();
	X509 *inter = mkcert(ik, "TPM maker EK CA 1", f->ca_key, f->ca, -60, 86400L * 365, true);
	X509 *ekc = mkcert(f->ek_key, "ek", ik, inter, -60, 86400, false);
	char p[160], sub[128], err[256], msg[512];
	size_t len;
	uint8_t *d;

	/* a directory: the root as DER, the intermediate as PEM */
	snprintf(sub, sizeof(sub), "%s/store", f->dir);
	assert_int_equal(mkdir_p(sub, 0700), 0);
	d = der_of(f->ca, &len);
	snprintf(p, sizeof(p), "%s/root.crt", sub);
	assert_int_equal(write_file_atomic(p, d, len, 0644), 0);
	OPENSSL_free(d);
	snprintf(p, sizeof(p), "%s/inter.pem", sub);
	write_pem(p, inter, NULL);
	assert_int_equal(ekc_store_new(&s), 0);
	assert_int_equal(ekc_store_add(s, sub, err, sizeof(err)), 0);
	assert_int_equal(ekc_store_count(s), 2);
	d = der_of(ekc, &len);
	assert_int_equal(ekc_check(s, d, len, &f->ek, msg, sizeof(msg)), 0);
	/* only the root: the intermediate is missing, refused */
	assert_int_equal(ekc_check(f->store, d, len, &f->ek, msg, sizeof(msg)), -EKEYREJECTED);
	assert_non_null(strstr(msg, "TPM maker EK CA 1"));
	ekc_store_free(s);
	/* one PEM bundle with both */
	snprintf(p, sizeof(p), "%s/bundle.pem", f->dir);
	write_pem(p, f->ca, inter);
	assert_int_equal(ekc_store_new(&s), 0);
	assert_int_equal(ekc_store_add(s, p, err, sizeof(err)), 0);
	assert_int_equal(ekc_store_count(s), 2);
	assert_int_equal(ekc_check(s, d, len, &f->ek, msg, sizeof(msg)), 0);
	/* a file without a certificate, a missing file */
	snprintf(p, sizeof(p), "%s/junk", f->dir);
	assert_int_equal(write_file_atomic(p, "hello\n", 6, 0644), 0);
	assert_int_equal(ekc_store_add(s, p, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "holds no certificate"));
	snprintf(p, sizeof(p), "%s/missing", f->dir);
	assert_int_equal(ekc_store_add(s, p, err, sizeof(err)), -ENOENT);
	ekc_store_free(s);
	OPENSSL_free(d);
	X509_free(ekc);
	X509_free(inter);
	EVP_PKEY_free(ik);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_genuine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsa_ek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_ca, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_forms, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
