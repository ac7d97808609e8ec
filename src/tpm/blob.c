/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "blob.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <tss2/tss2_mu.h>

#include "cleanup.h"
#include "fileio.h"

/* Sealed object layout (version 1):
 *   "RMPS" u8 version=1
 *   u32 srk_handle
 *   TPM2B_NAME srk_name      (34 bytes of name: sha256)
 *   u8[32] pcr7
 *   TPM2B_NAME key_name
 *   TPM2B_PUBLIC pub         (keyedhash, nameAlg sha256, 32-byte authPolicy)
 *   TPM2B_PRIVATE priv
 * Approval layout (version 1):
 *   "RMPA" u8 version=1 u8 flags (bit 0: security version present)
 *   u8[32] pcr11 u8[32] x u8[32] y u8[32] r u8[32] s
 *   if flags & 1: u64 svn u32 nv_index u8[32] inc_r u8[32] inc_s */

#define SEALED_MAX 2048

static bool name_ok(const TPM2B_NAME *n)
{
	return n->size == TP_NAME_SIZE && n->name[0] == (TPM2_ALG_SHA256 >> 8) &&
	       n->name[1] == (TPM2_ALG_SHA256 & 0xff);
}

int tpm_sealed_serialize(const struct tpm_sealed *s, uint8_t **out, size_t *outlen)
{
	_cleanup_free_ uint8_t *buf = malloc(SEALED_MAX);
	size_t off = 0;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, TPM_SEALED_MAGIC, 4);
	buf[4] = TPM_BLOB_VERSION;
	off = 5;
	if (Tss2_MU_UINT32_Marshal(s->srk_handle, buf, SEALED_MAX, &off) ||
	    Tss2_MU_TPM2B_NAME_Marshal(&s->srk_name, buf, SEALED_MAX, &off))
		return -EINVAL;
	if (off + TP_DIGEST_SIZE > SEALED_MAX)
		return -EINVAL;
	memcpy(buf + off, s->pcr7, TP_DIGEST_SIZE);
	off += TP_DIGEST_SIZE;
	if (Tss2_MU_TPM2B_NAME_Marshal(&s->key_name, buf, SEALED_MAX, &off) ||
	    Tss2_MU_TPM2B_PUBLIC_Marshal(&s->pub, buf, SEALED_MAX, &off) ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(&s->priv, buf, SEALED_MAX, &off))
		return -EINVAL;
	*out = TAKE_PTR(buf);
	*outlen = off;
	return 0;
}

int tpm_sealed_parse(const uint8_t *buf, size_t len, struct tpm_sealed *s)
{
	size_t off = 5;

	memset(s, 0, sizeof(*s));
	if (len < 5 || len > SEALED_MAX || memcmp(buf, TPM_SEALED_MAGIC, 4) != 0 || buf[4] != TPM_BLOB_VERSION)
		return -EBADMSG;
	if (Tss2_MU_UINT32_Unmarshal(buf, len, &off, &s->srk_handle) ||
	    Tss2_MU_TPM2B_NAME_Unmarshal(buf, len, &off, &s->srk_name))
		return -EBADMSG;
	if (len - off < TP_DIGEST_SIZE)
		return -EBADMSG;
	memcpy(s->pcr7, buf + off, TP_DIGEST_SIZE);
	off += TP_DIGEST_SIZE;
	if (Tss2_MU_TPM2B_NAME_Unmarshal(buf, len, &off, &s->key_name) ||
	    Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, len, &off, &s->pub) ||
	    Tss2_MU_TPM2B_PRIVATE_Unmarshal(buf, len, &off, &s->priv))
		return -EBADMSG;
	if (off != len)
		return -EBADMSG;
	if ((s->srk_handle >> 24) != TPM2_HT_PERSISTENT || !name_ok(&s->srk_name) || !name_ok(&s->key_name))
		return -EBADMSG;
	const TPMT_PUBLIC *p = &s->pub.publicArea;
	if (p->type != TPM2_ALG_KEYEDHASH || p->nameAlg != TPM2_ALG_SHA256 ||
	    p->authPolicy.size != TP_DIGEST_SIZE || s->priv.size == 0 ||
	    p->parameters.keyedHashDetail.scheme.scheme != TPM2_ALG_NULL)
		return -EBADMSG;
	return 0;
}

