/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "seal.h"

#include <errno.h>
#include <string.h>


#include "cleanup.h"
#include "hex.h"

#define EVOLVE_LABEL "rempart-logd evolve v1"
#define MAC_LABEL "rempart-logd mac v1"

static void le64enc(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* out = HMAC-SHA256(key, label || store_id || machine_id || le64(n)) */
static int derive(const uint8_t key[LS_KEY_LEN], const char *label, const struct ls_ids *ids, uint64_t n,
		  uint8_t out[LS_KEY_LEN])
{
	struct seal_mac m;
	uint8_t msg[64];
	size_t ll = strlen(label);
	int r;

	memcpy(msg, label, ll);
	memcpy(msg + ll, ids->store_id, LS_ID_LEN);
	memcpy(msg + ll + LS_ID_LEN, ids->machine_id, LS_ID_LEN);
	le64enc(msg + ll + 2 * LS_ID_LEN, n);
	r = seal_mac_new(&m);
	if (r == 0)
		r = seal_mac_setkey(&m, key);
	if (r == 0)
		r = seal_mac_compute(&m, msg, ll + 2 * LS_ID_LEN + 8, NULL, 0, out);
	seal_mac_free(&m);
	return r;
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
	return 0;
}

void seal_mac_free(struct seal_mac *m)
{
	secure_wipe(m, sizeof(*m));
}

int seal_mac_setkey(struct seal_mac *m, const uint8_t mac_key[LS_KEY_LEN])
{
	uint8_t pad[SHA256_CBLOCK];
	int ok;

	m->keyed = false;
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < LS_KEY_LEN; i++)
		pad[i] ^= mac_key[i];
	ok = SHA256_Init(&m->inner) && SHA256_Update(&m->inner, pad, sizeof(pad));
	memset(pad, 0x5c, sizeof(pad));
	for (size_t i = 0; i < LS_KEY_LEN; i++)
		pad[i] ^= mac_key[i];
	ok = ok && SHA256_Init(&m->outer) && SHA256_Update(&m->outer, pad, sizeof(pad));
	secure_wipe(pad, sizeof(pad));
	if (!ok)
		return -EIO;
	m->keyed = true;
	return 0;
}

int seal_mac_compute(struct seal_mac *m, const void *a, size_t alen, const void *b, size_t blen,
		     uint8_t tag[LS_TAG_LEN])
{
	SHA256_CTX c;
	uint8_t ih[SHA256_DIGEST_LENGTH];
	int ok;

	if (!m->keyed)
		return -EINVAL;
	c = m->inner;
	ok = (!alen || SHA256_Update(&c, a, alen)) && (!blen || SHA256_Update(&c, b, blen)) && SHA256_Final(ih, &c);
	c = m->outer;
	ok = ok && SHA256_Update(&c, ih, sizeof(ih)) && SHA256_Final(tag, &c);
	secure_wipe(&c, sizeof(c));
	return ok ? 0 : -EIO;
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
