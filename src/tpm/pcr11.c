/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pcr11.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cleanup.h"

DEFINE_POINTER_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)

const char *const uki_section_names[UKI_SECTION_MAX] = {
	[UKI_LINUX] = ".linux",     [UKI_OSREL] = ".osrel", [UKI_CMDLINE] = ".cmdline",
	[UKI_INITRD] = ".initrd",   [UKI_SPLASH] = ".splash", [UKI_DTB] = ".dtb",
	[UKI_PCRPKEY] = ".pcrpkey",
};

int pcr_extend_digest_sw(uint8_t pcr[32], const uint8_t digest[32])
{
	uint8_t buf[64];
	unsigned int n = 0;

	memcpy(buf, pcr, 32);
	memcpy(buf + 32, digest, 32);
	return EVP_Digest(buf, sizeof(buf), pcr, &n, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
}

int pcr_extend_sw(uint8_t pcr[32], const void *data, size_t len)
{
	uint8_t d[32];
	unsigned int n = 0;

	if (EVP_Digest(data, len, d, &n, EVP_sha256(), NULL) != 1)
		return -EIO;
	return pcr_extend_digest_sw(pcr, d);
}

static int digest_file(const char *path, uint8_t out[32])
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t buf[65536];
	unsigned int n = 0;

	if (fd < 0)
		return -errno;
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		return -EIO;
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)k) != 1)
			return -EIO;
	}
	return EVP_DigestFinal_ex(ctx, out, &n) == 1 ? 0 : -EIO;
}

int pcr11_predict_files(const char *const paths[UKI_SECTION_MAX], uint8_t out[32])
{
	uint8_t pcr[32] = { 0 }, d[32];
	int r;

	if (!paths[UKI_LINUX])
		return -EINVAL;
	for (int i = 0; i < UKI_SECTION_MAX; i++) {
		if (!paths[i])
			continue;
		r = pcr_extend_sw(pcr, uki_section_names[i], strlen(uki_section_names[i]) + 1);
		if (r < 0)
			return r;
		r = digest_file(paths[i], d);
		if (r < 0)
			return r;
		r = pcr_extend_digest_sw(pcr, d);
		if (r < 0)
			return r;
	}
	memcpy(out, pcr, 32);
	return 0;
}
