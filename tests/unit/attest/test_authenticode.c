/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Authenticode digest of the signed systemd-boot of a Rempart image against
 * the digest OVMF measured for it (first EV_EFI_BOOT_SERVICES_APPLICATION of
 * the captured log); osslsigncode agrees (tests/host/attest.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authenticode.h"
#include "common.h"
#include "eventlog.h"

static void first_app_digest(uint8_t out[32])
{
	size_t len;
	uint8_t *buf = load_data("ovmf-sb.log", &len);
	struct el_log log;
	char err[EL_ERR_MAX];
	bool found = false;

	assert_int_equal(el_parse(buf, len, &log, err), 0);
	for (size_t i = 1; i < log.n && !found; i++)
		if (log.ev[i].type == EV_EFI_BOOT_SERVICES_APPLICATION) {
			memcpy(out, el_event_digest(&log.ev[i], EL_ALG_SHA256)->d, 32);
			found = true;
		}
	assert_true(found);
	el_free(&log);
	free(buf);
}

static void test_matches_firmware(void **state)
{
	size_t len;
	uint8_t *img = load_data("BOOTX64.EFI", &len), d[32], want[32];

	(void)state;
	first_app_digest(want);
	assert_int_equal(authenticode_sha256(img, len, d), 0);
	assert_memory_equal(d, want, 32);
	free(img);
}

static void test_excluded_and_covered_fields(void **state)
{
	size_t len;
	uint8_t *img = load_data("BOOTX64.EFI", &len), d0[32], d[32];
	uint32_t pe = img[0x3c] | img[0x3d] << 8, opt = pe + 24;

	(void)state;
	assert_int_equal(authenticode_sha256(img, len, d0), 0);
	/* CheckSum is excluded */
	img[opt + 64] ^= 0xff;
	assert_int_equal(authenticode_sha256(img, len, d), 0);
	assert_memory_equal(d, d0, 32);
	img[opt + 64] ^= 0xff;
	/* the certificate table (signature) is excluded: alter its last byte */
	img[len - 1] ^= 0xff;
	assert_int_equal(authenticode_sha256(img, len, d), 0);
	assert_memory_equal(d, d0, 32);
	img[len - 1] ^= 0xff;
	/* code is covered */
	img[0x400 + 100] ^= 1;
	assert_int_equal(authenticode_sha256(img, len, d), 0);
	assert_memory_not_equal(d, d0, 32);
	free(img);
}

static void test_not_pe(void **state)
{
	size_t len;
	uint8_t *img = load_data("BOOTX64.EFI", &len), d[32];

	(void)state;
	assert_int_equal(authenticode_sha256(img, 0x3f, d), -EBADMSG);
	assert_int_equal(authenticode_sha256(img, 0x200, d), -EBADMSG); /* sections past the end */
	img[0] = 'X';
	assert_int_equal(authenticode_sha256(img, len, d), -EBADMSG);
	img[0] = 'M';
	img[0x3c] = 0xff;
	img[0x3d] = 0xff;
	img[0x3e] = 0xff;
	img[0x3f] = 0x7f;
	assert_int_equal(authenticode_sha256(img, len, d), -EBADMSG);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_firmware),
		cmocka_unit_test(test_excluded_and_covered_fields),
		cmocka_unit_test(test_not_pe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
