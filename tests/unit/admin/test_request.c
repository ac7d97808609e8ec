/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The request parser (strict JSON subset) and the framing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "request.h"

static int parse(const char *s, struct request *r)
{
	char err[160];

	return req_parse((const uint8_t *)s, strlen(s), r, err, sizeof(err));
}

static void test_accepts(void **state)
{
	struct request r;

	(void)state;
	assert_int_equal(parse(" {\"verb\" : \"status\"}\n", &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(req_get(&r, "verb")->str, "status");
	req_free(&r);
	assert_int_equal(parse("{}", &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(parse("{\"a\":\"x\\n\\\"\\\\\\/\\t\\u00e9\\u20ac\",\"max\":9007199254740991,\"b\":true,"
			       "\"c\":false,\"z\":0}", &r), 0);
	assert_int_equal(r.n, 5);
	assert_string_equal(req_get(&r, "a")->str, "x\n\"\\/\t\xc3\xa9\xe2\x82\xac");
	assert_int_equal(req_get(&r, "max")->type, REQ_UINT);
	assert_true(req_get(&r, "max")->u == 9007199254740991ull);
	assert_true(req_get(&r, "b")->b);
	assert_false(req_get(&r, "c")->b);
	assert_int_equal(req_get(&r, "z")->u, 0);
	assert_null(req_get(&r, "missing"));
	req_free(&r);
	/* raw UTF-8 (2, 3, 4 bytes) */
	assert_int_equal(parse("{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", &r), 0);
	req_free(&r);
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
		"", " ", "[]", "\"x\"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}",
		"{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1 \"b\":2}",
		"{\"a\":null}", "{\"a\":{}}", "{\"a\":[]}", "{\"a\":-1}", "{\"a\":1.5}", "{\"a\":1e3}",
		"{\"a\":01}", "{\"a\":9007199254740992}", "{\"a\":99999999999999999999999}",
		"{\"a\":tru}", "{\"a\":True}", "{\"a\":'x'}",
		"{\"A\":1}", "{\"1a\":1}", "{\"a-b\":1}", "{\"\":1}", "{\"a\\u0062\":1}", "{a:1}",
		"{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1}",            /* 32-character key */
		"{\"a\":1,\"a\":2}",                                   /* duplicate */
		"{\"a\":\"x\ny\"}",                                    /* raw control character */
		"{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udfff\"}", "{\"a\":\"\\u12\"}",
		"{\"a\":\"\\x41\"}", "{\"a\":\"abc}", "{\"a\":\"abc\\\"}",
		"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
		"{\"a\":\"\xff\"}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xe2\x82\"}",
	};
	struct request r;
	char err[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = req_parse((const uint8_t *)bad[i], strlen(bad[i]), &r, err, sizeof(err));

		if (ret != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
		assert_int_equal(r.n, 0);
	}
	/* a NUL byte inside the frame */
	assert_int_equal(req_parse((const uint8_t *)"{\"a\":\"x\0\"}", 10, &r, err, sizeof(err)), -EINVAL);
}

static void test_max_fields(void **state)
{
	char buf[1024] = "{";
	struct request r;

	(void)state;
	for (int i = 0; i < REQ_MAX_FIELDS; i++) {
		char k[32];

		snprintf(k, sizeof(k), "%s\"k%c\":1", i ? "," : "", 'a' + i);
		strcat(buf, k);
	}
	strcat(buf, "}");
	assert_int_equal(parse(buf, &r), 0);
	assert_int_equal(r.n, REQ_MAX_FIELDS);
	req_free(&r);
	buf[strlen(buf) - 1] = '\0';
	strcat(buf, ",\"k9\":1}");
	assert_int_equal(parse(buf, &r), -EINVAL);
}

static void test_frames(void **state)
{
	int sv[2];
	uint8_t *body = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(frame_write(sv[0], "{}", 2), 0);
	assert_int_equal(frame_read(sv[1], 16, 0, &body, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(body, "{}", 2);
	free(body);
	/* too large: refused before reading the body */
	assert_int_equal(frame_write(sv[0], "{\"a\":\"0123456789\"}", 18), 0);
	assert_int_equal(frame_read(sv[1], 16, 0, &body, &len), -EMSGSIZE);
	close(sv[0]);
	close(sv[1]);
	/* zero length, then a short body */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "\0\0\0\0", 4), 4);
	assert_int_equal(frame_read(sv[1], 16, 0, &body, &len), -EPROTO);
	assert_int_equal(write(sv[0], "\0\0\0\x08{}", 6), 6);
	shutdown(sv[0], SHUT_WR);
	assert_int_equal(frame_read(sv[1], 16, 0, &body, &len), -EPROTO);
	close(sv[0]);
	close(sv[1]);
	/* a peer that stops sending: deadline */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "\0\0", 2), 2);
	assert_int_equal(frame_read(sv[1], 16, mono_ns() + 200000000, &body, &len), -ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(frame_write(1, "", 0), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_max_fields),
		cmocka_unit_test(test_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
