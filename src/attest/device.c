/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "credential.h"
#include "device.h"
#include "tpm.h"

struct ad_ctx {
	struct tpm_ctx *tpm; /* src/tpm opens the TCTI and ESAPI */
	ESYS_CONTEXT *esys;
	ESYS_TR ek, ak;
	char err[256];
};

static int fail(struct ad_ctx *c, const char *op, TSS2_RC rc)
{
	snprintf(c->err, sizeof(c->err), "%s: %s", op, Tss2_RC_Decode(rc));
	return -EIO;
}

const char *ad_last_error(const struct ad_ctx *c)
{
	return c->err;
}

int ad_open(const char *tcti, struct ad_ctx **out)
{
	struct ad_ctx *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->ek = c->ak = ESYS_TR_NONE;
	r = tpm_open(tcti, &c->tpm);
	if (r < 0) {
		free(c);
		return r;
	}
	c->esys = tpm_esys(c->tpm);
	*out = c;
	return 0;
}

void ad_close(struct ad_ctx *c)
{
	if (!c)
		return;
	if (c->esys) {
		if (c->ak != ESYS_TR_NONE)
			Esys_FlushContext(c->esys, c->ak);
		if (c->ek != ESYS_TR_NONE)
			Esys_FlushContext(c->esys, c->ek);
	}
	tpm_close(c->tpm);
	free(c);
}

static int create_primary(struct ad_ctx *c, const TPMT_PUBLIC *tmpl, ESYS_TR *h, TPM2B_PUBLIC *pub)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC in = { .publicArea = *tmpl };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPM2B_PUBLIC *out = NULL;
	TSS2_RC rc;

	if (*h != ESYS_TR_NONE) {
		Esys_FlushContext(c->esys, *h);
		*h = ESYS_TR_NONE;
	}
	rc = Esys_CreatePrimary(c->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
				&in, &outside, &pcrs, h, &out, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "CreatePrimary (endorsement hierarchy)", rc);
	*pub = *out;
	Esys_Free(out);
	return 0;
}

int ad_load_ek(struct ad_ctx *c, bool ecc, TPM2B_PUBLIC *pub)
{
	TPMT_PUBLIC t;

	tc_ek_template(&t, ecc);
	return create_primary(c, &t, &c->ek, pub);
}

int ad_load_ak(struct ad_ctx *c, bool ecc, TPM2B_PUBLIC *pub)
{
	TPMT_PUBLIC t;

	tc_ak_template(&t, ecc);
	return create_primary(c, &t, &c->ak, pub);
}

int ad_activate(struct ad_ctx *c, const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret, uint8_t *cred,
		size_t *credlen)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_DIGEST *out = NULL;
	ESYS_TR session = ESYS_TR_NONE;
	TSS2_RC rc;
	int r = 0;

	if (c->ek == ESYS_TR_NONE || c->ak == ESYS_TR_NONE)
		return -EINVAL;
	rc = Esys_StartAuthSession(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &session);
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "StartAuthSession (EK policy)", rc);
	rc = Esys_PolicySecret(c->esys, ESYS_TR_RH_ENDORSEMENT, session, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			       NULL, NULL, NULL, 0, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		r = fail(c, "PolicySecret(endorsement)", rc);
		goto out;
	}
	rc = Esys_ActivateCredential(c->esys, c->ak, c->ek, ESYS_TR_PASSWORD, session, ESYS_TR_NONE, blob, secret,
				     &out);
	if (rc != TSS2_RC_SUCCESS) {
		r = fail(c, "ActivateCredential", rc);
		goto out;
	}
	if (out->size > 64) {
		r = -EBADMSG;
		goto out;
	}
	memcpy(cred, out->buffer, out->size);
	*credlen = out->size;
out:
	if (out) {
		explicit_bzero(out, sizeof(*out));
		Esys_Free(out);
	}
	if (session != ESYS_TR_NONE)
		Esys_FlushContext(c->esys, session);
	return r;
}

static void select_mask(TPML_PCR_SELECTION *s, uint32_t mask)
{
	memset(s, 0, sizeof(*s));
	s->count = 1;
	s->pcrSelections[0].hash = TPM2_ALG_SHA256;
	s->pcrSelections[0].sizeofSelect = 3;
	for (int i = 0; i < 3; i++)
		s->pcrSelections[0].pcrSelect[i] = (uint8_t)(mask >> (8 * i));
}

int ad_quote(struct ad_ctx *c, const uint8_t *nonce, size_t nlen, uint32_t mask, uint8_t *attest, size_t *alen,
	     uint8_t *sig, size_t *slen)
{
	TPM2B_DATA q = { 0 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPML_PCR_SELECTION sel;
	TPM2B_ATTEST *quoted = NULL;
	TPMT_SIGNATURE *signature = NULL;
	size_t off = 0;
	TSS2_RC rc;
	int r = 0;

	if (c->ak == ESYS_TR_NONE || nlen > sizeof(q.buffer))
		return -EINVAL;
	q.size = (uint16_t)nlen;
	memcpy(q.buffer, nonce, nlen);
	select_mask(&sel, mask);
	rc = Esys_Quote(c->esys, c->ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &q, &scheme, &sel, &quoted,
			&signature);
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "Quote", rc);
	if (quoted->size > *alen) {
		r = -ENOBUFS;
		goto out;
	}
	memcpy(attest, quoted->attestationData, quoted->size);
	*alen = quoted->size;
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(signature, sig, *slen, &off) != TSS2_RC_SUCCESS) {
		r = -ENOBUFS;
		goto out;
	}
	*slen = off;
