/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tpm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti_device.h>
#include <tss2/tss2_tctildr.h>

#include "cleanup.h"
#include "hex.h"
#include "signer.h"

struct tpm_ctx {
	TSS2_TCTI_CONTEXT *tcti;
	bool tcti_direct; /* device TCTI linked in, not loaded by tctildr */
	ESYS_CONTEXT *esys;
	TSS2_RC last_rc;
	char last[160];
};

static const TPMT_SYM_DEF session_sym = {
	.algorithm = TPM2_ALG_AES,
	.keyBits.aes = 128,
	.mode.aes = TPM2_ALG_CFB,
};

/* Records a failure and maps the response code to an errno. */
static int fail(struct tpm_ctx *c, const char *op, TSS2_RC rc)
{
	TSS2_RC code;

	c->last_rc = rc;
	snprintf(c->last, sizeof(c->last), "%s: %s (0x%x)", op, Tss2_RC_Decode(rc), rc);
	if ((rc & 0xffff0000u) != 0) {
		TSS2_RC base = rc & 0xffffu;
		if (base == TSS2_BASE_RC_BAD_VALUE || base == TSS2_BASE_RC_BAD_REFERENCE)
			return -EINVAL;
		if (base == TSS2_BASE_RC_MEMORY)
			return -ENOMEM;
		return -EIO;
	}
	code = (rc & TPM2_RC_FMT1) ? (rc & (TPM2_RC_FMT1 | 0x3f)) : (rc & 0x97f);
	switch (code) {
	case TPM2_RC_POLICY_FAIL:
	case TPM2_RC_POLICY:
	case TPM2_RC_VALUE:
	case TPM2_RC_SIGNATURE:
	case TPM2_RC_PCR_CHANGED:
	case TPM2_RC_TICKET:
		return -EACCES;
	case TPM2_RC_AUTH_FAIL:
	case TPM2_RC_BAD_AUTH:
	case TPM2_RC_AUTH_MISSING:
	case TPM2_RC_NV_AUTHORIZATION:
		return -EPERM;
	case TPM2_RC_LOCKOUT:
		return -EBUSY;
	case TPM2_RC_HANDLE:
		return -ENOENT;
	case TPM2_RC_NV_DEFINED:
		return -EEXIST;
	case TPM2_RC_NV_UNINITIALIZED:
		return -ENODATA;
	case TPM2_RC_INTEGRITY:
		return -EBADMSG;
	case TPM2_RC_OBJECT_MEMORY:
	case TPM2_RC_SESSION_MEMORY:
	case TPM2_RC_NV_SPACE:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

const char *tpm_last_error(const struct tpm_ctx *c)
{
	return c->last;
}

uint32_t tpm_last_rc(const struct tpm_ctx *c)
{
	return c->last_rc;
}

static void tcti_free(struct tpm_ctx *c)
{
	if (!c->tcti)
		return;
	if (c->tcti_direct) {
		Tss2_Tcti_Finalize(c->tcti);
		free(c->tcti);
		c->tcti = NULL;
	} else {
		Tss2_TctiLdr_Finalize(&c->tcti);
	}
}

int tpm_open(const char *tcti, struct tpm_ctx **out)
{
	struct tpm_ctx *c = calloc(1, sizeof(*c));
	TSS2_RC rc;

	if (!c)
		return -ENOMEM;
	/* The TSS logs TPM errors to stderr by itself; we report them once,
	 * with context. TSS2_LOG set by the user still wins. */
	(void)setenv("TSS2_LOG", "all+none", 0);
	if (!tcti || strncmp(tcti, "device:", 7) == 0 || strcmp(tcti, "device") == 0) {
		/* The device TCTI is linked in rather than dlopen'ed by tctildr, so
		 * an initramfs built from ldd's view of the binary has it. */
		const char *path = tcti && tcti[6] == ':' && tcti[7] ? tcti + 7 : "/dev/tpmrm0";
		size_t size = 0;

		if (Tss2_Tcti_Device_Init(NULL, &size, path) != TSS2_RC_SUCCESS || !(c->tcti = calloc(1, size))) {
			free(c);
			return -ENOMEM;
		}
		c->tcti_direct = true;
		rc = Tss2_Tcti_Device_Init(c->tcti, &size, path);
	} else {
		rc = Tss2_TctiLdr_Initialize(tcti, &c->tcti);
	}
	if (rc != TSS2_RC_SUCCESS) {
		if (c->tcti_direct)
			free(c->tcti);
		free(c);
		return -ENODEV;
	}
	rc = Esys_Initialize(&c->esys, c->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		tcti_free(c);
		free(c);
		return -ENODEV;
	}
	*out = c;
	return 0;
}

struct ESYS_CONTEXT *tpm_esys(struct tpm_ctx *c)
{
	return c->esys;
}

void tpm_close(struct tpm_ctx *c)
{
	if (!c)
		return;
	Esys_Finalize(&c->esys);
	tcti_free(c);
	free(c);
}

/* ---- handle hygiene: every transient object and session is flushed ---- */

struct esys_tr {
	struct tpm_ctx *c;
	ESYS_TR h;
	bool flush; /* transient object or session: flush; persistent/NV: close */
};

static void esys_trp(struct esys_tr *t)
{
	if (!t->c || t->h == ESYS_TR_NONE)
		return;
	if (t->flush)
		(void)Esys_FlushContext(t->c->esys, t->h);
	else
		(void)Esys_TR_Close(t->c->esys, &t->h);
	t->h = ESYS_TR_NONE;
}
#define _cleanup_tr_ _cleanup_(esys_trp)
#define TR_INIT(ctx, fl) { .c = (ctx), .h = ESYS_TR_NONE, .flush = (fl) }

static void set_auth(struct tpm_ctx *c, ESYS_TR h, const struct tpm_auth *a)
{
	TPM2B_AUTH auth = { 0 };

	if (a && a->len) {
		auth.size = (uint16_t)a->len;
		memcpy(auth.buffer, a->b, a->len);
	}
	(void)Esys_TR_SetAuth(c->esys, h, &auth);
	secure_wipe(&auth, sizeof(auth));
}

/* ---- PCRs ---- */

int tpm_pcr_read(struct tpm_ctx *c, unsigned pcr, uint8_t out[32])
{
	TPML_PCR_SELECTION sel = { .count = 1 };
	TPML_PCR_SELECTION *osel = NULL;
	TPML_DIGEST *vals = NULL;
	UINT32 upd;
	TSS2_RC rc;
	int r = 0;

	if (pcr >= 24)
		return -EINVAL;
	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	sel.pcrSelections[0].pcrSelect[pcr / 8] = (uint8_t)(1u << (pcr % 8));
	rc = Esys_PCR_Read(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &upd, &osel, &vals);
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "PCR_Read", rc);
	if (vals->count != 1 || vals->digests[0].size != 32)
		r = -ENODATA; /* sha256 bank not allocated */
	else
		memcpy(out, vals->digests[0].buffer, 32);
	Esys_Free(osel);
	Esys_Free(vals);
	return r;
}

int tpm_pcr_extend(struct tpm_ctx *c, unsigned pcr, const uint8_t digest[32])
{
	TPML_DIGEST_VALUES d = { .count = 1 };
	TSS2_RC rc;

	if (pcr >= 24)
		return -EINVAL;
	d.digests[0].hashAlg = TPM2_ALG_SHA256;
	memcpy(d.digests[0].digest.sha256, digest, 32);
	rc = Esys_PCR_Extend(c->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d);
	return rc == TSS2_RC_SUCCESS ? 0 : fail(c, "PCR_Extend", rc);
}

int tpm_pcr11_leave_initramfs(struct tpm_ctx *c)
{
	uint8_t d[32];
	unsigned int n = 0;

	if (EVP_Digest(TPM_LEAVE_INITRAMFS_MARKER, strlen(TPM_LEAVE_INITRAMFS_MARKER), d, &n, EVP_sha256(), NULL) != 1)
		return -EIO;
	return tpm_pcr_extend(c, 11, d);
}

/* ---- SRK ---- */

#define SRK_REQUIRED_ATTRS                                                                         \
	(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |        \
	 TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)

static void srk_template(TPM2B_PUBLIC *t)
{
	memset(t, 0, sizeof(*t));
	TPMT_PUBLIC *p = &t->publicArea;
	p->type = TPM2_ALG_ECC;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = SRK_REQUIRED_ATTRS | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
	p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
	p->parameters.eccDetail.symmetric.keyBits.aes = 128;
	p->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
}

/* Opens the persistent key at handle if it is a usable storage parent. */
static int srk_open(struct tpm_ctx *c, uint32_t handle, struct esys_tr *tr)
{
	TPM2B_PUBLIC *pub = NULL;
	TSS2_RC rc;
	int r = 0;

	rc = Esys_TR_FromTPMPublic(c->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr->h);
	if (rc != TSS2_RC_SUCCESS) {
		tr->h = ESYS_TR_NONE;
		return fail(c, "TR_FromTPMPublic(SRK)", rc); /* -ENOENT: nothing at that handle */
	}
	rc = Esys_ReadPublic(c->esys, tr->h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "ReadPublic(SRK)", rc);
	if ((pub->publicArea.objectAttributes & SRK_REQUIRED_ATTRS) != SRK_REQUIRED_ATTRS ||
	    (pub->publicArea.objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT))
		r = -EMEDIUMTYPE;
	Esys_Free(pub);
	return r;
}

int tpm_srk_ensure(struct tpm_ctx *c, const struct tpm_auth *owner)
{
	struct esys_tr srk _cleanup_tr_ = TR_INIT(c, false);
	struct esys_tr prim _cleanup_tr_ = TR_INIT(c, true);
	ESYS_TR persist = ESYS_TR_NONE;
	TPM2B_PUBLIC tmpl;
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation = { 0 };
	TSS2_RC rc;
	int r;

	r = srk_open(c, TP_SRK_HANDLE, &srk);
	if (r != -ENOENT)
		return r; /* 0: usable; -EMEDIUMTYPE: something else lives there */
	srk_template(&tmpl);
	set_auth(c, ESYS_TR_RH_OWNER, owner);
	rc = Esys_CreatePrimary(c->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
				&tmpl, &outside, &creation, &prim.h, NULL, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		prim.h = ESYS_TR_NONE;
		return fail(c, "CreatePrimary(owner)", rc);
	}
	rc = Esys_EvictControl(c->esys, ESYS_TR_RH_OWNER, prim.h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			       TP_SRK_HANDLE, &persist);
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "EvictControl(SRK)", rc);
	(void)Esys_TR_Close(c->esys, &persist);
	return 0;
}

