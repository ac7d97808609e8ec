/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Store writer + walker: round trips, restart recovery, torn tails,
 * retention, and that the walker reports tampering. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "store.h"
#include "walk.h"

struct fixture {
	char dir[64];
	char vkey[SEAL_VKEY_STRLEN + 1];
	struct ls_options o;
};

static const uint8_t MID[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void unflag(const char *dir, const char *name)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_RDONLY);
	if (fd >= 0) {
		ls_set_inode_flags(fd, 0, FS_APPEND_FL | FS_IMMUTABLE_FL);
		close(fd);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/rempart-logd-unit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	ls_options_default(&f->o);
	f->o.require_flags = false;
	f->o.max_file_size = 8192;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		unflag(f->dir, de->d_name);
		snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void append_n(struct fixture *f, int from, int n)
{
	struct logstore *s = NULL;
	char msg[256], text[64];

	assert_int_equal(ls_open(&s, f->dir, &f->o, msg, sizeof(msg)), 0);
	for (int i = from; i < from + n; i++) {
		struct lf_entry e = { .priority = 5, .facility = 3, .pid = 100, .ident = "unit", .ident_len = 4 };
		snprintf(text, sizeof(text), "entry number %d", i);
		e.msg = (const uint8_t *)text;
		e.msg_len = strlen(text);
		assert_int_equal(ls_append_entry(s, &e, 1700000000000000ull + (uint64_t)i), 0);
	}
	assert_int_equal(ls_close(s), 0);
}

/* The name and path of the store's last file. */
static void active_file(struct fixture *f, char name[LF_NAME_LEN + 1], char *p, size_t plen)
{
	uint64_t *files;
	size_t n;
	int dfd = open(f->dir, O_RDONLY | O_DIRECTORY);

	assert_true(dfd >= 0);
	assert_int_equal(walk_list_files(dfd, &files, &n), 0);
	assert_true(n > 0);
	lf_file_name(files[n - 1], name);
	free(files);
	close(dfd);
	snprintf(p, plen, "%s/%s", f->dir, name);
}

/* Verifies like rempart-logverify: from K[0], anchored by the state. */
static void verify(struct fixture *f, struct walk_result *res)
{
	struct walk_ctx ctx = { 0 };
	struct lf_state st;
	char p[512];
	uint8_t *buf = NULL;
	size_t len;

	assert_int_equal(seal_vkey_parse(f->vkey, &ctx.ids, ctx.key), 0);
	snprintf(p, sizeof(p), "%s/%s", f->dir, LS_STATE_NAME);
	assert_int_equal(read_file(p, 4096, &buf, &len), 0);
	assert_int_equal(lf_state_file_decode(buf, len, &st), 0);
	free(buf);
	ctx.dirfd = open(f->dir, O_RDONLY | O_DIRECTORY);
	ctx.anchor.pos_set = true;
	ctx.anchor.file = st.file_index;
	ctx.anchor.off = st.sealed_offset;
	ctx.anchor.epoch = st.epoch;
	memcpy(ctx.anchor.tip, st.sealed_tag, LS_TAG_LEN);
	assert_int_equal(walk_store(&ctx, res), 0);
	close(ctx.dirfd);
}

static void test_roundtrip_and_restart(void **state)
{
	struct fixture *f = *state;
	struct walk_result res;

	assert_int_equal(ls_create(f->dir, MID, false, false, f->vkey), 0);
	assert_int_equal(ls_create(f->dir, MID, false, false, f->vkey), -EEXIST);
	append_n(f, 1, 500);
	verify(f, &res);
	assert_int_equal(res.problem, WALK_OK);
	assert_int_equal(res.entries, 500);
	assert_int_equal(res.last_seq, 500);
	assert_true(res.files > 3); /* rotated by size */
	assert_true(res.seals >= res.files);
	append_n(f, 501, 100); /* restart continues the chain */
	verify(f, &res);
	assert_int_equal(res.problem, WALK_OK);
	assert_int_equal(res.entries, 600);
}

static void test_torn_tail(void **state)
{
	struct fixture *f = *state;
	struct walk_result res;
	char name[LF_NAME_LEN + 1], p[256];
	int fd;
	const uint8_t junk[20] = { LF_ENTRY, 0, 0x10, 0 }; /* a record cut short by a crash */

	assert_int_equal(ls_create(f->dir, MID, false, false, f->vkey), 0);
	append_n(f, 1, 50);
	active_file(f, name, p, sizeof(p));
	fd = open(p, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write_full(fd, junk, sizeof(junk)), 0);
	close(fd);
	append_n(f, 51, 50);
	verify(f, &res);
	assert_int_equal(res.problem, WALK_OK);
	assert_int_equal(res.entries, 100);
	assert_int_equal(res.torn_bytes, sizeof(junk));
}

struct nonces {
	uint64_t seq[64], nonce[64];
	size_t n;
};

static int collect_nonce(void *ud, const struct lf_record *rec, uint64_t file, uint64_t off)
{
	struct nonces *c = ud;

	if (rec->type == LF_ENTRY && c->n < 64) {
		c->seq[c->n] = rec->seq;
		c->nonce[c->n++] = rec->nonce;
	}
	return 0;
}

/* The entry nonces of the store, in order (through the verifying walk). */
static void walk_nonces(struct fixture *f, struct nonces *c)
{
	struct walk_ctx ctx = { .on_record = collect_nonce, .ud = c };
	struct walk_result res;

	c->n = 0;
	assert_int_equal(seal_vkey_parse(f->vkey, &ctx.ids, ctx.key), 0);
	ctx.dirfd = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(walk_store(&ctx, &res), 0);
	close(ctx.dirfd);
	assert_int_equal(res.problem, WALK_OK);
}

/* A crash loses records that were written (and maybe read or forwarded):
 * the restarted writer must not MAC the replacements under the nonces the
 * lost records used, which would reveal the epoch's GMAC key. Small nonce
 * blocks make the writer reserve (save the state) in the middle of writing. */
static void test_crash_never_reuses_nonces(void **state)
{
	struct fixture *f = *state;
	struct logstore *s = NULL;
	struct nonces lost, now;
	struct walk_result res;
	struct stat sb;
	char msg[256], name[LF_NAME_LEN + 1], p[512];
	off_t keep;

	f->o.nonce_block = 4;
	f->o.max_file_size = 1 << 20;
	assert_int_equal(ls_create(f->dir, MID, false, false, f->vkey), 0);
	append_n(f, 1, 10);
	active_file(f, name, p, sizeof(p));
	assert_int_equal(stat(p, &sb), 0);
	keep = sb.st_size;
	/* 10 more entries reach the file, then the machine crashes (no seal) */
	assert_int_equal(ls_open(&s, f->dir, &f->o, msg, sizeof(msg)), 0);
	for (int i = 11; i <= 20; i++) {
		struct lf_entry e = { .priority = 5, .pid = 1, .ident = "u", .ident_len = 1,
				      .msg = (const uint8_t *)"lost after a crash", .msg_len = 18 };
		assert_int_equal(ls_append_entry(s, &e, 1700000000000000ull + (uint64_t)i), 0);
	}
	assert_int_equal(ls_flush(s, true), 0);
	walk_nonces(f, &lost);
	assert_int_equal(lost.n, 20);
	ls_free(s);
	unflag(f->dir, name);
	assert_int_equal(truncate(p, keep), 0); /* the page cache was lost */
	append_n(f, 11, 10);
	walk_nonces(f, &now);
	assert_int_equal(now.n, 20);
	for (size_t i = 0; i < 20; i++) {
		assert_int_equal(now.seq[i], i + 1);
		if (i > 0)
			assert_true(now.nonce[i] > now.nonce[i - 1]);
		if (i >= 10) /* the replacements of entries 11..20 */
			for (size_t j = 0; j < 20; j++)
				assert_true(now.nonce[i] != lost.nonce[j]);
	}
	verify(f, &res);
	assert_int_equal(res.problem, WALK_OK);
	assert_int_equal(res.entries, 20);
}

/* An authentic record whose nonce does not increase is reported: it means
 * the writer broke the rule the MAC depends on. */
static void test_nonce_order_checked(void **state)
{
	struct fixture *f = *state;
	struct walk_result res;
	struct logstore *s = NULL;
	char msg[256];

	f->o.max_file_size = 1 << 20;
	assert_int_equal(ls_create(f->dir, MID, false, false, f->vkey), 0);
	append_n(f, 1, 3);
	verify(f, &res);
	assert_int_equal(res.problem, WALK_OK);
	assert_true(res.last_nonce > 1);
	assert_int_equal(ls_open(&s, f->dir, &f->o, msg, sizeof(msg)), 0);
	ls_test_set_nonce(s, 1); /* a faulty writer */
	{
		struct lf_entry e = { .priority = 5, .pid = 1, .ident = "u", .ident_len = 1,
				      .msg = (const uint8_t *)"x", .msg_len = 1 };
		assert_int_equal(ls_append_entry(s, &e, 1700000000000000ull), 0);
	}
	assert_int_equal(ls_close(s), 0);
	verify(f, &res);
	assert_int_equal(res.problem, WALK_NONCE);
	assert_non_null(strstr(res.msg, "reused nonces"));
}

static void test_tamper_detected(void **state)
{
	struct fixture *f = *state;
	struct walk_result res;
	char p[512];
	uint8_t b;
	int fd;

	assert_int_equal(ls_create(f->dir, MID, false, false, f->vkey), 0);
	append_n(f, 1, 100);
	unflag(f->dir, "0000000000000000.rlog");
	snprintf(p, sizeof(p), "%s/0000000000000000.rlog", f->dir);
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	/* the last byte of the first entry's message ("entry number 1") */
	assert_int_equal(pread_full(fd, &b, 1, LF_HEADER_SIZE + LF_REC_HDR + 8 + 4 + 13), 0);
	assert_int_equal(b, '1');
	b = '7';
	assert_int_equal(pwrite_full(fd, &b, 1, LF_HEADER_SIZE + LF_REC_HDR + 8 + 4 + 13), 0);
	close(fd);
	verify(f, &res);
	assert_int_equal(res.problem, WALK_RECORD_MAC);
	assert_int_equal(res.bad_seq, 1);
	assert_non_null(strstr(res.msg, "first bad entry: 1"));
}

static void test_retention(void **state)
{
	struct fixture *f = *state;
	struct walk_result res;
	struct logstore *s = NULL;
	char msg[256];

	assert_int_equal(ls_create(f->dir, MID, false, false, f->vkey), 0);
	append_n(f, 1, 400);
	/* nothing forwarded: retention may not delete, the store is full */
	f->o.max_store_size = 20000;
	assert_int_equal(ls_open(&s, f->dir, &f->o, msg, sizeof(msg)), 0);
	assert_int_equal(ls_maintain(s), -ENOSPC);
	/* once forwarded, the old files go and a PRUNE record says so */
	assert_int_equal(ls_write_fwd_cursor(f->dir, 400), 0);
	assert_int_equal(ls_maintain(s), 0);
	assert_true(ls_store_bytes(s) <= 20000);
	assert_int_equal(ls_close(s), 0);
	verify(f, &res);
	assert_int_equal(res.problem, WALK_OK);
	assert_true(res.first_file > 0);
	assert_int_equal(res.first_file, res.retained_from);
	/* deleting one more old file by hand is detected */
	{
		char name[LF_NAME_LEN + 1], p[256];
		lf_file_name(res.first_file, name);
		unflag(f->dir, name);
		snprintf(p, sizeof(p), "%s/%s", f->dir, name);
		assert_int_equal(unlink(p), 0);
	}
	verify(f, &res);
	assert_int_equal(res.problem, WALK_MISSING_FILE);
}

static void test_plain_store(void **state)
{
	struct fixture *f = *state;
	struct walk_result res;

	assert_int_equal(ls_create(f->dir, MID, true, false, f->vkey), 0);
	append_n(f, 1, 10);
	/* a sealed verification refuses the plain files */
	verify(f, &res);
	assert_int_equal(res.problem, WALK_UNSEALED);
}

/* The writer MACs prev_tag || record as one run of bytes, the previous tag
 * sitting just before the record in its buffer (or, in an empty buffer, in
 * the bytes reserved before it). Records right after explicit flushes,
 * after the implicit flush of a full buffer, after a seal, and a record
 * larger than the buffer must all verify with the walker's MAC (which
 * hashes the tip and the record separately). */
static void test_buffer_boundaries(void **state)
{
	struct fixture *f = *state;
	struct walk_result res;
	struct logstore *s = NULL;
	char msg[256], text[128];
	uint8_t *big;
	const size_t big_len = 600 * 1024;
	int n = 0;

	f->o.max_file_size = 64ull << 20;
	assert_int_equal(ls_create(f->dir, MID, false, false, f->vkey), 0);
	assert_int_equal(ls_open(&s, f->dir, &f->o, msg, sizeof(msg)), 0);
	big = malloc(big_len);
	assert_non_null(big);
	memset(big, 'x', big_len);
	for (int i = 1; i <= 12000; i++) {
		struct lf_entry e = { .priority = 6, .facility = 1, .pid = 7, .ident = "sshd", .ident_len = 4 };
		snprintf(text, sizeof(text), "sshd[%d]: Accepted publickey for user%d from 10.0.0.%d port %d ssh2",
			 1000 + i, i % 97, i % 256, 1024 + i);
		e.msg = (const uint8_t *)text;
		e.msg_len = strlen(text);
		if (i == 7000) {
			e.msg = big;
			e.msg_len = big_len;
		}
		assert_int_equal(ls_append_entry(s, &e, 1700000000000000ull + (uint64_t)i), 0);
		n++;
		if (i % 1000 == 333)
			assert_int_equal(ls_flush(s, false), 0);
		if (i == 2333)
			assert_int_equal(ls_append_notice(s, "a notice first in an empty buffer"), 0);
		if (i == 5000)
			assert_int_equal(ls_seal(s), 0);
	}
	free(big);
	assert_true(ls_epoch(s) >= 1);
	assert_int_equal(ls_close(s), 0);
	verify(f, &res);
	assert_int_equal(res.problem, WALK_OK);
	assert_int_equal(res.entries, (uint64_t)n);
	assert_int_equal(res.last_seq, (uint64_t)n);
	assert_int_equal(res.files, 1);
	assert_true(res.seals >= 2);
	/* and a restart continues the chain from the walked tip */
	append_n(f, n + 1, 10);
	verify(f, &res);
	assert_int_equal(res.problem, WALK_OK);
	assert_int_equal(res.entries, (uint64_t)n + 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_and_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_never_reuses_nonces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_order_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_boundaries, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
