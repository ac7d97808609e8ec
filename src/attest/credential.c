/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "cleanup.h"
#include "credential.h"

DEFINE_POINTER_CLEANUP(EVP_PKEY, EVP_PKEY_free)
DEFINE_POINTER_CLEANUP(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
DEFINE_POINTER_CLEANUP(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)
DEFINE_POINTER_CLEANUP(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)
DEFINE_POINTER_CLEANUP(OSSL_PARAM, OSSL_PARAM_free)
DEFINE_POINTER_CLEANUP(BIGNUM, BN_free)

/* PolicySecret(TPM_RH_ENDORSEMENT): the EK templates' authPolicy. */
static const uint8_t ek_policy[32] = { 0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc,
				       0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
				       0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa };

static const EVP_MD *md_for(TPM2_ALG_ID alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1:
		return EVP_sha1();
	case TPM2_ALG_SHA256:
		return EVP_sha256();
	case TPM2_ALG_SHA384:
		return EVP_sha384();
	case TPM2_ALG_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int tc_kdfa(TPM2_ALG_ID hash, const uint8_t *key, size_t keylen, const char *label, const uint8_t *ctx_u,
	    size_t ulen, const uint8_t *ctx_v, size_t vlen, uint8_t *out, size_t outlen)
{
	const EVP_MD *md = md_for(hash);
	uint8_t cnt[4], bits[4], block[EVP_MAX_MD_SIZE];
	size_t done = 0;

	if (!md || outlen > 1024)
		return -EINVAL;
	be32(bits, (uint32_t)(outlen * 8));
	for (uint32_t i = 1; done < outlen; i++) {
		unsigned int n = 0;
		size_t take;
		int ok;

		be32(cnt, i);
		{
			EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
			EVP_MAC_CTX *mc = mac ? EVP_MAC_CTX_new(mac) : NULL;
			OSSL_PARAM params[2] = {
				OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
				OSSL_PARAM_construct_end(),
			};
			size_t ml = 0;

			ok = mc && EVP_MAC_init(mc, key, keylen, params) && EVP_MAC_update(mc, cnt, 4) &&
			     EVP_MAC_update(mc, (const uint8_t *)label, strlen(label) + 1) &&
			     (!ulen || EVP_MAC_update(mc, ctx_u, ulen)) && (!vlen || EVP_MAC_update(mc, ctx_v, vlen)) &&
			     EVP_MAC_update(mc, bits, 4) && EVP_MAC_final(mc, block, &ml, sizeof(block));
			n = (unsigned int)ml;
			EVP_MAC_CTX_free(mc);
			EVP_MAC_free(mac);
		}
		if (!ok) {
			explicit_bzero(block, sizeof(block));
			return -EIO;
		}
		take = outlen - done < n ? outlen - done : n;
		memcpy(out + done, block, take);
		done += take;
	}
	explicit_bzero(block, sizeof(block));
	return 0;
}

int tc_kdfe(TPM2_ALG_ID hash, const uint8_t *z, size_t zlen, const char *label, const uint8_t *u, size_t ulen,
	    const uint8_t *v, size_t vlen, uint8_t *out, size_t outlen)
{
	const EVP_MD *md = md_for(hash);
	uint8_t cnt[4], block[EVP_MAX_MD_SIZE];
	size_t done = 0;

	if (!md || outlen > 1024)
		return -EINVAL;
	for (uint32_t i = 1; done < outlen; i++) {
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		unsigned int n = 0;
		size_t take;
		int ok;

		be32(cnt, i);
		ok = c && EVP_DigestInit_ex(c, md, NULL) && EVP_DigestUpdate(c, cnt, 4) && EVP_DigestUpdate(c, z, zlen) &&
		     EVP_DigestUpdate(c, label, strlen(label) + 1) && (!ulen || EVP_DigestUpdate(c, u, ulen)) &&
		     (!vlen || EVP_DigestUpdate(c, v, vlen)) && EVP_DigestFinal_ex(c, block, &n);
		EVP_MD_CTX_free(c);
		if (!ok) {
			explicit_bzero(block, sizeof(block));
			return -EIO;
		}
		take = outlen - done < n ? outlen - done : n;
		memcpy(out + done, block, take);
		done += take;
	}
	explicit_bzero(block, sizeof(block));
	return 0;
}

int tc_name(const TPMT_PUBLIC *pub, TPM2B_NAME *name)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t off = 0;
	const EVP_MD *md = md_for(pub->nameAlg);
	unsigned int n = 0;

	if (!md)
		return -EOPNOTSUPP;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return -EINVAL;
	name->name[0] = (uint8_t)(pub->nameAlg >> 8);
	name->name[1] = (uint8_t)pub->nameAlg;
	if (!EVP_Digest(buf, off, name->name + 2, &n, md, NULL))
		return -EIO;
	name->size = (uint16_t)(2 + n);
	return 0;
}

static const char *curve_name(TPMI_ECC_CURVE c, size_t *bytes)
{
	switch (c) {
	case TPM2_ECC_NIST_P256:
		*bytes = 32;
		return "P-256";
	case TPM2_ECC_NIST_P384:
		*bytes = 48;
		return "P-384";
	case TPM2_ECC_NIST_P521:
		*bytes = 66;
		return "P-521";
	default:
		return NULL;
	}
}

int tc_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **out)
{
	_cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	_cleanup_(OSSL_PARAM_freep) OSSL_PARAM *params = NULL;
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
	_cleanup_(BN_freep) BIGNUM *n = NULL, *e = NULL;
	uint8_t point[1 + 2 * 66];
	EVP_PKEY *pk = NULL;
	const char *type;

	if (!bld)
		return -ENOMEM;
	if (pub->type == TPM2_ALG_RSA) {
		uint32_t exp = pub->parameters.rsaDetail.exponent ? pub->parameters.rsaDetail.exponent : 65537;

		type = "RSA";
		n = BN_bin2bn(pub->unique.rsa.buffer, pub->unique.rsa.size, NULL);
		e = BN_new();
		if (!n || !e || !BN_set_word(e, exp) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			return -ENOMEM;
		if (pub->unique.rsa.size < 256)
			return -EOPNOTSUPP;
	} else if (pub->type == TPM2_ALG_ECC) {
		size_t cb = 0;
		const char *cn = curve_name(pub->parameters.eccDetail.curveID, &cb);

		type = "EC";
		if (!cn || pub->unique.ecc.x.size > cb || pub->unique.ecc.y.size > cb)
			return -EOPNOTSUPP;
		memset(point, 0, sizeof(point));
		point[0] = 4;
		memcpy(point + 1 + cb - pub->unique.ecc.x.size, pub->unique.ecc.x.buffer, pub->unique.ecc.x.size);
		memcpy(point + 1 + 2 * cb - pub->unique.ecc.y.size, pub->unique.ecc.y.buffer, pub->unique.ecc.y.size);
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, cn, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * cb))
			return -ENOMEM;
	} else {
		return -EOPNOTSUPP;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (!params || !ctx)
		return -ENOMEM;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		return -EINVAL;
	if (pub->type == TPM2_ALG_ECC) {
		/* EVP_PKEY_fromdata does not check that the point is on the curve */
		_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new(pk, NULL);

		if (!chk || EVP_PKEY_public_check(chk) != 1) {
			EVP_PKEY_free(pk);
			return -EINVAL;
		}
	}
	*out = pk;
	return 0;
}

