/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Event-log parser, replay and writer against a log captured from an OVMF
 * VM with Secure Boot (tests/data/attest/ovmf-sb.log) and the PCR values
 * read from that VM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "common.h"
#include "eventlog.h"
#include "verify.h"

static void test_parse_and_replay(void **state)
{
	size_t len;
	uint8_t *buf = load_data("ovmf-sb.log", &len), pcrs[24][32], vm[24][32], ref11[32];
	struct el_log log;
	char err[EL_ERR_MAX];
	uint32_t seen = 0;
	size_t checked = 0, n;

	(void)state;
	load_pcrs(vm);
	assert_int_equal(el_parse(buf, len, &log, err), 0);
	assert_int_equal(log.nalgs, 4);
	assert_true(log.n > 30);
	assert_int_equal(el_replay(&log, EL_ALG_SHA256, pcrs, &seen), 0);
	for (unsigned p = 0; p < 8; p++)
		assert_memory_equal(pcrs[p], vm[p], 32);
	assert_int_equal(seen & 0xff, 0xff);
	/* PCR 11: the log holds the stub's measurements; the VM's value adds
	 * rempart-init's marker and systemd-pcrphase's phases */
	assert_true(seen & (1u << 11));
	assert_memory_not_equal(pcrs[11], vm[11], 32);
	assert_true(av_pcr11_matches(pcrs[11], vm[11]));
	assert_int_equal(hex_decode("a74f5fe642a6578d96a1e6c5a5bcd8aa5bfc3d104621000078360b4cb3efc2d5", ref11, 32, &n), 0);
	assert_memory_equal(pcrs[11], ref11, 32);
	/* every event whose digest covers its data is consistent */
	for (size_t i = 1; i < log.n; i++) {
		int r = el_event_check(&log.ev[i]);

		assert_true(r == 0 || r == 1);
		checked += r == 0;
	}
	assert_true(checked >= 20);
	el_free(&log);
	free(buf);
}

static void test_secureboot_variable(void **state)
{
	size_t len, vlen;
	uint8_t *buf = load_data("ovmf-sb.log", &len), one = 1, *var, d[32];
	struct el_log log;
	struct el_uefi_var v;
	char err[EL_ERR_MAX];
	bool found = false;

	(void)state;
	assert_int_equal(el_parse(buf, len, &log, err), 0);
	assert_int_equal(el_uefi_var_build(el_guid_global, "SecureBoot", &one, 1, &var, &vlen), 0);
	EVP_Digest(var, vlen, d, NULL, EVP_sha256(), NULL);
	for (size_t i = 1; i < log.n; i++) {
		if (log.ev[i].type != EV_EFI_VARIABLE_DRIVER_CONFIG)
			continue;
		assert_int_equal(el_uefi_var_parse(log.ev[i].data, log.ev[i].data_len, &v), 0);
		if (strcmp(v.name, "SecureBoot") == 0) {
			found = true;
			assert_int_equal(v.data_len, 1);
			assert_int_equal(v.data[0], 1);
			assert_memory_equal(v.guid, el_guid_global, 16);
			assert_memory_equal(el_event_digest(&log.ev[i], EL_ALG_SHA256)->d, d, 32);
		}
		if (strcmp(v.name, "db") == 0)
			assert_memory_equal(v.guid, el_guid_image_security, 16);
	}
	assert_true(found);
	free(var);
	el_free(&log);
	free(buf);
}

/* The method the builder uses for the reference values (src/build/manifest.c):
 * PK/KEK/db digests = sha256(UEFI_VARIABLE_DATA(guid, name, the .esl file)),
 * the db authority = sha256(UEFI_VARIABLE_DATA(db guid, "db", ESL entry)).
 * Recomputed here from the signature lists the firmware logged. */
static void test_reference_method(void **state)
{
	size_t len, vlen;
	uint8_t *buf = load_data("ovmf-sb.log", &len), *var, d[32];
	struct el_log log;
	struct el_uefi_var v;
	char err[EL_ERR_MAX];
	const uint8_t *db = NULL;
	size_t dblen = 0, matched = 0;

	(void)state;
	assert_int_equal(el_parse(buf, len, &log, err), 0);
	for (size_t i = 1; i < log.n; i++) {
		const struct el_event *e = &log.ev[i];

		if (e->type != EV_EFI_VARIABLE_DRIVER_CONFIG || el_uefi_var_parse(e->data, e->data_len, &v) < 0)
			continue;
		if (strcmp(v.name, "PK") && strcmp(v.name, "KEK") && strcmp(v.name, "db"))
			continue;
		assert_int_equal(el_uefi_var_build(strcmp(v.name, "db") ? el_guid_global : el_guid_image_security,
						   v.name, v.data, v.data_len, &var, &vlen), 0);
		EVP_Digest(var, vlen, d, NULL, EVP_sha256(), NULL);
		assert_memory_equal(d, el_event_digest(e, EL_ALG_SHA256)->d, 32);
		free(var);
		matched++;
		if (strcmp(v.name, "db") == 0) {
			db = v.data;
			dblen = v.data_len;
		}
	}
	assert_int_equal(matched, 3);
	assert_non_null(db);
	/* one X.509 entry: header 28 bytes, SignatureSize at 24 */
	{
		uint32_t esize = db[24] | db[25] << 8 | db[26] << 16 | (uint32_t)db[27] << 24;
		bool found = false;

		assert_true(28 + esize <= dblen);
		assert_int_equal(el_uefi_var_build(el_guid_image_security, "db", db + 28, esize, &var, &vlen), 0);
		EVP_Digest(var, vlen, d, NULL, EVP_sha256(), NULL);
		free(var);
		for (size_t i = 1; i < log.n; i++)
			if (log.ev[i].type == EV_EFI_VARIABLE_AUTHORITY)
				found = memcmp(el_event_digest(&log.ev[i], EL_ALG_SHA256)->d, d, 32) == 0;
		assert_true(found);
	}
	el_free(&log);
	free(buf);
}

