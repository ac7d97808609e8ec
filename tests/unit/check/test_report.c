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

#include "report.h"

#define S(x) x, strlen(x)

static void test_profile_parse(void **state)
{
	struct profile p;
	unsigned line = 0;
	const char *reason;

	profile_init(&p);
	assert_int_equal(profile_parse(&p, S("# comment\nna platform.iommu no IOMMU in q35\nadvisory cpu.vuln:*\n"
					     "allow elf.bindnow /usr/* Debian\nenforce elf.* /usr/bin/rempart*\n"
					     "required cpu.vuln:mds\n"), NULL, 0, &line), 0);
	assert_int_equal(p.n, 5);
	assert_int_equal(profile_lookup(&p, "platform.iommu")->action, PROFILE_NA);
	assert_int_equal(profile_lookup(&p, "cpu.vuln:l1tf")->action, PROFILE_ADVISORY);
	assert_int_equal(profile_lookup(&p, "cpu.vuln:mds")->action, PROFILE_REQUIRED); /* later wins */
	assert_null(profile_lookup(&p, "boot.secureboot"));
	assert_true(profile_allows(&p, "elf.bindnow", "/usr/lib/x86_64-linux-gnu/libc.so.6", &reason));
	assert_string_equal(reason, "Debian");
	assert_false(profile_allows(&p, "elf.bindnow", "/usr/bin/rempart-check", &reason)); /* enforced */
	assert_false(profile_allows(&p, "elf.pie", "/usr/bin/ls", &reason));
	assert_false(profile_allows(&p, "elf.bindnow", "/opt/x", &reason));
	profile_free(&p);
}

static void test_profile_errors(void **state)
{
	static const char *const bad[] = {
		"na platform.iommu\n",              /* no reason */
		"allow elf.pie /usr/*\n",           /* no reason */
		"sometimes cpu.nx x\n",             /* unknown verb */
		"na\n",                              /* no check */
		"include ../etc/passwd\n",          /* include outside the directory */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct profile p;
		unsigned line = 0;

		profile_init(&p);
		assert_int_equal(profile_parse(&p, bad[i], strlen(bad[i]), "/tmp", 0, &line), -EINVAL);
		assert_int_equal(line, 1);
		profile_free(&p);
	}
}

static void test_profile_include(void **state)
{
	char dir[] = "/tmp/rempart-profile-XXXXXX", path[128];
	struct profile p;
	char *bad = NULL;
	unsigned line;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/common.profile", dir);
	f = fopen(path, "w");
	fputs("na platform.iommu none\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/vm.profile", dir);
	f = fopen(path, "w");
	fputs("include common.profile\nadvisory cpu.smep model\n", f);
	fclose(f);
	profile_init(&p);
	assert_int_equal(profile_load(&p, path, &bad, &line), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(profile_lookup(&p, "platform.iommu")->action, PROFILE_NA);
	profile_free(&p);
	/* self-inclusion stops at the depth limit */
	f = fopen(path, "w");
	fputs("include vm.profile\n", f);
	fclose(f);
	profile_init(&p);
	assert_int_equal(profile_load(&p, path, &bad, &line), -ELOOP);
	free(bad);
	profile_free(&p);
	unlink(path);
	snprintf(path, sizeof(path), "%s/common.profile", dir);
	unlink(path);
	rmdir(dir);
}

static void test_report_status(void **state)
{
	struct profile p;
	struct report r;
	struct check *c;
	unsigned line;
	const char *only[] = { "elf", "sysctl", NULL };

	profile_init(&p);
	assert_int_equal(profile_parse(&p, S("na platform.iommu q35\nadvisory cpu.smep model\n"), NULL, 0, &line), 0);
	report_init(&r, &p);
	c = report_add(&r, "platform.iommu", "hw", CHECK_FAIL, "iommu", "none");
	assert_int_equal(c->status, CHECK_NA);
	assert_string_equal(c->note, "q35");
	c = report_add(&r, "cpu.smep", "hw", CHECK_FAIL, "smep", "absent");
	assert_int_equal(c->status, CHECK_FAIL);
	assert_false(c->required);
	assert_int_equal(report_failures(&r), 0); /* N/A and advisory do not fail the run */
	c = report_add(&r, "cpu.nx", "hw", CHECK_FAIL, "nx", "absent %d", 1);
	assert_string_equal(c->found, "absent 1");
	assert_int_equal(report_failures(&r), 1);
	for (int i = 0; i < REPORT_MAX_DETAILS + 10; i++)
		check_add_detail(c, "file %d", i);
	assert_int_equal(c->n_details, REPORT_MAX_DETAILS);
	assert_int_equal(c->total_details, REPORT_MAX_DETAILS + 10);
	r.only = only;
	assert_null(report_add(&r, "boot.secureboot", "x", CHECK_FAIL, "", "x"));
	assert_non_null(report_add(&r, "elf.pie", "x", CHECK_OK, "", "x"));
	assert_non_null(report_add(&r, "sysctl:kernel.sysrq", "x", CHECK_OK, "", "x"));
	assert_null(report_add(&r, "elfish", "x", CHECK_OK, "", "x"));
	report_free(&r);
	profile_free(&p);
}

static void test_report_json(void **state)
{
	struct report r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	report_init(&r, NULL);
	report_add(&r, "suid.none", "no privilege elevation", CHECK_FAIL, "none", "1 file");
	check_add_detail(r.v, "/usr/bin/\"quoted\"");
	assert_int_equal(report_print_json(&r, f, "image", "disk.img"), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"passed\":false"));
	assert_non_null(strstr(buf, "\"id\":\"suid.none\""));
	assert_non_null(strstr(buf, "\"status\":\"FAIL\""));
	assert_non_null(strstr(buf, "/usr/bin/\\\"quoted\\\""));
	free(buf);
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_parse),  cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_profile_include), cmocka_unit_test(test_report_status),
		cmocka_unit_test(test_report_json),
	};

	return cmocka_run_group_tests_name("check-report", tests, NULL, NULL);
}
