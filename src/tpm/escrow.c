/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "escrow.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cleanup.h"
#include "fileio.h"
#include "hex.h"

#define TAG_PUBLIC "rempart-escrow-public-v1"
#define TAG_SECRET "rempart-escrow-secret-v1"

static int init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

static int write_key(const char *path, const char *tag, const uint8_t key[ESCROW_KEY_BYTES], mode_t mode)
{
	char line[128];
	size_t n = strlen(tag);
	int r;

	memcpy(line, tag, n);
	line[n++] = ' ';
	sodium_bin2base64(line + n, sizeof(line) - n, key, ESCROW_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
	n = strlen(line);
	line[n++] = '\n';
	r = write_file_atomic(path, line, n, mode);
	sodium_memzero(line, sizeof(line));
	return r;
}

int escrow_keygen(const char *secret_path, const char *public_path)
{
	uint8_t pk[ESCROW_KEY_BYTES], sk[ESCROW_KEY_BYTES];
	int r = init();

	if (r < 0)
		return r;
	crypto_box_keypair(pk, sk);
	r = write_key(secret_path, TAG_SECRET, sk, 0600);
	sodium_memzero(sk, sizeof(sk));
	if (r < 0)
		return r;
	return write_key(public_path, TAG_PUBLIC, pk, 0644);
}

int escrow_parse_key_line(const char *text, size_t len, const char *tag, uint8_t key[ESCROW_KEY_BYTES])
{
	size_t tl = strlen(tag), bl = 0;
	const char *b64;
	size_t b64len;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len <= tl + 1 || memcmp(text, tag, tl) != 0 || text[tl] != ' ')
		return -EBADMSG;
	b64 = text + tl + 1;
	b64len = len - tl - 1;
	if (memchr(b64, 0, b64len))
		return -EBADMSG;
	if (sodium_base642bin(key, ESCROW_KEY_BYTES, b64, b64len, NULL, &bl, NULL, sodium_base64_VARIANT_ORIGINAL) !=
		    0 ||
	    bl != ESCROW_KEY_BYTES) {
		sodium_memzero(key, ESCROW_KEY_BYTES);
		return -EBADMSG;
	}
	return 0;
}

static int load_key(const char *path, const char *tag, uint8_t key[ESCROW_KEY_BYTES])
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len = 0;
	int r = read_file(path, 4096, &buf, &len);

	if (r < 0)
		return r;
	r = escrow_parse_key_line((const char *)buf, len, tag, key);
	sodium_memzero(buf, len);
	return r;
}

int escrow_load_public(const char *path, uint8_t pk[ESCROW_KEY_BYTES])
{
	return load_key(path, TAG_PUBLIC, pk);
}

int escrow_load_secret(const char *path, uint8_t pk[ESCROW_KEY_BYTES], uint8_t sk[ESCROW_KEY_BYTES])
{
	int r = init();

	if (r >= 0)
		r = load_key(path, TAG_SECRET, sk);
	if (r < 0)
		return r;
	return crypto_scalarmult_base(pk, sk) == 0 ? 0 : -EBADMSG;
}

int escrow_secret_generate(uint8_t secret[ESCROW_SECRET_BYTES])
{
	int r = init();

	if (r < 0)
		return r;
	randombytes_buf(secret, ESCROW_SECRET_BYTES);
	return 0;
}

void escrow_passphrase(const uint8_t secret[ESCROW_SECRET_BYTES], char out[ESCROW_PASSPHRASE_LEN + 1])
{
	hex_encode(secret, ESCROW_SECRET_BYTES, out);
}

void escrow_key_id(const uint8_t pk[ESCROW_KEY_BYTES], uint8_t id[ESCROW_KEYID_BYTES])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pk, ESCROW_KEY_BYTES);
	memcpy(id, h, ESCROW_KEYID_BYTES);
}

int escrow_seal(const uint8_t pk[ESCROW_KEY_BYTES], const uint8_t secret[ESCROW_SECRET_BYTES],
		uint8_t blob[ESCROW_BLOB_BYTES])
{
	int r = init();

	if (r < 0)
		return r;
	memcpy(blob, "RMPE", 4);
	blob[4] = 1;
	escrow_key_id(pk, blob + 5);
	if (crypto_box_seal(blob + 5 + ESCROW_KEYID_BYTES, secret, ESCROW_SECRET_BYTES, pk) != 0)
		return -EIO;
	return 0;
}

int escrow_open(const uint8_t pk[ESCROW_KEY_BYTES], const uint8_t sk[ESCROW_KEY_BYTES], const uint8_t *blob,
		size_t len, uint8_t secret[ESCROW_SECRET_BYTES])
{
	uint8_t id[ESCROW_KEYID_BYTES];
	int r = init();

	if (r < 0)
		return r;
	if (len != ESCROW_BLOB_BYTES || memcmp(blob, "RMPE", 4) != 0 || blob[4] != 1)
		return -EBADMSG;
	escrow_key_id(pk, id);
	if (memcmp(id, blob + 5, ESCROW_KEYID_BYTES) != 0)
		return -ENOKEY;
	if (crypto_box_seal_open(secret, blob + 5 + ESCROW_KEYID_BYTES, len - 5 - ESCROW_KEYID_BYTES, pk, sk) != 0) {
		sodium_memzero(secret, ESCROW_SECRET_BYTES);
		return -EKEYREJECTED;
	}
	return 0;
}
