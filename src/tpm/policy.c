/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "cleanup.h"

DEFINE_POINTER_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)

void tp_be64(uint64_t v, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void be32(uint32_t v, uint8_t out[4])
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

/* sha256 over up to four (pointer, length) pieces; NULL pieces are skipped. */
static int sha256v(uint8_t out[TP_DIGEST_SIZE], const void *a, size_t al, const void *b, size_t bl,
		   const void *c, size_t cl, const void *d, size_t dl)
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    (a && EVP_DigestUpdate(ctx, a, al) != 1) || (b && EVP_DigestUpdate(ctx, b, bl) != 1) ||
	    (c && EVP_DigestUpdate(ctx, c, cl) != 1) || (d && EVP_DigestUpdate(ctx, d, dl) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != TP_DIGEST_SIZE)
		return -EIO;
	return 0;
}

void tp_policy_reset(struct tp_policy *p)
{
	memset(p->d, 0, sizeof(p->d));
}

int tp_pcr_composite(const uint8_t (*values)[TP_DIGEST_SIZE], size_t n, uint8_t out[TP_DIGEST_SIZE])
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		if (EVP_DigestUpdate(ctx, values[i], TP_DIGEST_SIZE) != 1)
			return -EIO;
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1)
		return -EIO;
	return 0;
}

int tp_policy_pcr(struct tp_policy *p, uint32_t mask, const uint8_t pcr_digest[TP_DIGEST_SIZE])
{
	TPML_PCR_SELECTION sel = { .count = 1 };
	uint8_t cc[4], buf[sizeof(TPML_PCR_SELECTION)];
	size_t off = 0;

	if (mask == 0 || mask >> 24)
		return -EINVAL;
	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	for (int i = 0; i < 3; i++)
		sel.pcrSelections[0].pcrSelect[i] = (uint8_t)(mask >> (8 * i));
	if (Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return -EIO;
	be32(TPM2_CC_PolicyPCR, cc);
	return sha256v(p->d, p->d, sizeof(p->d), cc, 4, buf, off, pcr_digest, TP_DIGEST_SIZE);
}

int tp_policy_authorize(struct tp_policy *p, const TPM2B_NAME *key_name, const uint8_t *ref, size_t ref_len)
{
	uint8_t cc[4];
	int r;

	if (key_name->size == 0 || key_name->size > sizeof(key_name->name) || ref_len > sizeof(TPMU_HA))
		return -EINVAL;
	tp_policy_reset(p);
	be32(TPM2_CC_PolicyAuthorize, cc);
	r = sha256v(p->d, p->d, sizeof(p->d), cc, 4, key_name->name, key_name->size, NULL, 0);
	if (r < 0)
		return r;
	return sha256v(p->d, p->d, sizeof(p->d), ref_len ? ref : NULL, ref_len, NULL, 0, NULL, 0);

}

int tp_policy_nv(struct tp_policy *p, const TPM2B_NAME *nv_name, const uint8_t *operand_b, size_t operand_len,
		 uint16_t offset, uint16_t operation)
{
	uint8_t args[TP_DIGEST_SIZE], tail[4], cc[4];
	int r;

	if (nv_name->size == 0 || nv_name->size > sizeof(nv_name->name) || operand_len > sizeof(TPMU_HA))
		return -EINVAL;
	tail[0] = (uint8_t)(offset >> 8);
	tail[1] = (uint8_t)offset;
	tail[2] = (uint8_t)(operation >> 8);
	tail[3] = (uint8_t)operation;
	r = sha256v(args, operand_len ? operand_b : NULL, operand_len, tail, 4, NULL, 0, NULL, 0);
	if (r < 0)
		return r;
	be32(TPM2_CC_PolicyNV, cc);
	return sha256v(p->d, p->d, sizeof(p->d), cc, 4, args, sizeof(args), nv_name->name, nv_name->size);
}

int tp_policy_command_code(struct tp_policy *p, uint32_t code)
{
	uint8_t cc[4], arg[4];

	be32(TPM2_CC_PolicyCommandCode, cc);
	be32(code, arg);
	return sha256v(p->d, p->d, sizeof(p->d), cc, 4, arg, 4, NULL, 0);
}

int tp_authorize_ahash(const uint8_t approved[TP_DIGEST_SIZE], const uint8_t *ref, size_t ref_len,
		       uint8_t out[TP_DIGEST_SIZE])
{
	return sha256v(out, approved, TP_DIGEST_SIZE, ref_len ? ref : NULL, ref_len, NULL, 0, NULL, 0);
}

void tp_policy_key_public(const uint8_t x[32], const uint8_t y[32], TPM2B_PUBLIC *out)
{
	memset(out, 0, sizeof(*out));
	TPMT_PUBLIC *p = &out->publicArea;
	p->type = TPM2_ALG_ECC;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH;
	p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	p->unique.ecc.x.size = 32;
	memcpy(p->unique.ecc.x.buffer, x, 32);
	p->unique.ecc.y.size = 32;
	memcpy(p->unique.ecc.y.buffer, y, 32);
}

static int make_name(const uint8_t *buf, size_t len, TPM2B_NAME *out)
{
	out->size = TP_NAME_SIZE;
	out->name[0] = (uint8_t)(TPM2_ALG_SHA256 >> 8);
	out->name[1] = (uint8_t)TPM2_ALG_SHA256;
	return sha256v(out->name + 2, buf, len, NULL, 0, NULL, 0, NULL, 0);
}

int tp_object_name(const TPMT_PUBLIC *pub, TPM2B_NAME *out)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t off = 0;

	if (pub->nameAlg != TPM2_ALG_SHA256)
		return -EOPNOTSUPP;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return -EINVAL;
	return make_name(buf, off, out);
}

