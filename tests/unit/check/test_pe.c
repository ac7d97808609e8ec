/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pe.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* A PE32+ image with sections .text and .cmdline and, if signed, a
 * certificate table at the end. Returns its length. */
static size_t make_pe(uint8_t *b, const char *cmdline, bool sign)
{
	size_t lfanew = 0x80, coff = lfanew + 4, opt = coff + 20, optsize = 112 + 16 * 8, sec = opt + optsize;
	size_t data = 0x400, cl = strlen(cmdline), len;

	memset(b, 0, 4096);
	b[0] = 'M', b[1] = 'Z';
	put32(b + 0x3c, (uint32_t)lfanew);
	memcpy(b + lfanew, "PE\0\0", 4);
	put16(b + coff, 0x8664);
	put16(b + coff + 2, 2);
	put16(b + coff + 16, (uint16_t)optsize);
	put16(b + opt, 0x20b);
	put32(b + opt + 108, 16);
	memcpy(b + sec, ".text", 5);
	put32(b + sec + 8, 16);
	put32(b + sec + 16, 16);
	put32(b + sec + 20, (uint32_t)data);
	memcpy(b + sec + 40, ".cmdline", 8);
	put32(b + sec + 40 + 8, (uint32_t)cl);
	put32(b + sec + 40 + 16, 512);
	put32(b + sec + 40 + 20, (uint32_t)(data + 512));
	memcpy(b + data + 512, cmdline, cl);
	len = data + 1024;
	if (sign) {
		put32(b + opt + 112 + 4 * 8, (uint32_t)len);
		put32(b + opt + 112 + 4 * 8 + 4, 64);
		len += 64;
	}
	return len;
}

static void test_sections(void **state)
{
	uint8_t b[4096];
	size_t len = make_pe(b, "roothash=ab lockdown=confidentiality", true);
	struct pe_info pe;
	const uint8_t *d;
	size_t n;

	assert_int_equal(pe_parse(b, len, &pe), 0);
	assert_true(pe.pe32plus);
	assert_int_equal(pe.machine, 0x8664);
	assert_true(pe_signed(&pe, len));
	assert_int_equal(pe_section(b, len, &pe, ".cmdline", &d, &n), 0);
	assert_int_equal(n, strlen("roothash=ab lockdown=confidentiality")); /* VirtualSize, not the padding */
	assert_memory_equal(d, "roothash=ab", 11);
	assert_int_equal(pe_section(b, len, &pe, ".linux", &d, &n), -ENOENT);
	assert_int_equal(pe_section(b, len, &pe, ".cmd", &d, &n), -ENOENT); /* no prefix match */
	assert_false(pe_signed(&pe, len - 1)); /* certificate table past the end */
	len = make_pe(b, "x", false);
	assert_int_equal(pe_parse(b, len, &pe), 0);
	assert_false(pe_signed(&pe, len));
}

static void test_malformed(void **state)
{
	uint8_t b[4096];
	size_t len = make_pe(b, "x", false);
	struct pe_info pe;
	const uint8_t *d;
	size_t n;

	assert_int_equal(pe_parse(b, 0x40, &pe), -EBADMSG);
	b[0] = 'X';
	assert_int_equal(pe_parse(b, len, &pe), -EBADMSG);
	len = make_pe(b, "x", false);
	put32(b + 0x3c, 0xfffffff0);
	assert_int_equal(pe_parse(b, len, &pe), -EBADMSG);
	len = make_pe(b, "x", false);
	put16(b + 0x80 + 4 + 2, 2000); /* section table beyond the file */
	assert_int_equal(pe_parse(b, len, &pe), -EBADMSG);
	len = make_pe(b, "x", false);
	put32(b + 0x80 + 24 + 112 + 128 + 40 + 20, 0xfffff000); /* .cmdline data outside */
	assert_int_equal(pe_parse(b, len, &pe), 0);
	assert_int_equal(pe_section(b, len, &pe, ".cmdline", &d, &n), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests_name("check-pe", tests, NULL, NULL);
}
