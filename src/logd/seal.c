/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "seal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/hmac.h>

#include "cleanup.h"
#include "hex.h"

#define EVOLVE_LABEL "rempart-logd evolve v1"
#define MAC_LABEL "rempart-logd gmac v2"

static void le64enc(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* out = HMAC-SHA256(key, label || store_id || machine_id || le64(n)) */
static int derive(const uint8_t key[LS_KEY_LEN], const char *label, const struct ls_ids *ids, uint64_t n,
		  uint8_t out[LS_KEY_LEN])
{
	uint8_t msg[64];
	size_t ll = strlen(label);
	unsigned outlen = 0;

	memcpy(msg, label, ll);
	memcpy(msg + ll, ids->store_id, LS_ID_LEN);
	memcpy(msg + ll + LS_ID_LEN, ids->machine_id, LS_ID_LEN);
	le64enc(msg + ll + 2 * LS_ID_LEN, n);
	return HMAC(EVP_sha256(), key, LS_KEY_LEN, msg, ll + 2 * LS_ID_LEN + 8, out, &outlen) && outlen == LS_KEY_LEN ?
		       0 : -EIO;
}

int seal_evolve(uint8_t key[LS_KEY_LEN], const struct ls_ids *ids, uint64_t epoch)
{
	uint8_t next[LS_KEY_LEN];
	int r;

	if (epoch == UINT64_MAX)
		return -EOVERFLOW;
	r = derive(key, EVOLVE_LABEL, ids, epoch + 1, next);
	if (r == 0)
		memcpy(key, next, LS_KEY_LEN);
	secure_wipe(next, sizeof(next));
	return r;
}

int seal_evolve_to(uint8_t key[LS_KEY_LEN], const struct ls_ids *ids, uint64_t from, uint64_t to)
{
	if (to < from || to - from > SEAL_MAX_EPOCH_JUMP)
		return -EINVAL;
	for (uint64_t e = from; e < to; e++) {
		int r = seal_evolve(key, ids, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int seal_mac_key(const uint8_t key[LS_KEY_LEN], const struct ls_ids *ids, uint64_t epoch,
		 uint8_t mac_key[LS_KEY_LEN])
{
	return derive(key, MAC_LABEL, ids, epoch, mac_key);
}

int seal_mac_new(struct seal_mac *m)
{
	*m = (struct seal_mac){ 0 };
	m->evp = EVP_CIPHER_CTX_new();
	return m->evp ? 0 : -ENOMEM;
}

void seal_mac_free(struct seal_mac *m)
{
	EVP_CIPHER_CTX_free(m->evp); /* clears the key schedule */
	sodium_memzero(m, sizeof(*m));
}

int seal_mac_setkey(struct seal_mac *m, const uint8_t mac_key[LS_KEY_LEN])
{
	m->keyed = false;
	if (!m->evp)
		return -EINVAL;
	m->use_sodium = !m->force_evp && sodium_init() >= 0 && crypto_aead_aes256gcm_is_available();
	if (m->use_sodium) {
		if (crypto_aead_aes256gcm_beforenm(&m->gcm, mac_key) != 0)
			return -EIO;
	} else if (!EVP_EncryptInit_ex(m->evp, EVP_aes_256_gcm(), NULL, mac_key, NULL)) {
		return -EIO;
	}
	m->keyed = true;
	return 0;
}

int seal_mac_compute(struct seal_mac *m, uint64_t nonce, const void *data, size_t len, uint8_t tag[LS_TAG_LEN])
{
	uint8_t iv[SEAL_IV_LEN] = { 0 }, none[1] = { 0 };
	unsigned long long tlen = 0;
	int outl = 0;

	if (!m->keyed || len > INT_MAX)
		return -EINVAL;
	le64enc(iv, nonce);
	if (m->use_sodium) {
		/* No plaintext: the record is the additional data (GMAC). */
		if (crypto_aead_aes256gcm_encrypt_detached_afternm(none, tag, &tlen, none, 0, data, len, NULL, iv,
								   &m->gcm) != 0 ||
		    tlen != LS_TAG_LEN)
			return -EIO;
		return 0;
	}
	if (!EVP_EncryptInit_ex(m->evp, NULL, NULL, NULL, iv) ||
	    (len && !EVP_EncryptUpdate(m->evp, NULL, &outl, data, (int)len)) ||
	    !EVP_EncryptFinal_ex(m->evp, none, &outl) ||
	    EVP_CIPHER_CTX_ctrl(m->evp, EVP_CTRL_AEAD_GET_TAG, LS_TAG_LEN, tag) != 1)
		return -EIO;
	return 0;
}

void seal_vkey_format(const struct ls_ids *ids, const uint8_t k0[LS_KEY_LEN], char out[SEAL_VKEY_STRLEN + 1])
{
	char *p = out;

	memcpy(p, "rlvk1-", 6);
	p += 6;
	hex_encode(ids->store_id, LS_ID_LEN, p);
	p += 2 * LS_ID_LEN;
	*p++ = '-';
	hex_encode(ids->machine_id, LS_ID_LEN, p);
	p += 2 * LS_ID_LEN;
	*p++ = '-';
	hex_encode(k0, LS_KEY_LEN, p);
}

int seal_vkey_parse(const char *s, struct ls_ids *ids, uint8_t k0[LS_KEY_LEN])
{
	char buf[SEAL_VKEY_STRLEN + 1];
	size_t n = strlen(s), outlen;

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	if (n != SEAL_VKEY_STRLEN || memcmp(s, "rlvk1-", 6) != 0 || s[38] != '-' || s[71] != '-')
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	buf[38] = buf[71] = 0;
	if (hex_decode(buf + 6, ids->store_id, LS_ID_LEN, &outlen) < 0 || outlen != LS_ID_LEN ||
	    hex_decode(buf + 39, ids->machine_id, LS_ID_LEN, &outlen) < 0 || outlen != LS_ID_LEN ||
	    hex_decode(buf + 72, k0, LS_KEY_LEN, &outlen) < 0 || outlen != LS_KEY_LEN) {
		secure_wipe(buf, sizeof(buf));
		return -EINVAL;
	}
	secure_wipe(buf, sizeof(buf));
	return 0;
}