int tp_nv_name(const TPMS_NV_PUBLIC *pub, TPM2B_NAME *out)
{
	uint8_t buf[sizeof(TPMS_NV_PUBLIC)];
	size_t off = 0;

	if (pub->nameAlg != TPM2_ALG_SHA256)
		return -EOPNOTSUPP;
	if (Tss2_MU_TPMS_NV_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return -EINVAL;
	return make_name(buf, off, out);
}

int tp_profile_nv_policy(const TPM2B_NAME *key_name, uint8_t out[TP_DIGEST_SIZE])
{
	struct tp_policy p;
	int r;

	tp_policy_reset(&p);
	r = tp_policy_authorize(&p, key_name, (const uint8_t *)TP_REF_NV_INCREMENT, strlen(TP_REF_NV_INCREMENT));
	if (r < 0)
		return r;
	memcpy(out, p.d, TP_DIGEST_SIZE);
	return 0;
}

int tp_nv_counter_public(uint32_t index, const TPM2B_NAME *key_name, bool written, TPM2B_NV_PUBLIC *out)
{
	int r;

	if ((index >> 24) != TPM2_HT_NV_INDEX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TPMS_NV_PUBLIC *p = &out->nvPublic;
	p->nvIndex = index;
	p->nameAlg = TPM2_ALG_SHA256;
	p->attributes = (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_OWNERWRITE | TPMA_NV_POLICYWRITE |
			TPMA_NV_AUTHREAD | TPMA_NV_OWNERREAD | TPMA_NV_NO_DA;
	if (written)
		p->attributes |= TPMA_NV_WRITTEN;
	p->authPolicy.size = TP_DIGEST_SIZE;
	r = tp_profile_nv_policy(key_name, p->authPolicy.buffer);
	if (r < 0)
		return r;
	p->dataSize = 8;
	return 0;
}

int tp_profile_sealed_policy(const TPM2B_NAME *key_name, const uint8_t pcr7[TP_DIGEST_SIZE],
			     uint8_t out[TP_DIGEST_SIZE])
{
	struct tp_policy p;
	uint8_t comp[TP_DIGEST_SIZE];
	int r;

	tp_policy_reset(&p);
	r = tp_policy_authorize(&p, key_name, (const uint8_t *)TP_REF_UNSEAL, strlen(TP_REF_UNSEAL));
	if (r >= 0)
		r = tp_pcr_composite((const uint8_t(*)[TP_DIGEST_SIZE])pcr7, 1, comp);
	if (r >= 0)
		r = tp_policy_pcr(&p, 1u << 7, comp);
	if (r < 0)
		return r;
	memcpy(out, p.d, TP_DIGEST_SIZE);
	return 0;
}

int tp_profile_release_policy(const uint8_t pcr11[TP_DIGEST_SIZE], const TPM2B_NAME *nv_name, uint64_t svn,
			      uint8_t out[TP_DIGEST_SIZE])
{
	struct tp_policy p;
	uint8_t comp[TP_DIGEST_SIZE], op[8];
	int r;

	tp_policy_reset(&p);
	r = tp_pcr_composite((const uint8_t(*)[TP_DIGEST_SIZE])pcr11, 1, comp);
	if (r >= 0)
		r = tp_policy_pcr(&p, 1u << 11, comp);
	if (r >= 0 && nv_name) {
		tp_be64(svn, op);
		r = tp_policy_nv(&p, nv_name, op, sizeof(op), 0, TPM2_EO_UNSIGNED_LE);
	}
	if (r < 0)
		return r;
	memcpy(out, p.d, TP_DIGEST_SIZE);
	return 0;
}

int tp_profile_increment_policy(const TPM2B_NAME *nv_name, uint64_t svn, uint8_t out[TP_DIGEST_SIZE])
{
	struct tp_policy p;
	uint8_t op[8];
	int r;

	tp_policy_reset(&p);
	tp_be64(svn, op);
	r = tp_policy_nv(&p, nv_name, op, sizeof(op), 0, TPM2_EO_UNSIGNED_LT);
	if (r >= 0)
		r = tp_policy_command_code(&p, TPM2_CC_NV_Increment);
	if (r < 0)
		return r;
	memcpy(out, p.d, TP_DIGEST_SIZE);
	return 0;
}
