/* SPDX-License-Identifier: GPL-2.0-or-later */
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

#include "cleanup.h"
#include "espmount.h"
#include "fileio.h"

static char dir[] = "/tmp/rempart-espmount.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_writes_unit_and_link(void **state)
{
	_cleanup_free_ uint8_t *buf = NULL;
	char path[256], target[64];
	size_t len;
	ssize_t n;

	(void)state;
	assert_int_equal(esp_mount_unit_write(dir, "/dev/vda1"), 0);
	snprintf(path, sizeof(path), "%s/efi.mount", dir);
	assert_int_equal(read_file(path, 4096, &buf, &len), 0);
	assert_non_null(strstr((char *)buf, "\nWhat=/dev/vda1\n"));
	assert_non_null(strstr((char *)buf, "\nWhere=/efi\n"));
	assert_non_null(strstr((char *)buf, "umask=0077,nosuid,nodev,noexec,dirsync"));
	snprintf(path, sizeof(path), "%s/local-fs.target.wants/efi.mount", dir);
	n = readlink(path, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../efi.mount");
	/* idempotent: a second call (the same boot) succeeds */
	assert_int_equal(esp_mount_unit_write(dir, "/dev/vda1"), 0);
}

static void test_refuses_odd_devices(void **state)
{
	(void)state;
	assert_int_equal(esp_mount_unit_write(dir, "vda1"), -EINVAL);
	assert_int_equal(esp_mount_unit_write(dir, "/dev/vda1\nExecStart=/bin/sh"), -EINVAL);
	assert_int_equal(esp_mount_unit_write(dir, "/dev/../etc/passwd"), -EINVAL);
	assert_int_equal(esp_mount_unit_write(dir, "/dev/vd a1"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_unit_and_link),
		cmocka_unit_test(test_refuses_odd_devices),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
