/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "efisig.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define EFI_CERT_X509 "a5c059a1-94e4-4aa7-87b5-ab155c2bf072"
#define EFI_CERT_SHA256 "c1c41626-504c-4092-aca9-41f936934328"
#define MICROSOFT_OWNER "77fa9abd-0359-4d32-bd60-28f4e78f784b"

void efisig_list_free(struct efisig_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void efi_guid_format(const uint8_t g[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3], g[2],
		 g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool name_is_microsoft(const X509_NAME *n)
{
	char org[128];
	int l;

	if (!n)
		return false;
	l = X509_NAME_get_text_by_NID((X509_NAME *)n, NID_organizationName, org, sizeof(org));
	return l > 0 && strstr(org, "Microsoft") != NULL;
}

static void decode_x509(const uint8_t *der, size_t len, struct efisig_entry *e)
{
	const unsigned char *p = der;
	X509 *x;

	if (len > 1 << 20)
		return;
	x = d2i_X509(NULL, &p, (long)len);
	if (!x)
		return;
	X509_NAME_oneline(X509_get_subject_name(x), e->subject, sizeof(e->subject));
	X509_NAME_oneline(X509_get_issuer_name(x), e->issuer, sizeof(e->issuer));
	if (name_is_microsoft(X509_get_subject_name(x)) || name_is_microsoft(X509_get_issuer_name(x)))
		e->microsoft = true;
	X509_free(x);
}

int efisig_parse(const uint8_t *buf, size_t len, bool has_attr, struct efisig_list *out)
{
	size_t pos = has_attr ? 4 : 0;

	if (len < pos)
		return -EBADMSG;
	while (pos < len) {
		char type[37];
		uint32_t list_size, hdr_size, sig_size;
		size_t p, end;

		if (len - pos < 28)
			return -EBADMSG;
		efi_guid_format(buf + pos, type);
		list_size = le32(buf + pos + 16);
		hdr_size = le32(buf + pos + 20);
		sig_size = le32(buf + pos + 24);
		if (list_size < 28 || list_size > len - pos || sig_size < 16 || hdr_size > list_size - 28 ||
		    (list_size - 28 - hdr_size) % sig_size != 0)
			return -EBADMSG;
		end = pos + list_size;
		for (p = pos + 28 + hdr_size; p < end; p += sig_size) {
			struct efisig_entry *e;

			if (out->n == out->cap) {
				size_t ncap = out->cap ? out->cap * 2 : 8;
				struct efisig_entry *nv;

				if (ncap > 4096)
					return -EBADMSG;
				nv = realloc(out->v, ncap * sizeof(*nv));
				if (!nv)
					return -ENOMEM;
				out->v = nv;
				out->cap = ncap;
			}
			e = &out->v[out->n++];
			memset(e, 0, sizeof(*e));
			efi_guid_format(buf + p, e->owner);
			e->x509 = strcmp(type, EFI_CERT_X509) == 0;
			e->sha256 = strcmp(type, EFI_CERT_SHA256) == 0;
			if (strcmp(e->owner, MICROSOFT_OWNER) == 0)
				e->microsoft = true;
			if (!EVP_Digest(buf + p + 16, sig_size - 16, e->fingerprint, NULL, EVP_sha256(), NULL))
				return -ENOMEM;
			if (e->x509)
				decode_x509(buf + p + 16, sig_size - 16, e);
		}
		pos = end;
	}
	return 0;
}

int efivar_bool(const uint8_t *buf, size_t len, bool *value)
{
	if (len != 5 || buf[4] > 1)
		return -EBADMSG;
	*value = buf[4] == 1;
	return 0;
}

int efisig_cert_fingerprint(const char *path, uint8_t fp[32])
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	unsigned char *der = NULL;
	X509 *x;
	int len;

	if (!f)
		return -errno;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	if (!x) {
		rewind(f);
		x = d2i_X509_fp(f, NULL);
	}
	if (!x)
		return -EBADMSG;
	len = i2d_X509(x, &der);
	X509_free(x);
	if (len <= 0)
		return -EBADMSG;
	if (!EVP_Digest(der, (size_t)len, fp, NULL, EVP_sha256(), NULL)) {
		OPENSSL_free(der);
		return -ENOMEM;
	}
	OPENSSL_free(der);
	return 0;
}
