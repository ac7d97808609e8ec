/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sealed-object and approval serialisation; approval signing/verification. */
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

#include "blob.h"
#include "signer.h"

static void sample_sealed(struct tpm_sealed *s)
{
	memset(s, 0, sizeof(*s));
	s->srk_handle = TP_SRK_HANDLE;
	s->srk_name.size = TP_NAME_SIZE;
	s->srk_name.name[0] = 0x00;
	s->srk_name.name[1] = 0x0b;
	memset(s->srk_name.name + 2, 0x11, 32);
	memset(s->pcr7, 0x77, 32);
	s->key_name = s->srk_name;
	s->key_name.name[5] = 0x22;
	TPMT_PUBLIC *p = &s->pub.publicArea;
	p->type = TPM2_ALG_KEYEDHASH;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA;
	p->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
	p->authPolicy.size = 32;
	memset(p->authPolicy.buffer, 0x33, 32);
	p->unique.keyedHash.size = 32;
	memset(p->unique.keyedHash.buffer, 0x44, 32);
	s->priv.size = 150;
	memset(s->priv.buffer, 0x55, 150);
}

static void test_sealed_roundtrip(void **state)
{
	struct tpm_sealed s, t;
	uint8_t *buf = NULL;
	size_t len = 0;
	char *b64 = NULL;

	sample_sealed(&s);
	assert_int_equal(tpm_sealed_serialize(&s, &buf, &len), 0);
	assert_memory_equal(buf, "RMPS\x01", 5);
	assert_int_equal(tpm_sealed_parse(buf, len, &t), 0);
	assert_int_equal(t.srk_handle, s.srk_handle);
	assert_memory_equal(t.pcr7, s.pcr7, 32);
	assert_memory_equal(&t.key_name, &s.key_name, sizeof(t.key_name));
	assert_int_equal(t.priv.size, 150);
	assert_memory_equal(t.priv.buffer, s.priv.buffer, 150);
	assert_memory_equal(t.pub.publicArea.authPolicy.buffer, s.pub.publicArea.authPolicy.buffer, 32);

	/* Every truncation and any trailing byte are refused. */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(tpm_sealed_parse(buf, n, &t), -EBADMSG);
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	assert_int_equal(tpm_sealed_parse(longer, len + 1, &t), -EBADMSG);
	free(longer);
	/* Bad magic, version. */
	buf[0] ^= 1;
	assert_int_equal(tpm_sealed_parse(buf, len, &t), -EBADMSG);
	buf[0] ^= 1;
	buf[4] = 2;
	assert_int_equal(tpm_sealed_parse(buf, len, &t), -EBADMSG);
	buf[4] = 1;
	free(buf);

	assert_int_equal(tpm_sealed_to_base64(&s, &b64), 0);
	assert_int_equal(tpm_sealed_from_base64(b64, &t), 0);
	assert_memory_equal(t.priv.buffer, s.priv.buffer, 150);
	b64[3] = '*';
	assert_int_equal(tpm_sealed_from_base64(b64, &t), -EBADMSG);
	free(b64);
	assert_int_equal(tpm_sealed_from_base64("", &t), -EBADMSG);
}

static void test_sealed_semantics(void **state)
{
	struct tpm_sealed s, t;
	uint8_t *buf = NULL;
	size_t len = 0;

	/* Well-formed encodings of objects we never produce are refused too. */
	sample_sealed(&s);
	s.pub.publicArea.type = TPM2_ALG_RSA;
	s.pub.publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
	s.pub.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	s.pub.publicArea.parameters.rsaDetail.keyBits = 2048;
	s.pub.publicArea.unique.rsa.size = 0;
	assert_int_equal(tpm_sealed_serialize(&s, &buf, &len), 0);
	assert_int_equal(tpm_sealed_parse(buf, len, &t), -EBADMSG);
	free(buf);
	sample_sealed(&s);
	s.srk_handle = 0x01000001; /* not a persistent handle */
	assert_int_equal(tpm_sealed_serialize(&s, &buf, &len), 0);
	assert_int_equal(tpm_sealed_parse(buf, len, &t), -EBADMSG);
	free(buf);
	sample_sealed(&s);
	s.key_name.size = 20; /* not a sha256 name */
	assert_int_equal(tpm_sealed_serialize(&s, &buf, &len), 0);
	assert_int_equal(tpm_sealed_parse(buf, len, &t), -EBADMSG);
	free(buf);
	sample_sealed(&s);
	s.pub.publicArea.authPolicy.size = 0;
	assert_int_equal(tpm_sealed_serialize(&s, &buf, &len), 0);
	assert_int_equal(tpm_sealed_parse(buf, len, &t), -EBADMSG);
	free(buf);
}

