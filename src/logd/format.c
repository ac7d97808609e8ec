/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "format.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

static void le16enc(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t le16dec(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

void lf_header_encode(const struct lf_header *h, uint8_t out[LF_HEADER_SIZE])
{
	memset(out, 0, LF_HEADER_SIZE);
	memcpy(out, LF_MAGIC, 8);
	lf_le32enc(out + 8, h->version);
	lf_le32enc(out + 12, h->flags);
	memcpy(out + 16, h->ids.store_id, LS_ID_LEN);
	memcpy(out + 32, h->ids.machine_id, LS_ID_LEN);
	lf_le64enc(out + 48, h->file_index);
	lf_le64enc(out + 56, h->epoch);
	lf_le64enc(out + 64, h->first_seq);
	lf_le64enc(out + 72, h->retained_from);
	lf_le64enc(out + 80, h->prev_file_len);
	lf_le64enc(out + 88, h->created_usec);
	memcpy(out + 96, h->prev_tag, LS_TAG_LEN);
	lf_le64enc(out + 112, h->nonce);
	memcpy(out + LF_HEADER_MAC_OFF, h->mac, LS_TAG_LEN);
}

int lf_header_decode(const uint8_t *buf, size_t len, struct lf_header *h)
{
	if (len < LF_HEADER_SIZE || memcmp(buf, LF_MAGIC, 8) != 0)
		return -EBADMSG;
	*h = (struct lf_header){ 0 };
	h->version = lf_le32dec(buf + 8);
	h->flags = lf_le32dec(buf + 12);
	if (h->version != LF_VERSION || (h->flags & ~LF_FLAG_PLAIN))
		return -EBADMSG;
	memcpy(h->ids.store_id, buf + 16, LS_ID_LEN);
	memcpy(h->ids.machine_id, buf + 32, LS_ID_LEN);
	h->file_index = lf_le64dec(buf + 48);
	h->epoch = lf_le64dec(buf + 56);
	h->first_seq = lf_le64dec(buf + 64);
	h->retained_from = lf_le64dec(buf + 72);
	h->prev_file_len = lf_le64dec(buf + 80);
	h->created_usec = lf_le64dec(buf + 88);
	memcpy(h->prev_tag, buf + 96, LS_TAG_LEN);
	h->nonce = lf_le64dec(buf + 112);
	memcpy(h->mac, buf + LF_HEADER_MAC_OFF, LS_TAG_LEN);
	if (!sodium_is_zero(buf + 120, 8) ||
	    !sodium_is_zero(buf + LF_HEADER_MAC_OFF + LS_TAG_LEN, LF_HEADER_SIZE - LF_HEADER_MAC_OFF - LS_TAG_LEN))
		return -EBADMSG;
	return 0;
}

void lf_record_header_encode(uint8_t out[LF_REC_HDR], uint16_t type, uint32_t len, uint64_t seq,
			     uint64_t epoch, uint64_t realtime_usec, uint64_t nonce)
{
	le16enc(out, type);
	le16enc(out + 2, 0);
	lf_le32enc(out + 4, len);
	lf_le64enc(out + 8, seq);
	lf_le64enc(out + 16, epoch);
	lf_le64enc(out + 24, realtime_usec);
	lf_le64enc(out + 32, nonce);
}

int64_t lf_record_decode(const uint8_t *buf, size_t len, struct lf_record *rec)
{
	uint16_t type;
	uint32_t plen;
	size_t total;

	if (len < LF_REC_HDR)
		return 0;
	type = le16dec(buf);
	plen = lf_le32dec(buf + 4);
	if (type < LF_ENTRY || type > LF_NOTICE || le16dec(buf + 2) != 0 ||
	    plen > LF_MAX_PAYLOAD)
		return -EBADMSG;
	if ((type == LF_SEAL && plen != LF_SEAL_LEN) || (type == LF_PRUNE && plen != LF_PRUNE_LEN) ||
	    (type == LF_ENTRY && plen < LF_ENTRY_FIXED))
		return -EBADMSG;
	total = LF_REC_HDR + (size_t)plen + LS_TAG_LEN;
	if (len < total)
		return 0;
	*rec = (struct lf_record){
		.type = type,
		.len = plen,
		.seq = lf_le64dec(buf + 8),
		.epoch = lf_le64dec(buf + 16),
		.realtime_usec = lf_le64dec(buf + 24),
		.nonce = lf_le64dec(buf + 32),
		.payload = buf + LF_REC_HDR,
		.tag = buf + LF_REC_HDR + plen,
		.raw = buf,
		.size = total,
	};
	return (int64_t)total;
}

size_t lf_entry_size(size_t ident_len, size_t msg_len)
{
	return LF_ENTRY_FIXED + ident_len + msg_len;
}

void lf_entry_encode(uint8_t *out, const struct lf_entry *e)
{
	out[0] = e->priority;
	out[1] = e->facility;
	out[2] = (uint8_t)e->ident_len;
	out[3] = 0;
	lf_le32enc(out + 4, e->pid);
	if (e->ident_len)
		memcpy(out + LF_ENTRY_FIXED, e->ident, e->ident_len);
	if (e->msg_len)
		memcpy(out + LF_ENTRY_FIXED + e->ident_len, e->msg, e->msg_len);
}

int lf_entry_decode(const uint8_t *p, size_t len, struct lf_entry *e)
{
	if (len < LF_ENTRY_FIXED || p[0] > 7 || p[1] > 23 || p[3] != 0 || (size_t)p[2] > len - LF_ENTRY_FIXED)
		return -EBADMSG;
	*e = (struct lf_entry){
		.priority = p[0],
		.facility = p[1],
		.ident_len = p[2],
		.pid = lf_le32dec(p + 4),
		.ident = (const char *)p + LF_ENTRY_FIXED,
	};
	e->msg = p + LF_ENTRY_FIXED + e->ident_len;
	e->msg_len = len - LF_ENTRY_FIXED - e->ident_len;
	return 0;
}

void lf_file_name(uint64_t index, char out[LF_NAME_LEN + 1])
{
	snprintf(out, LF_NAME_LEN + 1, "%016" PRIx64 ".rlog", index);
}

int lf_file_name_parse(const char *name, uint64_t *index)
{
	uint64_t v = 0;

	if (strlen(name) != LF_NAME_LEN || strcmp(name + 16, ".rlog") != 0)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		char c = name[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*index = v;
	return 0;
}

#define STATE_MAGIC "RMPLSTA1"
#define STATE_SUM_OFF 168

static int state_sum(const uint8_t *buf, uint8_t out[8])
{
	uint8_t md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(buf, STATE_SUM_OFF, md, &mdlen, EVP_sha256(), NULL) || mdlen != sizeof(md))
		return -EIO;
	memcpy(out, md, 8);
	return 0;
}

void lf_state_encode(const struct lf_state *s, uint8_t out[LF_STATE_SIZE])
{
	memset(out, 0, LF_STATE_SIZE);
	memcpy(out, STATE_MAGIC, 8);
	lf_le32enc(out + 8, LF_STATE_VERSION);
	lf_le32enc(out + 12, s->flags);
	memcpy(out + 16, s->ids.store_id, LS_ID_LEN);
	memcpy(out + 32, s->ids.machine_id, LS_ID_LEN);
	lf_le64enc(out + 48, s->epoch);
	memcpy(out + 56, s->key, LS_KEY_LEN);
	lf_le64enc(out + 88, s->file_index);
	lf_le64enc(out + 96, s->sealed_offset);
	lf_le64enc(out + 104, s->sealed_seq);
	memcpy(out + 112, s->sealed_tag, LS_TAG_LEN);
	lf_le64enc(out + 128, s->nonce_limit);
	lf_le64enc(out + 144, s->retained_from);
	lf_le64enc(out + 152, s->generation);
	if (state_sum(out, out + STATE_SUM_OFF) < 0)
		memset(out + STATE_SUM_OFF, 0, 8); /* fails to decode: fail closed */
}

int lf_state_decode(const uint8_t *buf, size_t len, struct lf_state *s)
{
	uint8_t sum[8];

	if (len != LF_STATE_SIZE || memcmp(buf, STATE_MAGIC, 8) != 0 || lf_le32dec(buf + 8) != LF_STATE_VERSION)
		return -EBADMSG;
	if (state_sum(buf, sum) < 0 || memcmp(sum, buf + STATE_SUM_OFF, 8) != 0)
		return -EBADMSG;
	*s = (struct lf_state){ 0 };
	s->flags = lf_le32dec(buf + 12);
	if (s->flags & ~LF_FLAG_PLAIN)
		return -EBADMSG;
	memcpy(s->ids.store_id, buf + 16, LS_ID_LEN);
	memcpy(s->ids.machine_id, buf + 32, LS_ID_LEN);
	s->epoch = lf_le64dec(buf + 48);
	memcpy(s->key, buf + 56, LS_KEY_LEN);
	s->file_index = lf_le64dec(buf + 88);
	s->sealed_offset = lf_le64dec(buf + 96);
	s->sealed_seq = lf_le64dec(buf + 104);
	memcpy(s->sealed_tag, buf + 112, LS_TAG_LEN);
	s->nonce_limit = lf_le64dec(buf + 128);
	s->retained_from = lf_le64dec(buf + 144);
	s->generation = lf_le64dec(buf + 152);
	return 0;
}

int lf_state_file_decode(const uint8_t *buf, size_t len, struct lf_state *s)
{
	struct lf_state a, b;
	int ra, rb;

	if (len != LF_STATE_FILE_SIZE)
		return -EBADMSG;
	ra = lf_state_decode(buf, LF_STATE_SIZE, &a);
	rb = lf_state_decode(buf + LF_STATE_SIZE, LF_STATE_SIZE, &b);
	if (ra < 0 && rb < 0)
		return -EBADMSG;
	*s = (ra == 0 && (rb < 0 || a.generation >= b.generation)) ? a : b;
	explicit_bzero(&a, sizeof(a));
	explicit_bzero(&b, sizeof(b));
	return 0;
}
