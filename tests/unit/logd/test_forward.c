/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 5424 / RFC 5425 message formatting of the forwarder. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "forward.h"

static void make(struct lf_record *rec, uint8_t *tag)
{
	memset(tag, 0xab, LS_TAG_LEN);
	*rec = (struct lf_record){ .type = LF_ENTRY, .seq = 42, .epoch = 7,
				   .realtime_usec = 1700000000123456ull, .tag = tag };
}

static void test_format_exact(void **state)
{
	struct lf_record rec;
	uint8_t tag[LS_TAG_LEN];
	struct lf_entry e = { .priority = 3, .facility = 4, .pid = 1234, .ident = "sshd", .ident_len = 4,
			      .msg = (const uint8_t *)"Failed password\nfor root", .msg_len = 24 };
	char out[1024], want[512];
	int n;

	(void)state;
	make(&rec, tag);
	n = fwd_format(out, sizeof(out), &rec, &e, "host1");
	assert_true(n > 0);
	out[n] = 0;
	snprintf(want, sizeof(want), "<35>1 2023-11-14T22:13:20.123456Z host1 sshd 1234 - [rempart@32473 seq=\"42\" "
		 "epoch=\"7\" tag=\"%s\"] Failed password for root",
		 "abababababababababababababababab");
	/* octet counting: "LEN SP MSG" with LEN the exact byte count */
	{
		char *sp = strchr(out, ' ');
		assert_non_null(sp);
		assert_int_equal(strtoul(out, NULL, 10), strlen(sp + 1));
		assert_string_equal(sp + 1, want);
	}
}

static void test_format_sanitizes(void **state)
{
	struct lf_record rec;
	uint8_t tag[LS_TAG_LEN];
	struct lf_entry e = { .priority = 6, .facility = 1, .pid = 0, .ident = "my app", .ident_len = 6,
			      .msg = (const uint8_t *)"x", .msg_len = 1 };
	char out[1024];
	int n;

	(void)state;
	make(&rec, tag);
	n = fwd_format(out, sizeof(out), &rec, &e, "bad host");
	assert_true(n > 0);
	out[n] = 0;
	assert_non_null(strstr(out, " <14>1 2023-11-14T22:13:20.123456Z badhost myapp - - [rempart@32473 "));
	e.ident_len = 0;
	n = fwd_format(out, sizeof(out), &rec, &e, "");
	assert_true(n > 0);
	out[n] = 0;
	assert_non_null(strstr(out, "Z - - - - [rempart@32473"));
	/* too small a buffer is refused, never truncated */
	assert_int_equal(fwd_format(out, 100, &rec, &e, "h"), -ENOBUFS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_sanitizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