static int seed_rsa(const TPMT_PUBLIC *ek, const EVP_MD *md, uint8_t *seed, size_t seedlen,
		    TPM2B_ENCRYPTED_SECRET *secret)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *pk = NULL;
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
	unsigned char *label;
	size_t outlen = sizeof(secret->secret);
	int r;

	if ((r = tc_pkey(ek, &pk)) < 0)
		return r;
	if (RAND_bytes(seed, (int)seedlen) != 1)
		return -EIO;
	ctx = EVP_PKEY_CTX_new(pk, NULL);
	label = OPENSSL_malloc(9);
	if (!ctx || !label) {
		OPENSSL_free(label);
		return -ENOMEM;
	}
	memcpy(label, "IDENTITY", 9);
	if (EVP_PKEY_encrypt_init(ctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0 ||
	    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, 9) <= 0) {
		OPENSSL_free(label);
		return -EIO;
	}
	if (EVP_PKEY_encrypt(ctx, secret->secret, &outlen, seed, seedlen) <= 0)
		return -EIO;
	secret->size = (uint16_t)outlen;
	return 0;
}

static int seed_ecc(const TPMT_PUBLIC *ek, uint8_t *seed, size_t seedlen, TPM2B_ENCRYPTED_SECRET *secret)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *peer = NULL, *eph = NULL;
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
	_cleanup_(BN_freep) BIGNUM *x = NULL, *y = NULL;
	TPMS_ECC_POINT pt = { 0 };
	uint8_t z[66], ekx[66];
	size_t cb = 0, zlen = sizeof(z), off = 0;
	const char *cn = curve_name(ek->parameters.eccDetail.curveID, &cb);
	int r;

	if (!cn)
		return -EOPNOTSUPP;
	if ((r = tc_pkey(ek, &peer)) < 0)
		return r;
	eph = EVP_EC_gen(cn);
	if (!eph)
		return -EIO;
	ctx = EVP_PKEY_CTX_new(eph, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0 || EVP_PKEY_derive_set_peer(ctx, peer) <= 0 ||
	    EVP_PKEY_derive(ctx, z, &zlen) <= 0 || zlen != cb)
		return -EIO;
	if (!EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_Y, &y) ||
	    BN_bn2binpad(x, pt.x.buffer, (int)cb) < 0 || BN_bn2binpad(y, pt.y.buffer, (int)cb) < 0)
		return -EIO;
	pt.x.size = pt.y.size = (uint16_t)cb;
	memset(ekx, 0, sizeof(ekx));
	memcpy(ekx + cb - ek->unique.ecc.x.size, ek->unique.ecc.x.buffer, ek->unique.ecc.x.size);
	r = tc_kdfe(ek->nameAlg, z, cb, "IDENTITY", pt.x.buffer, cb, ekx, cb, seed, seedlen);
	explicit_bzero(z, sizeof(z));
	if (r < 0)
		return r;
	if (Tss2_MU_TPMS_ECC_POINT_Marshal(&pt, secret->secret, sizeof(secret->secret), &off) != TSS2_RC_SUCCESS)
		return -EIO;
	secret->size = (uint16_t)off;
	return 0;
}