struct keys {
	char dir[64], priv[96], pub[96], other[96], otherpub[96];
};

static int keys_setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));

	strcpy(k->dir, "/tmp/rempart-test-blob.XXXXXX");
	if (!mkdtemp(k->dir))
		return -1;
	snprintf(k->priv, sizeof(k->priv), "%s/p.pem", k->dir);
	snprintf(k->pub, sizeof(k->pub), "%s/p.pub", k->dir);
	snprintf(k->other, sizeof(k->other), "%s/o.pem", k->dir);
	snprintf(k->otherpub, sizeof(k->otherpub), "%s/o.pub", k->dir);
	if (signer_keygen(k->priv, k->pub) < 0 || signer_keygen(k->other, k->otherpub) < 0)
		return -1;
	*state = k;
	return 0;
}

static int keys_teardown(void **state)
{
	struct keys *k = *state;

	unlink(k->priv);
	unlink(k->pub);
	unlink(k->other);
	unlink(k->otherpub);
	rmdir(k->dir);
	free(k);
	return 0;
}

static void test_approval(void **state)
{
	struct keys *k = *state;
	struct tpm_approval a, b;
	uint8_t pcr11[32], x[32], y[32], ox[32], oy[32], *buf = NULL;
	size_t len = 0;
	char *b64 = NULL;

	memset(pcr11, 0xab, 32);
	assert_int_equal(signer_load_public(k->pub, x, y), 0);
	assert_int_equal(signer_load_public(k->priv, ox, oy), 0);
	assert_memory_equal(x, ox, 32); /* private and public PEM give the same point */
	assert_int_equal(signer_load_public(k->otherpub, ox, oy), 0);

	/* Without a security version. */
	assert_int_equal(signer_approve(k->priv, pcr11, false, 0, 0, &a), 0);
	assert_int_equal(signer_verify(&a, x, y), 0);
	assert_int_equal(signer_verify(&a, ox, oy), -EBADMSG);
	assert_int_equal(tpm_approval_serialize(&a, &buf, &len), 0);
	assert_int_equal(len, 6 + 160);
	assert_int_equal(tpm_approval_parse(buf, len, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	for (size_t n = 0; n < len; n++)
		assert_int_equal(tpm_approval_parse(buf, n, &b), -EBADMSG);
	free(buf);

	/* With one; both signatures checked; any change breaks them. */
	assert_int_equal(signer_approve(k->priv, pcr11, true, 42, TP_NV_INDEX_DEFAULT, &a), 0);
	assert_int_equal(signer_verify(&a, NULL, NULL), 0);
	b = a;
	b.svn = 43;
	assert_int_equal(signer_verify(&b, NULL, NULL), -EBADMSG);
	b = a;
	b.pcr11[0] ^= 1;
	assert_int_equal(signer_verify(&b, NULL, NULL), -EBADMSG);
	b = a;
	b.inc_s[7] ^= 1;
	assert_int_equal(signer_verify(&b, NULL, NULL), -EBADMSG);
	b = a;
	b.key_x[0] ^= 1; /* not on the curve any more, or another key */
	assert_int_not_equal(signer_verify(&b, NULL, NULL), 0);
	assert_int_equal(signer_approve(k->priv, pcr11, true, 1, 0x81000001, &b), -EINVAL);

	assert_int_equal(tpm_approval_to_base64(&a, &b64), 0);
	assert_int_equal(tpm_approval_from_base64(b64, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	free(b64);
	assert_int_equal(tpm_approval_serialize(&a, &buf, &len), 0);
	assert_int_equal(len, 6 + 160 + 76);
	buf[5] = 3; /* unknown flag */
	assert_int_equal(tpm_approval_parse(buf, len, &b), -EBADMSG);
	buf[5] = 1;
	buf[6 + 160 + 8] = 0x81; /* NV index not in the NV range */
	assert_int_equal(tpm_approval_parse(buf, len, &b), -EBADMSG);
	free(buf);

	/* Keys that are not P-256 PEM are refused. */
	assert_int_equal(signer_load_public("/nonexistent", x, y), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sealed_roundtrip),
		cmocka_unit_test(test_sealed_semantics),
		cmocka_unit_test_setup_teardown(test_approval, keys_setup, keys_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
