/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "fileio.h"
#include "log.h"

char *pathjoin(const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s/%s", a, b) < 0)
		abort(); /* out of memory in a host tool: nothing sensible to do */
	return s;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

int rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return -errno;
	return 0;
}

int copy_file(const char *src, const char *dst, mode_t mode)
{
	_cleanup_(atomic_file_discardp) struct atomic_file af = ATOMIC_FILE_INIT;
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	uint8_t buf[1 << 16];
	int r;

	if (in < 0)
		return -errno;
	r = atomic_file_open(&af, dst, mode);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		r = write_full(af.fd, buf, (size_t)n);
		if (r < 0)
			return r;
	}
	return atomic_file_commit(&af);
}

const char *product_get(const struct build_ctx *b, const char *key)
{
	return conf_get(&b->product, key);
}

char *product_path(const struct build_ctx *b, const char *rel)
{
	return pathjoin(b->product_dir, rel);
}

void derive_bytes(const struct build_ctx *b, const char *purpose, const uint8_t *extra, size_t extra_len,
		  uint8_t *out, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char key[256];
	size_t done = 0;

	snprintf(key, sizeof(key), "rempart:%s:%s:%llu", product_get(b, "name"), b->version,
		 (unsigned long long)b->sde);
	for (uint8_t counter = 0; done < len; counter++) {
		_cleanup_free_ uint8_t *msg = NULL;
		size_t plen = strlen(purpose), mlen = plen + 1 + extra_len + 1;

		msg = malloc(mlen);
		if (!msg)
			abort();
		memcpy(msg, purpose, plen);
		msg[plen] = 0;
		if (extra_len)
			memcpy(msg + plen + 1, extra, extra_len);
		msg[mlen - 1] = counter;
		HMAC(EVP_sha256(), key, (int)strlen(key), msg, mlen, md, &mdlen);
		for (unsigned i = 0; i < mdlen && done < len; i++)
			out[done++] = md[i];
	}
}

static struct timespec step_t0;
static const char *step_name;

void step_begin(const char *what)
{
	step_name = what;
	clock_gettime(CLOCK_MONOTONIC, &step_t0);
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K[rempart] %s...", what);
	else
		log_info("%s...", what);
}

void step_end(void)
{
	struct timespec t;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t);
	s = (double)(t.tv_sec - step_t0.tv_sec) + (double)(t.tv_nsec - step_t0.tv_nsec) / 1e9;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K[rempart] %s: done in %.1f s\n", step_name, s);
	else
		log_debug("%s: %.1f s", step_name, s);
}

int sha256_file(const char *path, uint8_t out[32], uint64_t *size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	EVP_MD_CTX *ctx;
	uint8_t buf[1 << 16];
	uint64_t total = 0;
	int r = 0;

	if (fd < 0)
		return -errno;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (r == 0)
		EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	if (size)
		*size = total;
	return r;
}