static int start_session(struct tpm_ctx *c, ESYS_TR salt_key, TPM2_SE type, struct esys_tr *sess)
{
	TSS2_RC rc = Esys_StartAuthSession(c->esys, salt_key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, NULL, type, &session_sym, TPM2_ALG_SHA256, &sess->h);
	if (rc != TSS2_RC_SUCCESS) {
		sess->h = ESYS_TR_NONE;
		return fail(c, "StartAuthSession", rc);
	}
	return 0;
}

static bool name_eq(const TPM2B_NAME *a, const TPM2B_NAME *b)
{
	return a->size == b->size && a->size <= sizeof(a->name) && memcmp(a->name, b->name, a->size) == 0;
}

static int tr_name(struct tpm_ctx *c, ESYS_TR h, TPM2B_NAME *out)
{
	TPM2B_NAME *n = NULL;
	TSS2_RC rc = Esys_TR_GetName(c->esys, h, &n);

	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "TR_GetName", rc);
	*out = *n;
	Esys_Free(n);
	return 0;
}

/* ---- seal ---- */

int tpm_seal(struct tpm_ctx *c, const uint8_t *secret, size_t len, const uint8_t *pcr7, const uint8_t key_x[32],
	     const uint8_t key_y[32], struct tpm_sealed *out)
{
	struct esys_tr srk _cleanup_tr_ = TR_INIT(c, false);
	struct esys_tr sess _cleanup_tr_ = TR_INIT(c, true);
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC tmpl = { 0 }, key_pub, *opub = NULL;
	TPM2B_PRIVATE *opriv = NULL;
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation = { 0 };
	TSS2_RC rc;
	int r;

	if (len == 0 || len > TPM_SECRET_MAX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (pcr7)
		memcpy(out->pcr7, pcr7, 32);
	else if ((r = tpm_pcr_read(c, 7, out->pcr7)) < 0)
		return r;
	tp_policy_key_public(key_x, key_y, &key_pub);
	r = tp_object_name(&key_pub.publicArea, &out->key_name);
	if (r < 0)
		return r;

	r = srk_open(c, TP_SRK_HANDLE, &srk);
	if (r < 0)
		return r;
	out->srk_handle = TP_SRK_HANDLE;
	r = tr_name(c, srk.h, &out->srk_name);
	if (r < 0)
		return r;

	TPMT_PUBLIC *p = &tmpl.publicArea;
	p->type = TPM2_ALG_KEYEDHASH;
	p->nameAlg = TPM2_ALG_SHA256;
	/* No userWithAuth: only the policy opens it; no authValue to guess, so noDA
	 * (a DA lockout must not be a way to stop the boot). */
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA;
	p->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
	p->authPolicy.size = 32;
	r = tp_profile_sealed_policy(&out->key_name, out->pcr7, p->authPolicy.buffer);
	if (r < 0)
		return r;
	sens.sensitive.data.size = (uint16_t)len;
	memcpy(sens.sensitive.data.buffer, secret, len);

	r = start_session(c, srk.h, TPM2_SE_HMAC, &sess);
	if (r >= 0) {
		(void)Esys_TRSess_SetAttributes(c->esys, sess.h,
						TPMA_SESSION_DECRYPT | TPMA_SESSION_CONTINUESESSION, 0xff);
		rc = Esys_Create(c->esys, srk.h, sess.h, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside,
				 &creation, &opriv, &opub, NULL, NULL, NULL);
		r = rc == TSS2_RC_SUCCESS ? 0 : fail(c, "Create(sealed object)", rc);
	}
	secure_wipe(&sens, sizeof(sens));
	if (r < 0)
		return r;
	out->pub = *opub;
	out->priv = *opriv;
	Esys_Free(opub);
	Esys_Free(opriv);
	return 0;
}

/* ---- policy steps shared by unseal and increment ---- */

static int load_policy_key(struct tpm_ctx *c, const struct tpm_approval *a, struct esys_tr *key, TPM2B_NAME *name)
{
	TPM2B_PUBLIC pub;
	TPM2B_NAME want, got;
	TSS2_RC rc;
	int r;

	tp_policy_key_public(a->key_x, a->key_y, &pub);
	r = tp_object_name(&pub.publicArea, &want);
	if (r < 0)
		return r;
	/* Owner hierarchy, not NULL: a NULL-hierarchy key yields a NULL ticket,
	 * which PolicyAuthorize refuses. */
	rc = Esys_LoadExternal(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &pub, ESYS_TR_RH_OWNER,
			       &key->h);
	if (rc != TSS2_RC_SUCCESS) {
		key->h = ESYS_TR_NONE;
		return fail(c, "LoadExternal(policy key)", rc);
	}
	r = tr_name(c, key->h, &got);
	if (r < 0)
		return r;
	if (!name_eq(&got, &want))
		return -EPROTO;
	*name = want;
	return 0;
}

static int verify_ticket(struct tpm_ctx *c, ESYS_TR key, const uint8_t ahash[32], const uint8_t sr[32],
			 const uint8_t ss[32], TPMT_TK_VERIFIED **ticket)
{
	TPM2B_DIGEST d = { .size = 32 };
	TPMT_SIGNATURE sig = { .sigAlg = TPM2_ALG_ECDSA };
	TSS2_RC rc;

	memcpy(d.buffer, ahash, 32);
	sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
	sig.signature.ecdsa.signatureR.size = 32;
	memcpy(sig.signature.ecdsa.signatureR.buffer, sr, 32);
	sig.signature.ecdsa.signatureS.size = 32;
	memcpy(sig.signature.ecdsa.signatureS.buffer, ss, 32);
	rc = Esys_VerifySignature(c->esys, key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d, &sig, ticket);
	return rc == TSS2_RC_SUCCESS ? 0 : fail(c, "VerifySignature(approval)", rc);
}

static int policy_pcr(struct tpm_ctx *c, ESYS_TR sess, unsigned pcr, const uint8_t value[32])
{
	TPML_PCR_SELECTION sel = { .count = 1 };
	TPM2B_DIGEST d = { .size = 32 };
	TSS2_RC rc;
	int r;

	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	sel.pcrSelections[0].pcrSelect[pcr / 8] = (uint8_t)(1u << (pcr % 8));
	r = tp_pcr_composite((const uint8_t(*)[32])value, 1, d.buffer);
	if (r < 0)
		return r;
	rc = Esys_PolicyPCR(c->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d, &sel);
	return rc == TSS2_RC_SUCCESS ? 0 : fail(c, pcr == 7 ? "PolicyPCR(7)" : "PolicyPCR(11)", rc);
}

/* Opens the NV counter and checks it is ours (name = expected, written). */
static int nv_open(struct tpm_ctx *c, const struct tpm_approval *a, uint32_t index, struct esys_tr *nv)
{
	TPM2B_NAME want, got;
	TSS2_RC rc;
	int r;

	rc = Esys_TR_FromTPMPublic(c->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv->h);
	if (rc != TSS2_RC_SUCCESS) {
		nv->h = ESYS_TR_NONE;
		return fail(c, "TR_FromTPMPublic(NV counter)", rc); /* -ENOENT: not defined */
	}
	if (!a)
		return 0;
	r = approval_nv_name(a, &want);
	if (r < 0)
		return r;
	r = tr_name(c, nv->h, &got);
	if (r < 0)
		return r;
	return name_eq(&want, &got) ? 0 : -EMEDIUMTYPE;
}

static int policy_nv(struct tpm_ctx *c, ESYS_TR sess, ESYS_TR nv, uint64_t svn, TPM2_EO op)
{
	TPM2B_OPERAND b = { .size = 8 };
	TSS2_RC rc;

	tp_be64(svn, b.buffer);
	set_auth(c, nv, NULL);
	rc = Esys_PolicyNV(c->esys, nv, nv, sess, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &b, 0, op);
	return rc == TSS2_RC_SUCCESS ? 0 : fail(c, "PolicyNV(security version)", rc);
}

static int policy_authorize(struct tpm_ctx *c, ESYS_TR sess, const uint8_t approved[32], const char *ref,
			    const TPM2B_NAME *key_name, const TPMT_TK_VERIFIED *ticket)
{
	TPM2B_DIGEST ap = { .size = 32 };
	TPM2B_NONCE pref = { .size = (uint16_t)strlen(ref) };
	TSS2_RC rc;

	memcpy(ap.buffer, approved, 32);
	memcpy(pref.buffer, ref, pref.size);
	rc = Esys_PolicyAuthorize(c->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ap, &pref, key_name,
				  ticket);
	return rc == TSS2_RC_SUCCESS ? 0 : fail(c, "PolicyAuthorize", rc);
}

/* ---- unseal ---- */

const char *tpm_unseal_why_str(enum tpm_unseal_why why)
{
	switch (why) {
	case TPM_WHY_NONE: return "none";
	case TPM_WHY_KEY: return "approval signed by another policy key";
	case TPM_WHY_SRK: return "storage root key differs from the one sealed under";
	case TPM_WHY_SIGNATURE: return "approval signature rejected";
	case TPM_WHY_PCR11: return "PCR 11 (UKI) differs from the approved value";
	case TPM_WHY_NV: return "security-version counter above the approved version";
	case TPM_WHY_PCR7: return "PCR 7 (Secure Boot policy) differs from the sealed value";
	default: return "TPM error";
	}
}

static int deny(enum tpm_unseal_why *why, enum tpm_unseal_why w, int r)
{
	*why = w;
	return r;
}

int tpm_unseal(struct tpm_ctx *c, const struct tpm_sealed *s, const struct tpm_approval *a, uint8_t *out,
	       size_t *outlen, enum tpm_unseal_why *why)
{
	struct esys_tr srk _cleanup_tr_ = TR_INIT(c, false);
	struct esys_tr obj _cleanup_tr_ = TR_INIT(c, true);
	struct esys_tr key _cleanup_tr_ = TR_INIT(c, true);
	struct esys_tr sess _cleanup_tr_ = TR_INIT(c, true);
	struct esys_tr nv _cleanup_tr_ = TR_INIT(c, false);
	enum tpm_unseal_why dummy;
	TPMT_TK_VERIFIED *ticket = NULL;
	TPM2B_SENSITIVE_DATA *data = NULL;
	TPM2B_NAME key_name, srk_name;
	uint8_t approved[32], ahash[32];
	TSS2_RC rc;
	int r;

	if (!why)
		why = &dummy;
	*why = TPM_WHY_OTHER;
	r = tpm_approval_key_name(a, &key_name);
	if (r < 0)
		return r;
	if (!name_eq(&key_name, &s->key_name))
		return deny(why, TPM_WHY_KEY, -EACCES);
	r = approval_unseal_ahash(a, approved, ahash);
	if (r < 0)
		return r;

	r = srk_open(c, s->srk_handle, &srk);
	if (r < 0)
		return r == -EMEDIUMTYPE || r == -ENOENT ? deny(why, TPM_WHY_SRK, -EACCES) : r;
	r = tr_name(c, srk.h, &srk_name);
	if (r < 0)
		return r;
	if (!name_eq(&srk_name, &s->srk_name))
		return deny(why, TPM_WHY_SRK, -EACCES);

	/* The ticket first, then free the key's slot before loading the object. */
	r = load_policy_key(c, a, &key, &key_name);
	if (r < 0)
		return r;
	r = verify_ticket(c, key.h, ahash, a->sig_r, a->sig_s, &ticket);
	if (r < 0)
		return r == -EACCES ? deny(why, TPM_WHY_SIGNATURE, r) : r;
	esys_trp(&key);

	rc = Esys_Load(c->esys, srk.h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &s->priv, &s->pub, &obj.h);
	if (rc != TSS2_RC_SUCCESS) {
		obj.h = ESYS_TR_NONE;
		r = fail(c, "Load(sealed object)", rc);
		goto out;
	}
	r = start_session(c, srk.h, TPM2_SE_POLICY, &sess);
	if (r < 0)
		goto out;
	r = policy_pcr(c, sess.h, 11, a->pcr11);
	if (r < 0) {
		*why = r == -EACCES ? TPM_WHY_PCR11 : TPM_WHY_OTHER;
		goto out;
	}
	if (a->has_svn) {
		r = nv_open(c, a, a->nv_index, &nv);
		if (r == -ENOENT || r == -EMEDIUMTYPE) {
			/* No counter, or not the one this approval names: fail closed. */
			*why = TPM_WHY_NV;
			r = -EACCES;
		}
		if (r < 0)
			goto out;
		r = policy_nv(c, sess.h, nv.h, a->svn, TPM2_EO_UNSIGNED_LE);
		if (r < 0) {
			*why = r == -EACCES ? TPM_WHY_NV : TPM_WHY_OTHER;
			goto out;
		}
	}
	r = policy_authorize(c, sess.h, approved, TP_REF_UNSEAL, &key_name, ticket);
	if (r < 0)
		goto out;
	r = policy_pcr(c, sess.h, 7, s->pcr7);
	if (r < 0) {
		*why = r == -EACCES ? TPM_WHY_PCR7 : TPM_WHY_OTHER;
		goto out;
	}
	(void)Esys_TRSess_SetAttributes(c->esys, sess.h, TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION,
					0xff);
	rc = Esys_Unseal(c->esys, obj.h, sess.h, ESYS_TR_NONE, ESYS_TR_NONE, &data);
	if (rc != TSS2_RC_SUCCESS) {
		r = fail(c, "Unseal", rc);
		goto out;
	}
	if (data->size > TPM_SECRET_MAX) {
		r = -EBADMSG;
	} else {
		memcpy(out, data->buffer, data->size);
		*outlen = data->size;
		*why = TPM_WHY_NONE;
		r = 0;
	}
	secure_wipe(data, sizeof(*data));
out:
	Esys_Free(data);
	Esys_Free(ticket);
	return r;
}

/* ---- explainer ---- */

int tpm_explain(struct tpm_ctx *c, const struct tpm_sealed *s, const struct tpm_approval *a,
		struct tpm_explain *e)
{
	TPM2B_NAME key_name;
	int r;

	memset(e, 0, sizeof(*e));
	memcpy(e->pcr7_expected, s->pcr7, 32);
	memcpy(e->pcr11_expected, a->pcr11, 32);
	r = tpm_pcr_read(c, 7, e->pcr7_now);
	if (r < 0)
		return r;
	r = tpm_pcr_read(c, 11, e->pcr11_now);
	if (r < 0)
		return r;
	e->pcr7_differs = memcmp(e->pcr7_now, s->pcr7, 32) != 0;
	e->pcr11_differs = memcmp(e->pcr11_now, a->pcr11, 32) != 0;
	r = tpm_approval_key_name(a, &key_name);
	if (r < 0)
		return r;
	e->key_differs = !name_eq(&key_name, &s->key_name);
	{
		struct esys_tr srk _cleanup_tr_ = TR_INIT(c, false);
		TPM2B_NAME n;

		r = srk_open(c, s->srk_handle, &srk);
		if (r == -ENOENT || r == -EMEDIUMTYPE)
			e->srk_differs = true;
		else if (r < 0)
			return r;
		else if (tr_name(c, srk.h, &n) < 0 || !name_eq(&n, &s->srk_name))
			e->srk_differs = true;
	}
	e->has_svn = a->has_svn;
	if (a->has_svn) {
		e->svn = a->svn;
		e->nv_index = a->nv_index;
		r = tpm_nv_read(c, a->nv_index, &e->nv_now);
		if (r < 0)
			e->nv_missing = true;
		else
			e->nv_above = e->nv_now > a->svn;
	}
	return 0;
}

int tpm_explain_format(const struct tpm_explain *e, char *buf, size_t size)
{
	char x[65], y[65];
	size_t off = 0;
	int n = 0;

	buf[0] = 0;
#define APPEND(...)                                                                      \
	do {                                                                             \
		if (off < size) {                                                        \
			int k = snprintf(buf + off, size - off, __VA_ARGS__);            \
			off += k > 0 ? (size_t)k : 0;                                    \
		}                                                                        \
	} while (0)
	if (e->pcr7_differs) {
		hex_encode(e->pcr7_expected, 32, x);
		hex_encode(e->pcr7_now, 32, y);
		APPEND("%sPCR 7 (Secure Boot policy) differs: expected %s, found %s", n++ ? "; " : "", x, y);
	}
	if (e->pcr11_differs) {
		hex_encode(e->pcr11_expected, 32, x);
		hex_encode(e->pcr11_now, 32, y);
		APPEND("%sPCR 11 (UKI) differs: approved %s, found %s", n++ ? "; " : "", x, y);
	}
	if (e->srk_differs)
		APPEND("%sthe TPM's storage root key is not the one the state was sealed under (TPM cleared or "
		       "replaced)", n++ ? "; " : "");
	if (e->key_differs)
		APPEND("%sthe release approval is signed by another policy key than the state was sealed to",
		       n++ ? "; " : "");
	if (e->nv_missing)
		APPEND("%ssecurity-version counter 0x%08x is missing or unreadable", n++ ? "; " : "", e->nv_index);
	else if (e->nv_above)
		APPEND("%ssecurity-version counter is %llu, above this release's version %llu", n++ ? "; " : "",
		       (unsigned long long)e->nv_now, (unsigned long long)e->svn);
	if (n == 0)
		APPEND("PCR 7, PCR 11 and the security version match the expected values");
#undef APPEND
	return n;
}

/* ---- NV security-version counter ---- */

int tpm_nv_read(struct tpm_ctx *c, uint32_t index, uint64_t *value)
{
	struct esys_tr nv _cleanup_tr_ = TR_INIT(c, false);
	TPM2B_MAX_NV_BUFFER *d = NULL;
	TSS2_RC rc;
	int r;

	r = nv_open(c, NULL, index, &nv);
	if (r < 0)
		return r;
	set_auth(c, nv.h, NULL);
	rc = Esys_NV_Read(c->esys, nv.h, nv.h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0, &d);
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "NV_Read(counter)", rc);
	if (d->size != 8) {
		Esys_Free(d);
		return -EBADMSG;
	}
	*value = 0;
	for (int i = 0; i < 8; i++)
		*value = *value << 8 | d->buffer[i];
	Esys_Free(d);
	return 0;
}