out:
	Esys_Free(quoted);
	Esys_Free(signature);
	return r;
}

int ad_pcr_read(struct ad_ctx *c, uint32_t mask, uint8_t pcrs[24][32])
{
	uint32_t left = mask;

	/* a TPM returns at most 8 digests per call: ask again for the rest */
	for (int round = 0; left && round < 8; round++) {
		TPML_PCR_SELECTION sel, *outsel = NULL;
		TPML_DIGEST *vals = NULL;
		uint32_t got = 0;
		size_t k = 0;
		TSS2_RC rc;

		select_mask(&sel, left);
		rc = Esys_PCR_Read(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, NULL, &outsel, &vals);
		if (rc != TSS2_RC_SUCCESS)
			return fail(c, "PCR_Read", rc);
		for (unsigned b = 0; b < outsel->pcrSelections[0].sizeofSelect && b < 3; b++)
			got |= (uint32_t)outsel->pcrSelections[0].pcrSelect[b] << (8 * b);
		got &= left;
		for (unsigned i = 0; i < 24; i++)
			if (got & (1u << i)) {
				if (k >= vals->count || vals->digests[k].size != 32) {
					Esys_Free(outsel);
					Esys_Free(vals);
					return -EBADMSG;
				}
				memcpy(pcrs[i], vals->digests[k++].buffer, 32);
			}
		Esys_Free(outsel);
		Esys_Free(vals);
		if (!got)
			return -ENOENT;
		left &= ~got;
	}
	return left ? -EIO : 0;
}

int ad_pcr_extend(struct ad_ctx *c, unsigned pcr, const uint8_t digest[32])
{
	TPML_DIGEST_VALUES v = { .count = 1 };
	TSS2_RC rc;

	v.digests[0].hashAlg = TPM2_ALG_SHA256;
	memcpy(v.digests[0].digest.sha256, digest, 32);
	rc = Esys_PCR_Extend(c->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &v);
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "PCR_Extend", rc);
	return 0;
}

int ad_tpm_make_credential(struct ad_ctx *c, const uint8_t *cred, size_t len, const TPM2B_NAME *name,
			   TPM2B_ID_OBJECT *blob, TPM2B_ENCRYPTED_SECRET *secret)
{
	TPM2B_DIGEST in = { 0 };
	TPM2B_ID_OBJECT *b = NULL;
	TPM2B_ENCRYPTED_SECRET *s = NULL;
	TSS2_RC rc;

	if (c->ek == ESYS_TR_NONE || len > sizeof(in.buffer))
		return -EINVAL;
	in.size = (uint16_t)len;
	memcpy(in.buffer, cred, len);
	rc = Esys_MakeCredential(c->esys, c->ek, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &in, name, &b, &s);
	explicit_bzero(&in, sizeof(in));
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "MakeCredential", rc);
	*blob = *b;
	*secret = *s;
	Esys_Free(b);
	Esys_Free(s);
	return 0;
}

int ad_nv_read(struct ad_ctx *c, uint32_t idx, size_t max, uint8_t **out, size_t *len)
{
	ESYS_TR h = ESYS_TR_NONE;
	TPM2B_NV_PUBLIC *pub = NULL;
	uint8_t *buf = NULL;
	size_t size, done = 0;
	TSS2_RC rc;
	int r = 0;

	rc = Esys_TR_FromTPMPublic(c->esys, idx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &h);
	if (rc != TSS2_RC_SUCCESS) {
		/* TPM_RC_HANDLE: the index is not defined */
		if ((rc & 0xffff0000u) == 0 && (rc & TPM2_RC_FMT1) && (rc & 0x3fu) == (TPM2_RC_HANDLE & 0x3fu)) {
			snprintf(c->err, sizeof(c->err), "NV index 0x%08x is not defined", idx);
			return -ENOENT;
		}
		return fail(c, "TR_FromTPMPublic (NV index)", rc);
	}
	rc = Esys_NV_ReadPublic(c->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		r = fail(c, "NV_ReadPublic", rc);
		goto out;
	}
	size = pub->nvPublic.dataSize;
	if (size == 0 || size > max) {
		snprintf(c->err, sizeof(c->err), "NV index 0x%08x holds %zu bytes (at most %zu expected)", idx, size,
			 max);
		r = -EBADMSG;
		goto out;
	}
	buf = malloc(size);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	/* in chunks every TPM accepts (TPM2_PT_NV_BUFFER_MAX is at least 512 in
	 * the PC Client profile) */
	while (done < size) {
		UINT16 chunk = (UINT16)(size - done > 512 ? 512 : size - done);
		TPM2B_MAX_NV_BUFFER *data = NULL;

		rc = Esys_NV_Read(c->esys, h, h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, chunk, (UINT16)done,
				  &data);
		if (rc != TSS2_RC_SUCCESS) {
			r = fail(c, "NV_Read", rc);
			goto out;
		}
		if (data->size != chunk) {
			Esys_Free(data);
			r = -EBADMSG;
			goto out;
		}
		memcpy(buf + done, data->buffer, chunk);
		done += chunk;
		Esys_Free(data);
	}
	*out = buf;
	*len = size;
	buf = NULL;
out:
	free(buf);
	Esys_Free(pub);
	Esys_TR_Close(c->esys, &h);
	return r;
}
