/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "signer.h"

#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "cleanup.h"
#include "fileio.h"
#include "policy.h"

DEFINE_POINTER_CLEANUP(EVP_PKEY, EVP_PKEY_free)
DEFINE_POINTER_CLEANUP(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
DEFINE_POINTER_CLEANUP(BIO, BIO_free_all)
DEFINE_POINTER_CLEANUP(ECDSA_SIG, ECDSA_SIG_free)
DEFINE_POINTER_CLEANUP(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)
DEFINE_POINTER_CLEANUP(OSSL_PARAM, OSSL_PARAM_free)

static int pem_out(EVP_PKEY *pk, bool priv, const char *path)
{
	_cleanup_(BIO_free_allp) BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n;
	int r;

	if (!b)
		return -ENOMEM;
	if (priv ? PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) != 1
		 : PEM_write_bio_PUBKEY(b, pk) != 1)
		return -EIO;
	n = BIO_get_mem_data(b, &data);
	if (n <= 0)
		return -EIO;
	r = write_file_atomic(path, data, (size_t)n, priv ? 0600 : 0644);
	if (priv)
		secure_wipe(data, (size_t)n);
	return r;
}

int signer_keygen(const char *private_pem, const char *public_pem)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *pk = EVP_EC_gen("P-256");
	int r;

	if (!pk)
		return -EIO;
	r = pem_out(pk, true, private_pem);
	if (r < 0)
		return r;
	return pem_out(pk, false, public_pem);
}

static int load_pem(const char *path, bool want_private, EVP_PKEY **out)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	EVP_PKEY *pk = NULL;
	int r;

	r = read_file(path, 64 * 1024, &buf, &len);
	if (r < 0)
		return r;
	_cleanup_(BIO_free_allp) BIO *b = BIO_new_mem_buf(buf, (int)len);
	if (!b) {
		secure_wipe(buf, len);
		return -ENOMEM;
	}
	pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	if (!pk && !want_private) {
		(void)BIO_reset(b);
		pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	}
	secure_wipe(buf, len);
	if (!pk)
		return -EINVAL;
	char group[32] = "";
	if (!EVP_PKEY_is_a(pk, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) ||
	    strcmp(group, "prime256v1") != 0) {
		EVP_PKEY_free(pk);
		return -EPROTONOSUPPORT;
	}
	*out = pk;
	return 0;
}

static int pkey_xy(EVP_PKEY *pk, uint8_t x[32], uint8_t y[32])
{
	uint8_t pt[65];
	size_t n = 0;

	if (!EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) || n != 65 ||
	    pt[0] != 0x04)
		return -EIO;
	memcpy(x, pt + 1, 32);
	memcpy(y, pt + 33, 32);
	return 0;
}

int signer_load_public(const char *pem_path, uint8_t x[32], uint8_t y[32])
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *pk = NULL;
	int r = load_pem(pem_path, false, &pk);

	return r < 0 ? r : pkey_xy(pk, x, y);
}

static int sign_digest(EVP_PKEY *pk, const uint8_t digest[32], uint8_t r_out[32], uint8_t s_out[32])
{
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	uint8_t der[128];
	size_t n = sizeof(der);
	const BIGNUM *br, *bs;

	if (!ctx)
		return -ENOMEM;
	if (EVP_PKEY_sign_init(ctx) != 1 || EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(ctx, der, &n, digest, 32) != 1)
		return -EIO;
	const uint8_t *p = der;
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)n);
	if (!sig)
		return -EIO;
	ECDSA_SIG_get0(sig, &br, &bs);
	if (BN_bn2binpad(br, r_out, 32) != 32 || BN_bn2binpad(bs, s_out, 32) != 32)
		return -EIO;
	return 0;
}

static int pkey_from_xy(const uint8_t x[32], const uint8_t y[32], EVP_PKEY **out)
{
	uint8_t pt[65];
	_cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	_cleanup_(OSSL_PARAM_freep) OSSL_PARAM *params = NULL;
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

	if (!bld || !ctx)
		return -ENOMEM;
	pt[0] = 0x04;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)))
		return -ENOMEM;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params)
		return -ENOMEM;
	if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		return -EBADMSG; /* not a point on the curve */
	return 0;
}

