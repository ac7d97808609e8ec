/* SPDX-License-Identifier: GPL-2.0-or-later */
/* update.conf's "override = PATH": the administrator's server and channel
 * (written by rempart-admind), nothing else. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileio.h"
#include "update_config.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/rempart-ovr-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define BASE "product = rempart\nchannel = stable\nserver = https://u.example/repo/\nca = /ca.pem\n" \
	     "pubkey = /k.pub\ndisk = /dev/vda\nesp = /efi\nstate_dir = /var/lib/u\n"

/* Writes the main file (with override = DIR/o.conf) and, if text is not
 * NULL, the override; loads. */
static int load(const char *override_text, struct update_config *c, char err[256])
{
	char path[128], opath[128], main_text[1024];
	unsigned line;

	snprintf(opath, sizeof(opath), "%s/o.conf", dir);
	unlink(opath);
	if (override_text)
		assert_int_equal(write_file_atomic(opath, override_text, strlen(override_text), 0644), 0);
	snprintf(main_text, sizeof(main_text), BASE "override = %s\n", opath);
	snprintf(path, sizeof(path), "%s/u.conf", dir);
	assert_int_equal(write_file_atomic(path, main_text, strlen(main_text), 0600), 0);
	err[0] = '\0';
	return update_config_load(path, c, &line, err);
}

static void test_no_override_file(void **state)
{
	struct update_config c;
	char err[256];

	(void)state;
	assert_int_equal(load(NULL, &c, err), 0);
	assert_string_equal(c.channel, "stable");
	assert_string_equal(c.server, "https://u.example/repo");
}

static void test_override_both(void **state)
{
	struct update_config c;
	char err[256];

	(void)state;
	assert_int_equal(load("# admind\nserver = https://mirror.example:8443/r/\nchannel = beta\n", &c, err), 0);
	assert_string_equal(c.channel, "beta");
	assert_string_equal(c.server, "https://mirror.example:8443/r");
	/* everything else from the main file */
	assert_string_equal(c.pubkey, "/k.pub");
	assert_string_equal(c.ca, "/ca.pem");
}

static void test_override_one(void **state)
{
	struct update_config c;
	char err[256];

	(void)state;
	assert_int_equal(load("channel = testing\n", &c, err), 0);
	assert_string_equal(c.channel, "testing");
	assert_string_equal(c.server, "https://u.example/repo");
}

static void test_override_refused(void **state)
{
	struct update_config c;
	char err[256];

	(void)state;
	/* the signing key, the CA and anything else stay out of the override */
	assert_int_equal(load("pubkey = /tmp/evil.pub\n", &c, err), -EINVAL);
	assert_non_null(strstr(err, "not allowed"));
	assert_non_null(strstr(err, "pubkey"));
	assert_int_equal(load("channel = beta\nca = /tmp/ca.pem\n", &c, err), -EINVAL);
	assert_non_null(strstr(err, "\"ca\""));
	assert_int_equal(load("override = /x\n", &c, err), -EINVAL);
	/* values are validated like the main file's */
	assert_int_equal(load("server = http://plain.example\n", &c, err), -EINVAL);
	assert_non_null(strstr(err, "https"));
	assert_int_equal(load("channel = Beta!\n", &c, err), -EINVAL);
	assert_non_null(strstr(err, "line 1"));
	/* malformed and duplicate lines */
	assert_int_equal(load("channel beta\n", &c, err), -EINVAL);
	assert_non_null(strstr(err, "malformed line 1"));
	assert_int_equal(load("channel = a\nchannel = b\n", &c, err), -EINVAL);
	assert_non_null(strstr(err, "o.conf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_override_file),
		cmocka_unit_test(test_override_both),
		cmocka_unit_test(test_override_one),
		cmocka_unit_test(test_override_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
