/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "hex.h"

#define SEALED_KEY_LEN (crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES)
#define AAD_LEN (RD_MAGIC_LEN + SEALED_KEY_LEN)
#define CT_CHUNK (RD_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)

_Static_assert(AAD_LEN + crypto_secretstream_xchacha20poly1305_HEADERBYTES == RD_HEADER_LEN, "header layout");
_Static_assert(crypto_box_PUBLICKEYBYTES == RD_KEY_LEN && crypto_box_SECRETKEYBYTES == RD_KEY_LEN, "key size");

static int init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int rd_keygen(uint8_t pk[RD_KEY_LEN], uint8_t sk[RD_KEY_LEN])
{
	if (init() < 0)
		return -EIO;
	return crypto_box_keypair(pk, sk) == 0 ? 0 : -EIO;
}

/* Reads exactly n bytes unless EOF comes first; returns bytes read or -errno. */
static ssize_t read_upto(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int rd_seal(int in_fd, uint64_t len, int out_fd, const uint8_t pk[RD_KEY_LEN])
{
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	uint8_t head[RD_HEADER_LEN];
	_cleanup_free_ uint8_t *pt = NULL, *ct = NULL;
	uint64_t done = 0;
	int r = 0;

	if (init() < 0)
		return -EIO;
	pt = malloc(RD_CHUNK);
	ct = malloc(CT_CHUNK);
	if (!pt || !ct)
		return -ENOMEM;
	memcpy(head, RD_MAGIC, RD_MAGIC_LEN);
	crypto_secretstream_xchacha20poly1305_keygen(key);
	if (crypto_box_seal(head + RD_MAGIC_LEN, key, sizeof(key), pk) != 0 ||
	    crypto_secretstream_xchacha20poly1305_init_push(&st, head + AAD_LEN, key) != 0) {
		r = -EIO;
		goto out;
	}
	r = write_full(out_fd, head, sizeof(head));
	if (r < 0)
		goto out;
	for (;;) {
		size_t want = len - done > RD_CHUNK ? RD_CHUNK : (size_t)(len - done);
		ssize_t got = read_upto(in_fd, pt, want);
		unsigned long long clen;
		uint8_t tag;

		if (got < 0) {
			r = (int)got;
			goto out;
		}
		if ((size_t)got != want) {
			r = -EIO; /* the input shrank under us */
			goto out;
		}
		done += (uint64_t)got;
		tag = done == len ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
		crypto_secretstream_xchacha20poly1305_push(&st, ct, &clen, pt, (unsigned long long)got, head, AAD_LEN,
							   tag);
		r = write_full(out_fd, ct, (size_t)clen);
		if (r < 0 || tag)
			goto out;
	}
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
	if (pt)
		sodium_memzero(pt, RD_CHUNK);
	return r;
}

int rd_unseal(int in_fd, int out_fd, const uint8_t pk[RD_KEY_LEN], const uint8_t sk[RD_KEY_LEN], uint64_t max_out)
{
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	uint8_t head[RD_HEADER_LEN];
	_cleanup_free_ uint8_t *pt = NULL, *ct = NULL;
	uint64_t total = 0;
	ssize_t got;
	int r;

	if (init() < 0)
		return -EIO;
	pt = malloc(RD_CHUNK);
	ct = malloc(CT_CHUNK);
	if (!pt || !ct)
		return -ENOMEM;
	got = read_upto(in_fd, head, sizeof(head));
	if (got < 0)
		return (int)got;
	if ((size_t)got != sizeof(head) || memcmp(head, RD_MAGIC, RD_MAGIC_LEN) != 0)
		return -EBADMSG;
	if (crypto_box_seal_open(key, head + RD_MAGIC_LEN, SEALED_KEY_LEN, pk, sk) != 0)
		return -EBADMSG; /* not for this recipient, or altered */
	r = crypto_secretstream_xchacha20poly1305_init_pull(&st, head + AAD_LEN, key) == 0 ? 0 : -EBADMSG;
	sodium_memzero(key, sizeof(key));
	if (r < 0)
		goto out;
	for (;;) {
		unsigned long long plen;
		uint8_t tag;

		got = read_upto(in_fd, ct, CT_CHUNK);
		if (got < 0) {
			r = (int)got;
			goto out;
		}
		if ((size_t)got < crypto_secretstream_xchacha20poly1305_ABYTES) {
			r = -EBADMSG; /* truncated: no FINAL chunk */
			goto out;
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&st, pt, &plen, &tag, ct, (unsigned long long)got, head,
							       AAD_LEN) != 0) {
			r = -EBADMSG;
			goto out;
		}
		if (tag != 0 && tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			r = -EBADMSG;
			goto out;
		}
		/* A non-final chunk is always full; a short one must be final. */
		if (tag == 0 && (size_t)got != CT_CHUNK) {
			r = -EBADMSG;
			goto out;
		}
		total += plen;
		if (total > max_out) {
			r = -EFBIG;
			goto out;
		}
		r = write_full(out_fd, pt, (size_t)plen);
		if (r < 0)
			goto out;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			uint8_t extra;

			got = read_upto(in_fd, &extra, 1);
			r = got == 0 ? 0 : got < 0 ? (int)got : -EBADMSG; /* nothing may follow FINAL */
			goto out;
		}
	}
out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(pt, RD_CHUNK);
	return r;
}

int rd_key_write(const char *path, const uint8_t key[RD_KEY_LEN], int secret)
{
	char hex[RD_KEY_LEN * 2 + 2];
	int r;

	hex_encode(key, RD_KEY_LEN, hex);
	hex[RD_KEY_LEN * 2] = '\n';
	hex[RD_KEY_LEN * 2 + 1] = '\0';
	r = write_file_atomic(path, hex, RD_KEY_LEN * 2 + 1, secret ? 0600 : 0644);
	sodium_memzero(hex, sizeof(hex));
	return r;
}

int rd_key_read(const char *path, uint8_t key[RD_KEY_LEN], int secret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char hex[RD_KEY_LEN * 2 + 2];
	struct stat st;
	size_t outlen;
	ssize_t n;
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (secret && (st.st_mode & 077))
		return -EPERM; /* readable by others: refuse to use it */
	n = read(fd, hex, sizeof(hex));
	if (n < 0)
		return -errno;
	if (n != RD_KEY_LEN * 2 + 1 || hex[RD_KEY_LEN * 2] != '\n') {
		sodium_memzero(hex, sizeof(hex));
		return -EINVAL;
	}
	hex[RD_KEY_LEN * 2] = '\0';
	r = hex_decode(hex, key, RD_KEY_LEN, &outlen);
	sodium_memzero(hex, sizeof(hex));
	if (r < 0 || outlen != RD_KEY_LEN)
		return -EINVAL;
	return 0;
}

int rd_public_from_secret(const uint8_t sk[RD_KEY_LEN], uint8_t pk[RD_KEY_LEN])
{
	if (init() < 0)
		return -EIO;
	return crypto_scalarmult_base(pk, sk) == 0 ? 0 : -EIO;
}