static void test_forged_event_detected(void **state)
{
	size_t len;
	uint8_t *buf = load_data("ovmf-sb.log", &len);
	struct el_log log;
	struct el_uefi_var v;
	char err[EL_ERR_MAX];
	size_t forged = 0;

	(void)state;
	assert_int_equal(el_parse(buf, len, &log, err), 0);
	for (size_t i = 1; i < log.n; i++)
		if (log.ev[i].type == EV_EFI_VARIABLE_DRIVER_CONFIG &&
		    el_uefi_var_parse(log.ev[i].data, log.ev[i].data_len, &v) == 0 && strcmp(v.name, "SecureBoot") == 0) {
			/* flip SecureBoot to 0 in place, digest unchanged */
			((uint8_t *)log.ev[i].data)[log.ev[i].data_len - 1] = 0;
			assert_int_equal(el_event_check(&log.ev[i]), -EBADMSG);
			forged++;
		}
	assert_int_equal(forged, 1);
	el_free(&log);
	free(buf);
}

static void test_writer_roundtrip(void **state)
{
	size_t len, olen;
	uint8_t *buf = load_data("ovmf-sb.log", &len), *out = NULL;
	struct el_log log;
	struct el_writer w;
	char err[EL_ERR_MAX];

	(void)state;
	assert_int_equal(el_parse(buf, len, &log, err), 0);
	el_writer_init(&w, &log);
	for (size_t i = 1; i < log.n; i++)
		el_writer_copy(&w, &log.ev[i]);
	assert_int_equal(el_writer_finish(&w, &out, &olen), 0);
	assert_int_equal(olen, len);
	assert_memory_equal(out, buf, len);
	free(out);
	/* an event built by the writer hashes its data in every bank */
	el_writer_init(&w, NULL);
	el_writer_event(&w, 4, EV_EFI_ACTION, (const uint8_t *)"Calling EFI Application from Boot Option", 40, NULL);
	assert_int_equal(el_writer_finish(&w, &out, &olen), 0);
	el_free(&log);
	assert_int_equal(el_parse(out, olen, &log, err), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(el_event_check(&log.ev[1]), 0);
	el_free(&log);
	free(out);
	free(buf);
}

static void test_truncations_and_corruptions(void **state)
{
	size_t len;
	uint8_t *buf = load_data("ovmf-sb.log", &len), *copy = malloc(len);
	struct el_log log;
	char err[EL_ERR_MAX];
	size_t ok = 0;

	(void)state;
	/* every prefix either parses (ends on an event boundary) or is refused */
	for (size_t l = 0; l < len; l++) {
		int r = el_parse(buf, l, &log, err);

		assert_true(r == 0 || r == -EBADMSG);
		if (r == 0) {
			ok++;
			el_free(&log);
		}
	}
	assert_true(ok >= 30 && ok <= 45);
	/* not a crypto-agile log */
	memcpy(copy, buf, len);
	copy[32] = 'X';
	assert_int_equal(el_parse(copy, len, &log, err), -EBADMSG);
	assert_non_null(strstr(err, "Spec ID"));
	/* a digest of an unannounced algorithm */
	memcpy(copy, buf, len);
	{
		size_t hdr = 32 + (copy[28] | copy[29] << 8);

		copy[hdr + 12] = 0x99;
		assert_int_equal(el_parse(copy, len, &log, err), -EBADMSG);
		assert_non_null(strstr(err, "not announced"));
		/* an event size running past the end */
		memcpy(copy, buf, len);
		copy[hdr + 8] = 0xff;
		assert_int_equal(el_parse(copy, len, &log, err), -EBADMSG);
	}
	free(copy);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_replay),
		cmocka_unit_test(test_secureboot_variable),
		cmocka_unit_test(test_reference_method),
		cmocka_unit_test(test_forged_event_detected),
		cmocka_unit_test(test_writer_roundtrip),
		cmocka_unit_test(test_truncations_and_corruptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