int tpm_approval_serialize(const struct tpm_approval *a, uint8_t **out, size_t *outlen)
{
	size_t n = 6 + 5 * 32 + (a->has_svn ? 8 + 4 + 64 : 0), off;
	uint8_t *buf = malloc(n);

	if (!buf)
		return -ENOMEM;
	memcpy(buf, TPM_APPROVAL_MAGIC, 4);
	buf[4] = TPM_BLOB_VERSION;
	buf[5] = a->has_svn ? 1 : 0;
	off = 6;
	memcpy(buf + off, a->pcr11, 32), off += 32;
	memcpy(buf + off, a->key_x, 32), off += 32;
	memcpy(buf + off, a->key_y, 32), off += 32;
	memcpy(buf + off, a->sig_r, 32), off += 32;
	memcpy(buf + off, a->sig_s, 32), off += 32;
	if (a->has_svn) {
		tp_be64(a->svn, buf + off), off += 8;
		buf[off++] = (uint8_t)(a->nv_index >> 24);
		buf[off++] = (uint8_t)(a->nv_index >> 16);
		buf[off++] = (uint8_t)(a->nv_index >> 8);
		buf[off++] = (uint8_t)a->nv_index;
		memcpy(buf + off, a->inc_r, 32), off += 32;
		memcpy(buf + off, a->inc_s, 32), off += 32;
	}
	*out = buf;
	*outlen = off;
	return 0;
}

int tpm_approval_parse(const uint8_t *buf, size_t len, struct tpm_approval *a)
{
	size_t off = 6;

	memset(a, 0, sizeof(*a));
	if (len < 6 || memcmp(buf, TPM_APPROVAL_MAGIC, 4) != 0 || buf[4] != TPM_BLOB_VERSION || buf[5] > 1)
		return -EBADMSG;
	a->has_svn = buf[5] & 1;
	if (len != 6 + 5 * 32 + (a->has_svn ? 8 + 4 + 64u : 0u))
		return -EBADMSG;
	memcpy(a->pcr11, buf + off, 32), off += 32;
	memcpy(a->key_x, buf + off, 32), off += 32;
	memcpy(a->key_y, buf + off, 32), off += 32;
	memcpy(a->sig_r, buf + off, 32), off += 32;
	memcpy(a->sig_s, buf + off, 32), off += 32;
	if (a->has_svn) {
		for (int i = 0; i < 8; i++)
			a->svn = a->svn << 8 | buf[off++];
		for (int i = 0; i < 4; i++)
			a->nv_index = a->nv_index << 8 | buf[off++];
		memcpy(a->inc_r, buf + off, 32), off += 32;
		memcpy(a->inc_s, buf + off, 32), off += 32;
		if ((a->nv_index >> 24) != TPM2_HT_NV_INDEX)
			return -EBADMSG;
	}
	return 0;
}

static int to_b64(const uint8_t *buf, size_t len, char **out)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);

	if (!s)
		return -ENOMEM;
	sodium_bin2base64(s, n, buf, len, sodium_base64_VARIANT_ORIGINAL);
	*out = s;
	return 0;
}

static int from_b64(const char *b64, uint8_t **out, size_t *outlen)
{
	size_t n = strlen(b64), len = 0;
	_cleanup_free_ uint8_t *buf = NULL;

	if (n > 4 * SEALED_MAX)
		return -EBADMSG;
	buf = malloc(n / 4 * 3 + 3);
	if (!buf)
		return -ENOMEM;
	if (sodium_base642bin(buf, n / 4 * 3 + 3, b64, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return -EBADMSG;
	*out = TAKE_PTR(buf);
	*outlen = len;
	return 0;
}

int tpm_sealed_to_base64(const struct tpm_sealed *s, char **out)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r = tpm_sealed_serialize(s, &buf, &len);

	return r < 0 ? r : to_b64(buf, len, out);
}

int tpm_sealed_from_base64(const char *b64, struct tpm_sealed *s)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r = from_b64(b64, &buf, &len);

	return r < 0 ? r : tpm_sealed_parse(buf, len, s);
}

int tpm_approval_to_base64(const struct tpm_approval *a, char **out)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r = tpm_approval_serialize(a, &buf, &len);

	return r < 0 ? r : to_b64(buf, len, out);
}

int tpm_approval_from_base64(const char *b64, struct tpm_approval *a)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r = from_b64(b64, &buf, &len);

	return r < 0 ? r : tpm_approval_parse(buf, len, a);
}

int tpm_sealed_load(const char *path, struct tpm_sealed *s)
{
	_cleanup_free_ char *t = NULL;
	int r = read_text_line(path, 64 * 1024, &t);

	if (r < 0)
		return r;
	return tpm_sealed_from_base64(t, s) < 0 ? -EBADMSG : 0;
}

int tpm_approval_load(const char *path, struct tpm_approval *a)
{
	_cleanup_free_ char *t = NULL;
	int r = read_text_line(path, 64 * 1024, &t);

	if (r < 0)
		return r;
	return tpm_approval_from_base64(t, a) < 0 ? -EBADMSG : 0;
}

int tpm_approval_key_name(const struct tpm_approval *a, TPM2B_NAME *out)
{
	TPM2B_PUBLIC pub;

	tp_policy_key_public(a->key_x, a->key_y, &pub);
	return tp_object_name(&pub.publicArea, out);
}