int tpm_nv_define(struct tpm_ctx *c, const struct tpm_auth *owner, uint32_t index, const uint8_t key_x[32],
		  const uint8_t key_y[32], uint64_t *value)
{
	struct esys_tr nv _cleanup_tr_ = TR_INIT(c, false);
	TPM2B_PUBLIC kp;
	TPM2B_NAME key_name, want_written, want_unwritten, got;
	TPM2B_NV_PUBLIC pub, pubw;
	TPM2B_AUTH empty = { 0 };
	TSS2_RC rc;
	int r;

	tp_policy_key_public(key_x, key_y, &kp);
	r = tp_object_name(&kp.publicArea, &key_name);
	if (r >= 0)
		r = tp_nv_counter_public(index, &key_name, false, &pub);
	if (r >= 0)
		r = tp_nv_counter_public(index, &key_name, true, &pubw);
	if (r >= 0)
		r = tp_nv_name(&pub.nvPublic, &want_unwritten);
	if (r >= 0)
		r = tp_nv_name(&pubw.nvPublic, &want_written);
	if (r < 0)
		return r;

	set_auth(c, ESYS_TR_RH_OWNER, owner);
	r = nv_open(c, NULL, index, &nv);
	if (r == -ENOENT) {
		rc = Esys_NV_DefineSpace(c->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
					 &empty, &pub, &nv.h);
		if (rc != TSS2_RC_SUCCESS) {
			nv.h = ESYS_TR_NONE;
			return fail(c, "NV_DefineSpace(counter)", rc);
		}
	} else if (r < 0) {
		return r;
	}
	r = tr_name(c, nv.h, &got);
	if (r < 0)
		return r;
	if (name_eq(&got, &want_unwritten)) {
		rc = Esys_NV_Increment(c->esys, ESYS_TR_RH_OWNER, nv.h, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
		if (rc != TSS2_RC_SUCCESS)
			return fail(c, "NV_Increment(first, owner)", rc);
		esys_trp(&nv);
		r = nv_open(c, NULL, index, &nv);
		if (r >= 0)
			r = tr_name(c, nv.h, &got);
		if (r < 0)
			return r;
	}
	if (!name_eq(&got, &want_written))
		return -EMEDIUMTYPE; /* an index with other attributes or another policy key */
	return value ? tpm_nv_read(c, index, value) : 0;
}

#define NV_MAX_STEPS 65536

static int nv_increment_signed(struct tpm_ctx *c, ESYS_TR nv, const struct tpm_approval *a,
			       const uint8_t approved[32], const TPM2B_NAME *key_name, const TPMT_TK_VERIFIED *ticket)
{
	struct esys_tr sess _cleanup_tr_ = TR_INIT(c, true);
	TSS2_RC rc;
	int r;

	r = start_session(c, ESYS_TR_NONE, TPM2_SE_POLICY, &sess);
	if (r >= 0)
		r = policy_nv(c, sess.h, nv, a->svn, TPM2_EO_UNSIGNED_LT);
	if (r >= 0) {
		rc = Esys_PolicyCommandCode(c->esys, sess.h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					    TPM2_CC_NV_Increment);
		r = rc == TSS2_RC_SUCCESS ? 0 : fail(c, "PolicyCommandCode", rc);
	}
	if (r >= 0)
		r = policy_authorize(c, sess.h, approved, TP_REF_NV_INCREMENT, key_name, ticket);
	if (r >= 0) {
		rc = Esys_NV_Increment(c->esys, nv, nv, sess.h, ESYS_TR_NONE, ESYS_TR_NONE);
		r = rc == TSS2_RC_SUCCESS ? 0 : fail(c, "NV_Increment(signed)", rc);
	}
	return r;
}

int tpm_nv_increment_to(struct tpm_ctx *c, uint32_t index, uint64_t target, const struct tpm_approval *a,
			const struct tpm_auth *owner)
{
	struct esys_tr nv _cleanup_tr_ = TR_INIT(c, false);
	struct esys_tr key _cleanup_tr_ = TR_INIT(c, true);
	TPMT_TK_VERIFIED *ticket = NULL;
	TPM2B_NAME key_name;
	uint8_t approved[32], ahash[32];
	uint64_t cur;
	TSS2_RC rc;
	int r;

	if (a && (!a->has_svn || a->nv_index != index))
		return -EINVAL;
	if (a && target > a->svn)
		return -EPERM; /* the approval does not allow going that far */
	r = tpm_nv_read(c, index, &cur);
	if (r < 0)
		return r;
	if (target < cur)
		return -ERANGE;
	if (target - cur > NV_MAX_STEPS)
		return -E2BIG;
	if (target == cur)
		return 0;
	r = nv_open(c, a, index, &nv);
	if (r < 0)
		return r;
	if (a) {
		r = approval_increment_ahash(a, approved, ahash);
		if (r >= 0)
			r = load_policy_key(c, a, &key, &key_name);
		if (r >= 0)
			r = verify_ticket(c, key.h, ahash, a->inc_r, a->inc_s, &ticket);
		if (r < 0)
			goto out;
		esys_trp(&key);
	} else {
		set_auth(c, ESYS_TR_RH_OWNER, owner);
	}
	for (; cur < target; cur++) {
		if (a) {
			r = nv_increment_signed(c, nv.h, a, approved, &key_name, ticket);
		} else {
			rc = Esys_NV_Increment(c->esys, ESYS_TR_RH_OWNER, nv.h, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					       ESYS_TR_NONE);
			r = rc == TSS2_RC_SUCCESS ? 0 : fail(c, "NV_Increment(owner)", rc);
		}
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	Esys_Free(ticket);
	return r;
}

/* ---- provisioning ---- */

static int random_auth(struct tpm_auth *a)
{
	a->len = TPM_AUTH_MAX;
	if (getrandom(a->b, a->len, 0) != (ssize_t)a->len)
		return -EIO;
	return 0;
}

static int change_auth(struct tpm_ctx *c, ESYS_TR hier, ESYS_TR sess, const struct tpm_auth *cur,
		       const struct tpm_auth *next, const char *op)
{
	TPM2B_AUTH n = { .size = (uint16_t)next->len };
	TSS2_RC rc;

	memcpy(n.buffer, next->b, next->len);
	set_auth(c, hier, cur);
	rc = Esys_HierarchyChangeAuth(c->esys, hier, sess, ESYS_TR_NONE, ESYS_TR_NONE, &n);
	secure_wipe(&n, sizeof(n));
	return rc == TSS2_RC_SUCCESS ? 0 : fail(c, op, rc);
}

int tpm_provision_auth(struct tpm_ctx *c, const struct tpm_auth *cur_owner, const struct tpm_auth *cur_lockout,
		       struct tpm_auth *new_owner, struct tpm_auth *new_lockout)
{
	struct esys_tr srk _cleanup_tr_ = TR_INIT(c, false);
	struct esys_tr sess _cleanup_tr_ = TR_INIT(c, true);
	int r;

	memset(new_owner, 0, sizeof(*new_owner));
	memset(new_lockout, 0, sizeof(*new_lockout));
	r = srk_open(c, TP_SRK_HANDLE, &srk);
	if (r < 0)
		return r;
	r = random_auth(new_owner);
	if (r >= 0)
		r = random_auth(new_lockout);
	if (r >= 0)
		r = start_session(c, srk.h, TPM2_SE_HMAC, &sess);
	if (r < 0)
		goto fail;
	(void)Esys_TRSess_SetAttributes(c->esys, sess.h, TPMA_SESSION_DECRYPT | TPMA_SESSION_CONTINUESESSION, 0xff);
	r = change_auth(c, ESYS_TR_RH_OWNER, sess.h, cur_owner, new_owner, "HierarchyChangeAuth(owner)");
	if (r < 0)
		goto fail;
	r = change_auth(c, ESYS_TR_RH_LOCKOUT, sess.h, cur_lockout, new_lockout, "HierarchyChangeAuth(lockout)");
	if (r < 0) {
		/* Owner already changed: hand it back so the caller can keep or retry it. */
		secure_wipe(new_lockout, sizeof(*new_lockout));
		return r;
	}
	return 0;
fail:
	secure_wipe(new_owner, sizeof(*new_owner));
	secure_wipe(new_lockout, sizeof(*new_lockout));
	return r;
}

int tpm_da_status(struct tpm_ctx *c, struct tpm_da_status *st)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;

	memset(st, 0, sizeof(*st));
	rc = Esys_GetCapability(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES,
				TPM2_PT_PERMANENT, 32, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return fail(c, "GetCapability(properties)", rc);
	for (UINT32 i = 0; i < cap->data.tpmProperties.count; i++) {
		TPMS_TAGGED_PROPERTY *p = &cap->data.tpmProperties.tpmProperty[i];
		switch (p->property) {
		case TPM2_PT_PERMANENT:
			st->owner_auth_set = p->value & TPMA_PERMANENT_OWNERAUTHSET;
			st->lockout_auth_set = p->value & TPMA_PERMANENT_LOCKOUTAUTHSET;
			st->in_lockout = p->value & TPMA_PERMANENT_INLOCKOUT;
			break;
		case TPM2_PT_LOCKOUT_COUNTER: st->failed_tries = p->value; break;
		case TPM2_PT_MAX_AUTH_FAIL: st->max_tries = p->value; break;
		case TPM2_PT_LOCKOUT_INTERVAL: st->recovery_s = p->value; break;
		case TPM2_PT_LOCKOUT_RECOVERY: st->lockout_recovery_s = p->value; break;
		default: break;
		}
	}
	Esys_Free(cap);
	return 0;
}
