/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "cleanup.h"
#include "conf.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "parse.h"
#include "uuid.h"

static void test_hex_roundtrip(void **state)
{
	uint8_t in[] = { 0x00, 0x01, 0xab, 0xff }, out[8];
	char s[9];
	size_t n;

	hex_encode(in, sizeof(in), s);
	assert_string_equal(s, "0001abff");
	assert_int_equal(hex_decode("0001ABff", out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(in, out, 4);
}

static void test_hex_errors(void **state)
{
	uint8_t out[2];
	size_t n;

	assert_int_equal(hex_decode("abc", out, sizeof(out), &n), -EINVAL);
	assert_int_equal(hex_decode("zz", out, sizeof(out), &n), -EINVAL);
	assert_int_equal(hex_decode("0x12", out, sizeof(out), &n), -EINVAL);
	assert_int_equal(hex_decode("aabbcc", out, sizeof(out), &n), -ERANGE);
	assert_int_equal(hex_decode("", out, sizeof(out), &n), 0);
	assert_int_equal(n, 0);
}

static void test_parse_u64(void **state)
{
	uint64_t v;
	uint32_t w;

	assert_int_equal(parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(parse_u64("", &v), -EINVAL);
	assert_int_equal(parse_u64("-1", &v), -EINVAL);
	assert_int_equal(parse_u64(" 1", &v), -EINVAL);
	assert_int_equal(parse_u64("1 ", &v), -EINVAL);
	assert_int_equal(parse_u64("+1", &v), -EINVAL);
	assert_int_equal(parse_u64("0x10", &v), -EINVAL);
	assert_int_equal(parse_u32("4294967295", &w), 0);
	assert_int_equal(parse_u32("4294967296", &w), -ERANGE);
	assert_int_equal(parse_u64_range("5", 6, 10, &v), -ERANGE);
}

static void test_parse_suffixes(void **state)
{
	uint64_t v;

	assert_int_equal(parse_size("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("2G", &v), 0);
	assert_true(v == 2ULL << 30);
	assert_int_equal(parse_size("K", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999999999T", &v), -ERANGE);
	assert_int_equal(parse_size("20000000T", &v), -ERANGE);
	assert_int_equal(parse_duration("30d", &v), 0);
	assert_int_equal(v, 30 * 86400);
	assert_int_equal(parse_duration("90", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(parse_duration("1w", &v), -EINVAL);
	assert_true(is_power_of_two(4096));
	assert_false(is_power_of_two(0));
	assert_false(is_power_of_two(12));
}

static void test_json_writer(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f, false);
	json_obj_begin(&j);
	json_kv_str(&j, "a", "x\"y\\z\n\x01");
	json_key(&j, "list");
	json_arr_begin(&j);
	json_u64(&j, 1);
	json_i64(&j, -2);
	json_bool(&j, true);
	json_null(&j);
	json_arr_end(&j);
	json_key(&j, "empty");
	json_obj_begin(&j);
	json_obj_end(&j);
	json_kv_str(&j, "bad", "\xff\xc3\xa9");
	json_obj_end(&j);
	assert_int_equal(json_end(&j), 0);
	fclose(f);
	assert_string_equal(buf, "{\"a\":\"x\\\"y\\\\z\\n\\u0001\",\"list\":[1,-2,true,null],\"empty\":{},"
				 "\"bad\":\"\\ufffd\xc3\xa9\"}\n");
	free(buf);
}

static void test_json_unbalanced(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f, false);
	json_obj_begin(&j);
	assert_int_equal(json_end(&j), -EINVAL);
	json_obj_end(&j);
	json_obj_end(&j);
	assert_int_equal(json_end(&j), -EINVAL);
	fclose(f);
	free(buf);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_atomic_write(void **state)
{
	char dir[] = "/tmp/rempart-test-XXXXXX";
	char path[128];
	uint8_t *data = NULL;
	size_t len;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/file", dir);
	assert_int_equal(write_file_atomic(path, "old", 3, 0600), 0);
	assert_int_equal(write_file_atomic(path, "new!", 4, 0640), 0);
	assert_int_equal(read_file(path, 100, &data, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(data, "new!", 4);
	free(data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_entries(dir), 1); /* no temporary left behind */

	/* A discarded write leaves the old content and no temporary. */
	{
		struct atomic_file af = ATOMIC_FILE_INIT;

		assert_int_equal(atomic_file_open(&af, path, 0600), 0);
		assert_int_equal(write_full(af.fd, "partial", 7), 0);
		atomic_file_discard(&af);
	}
	assert_int_equal(read_file(path, 100, &data, &len), 0);
	assert_memory_equal(data, "new!", 4);
	free(data);
	assert_int_equal(count_entries(dir), 1);

	assert_int_equal(read_file(path, 2, &data, &len), -EFBIG);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(write_file_atomic("/nonexistent-dir/x", "a", 1, 0600), -ENOENT);
}

static void test_uuid(void **state)
{
	uint8_t u[16], r[16];
	char s[UUID_STR_LEN];

	assert_int_equal(uuid_parse("0123456789AB-cdef-0123-456789abcdef", u), -EINVAL);
	assert_int_equal(uuid_parse("01234567-89ab-cdef-0123-456789abcdef", u), 0);
	uuid_format(u, s);
	assert_string_equal(s, "01234567-89ab-cdef-0123-456789abcdef");
	assert_int_equal(uuid_parse("01234567-89ab-cdef-0123-456789abcdeg", u), -EINVAL);
	assert_int_equal(uuid_random(r), 0);
	assert_int_equal(r[6] >> 4, 4);
	assert_int_equal(r[8] >> 6, 2);
}

static void test_conf(void **state)
{
	static const char text[] = "# comment\n\nname = rempart \nsuite=bookworm\r\n  empty=\n";
	static const char *const allowed[] = { "name", "suite", NULL };
	struct conf c;

	assert_int_equal(conf_parse(text, sizeof(text) - 1, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(conf_get(&c, "name"), "rempart");
	assert_string_equal(conf_get(&c, "suite"), "bookworm");
	assert_string_equal(conf_get(&c, "empty"), "");
	assert_null(conf_get(&c, "missing"));
	assert_string_equal(conf_unknown_key(&c, allowed), "empty");
	conf_free(&c);
	assert_int_equal(conf_parse("a=1\na=2\n", 8, &c), -EBADMSG);
	assert_int_equal(c.error_line, 2);
	assert_int_equal(conf_parse("novalue\n", 8, &c), -EBADMSG);
	assert_int_equal(conf_parse("Bad Key=1\n", 10, &c), -EBADMSG);
	assert_int_equal(conf_parse("=1\n", 3, &c), -EBADMSG);
	assert_int_equal(conf_parse("a=\0b\n", 5, &c), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_roundtrip),
		cmocka_unit_test(test_hex_errors),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_suffixes),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_json_unbalanced),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_conf),
	};

	return cmocka_run_group_tests_name("shared", tests, NULL, NULL);
}
