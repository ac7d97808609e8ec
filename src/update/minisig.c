/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "minisig.h"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define PK_BLOB (2 + MS_KEYNUM_BYTES + MS_PK_BYTES)            /* 42 */
#define SIG_BLOB (2 + MS_KEYNUM_BYTES + MS_SIG_BYTES)          /* 74 */
#define SK_BLOB (2 + 2 + 2 + 32 + 8 + 8 + MS_KEYNUM_BYTES + MS_SK_BYTES + 32) /* 158 */
#define SK_KEYFILE_MAX 1024

static int sodium_ready(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

void ms_keyid_str(const uint8_t keynum[MS_KEYNUM_BYTES], char out[17])
{
	static const char hx[] = "0123456789ABCDEF";

	for (int i = 0; i < MS_KEYNUM_BYTES; i++) {
		out[2 * i] = hx[keynum[MS_KEYNUM_BYTES - 1 - i] >> 4];
		out[2 * i + 1] = hx[keynum[MS_KEYNUM_BYTES - 1 - i] & 15];
	}
	out[16] = '\0';
}

/* Strict base64 (original alphabet, padded) of exactly want bytes. */
static int b64_decode_exact(const char *s, size_t slen, uint8_t *out, size_t want)
{
	size_t got = 0;
	const char *end = NULL;

	if (slen != sodium_base64_ENCODED_LEN(want, sodium_base64_VARIANT_ORIGINAL) - 1)
		return -EINVAL;
	if (sodium_base642bin(out, want, s, slen, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
		return -EINVAL;
	if (got != want || end != s + slen)
		return -EINVAL;
	return 0;
}

static char *b64_encode(const uint8_t *bin, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);

	if (s)
		sodium_bin2base64(s, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* Splits text into lines (LF, optional CR before it). Returns the number
 * of lines, or -EINVAL if more than max or a NUL is present. */
struct line {
	const char *s;
	size_t len;
};

static int split_lines(const char *text, size_t len, struct line *lines, int max)
{
	int n = 0;
	size_t i = 0;

	if (memchr(text, '\0', len))
		return -EINVAL;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) : len - i;

		if (n == max)
			return -EINVAL;
		lines[n].s = text + i;
		lines[n].len = l;
		if (l && lines[n].s[l - 1] == '\r')
			lines[n].len--;
		n++;
		i += l + (nl ? 1 : 0);
	}
	return n;
}

static bool has_prefix(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->len >= n && memcmp(l->s, prefix, n) == 0;
}

static bool comment_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int ms_pubkey_parse(const char *text, size_t len, struct ms_pubkey *pk)
{
	struct line lines[3];
	uint8_t blob[PK_BLOB];
	const struct line *b;
	int n, r;

	n = split_lines(text, len, lines, 3);
	if (n < 0)
		return n;
	while (n > 0 && lines[n - 1].len == 0)
		n--;
	if (n == 2) {
		if (!has_prefix(&lines[0], UNTRUSTED_PREFIX))
			return -EINVAL;
		b = &lines[1];
	} else if (n == 1) {
		b = &lines[0];
	} else {
		return -EINVAL;
	}
	r = b64_decode_exact(b->s, b->len, blob, sizeof(blob));
	if (r < 0)
		return r;
	if (memcmp(blob, "Ed", 2) != 0)
		return -EOPNOTSUPP;
	memcpy(pk->keynum, blob + 2, MS_KEYNUM_BYTES);
	memcpy(pk->pk, blob + 2 + MS_KEYNUM_BYTES, MS_PK_BYTES);
	return 0;
}

int ms_pubkey_load(const char *path, struct ms_pubkey *pk)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r = read_file(path, 4096, &buf, &len);

	if (r < 0)
		return r;
	return ms_pubkey_parse((const char *)buf, len, pk);
}

char *ms_pubkey_format(const struct ms_pubkey *pk)
{
	uint8_t blob[PK_BLOB];
	_cleanup_free_ char *b = NULL;
	char id[17], *out = NULL;

	memcpy(blob, "Ed", 2);
	memcpy(blob + 2, pk->keynum, MS_KEYNUM_BYTES);
	memcpy(blob + 2 + MS_KEYNUM_BYTES, pk->pk, MS_PK_BYTES);
	b = b64_encode(blob, sizeof(blob));
	if (!b)
		return NULL;
	ms_keyid_str(pk->keynum, id);
	if (asprintf(&out, UNTRUSTED_PREFIX "minisign public key %s\n%s\n", id, b) < 0)
		return NULL;
	return out;
}

static void seckey_checksum(const uint8_t *keynum, const uint8_t *sk, uint8_t chk[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"Ed", 2);
	crypto_generichash_update(&st, keynum, MS_KEYNUM_BYTES);
	crypto_generichash_update(&st, sk, MS_SK_BYTES);
	crypto_generichash_final(&st, chk, 32);
	sodium_memzero(&st, sizeof(st));
}

int ms_seckey_parse(const char *text, size_t len, struct ms_seckey *sk)
{
	struct line lines[3];
	uint8_t blob[SK_BLOB], chk[32];
	static const uint8_t zero[32];
	const uint8_t *p;
	int n, r;

	r = sodium_ready();
	if (r < 0)
		return r;
	n = split_lines(text, len, lines, 3);
	if (n < 0)
		return n;
	while (n > 0 && lines[n - 1].len == 0)
		n--;
	if (n != 2 || !has_prefix(&lines[0], UNTRUSTED_PREFIX))
		return -EINVAL;
	r = b64_decode_exact(lines[1].s, lines[1].len, blob, sizeof(blob));
	if (r < 0)
		goto out;
	r = -EOPNOTSUPP;
	if (memcmp(blob, "Ed", 2) != 0 || memcmp(blob + 4, "B2", 2) != 0)
		goto out;
	if (memcmp(blob + 2, "\0\0", 2) != 0)
		goto out; /* encrypted (scrypt) key: not supported */
	p = blob + 2 + 2 + 2 + 32 + 8 + 8;
	memcpy(sk->keynum, p, MS_KEYNUM_BYTES);
	memcpy(sk->sk, p + MS_KEYNUM_BYTES, MS_SK_BYTES);
	/* minisign leaves the checksum zero on some unencrypted keys. */
	p += MS_KEYNUM_BYTES + MS_SK_BYTES;
	seckey_checksum(sk->keynum, sk->sk, chk);
	r = 0;
	if (sodium_memcmp(p, chk, 32) != 0 && sodium_memcmp(p, zero, 32) != 0) {
		ms_seckey_wipe(sk);
		r = -EBADMSG;
	}
out:
	sodium_memzero(blob, sizeof(blob));
	sodium_memzero(chk, sizeof(chk));
	return r;
}

int ms_seckey_load(const char *path, struct ms_seckey *sk)
{
	char buf[SK_KEYFILE_MAX];
	size_t len = 0;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int r;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t k = read(fd, buf + len, sizeof(buf) - len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		len += (size_t)k;
		if (len == sizeof(buf)) {
			r = -EFBIG;
			goto out;
		}
	}
	r = ms_seckey_parse(buf, len, sk);
out:
	sodium_memzero(buf, sizeof(buf));
	return r;
}

int ms_keypair_generate(struct ms_seckey *sk, struct ms_pubkey *pk)
{
	int r = sodium_ready();

	if (r < 0)
		return r;
	randombytes_buf(sk->keynum, MS_KEYNUM_BYTES);
	if (crypto_sign_keypair(pk->pk, sk->sk) != 0)
		return -EIO;
	memcpy(pk->keynum, sk->keynum, MS_KEYNUM_BYTES);
	return 0;
}

char *ms_seckey_format(const struct ms_seckey *sk)
{
	uint8_t blob[SK_BLOB] = { 0 };
	uint8_t *p = blob;
	char *b, *out = NULL;
	size_t n;

	if (sodium_ready() < 0)
		return NULL;
	memcpy(p, "Ed", 2);
	memcpy(p + 4, "B2", 2);
	p += 2 + 2 + 2 + 32 + 8 + 8;
	memcpy(p, sk->keynum, MS_KEYNUM_BYTES);
	memcpy(p + MS_KEYNUM_BYTES, sk->sk, MS_SK_BYTES);
	seckey_checksum(sk->keynum, sk->sk, p + MS_KEYNUM_BYTES + MS_SK_BYTES);
	b = b64_encode(blob, sizeof(blob));
	sodium_memzero(blob, sizeof(blob));
	if (!b)
		return NULL;
	n = strlen(UNTRUSTED_PREFIX "minisign encrypted secret key\n") + strlen(b) + 2;
	out = malloc(n);
	if (out)
		snprintf(out, n, UNTRUSTED_PREFIX "minisign encrypted secret key\n%s\n", b);
	sodium_memzero(b, strlen(b));
	free(b);
	return out;
}

void ms_seckey_wipe(struct ms_seckey *sk)
{
	sodium_memzero(sk, sizeof(*sk));
}

static void prehash(const uint8_t *msg, size_t len, uint8_t h[crypto_generichash_BYTES_MAX])
{
	crypto_generichash(h, crypto_generichash_BYTES_MAX, msg, len, NULL, 0);
}

int ms_sign(const struct ms_seckey *sk, const uint8_t *msg, size_t len, const char *trusted, char **out)
{
	uint8_t h[crypto_generichash_BYTES_MAX], blob[SIG_BLOB], global[MS_SIG_BYTES];
	_cleanup_free_ uint8_t *gmsg = NULL;
	_cleanup_free_ char *b1 = NULL, *b2 = NULL;
	size_t tlen = strlen(trusted);
	int r = sodium_ready();

	if (r < 0)
		return r;
	if (tlen > MS_TRUSTED_MAX || !comment_ok(trusted, tlen))
		return -EINVAL;
	prehash(msg, len, h);
	memcpy(blob, "ED", 2);
	memcpy(blob + 2, sk->keynum, MS_KEYNUM_BYTES);
	if (crypto_sign_detached(blob + 2 + MS_KEYNUM_BYTES, NULL, h, sizeof(h), sk->sk) != 0)
		return -EIO;
	gmsg = malloc(MS_SIG_BYTES + tlen);
	if (!gmsg)
		return -ENOMEM;
	memcpy(gmsg, blob + 2 + MS_KEYNUM_BYTES, MS_SIG_BYTES);
	memcpy(gmsg + MS_SIG_BYTES, trusted, tlen);
	if (crypto_sign_detached(global, NULL, gmsg, MS_SIG_BYTES + tlen, sk->sk) != 0)
		return -EIO;
	b1 = b64_encode(blob, sizeof(blob));
	b2 = b64_encode(global, sizeof(global));
	if (!b1 || !b2)
		return -ENOMEM;
	if (asprintf(out, UNTRUSTED_PREFIX "signature from rempart-publish\n%s\n" TRUSTED_PREFIX "%s\n%s\n", b1,
		     trusted, b2) < 0)
		return -ENOMEM;
	return 0;
}

int ms_signature_parse(const char *text, size_t len, struct ms_signature *s)
{
	struct line lines[5];
	uint8_t blob[SIG_BLOB];
	size_t plen = strlen(TRUSTED_PREFIX), tlen;
	int n, r;

	memset(s, 0, sizeof(*s));
	if (len > MS_SIGFILE_MAX)
		return -E2BIG;
	n = split_lines(text, len, lines, 4);
	if (n != 4)
		return -EINVAL;
	if (!has_prefix(&lines[0], UNTRUSTED_PREFIX) || !comment_ok(lines[0].s, lines[0].len))
		return -EINVAL;
	r = b64_decode_exact(lines[1].s, lines[1].len, blob, sizeof(blob));
	if (r < 0)
		return r;
	if (!has_prefix(&lines[2], TRUSTED_PREFIX))
		return -EINVAL;
	tlen = lines[2].len - plen;
	if (tlen > MS_TRUSTED_MAX)
		return -E2BIG;
	if (!comment_ok(lines[2].s + plen, tlen))
		return -EINVAL;
	r = b64_decode_exact(lines[3].s, lines[3].len, s->global_sig, MS_SIG_BYTES);
	if (r < 0)
		return r;
	memcpy(s->alg, blob, 2);
	memcpy(s->keynum, blob + 2, MS_KEYNUM_BYTES);
	memcpy(s->sig, blob + 2 + MS_KEYNUM_BYTES, MS_SIG_BYTES);
	memcpy(s->trusted, lines[2].s + plen, tlen);
	s->trusted[tlen] = '\0';
	return 0;
}

int ms_verify(const struct ms_pubkey *pk, const struct ms_signature *s, const uint8_t *msg, size_t len)
{
	uint8_t h[crypto_generichash_BYTES_MAX];
	_cleanup_free_ uint8_t *gmsg = NULL;
	size_t tlen = strlen(s->trusted);
	int r = sodium_ready();

	if (r < 0)
		return r;
	if (memcmp(s->alg, "ED", 2) != 0)
		return memcmp(s->alg, "Ed", 2) == 0 ? -EPROTONOSUPPORT : -EINVAL;
	if (memcmp(s->keynum, pk->keynum, MS_KEYNUM_BYTES) != 0)
		return -EKEYREJECTED;
	prehash(msg, len, h);
	if (crypto_sign_verify_detached(s->sig, h, sizeof(h), pk->pk) != 0)
		return -EBADMSG;
	gmsg = malloc(MS_SIG_BYTES + tlen);
	if (!gmsg)
		return -ENOMEM;
	memcpy(gmsg, s->sig, MS_SIG_BYTES);
	memcpy(gmsg + MS_SIG_BYTES, s->trusted, tlen);
	if (crypto_sign_verify_detached(s->global_sig, gmsg, MS_SIG_BYTES + tlen, pk->pk) != 0)
		return -EBADMSG;
	return 0;
}