static int verify_digest(EVP_PKEY *pk, const uint8_t digest[32], const uint8_t r[32], const uint8_t s[32])
{
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, 32, NULL), *bs = BN_bin2bn(s, 32, NULL);
	uint8_t *der = NULL;
	int n, ok;

	if (!ctx || !sig || !br || !bs || ECDSA_SIG_set0(sig, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		return -ENOMEM;
	}
	n = i2d_ECDSA_SIG(sig, &der);
	if (n <= 0)
		return -ENOMEM;
	ok = EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
	     EVP_PKEY_verify(ctx, der, (size_t)n, digest, 32) == 1;
	OPENSSL_free(der);
	return ok ? 0 : -EBADMSG;
}

int approval_nv_name(const struct tpm_approval *a, TPM2B_NAME *out)
{
	TPM2B_NAME key;
	TPM2B_NV_PUBLIC nvpub;
	int r = tpm_approval_key_name(a, &key);

	if (r >= 0)
		r = tp_nv_counter_public(a->nv_index, &key, true, &nvpub);
	return r < 0 ? r : tp_nv_name(&nvpub.nvPublic, out);
}

int approval_unseal_ahash(const struct tpm_approval *a, uint8_t approved[32], uint8_t ahash[32])
{
	TPM2B_NAME nv;
	int r = 0;

	if (a->has_svn)
		r = approval_nv_name(a, &nv);
	if (r >= 0)
		r = tp_profile_release_policy(a->pcr11, a->has_svn ? &nv : NULL, a->svn, approved);
	if (r >= 0)
		r = tp_authorize_ahash(approved, (const uint8_t *)TP_REF_UNSEAL, strlen(TP_REF_UNSEAL), ahash);
	return r;
}

int approval_increment_ahash(const struct tpm_approval *a, uint8_t approved[32], uint8_t ahash[32])
{
	TPM2B_NAME nv;
	int r;

	if (!a->has_svn)
		return -ENODATA;
	r = approval_nv_name(a, &nv);
	if (r >= 0)
		r = tp_profile_increment_policy(&nv, a->svn, approved);
	if (r >= 0)
		r = tp_authorize_ahash(approved, (const uint8_t *)TP_REF_NV_INCREMENT, strlen(TP_REF_NV_INCREMENT),
				       ahash);
	return r;
}

int signer_approve(const char *private_pem, const uint8_t pcr11[32], bool has_svn, uint64_t svn,
		   uint32_t nv_index, struct tpm_approval *a)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *pk = NULL;
	uint8_t approved[32], ahash[32];
	int r;

	memset(a, 0, sizeof(*a));
	memcpy(a->pcr11, pcr11, 32);
	a->has_svn = has_svn;
	if (has_svn) {
		if ((nv_index >> 24) != TPM2_HT_NV_INDEX)
			return -EINVAL;
		a->svn = svn;
		a->nv_index = nv_index;
	}
	r = load_pem(private_pem, true, &pk);
	if (r < 0)
		return r;
	r = pkey_xy(pk, a->key_x, a->key_y);
	if (r >= 0)
		r = approval_unseal_ahash(a, approved, ahash);
	if (r >= 0)
		r = sign_digest(pk, ahash, a->sig_r, a->sig_s);
	if (r >= 0 && has_svn) {
		r = approval_increment_ahash(a, approved, ahash);
		if (r >= 0)
			r = sign_digest(pk, ahash, a->inc_r, a->inc_s);
	}
	return r;
}

int signer_verify(const struct tpm_approval *a, const uint8_t *expect_x, const uint8_t *expect_y)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *pk = NULL;
	uint8_t approved[32], ahash[32];
	int r;

	if (expect_x && expect_y && (memcmp(expect_x, a->key_x, 32) != 0 || memcmp(expect_y, a->key_y, 32) != 0))
		return -EBADMSG;
	r = pkey_from_xy(a->key_x, a->key_y, &pk);
	if (r < 0)
		return r;
	r = approval_unseal_ahash(a, approved, ahash);
	if (r >= 0)
		r = verify_digest(pk, ahash, a->sig_r, a->sig_s);
	if (r >= 0 && a->has_svn) {
		r = approval_increment_ahash(a, approved, ahash);
		if (r >= 0)
			r = verify_digest(pk, ahash, a->inc_r, a->inc_s);
	}
	return r;
}
