/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "cleanup.h"
#include "credential.h"
#include "quote.h"

DEFINE_POINTER_CLEANUP(EVP_PKEY, EVP_PKEY_free)
DEFINE_POINTER_CLEANUP(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
DEFINE_POINTER_CLEANUP(ECDSA_SIG, ECDSA_SIG_free)

static int fail(char err[QT_ERR_MAX], int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char err[QT_ERR_MAX], int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, QT_ERR_MAX, fmt, ap);
		va_end(ap);
	}
	return r;
}

int qt_parse(const uint8_t *buf, size_t len, struct qt_quote *q, char err[QT_ERR_MAX])
{
	const TPML_PCR_SELECTION *sel;
	size_t off = 0;
	TSS2_RC rc;

	memset(q, 0, sizeof(*q));
	rc = Tss2_MU_TPMS_ATTEST_Unmarshal(buf, len, &off, &q->attest);
	if (rc != TSS2_RC_SUCCESS)
		return fail(err, -EBADMSG, "quote: not a TPMS_ATTEST structure (unmarshal error 0x%x)", rc);
	if (off != len)
		return fail(err, -EBADMSG, "quote: %zu trailing bytes after the TPMS_ATTEST structure", len - off);
	if (q->attest.magic != TPM2_GENERATED_VALUE)
		return fail(err, -EBADMSG, "quote: magic 0x%08x is not TPM_GENERATED_VALUE (not produced by a TPM)",
			    q->attest.magic);
	if (q->attest.type != TPM2_ST_ATTEST_QUOTE)
		return fail(err, -EBADMSG, "quote: attestation type 0x%04x is not TPM_ST_ATTEST_QUOTE",
			    q->attest.type);
	sel = &q->attest.attested.quote.pcrSelect;
	if (sel->count != 1 || sel->pcrSelections[0].hash != TPM2_ALG_SHA256)
		return fail(err, -EBADMSG, "quote: PCR selection is not the sha256 bank alone");
	if (sel->pcrSelections[0].sizeofSelect < 3 || sel->pcrSelections[0].sizeofSelect > 4)
		return fail(err, -EBADMSG, "quote: PCR selection of %u bytes", sel->pcrSelections[0].sizeofSelect);
	for (unsigned i = 0; i < sel->pcrSelections[0].sizeofSelect; i++)
		q->pcr_mask |= (uint32_t)sel->pcrSelections[0].pcrSelect[i] << (8 * i);
	if (q->attest.attested.quote.pcrDigest.size != 32)
		return fail(err, -EBADMSG, "quote: PCR digest of %u bytes, not sha256",
			    q->attest.attested.quote.pcrDigest.size);
	memcpy(q->pcr_digest, q->attest.attested.quote.pcrDigest.buffer, 32);
	return 0;
}

int qt_pcr_digest(const uint8_t pcrs[QT_NPCR][32], uint32_t mask, uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);

	for (unsigned i = 0; ok && i < QT_NPCR; i++)
		if (mask & (1u << i))
			ok = EVP_DigestUpdate(c, pcrs[i], 32);
	ok = ok && EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

int qt_verify_signature(const TPMT_PUBLIC *ak, const uint8_t *attest, size_t attest_len, const uint8_t *sigbuf,
			size_t sig_len, char err[QT_ERR_MAX])
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *pk = NULL;
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
	TPMT_SIGNATURE sig = { 0 };
	uint8_t digest[32], der[256];
	const uint8_t *s;
	size_t off = 0, slen;
	int r;

	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(sigbuf, sig_len, &off, &sig) != TSS2_RC_SUCCESS || off != sig_len)
		return fail(err, -EBADMSG, "quote signature: not a TPMT_SIGNATURE structure");
	r = tc_pkey(ak, &pk);
	if (r < 0)
		return fail(err, r, "attestation key: unusable public key");
	if (!EVP_Digest(attest, attest_len, digest, NULL, EVP_sha256(), NULL))
		return -EIO;
	ctx = EVP_PKEY_CTX_new(pk, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) <= 0 || EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0)
		return -EIO;
	if (ak->type == TPM2_ALG_ECC) {
		_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *br, *bs;
		uint8_t *p = der;
		int n;

		if (sig.sigAlg != TPM2_ALG_ECDSA || sig.signature.ecdsa.hash != TPM2_ALG_SHA256)
			return fail(err, -EKEYREJECTED, "quote signature: scheme 0x%04x/0x%04x, expected ECDSA/sha256",
				    sig.sigAlg, sig.signature.ecdsa.hash);
		br = BN_bin2bn(sig.signature.ecdsa.signatureR.buffer, sig.signature.ecdsa.signatureR.size, NULL);
		bs = BN_bin2bn(sig.signature.ecdsa.signatureS.buffer, sig.signature.ecdsa.signatureS.size, NULL);
		if (!es || !br || !bs || !ECDSA_SIG_set0(es, br, bs)) {
			BN_free(br);
			BN_free(bs);
			return -ENOMEM;
		}
		n = i2d_ECDSA_SIG(es, NULL);
		if (n <= 0 || (size_t)n > sizeof(der))
			return fail(err, -EBADMSG, "quote signature: malformed ECDSA values");
		n = i2d_ECDSA_SIG(es, &p);
		s = der;
		slen = (size_t)n;
	} else if (ak->type == TPM2_ALG_RSA) {
		if ((sig.sigAlg != TPM2_ALG_RSASSA && sig.sigAlg != TPM2_ALG_RSAPSS) ||
		    sig.signature.rsassa.hash != TPM2_ALG_SHA256 || sig.sigAlg != ak->parameters.rsaDetail.scheme.scheme)
			return fail(err, -EKEYREJECTED, "quote signature: scheme 0x%04x/0x%04x, not the key's",
				    sig.sigAlg, sig.signature.rsassa.hash);
		if (EVP_PKEY_CTX_set_rsa_padding(ctx, sig.sigAlg == TPM2_ALG_RSAPSS ? RSA_PKCS1_PSS_PADDING
										 : RSA_PKCS1_PADDING) <= 0)
			return -EIO;
		if (sig.sigAlg == TPM2_ALG_RSAPSS && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO) <= 0)
			return -EIO;
		s = sig.signature.rsassa.sig.buffer;
		slen = sig.signature.rsassa.sig.size;
	} else {
		return fail(err, -EKEYREJECTED, "attestation key: unsupported type");
	}
	if (EVP_PKEY_verify(ctx, s, slen, digest, sizeof(digest)) != 1)
		return fail(err, -EKEYREJECTED,
			    "quote signature does not verify with the registered attestation key (a quote from another "
			    "TPM or altered evidence)");
	return 0;
}
