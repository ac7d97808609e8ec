/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "format.h"
#include "reader.h"

static void test_header_roundtrip(void **state)
{
	struct lf_header h = { .version = LF_VERSION, .flags = 0, .file_index = 7, .epoch = 9, .first_seq = 1234,
			       .retained_from = 3, .prev_file_len = 999, .created_usec = 42 }, g;
	uint8_t raw[LF_HEADER_SIZE];

	(void)state;
	memset(h.ids.store_id, 0xaa, 16);
	memset(h.ids.machine_id, 0xbb, 16);
	memset(h.prev_tag, 0xcc, LS_TAG_LEN);
	memset(h.mac, 0xdd, LS_TAG_LEN);
	h.nonce = 0x1122334455667788ull;
	lf_header_encode(&h, raw);
	assert_int_equal(lf_header_decode(raw, sizeof(raw), &g), 0);
	assert_memory_equal(&h, &g, sizeof(h));
	assert_int_equal(lf_header_decode(raw, sizeof(raw) - 1, &g), -EBADMSG);
	raw[8] = 1; /* format 1 (HMAC-SHA256 tags) is not read */
	assert_int_equal(lf_header_decode(raw, sizeof(raw), &g), -EBADMSG);
	raw[8] = 2;
	raw[120] = 1; /* reserved */
	assert_int_equal(lf_header_decode(raw, sizeof(raw), &g), -EBADMSG);
	raw[120] = 0;
	raw[150] = 1; /* reserved, after the MAC */
	assert_int_equal(lf_header_decode(raw, sizeof(raw), &g), -EBADMSG);
	raw[150] = 0;
	raw[12] = 2; /* unknown flag */
	assert_int_equal(lf_header_decode(raw, sizeof(raw), &g), -EBADMSG);
	raw[12] = 1; /* PLAIN */
	assert_int_equal(lf_header_decode(raw, sizeof(raw), &g), 0);
	assert_int_equal(g.flags, LF_FLAG_PLAIN);
	raw[0] = 'X';
	assert_int_equal(lf_header_decode(raw, sizeof(raw), &g), -EBADMSG);
}

static void test_record_decode(void **state)
{
	uint8_t buf[LF_REC_HDR + 20 + LS_TAG_LEN];
	struct lf_entry e = { .priority = 3, .facility = 4, .pid = 7, .ident = "id", .ident_len = 2,
			      .msg = (const uint8_t *)"0123456789", .msg_len = 10 }, g;
	struct lf_record rec;
	size_t plen = lf_entry_size(2, 10), total = LF_REC_HDR + plen + LS_TAG_LEN;

	(void)state;
	lf_record_header_encode(buf, LF_ENTRY, (uint32_t)plen, 5, 6, 7, 8);
	lf_entry_encode(buf + LF_REC_HDR, &e);
	memset(buf + LF_REC_HDR + plen, 0xee, LS_TAG_LEN);
	assert_int_equal(lf_record_decode(buf, total, &rec), (int64_t)total);
	assert_int_equal(rec.type, LF_ENTRY);
	assert_int_equal(rec.seq, 5);
	assert_int_equal(rec.epoch, 6);
	assert_int_equal(rec.realtime_usec, 7);
	assert_int_equal(rec.nonce, 8);
	assert_int_equal(lf_entry_decode(rec.payload, rec.len, &g), 0);
	assert_int_equal(g.pid, 7);
	assert_memory_equal(g.msg, "0123456789", 10);
	/* every strict prefix is "need more", never a record */
	for (size_t l = 0; l < total; l++)
		assert_int_equal(lf_record_decode(buf, l, &rec), 0);
	buf[0] = 9; /* unknown type */
	assert_int_equal(lf_record_decode(buf, total, &rec), -EBADMSG);
	buf[0] = LF_SEAL; /* a seal must be 16 bytes */
	assert_int_equal(lf_record_decode(buf, total, &rec), -EBADMSG);
	buf[0] = LF_ENTRY;
	buf[2] = 1; /* flags must be 0 */
	assert_int_equal(lf_record_decode(buf, total, &rec), -EBADMSG);
	buf[2] = 0;
	lf_le32enc(buf + 4, LF_MAX_PAYLOAD + 1);
	assert_int_equal(lf_record_decode(buf, total, &rec), -EBADMSG);
	/* entry payload checks */
	uint8_t p[LF_ENTRY_FIXED + 4] = { 8, 0, 0, 0 };
	assert_int_equal(lf_entry_decode(p, sizeof(p), &g), -EBADMSG); /* priority > 7 */
	p[0] = 1;
	p[2] = 5; /* ident longer than the payload */
	assert_int_equal(lf_entry_decode(p, sizeof(p), &g), -EBADMSG);
	p[2] = 4;
	assert_int_equal(lf_entry_decode(p, sizeof(p), &g), 0);
	assert_int_equal(g.msg_len, 0);
}