int tc_make_credential(const TPMT_PUBLIC *ek, const uint8_t *cred, size_t credlen, const TPM2B_NAME *name,
		       TPM2B_ID_OBJECT *blob, TPM2B_ENCRYPTED_SECRET *secret)
{
	const EVP_MD *md = md_for(ek->nameAlg);
	_cleanup_(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *cc = NULL;
	const TPMT_SYM_DEF_OBJECT *sym;
	uint8_t seed[EVP_MAX_MD_SIZE], symkey[32], hmackey[EVP_MAX_MD_SIZE], plain[2 + EVP_MAX_MD_SIZE];
	uint8_t *enc, mac[EVP_MAX_MD_SIZE];
	size_t dlen, keybytes, hmaclen = 0;
	const EVP_CIPHER *cipher;
	int outl = 0, r;

	if (!md)
		return -EOPNOTSUPP;
	dlen = (size_t)EVP_MD_get_size(md);
	if (!credlen || credlen > dlen)
		return -EINVAL;
	sym = ek->type == TPM2_ALG_RSA ? &ek->parameters.rsaDetail.symmetric : &ek->parameters.eccDetail.symmetric;
	if (sym->algorithm != TPM2_ALG_AES || sym->mode.aes != TPM2_ALG_CFB)
		return -EOPNOTSUPP;
	switch (sym->keyBits.aes) {
	case 128:
		cipher = EVP_aes_128_cfb128();
		break;
	case 256:
		cipher = EVP_aes_256_cfb128();
		break;
	default:
		return -EOPNOTSUPP;
	}
	keybytes = sym->keyBits.aes / 8;
	if (ek->type == TPM2_ALG_RSA)
		r = seed_rsa(ek, md, seed, dlen, secret);
	else if (ek->type == TPM2_ALG_ECC)
		r = seed_ecc(ek, seed, dlen, secret);
	else
		r = -EOPNOTSUPP;
	if (r < 0)
		goto out;
	r = tc_kdfa(ek->nameAlg, seed, dlen, "STORAGE", name->name, name->size, NULL, 0, symkey, keybytes);
	if (r == 0)
		r = tc_kdfa(ek->nameAlg, seed, dlen, "INTEGRITY", NULL, 0, NULL, 0, hmackey, dlen);
	if (r < 0)
		goto out;
	/* encIdentity over the marshalled TPM2B_DIGEST */
	plain[0] = (uint8_t)(credlen >> 8);
	plain[1] = (uint8_t)credlen;
	memcpy(plain + 2, cred, credlen);
	enc = blob->credential + 2 + dlen;
	cc = EVP_CIPHER_CTX_new();
	{
		uint8_t iv[16] = { 0 };

		if (!cc || !EVP_EncryptInit_ex(cc, cipher, NULL, symkey, iv) ||
		    !EVP_EncryptUpdate(cc, enc, &outl, plain, (int)(2 + credlen)) || outl != (int)(2 + credlen)) {
			r = -EIO;
			goto out;
		}
	}
	{
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		EVP_MAC_CTX *mc = m ? EVP_MAC_CTX_new(m) : NULL;
		OSSL_PARAM params[2] = {
			OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
			OSSL_PARAM_construct_end(),
		};
		int ok = mc && EVP_MAC_init(mc, hmackey, dlen, params) && EVP_MAC_update(mc, enc, 2 + credlen) &&
			 EVP_MAC_update(mc, name->name, name->size) && EVP_MAC_final(mc, mac, &hmaclen, sizeof(mac));

		EVP_MAC_CTX_free(mc);
		EVP_MAC_free(m);
		if (!ok || hmaclen != dlen) {
			r = -EIO;
			goto out;
		}
	}
	blob->credential[0] = (uint8_t)(dlen >> 8);
	blob->credential[1] = (uint8_t)dlen;
	memcpy(blob->credential + 2, mac, dlen);
	blob->size = (uint16_t)(2 + dlen + 2 + credlen);
	r = 0;
out:
	explicit_bzero(seed, sizeof(seed));
	explicit_bzero(symkey, sizeof(symkey));
	explicit_bzero(hmackey, sizeof(hmackey));
	explicit_bzero(plain, sizeof(plain));
	return r;
}

void tc_ek_template(TPMT_PUBLIC *t, bool ecc)
{
	memset(t, 0, sizeof(*t));
	t->nameAlg = TPM2_ALG_SHA256;
	t->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	t->authPolicy.size = 32;
	memcpy(t->authPolicy.buffer, ek_policy, 32);
	if (ecc) {
		t->type = TPM2_ALG_ECC;
		t->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
		t->parameters.eccDetail.symmetric.keyBits.aes = 128;
		t->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
		t->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		t->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		t->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		t->unique.ecc.x.size = 32;
		t->unique.ecc.y.size = 32;
	} else {
		t->type = TPM2_ALG_RSA;
		t->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
		t->parameters.rsaDetail.symmetric.keyBits.aes = 128;
		t->parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
		t->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		t->parameters.rsaDetail.keyBits = 2048;
		t->parameters.rsaDetail.exponent = 0;
		t->unique.rsa.size = 256;
	}
}

/* noDA: the AK's authorisation is empty, so dictionary-attack protection
 * guards nothing, and without it every unclean power-off (which the TPM
 * counts as a failed authorisation) would bring attestation closer to a
 * lockout. */
void tc_ak_template(TPMT_PUBLIC *t, bool ecc)
{
	memset(t, 0, sizeof(*t));
	t->nameAlg = TPM2_ALG_SHA256;
	t->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT |
			      TPMA_OBJECT_NODA;
	if (ecc) {
		t->type = TPM2_ALG_ECC;
		t->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		t->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
		t->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
		t->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		t->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	} else {
		t->type = TPM2_ALG_RSA;
		t->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		t->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
		t->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
		t->parameters.rsaDetail.keyBits = 2048;
	}
}

bool tc_ak_acceptable(const TPMT_PUBLIC *ak, const char **why)
{
	const TPMA_OBJECT need = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
				 TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;

	if ((ak->objectAttributes & need) != need) {
		*why = "not a restricted signing key created in and bound to the TPM (fixedTPM, fixedParent, "
		       "sensitiveDataOrigin, restricted, sign)";
		return false;
	}
	if (ak->objectAttributes & TPMA_OBJECT_DECRYPT) {
		*why = "a decryption key";
		return false;
	}
	if (ak->nameAlg != TPM2_ALG_SHA256) {
		*why = "name algorithm is not sha256";
		return false;
	}
	if (ak->type == TPM2_ALG_ECC) {
		if (ak->parameters.eccDetail.scheme.scheme != TPM2_ALG_ECDSA ||
		    ak->parameters.eccDetail.scheme.details.ecdsa.hashAlg != TPM2_ALG_SHA256) {
			*why = "ECC key without the ECDSA/sha256 scheme";
			return false;
		}
	} else if (ak->type == TPM2_ALG_RSA) {
		if ((ak->parameters.rsaDetail.scheme.scheme != TPM2_ALG_RSASSA &&
		     ak->parameters.rsaDetail.scheme.scheme != TPM2_ALG_RSAPSS) ||
		    ak->parameters.rsaDetail.scheme.details.anySig.hashAlg != TPM2_ALG_SHA256 ||
		    ak->parameters.rsaDetail.keyBits < 2048) {
			*why = "RSA key without an RSASSA/RSAPSS sha256 scheme of at least 2048 bits";
			return false;
		}
	} else {
		*why = "neither an RSA nor an ECC key";
		return false;
	}
	return true;
}

int tc_public_marshal(const TPM2B_PUBLIC *pub, uint8_t *buf, size_t max, size_t *len)
{
	size_t off = 0;

	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, max, &off) != TSS2_RC_SUCCESS)
		return -EINVAL;
	*len = off;
	return 0;
}

int tc_public_unmarshal(const uint8_t *buf, size_t len, TPM2B_PUBLIC *pub)
{
	size_t off = 0;

	memset(pub, 0, sizeof(*pub));
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, len, &off, pub) != TSS2_RC_SUCCESS || off != len)
		return -EBADMSG;
	return 0;
}
