/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "authenticode.h"
#include "cleanup.h"
#include "fileio.h"

#define MAX_SECTIONS 96

DEFINE_POINTER_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)

struct range {
	uint32_t off, size;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int cmp_range(const void *a, const void *b)
{
	uint32_t x = ((const struct range *)a)->off, y = ((const struct range *)b)->off;

	return x < y ? -1 : x > y;
}

static int upd(EVP_MD_CTX *ctx, const uint8_t *img, size_t len, size_t from, size_t to)
{
	if (from > to || to > len)
		return -EBADMSG;
	return EVP_DigestUpdate(ctx, img + from, to - from) ? 0 : -EIO;
}

int authenticode_sha256(const uint8_t *img, size_t len, uint8_t out[32])
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct range sec[MAX_SECTIONS];
	size_t pe, opt, ck, dd, certdir = 0, shdr, hashed, nsec_used = 0;
	uint32_t nrva, size_of_headers, cert_size = 0;
	uint16_t nsec, optsize, magic;
	int r;

	if (!ctx)
		return -ENOMEM;
	if (len < 0x40 || img[0] != 'M' || img[1] != 'Z')
		return -EBADMSG;
	pe = le32(img + 0x3c);
	if (pe > len || len - pe < 24 || memcmp(img + pe, "PE\0\0", 4) != 0)
		return -EBADMSG;
	nsec = le16(img + pe + 6);
	optsize = le16(img + pe + 20);
	opt = pe + 24;
	if (nsec > MAX_SECTIONS || optsize < 2 || len - opt < optsize)
		return -EBADMSG;
	magic = le16(img + opt);
	if (magic == 0x10b) {        /* PE32 */
		if (optsize < 96)
			return -EBADMSG;
		nrva = le32(img + opt + 92);
		dd = opt + 96;
	} else if (magic == 0x20b) { /* PE32+ */
		if (optsize < 112)
			return -EBADMSG;
		nrva = le32(img + opt + 108);
		dd = opt + 112;
	} else {
		return -EBADMSG;
	}
	if (nrva > 16 || dd + (size_t)nrva * 8 > opt + optsize)
		return -EBADMSG;
	ck = opt + 64;
	size_of_headers = le32(img + opt + 60);
	if (size_of_headers > len)
		return -EBADMSG;
	if (nrva > 4) {
		certdir = dd + 4 * 8;
		cert_size = le32(img + certdir + 4);
	}
	shdr = opt + optsize;
	if (len - shdr < (size_t)nsec * 40)
		return -EBADMSG;
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		return -EIO;
	/* headers without CheckSum and the certificate table entry */
	if ((r = upd(ctx, img, len, 0, ck)) < 0)
		return r;
	if (certdir) {
		if ((r = upd(ctx, img, len, ck + 4, certdir)) < 0 ||
		    (r = upd(ctx, img, len, certdir + 8, size_of_headers)) < 0)
			return r;
	} else if ((r = upd(ctx, img, len, ck + 4, size_of_headers)) < 0) {
		return r;
	}
	hashed = size_of_headers;
	for (uint16_t i = 0; i < nsec; i++) {
		const uint8_t *s = img + shdr + (size_t)i * 40;
		uint32_t raw_size = le32(s + 16), raw_ptr = le32(s + 20);

		if (raw_size == 0)
			continue;
		if (raw_ptr > len || raw_size > len - raw_ptr)
			return -EBADMSG;
		sec[nsec_used++] = (struct range){ raw_ptr, raw_size };
	}
	qsort(sec, nsec_used, sizeof(sec[0]), cmp_range);
	for (size_t i = 0; i < nsec_used; i++) {
		if ((r = upd(ctx, img, len, sec[i].off, (size_t)sec[i].off + sec[i].size)) < 0)
			return r;
		hashed += sec[i].size;
	}
	/* trailing data that is not the certificate table */
	if (len > hashed && len - hashed > cert_size) {
		if ((r = upd(ctx, img, len, hashed, len - cert_size)) < 0)
			return r;
	}
	if (!EVP_DigestFinal_ex(ctx, out, NULL))
		return -EIO;
	return 0;
}

int authenticode_sha256_file(const char *path, uint8_t out[32])
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r;

	r = read_file(path, 512u << 20, &buf, &len);
	if (r < 0)
		return r;
	return authenticode_sha256(buf, len, out);
}