static void test_names_and_state(void **state)
{
	char name[LF_NAME_LEN + 1];
	uint64_t idx;
	struct lf_state s, g;
	uint8_t raw[LF_STATE_SIZE];

	(void)state;
	lf_file_name(0x1234, name);
	assert_string_equal(name, "0000000000001234.rlog");
	assert_int_equal(lf_file_name_parse(name, &idx), 0);
	assert_int_equal(idx, 0x1234);
	assert_int_equal(lf_file_name_parse("0000000000001234.rlo", &idx), -EINVAL);
	assert_int_equal(lf_file_name_parse("000000000000123G.rlog", &idx), -EINVAL);
	assert_int_equal(lf_file_name_parse("000000000000123A.rlog", &idx), -EINVAL);
	memset(&s, 0, sizeof(s));
	s.epoch = 77;
	s.file_index = 5;
	s.sealed_offset = 160;
	s.sealed_seq = 1000;
	s.retained_from = 2;
	s.generation = 9;
	memset(s.key, 1, 32);
	memset(s.sealed_tag, 2, LS_TAG_LEN);
	s.nonce_limit = 1ull << 40;
	memset(s.ids.store_id, 3, 16);
	lf_state_encode(&s, raw);
	assert_int_equal(lf_state_decode(raw, sizeof(raw), &g), 0);
	assert_int_equal(g.epoch, 77);
	assert_int_equal(g.file_index, 5);
	assert_int_equal(g.sealed_offset, 160);
	assert_int_equal(g.sealed_seq, 1000);
	assert_int_equal(g.retained_from, 2);
	assert_memory_equal(g.key, s.key, 32);
	assert_memory_equal(g.sealed_tag, s.sealed_tag, LS_TAG_LEN);
	assert_int_equal(g.nonce_limit, 1ull << 40);
	assert_memory_equal(&g.ids, &s.ids, sizeof(s.ids));
	assert_int_equal(lf_state_decode(raw, sizeof(raw) - 1, &g), -EBADMSG);
	raw[60] ^= 1; /* a changed key fails the slot checksum */
	assert_int_equal(lf_state_decode(raw, sizeof(raw), &g), -EBADMSG);
	raw[60] ^= 1;
	raw[0] = 0;
	assert_int_equal(lf_state_decode(raw, sizeof(raw), &g), -EBADMSG);
}

/* Two slots: the newest valid one wins; a torn slot falls back to the other. */
static void test_state_slots(void **state)
{
	struct lf_state s, g;
	uint8_t file[LF_STATE_FILE_SIZE];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.epoch = 5;
	s.generation = 10;
	lf_state_encode(&s, file);
	s.epoch = 6;
	s.generation = 11;
	lf_state_encode(&s, file + LF_STATE_SIZE);
	assert_int_equal(lf_state_file_decode(file, sizeof(file), &g), 0);
	assert_int_equal(g.epoch, 6);
	file[LF_STATE_SIZE + 100] ^= 0xff; /* slot 1 torn by a crash */
	assert_int_equal(lf_state_file_decode(file, sizeof(file), &g), 0);
	assert_int_equal(g.epoch, 5);
	file[100] ^= 0xff;
	assert_int_equal(lf_state_file_decode(file, sizeof(file), &g), -EBADMSG);
	assert_int_equal(lf_state_file_decode(file, LF_STATE_SIZE, &g), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_record_decode),
		cmocka_unit_test(test_names_and_state),
		cmocka_unit_test(test_state_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
