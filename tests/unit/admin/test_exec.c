/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spawn_capture: the bounded runner behind check.run, attest.quote and
 * update.status (exit status, stdout bound, time limit, environment). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "admind.h"

static void test_capture(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "echo out; echo err1 >&2; echo err2 >&2; exit 3", NULL };
	char *out = NULL, err[64];
	size_t len;
	int st;

	(void)state;
	assert_int_equal(spawn_capture(argv, 1024, 10, &out, &len, err, sizeof(err), &st), 0);
	assert_int_equal(st, 3);
	assert_string_equal(out, "out\n");
	assert_int_equal(len, 4);
	assert_string_equal(err, "err1"); /* the first line only */
	free(out);
}

static void test_environment(void **state)
{
	char *argv[] = { "/usr/bin/env", NULL };
	char *out = NULL, err[64];
	size_t len;
	int st;

	(void)state;
	setenv("REMPART_SECRET_TEST", "leak", 1);
	assert_int_equal(spawn_capture(argv, 4096, 10, &out, &len, err, sizeof(err), &st), 0);
	assert_int_equal(st, 0);
	assert_null(strstr(out, "REMPART_SECRET_TEST"));
	assert_non_null(strstr(out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
	free(out);
}

static void test_limits(void **state)
{
	char *big[] = { "/usr/bin/head", "-c", "100000", "/dev/zero", NULL };
	char *slow[] = { "/bin/sleep", "30", NULL };
	char *missing[] = { "/nonexistent/rempart-tool", NULL };
	char *stdin_read[] = { "/bin/cat", NULL };
	char *out = NULL, err[64];
	size_t len;
	int st;

	(void)state;
	assert_int_equal(spawn_capture(big, 1000, 10, &out, &len, err, sizeof(err), &st), -EFBIG);
	assert_null(out);
	assert_int_equal(spawn_capture(slow, 1000, 1, &out, &len, err, sizeof(err), &st), -ETIME);
	assert_int_equal(spawn_capture(missing, 1000, 1, &out, &len, err, sizeof(err), &st), -ENOENT);
	/* stdin is /dev/null: a reader ends at once */
	assert_int_equal(spawn_capture(stdin_read, 1000, 5, &out, &len, err, sizeof(err), &st), 0);
	assert_int_equal(len, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
