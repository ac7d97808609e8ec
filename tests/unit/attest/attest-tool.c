/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper for tests/host/attest.sh (not installed):
 *   attest-tool extend TCTI LOG [--booted]   replay LOG's sha256 digests into the TPM's PCRs 0-15
 *                                            (--booted: then PCR 11 += leave marker, sysinit, ready)
 *   attest-tool mutate LOG OUT forge-sb      SecureBoot data set to 0, digests kept (a forged event)
 *   attest-tool mutate LOG OUT sb-off        SecureBoot data set to 0, digests recomputed (a consistent
 *                                            log of a boot with Secure Boot disabled)
 *   attest-tool mutate LOG OUT drop SEQ      event SEQ removed
 *   attest-tool pcr-extend TCTI PCR HEX      one sha256 extend
 *   attest-tool mutate LOG OUT app N HEX     sha256 digest of the Nth (0-based) boot application set to HEX
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cleanup.h"
#include "device.h"
#include "eventlog.h"
#include "fileio.h"
#include "hex.h"

static int extend(const char *tcti, const char *path, int booted)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct el_log log;
	struct ad_ctx *t = NULL;
	char err[EL_ERR_MAX];
	size_t len;
	int r;

	if ((r = read_file(path, EL_MAX_LOG, &buf, &len)) < 0 || (r = el_parse(buf, len, &log, err)) < 0) {
		fprintf(stderr, "%s: %s\n", path, r == -EBADMSG ? err : strerror(-r));
		return 1;
	}
	if ((r = ad_open(tcti, &t)) < 0) {
		fprintf(stderr, "cannot open %s\n", tcti);
		return 1;
	}
	for (size_t i = 1; i < log.n && r == 0; i++) {
		const struct el_digest *d = el_event_digest(&log.ev[i], EL_ALG_SHA256);

		if (log.ev[i].type == EV_NO_ACTION || log.ev[i].pcr > 15 || !d)
			continue;
		r = ad_pcr_extend(t, log.ev[i].pcr, d->d);
	}
	if (booted) {
		static const char *const steps[] = { "rempart-leave-initramfs", "sysinit", "ready" };

		for (size_t i = 0; i < 3 && r == 0; i++) {
			uint8_t d[32];

			EVP_Digest(steps[i], strlen(steps[i]), d, NULL, EVP_sha256(), NULL);
			r = ad_pcr_extend(t, 11, d);
		}
	}
	if (r < 0)
		fprintf(stderr, "extend: %s\n", ad_last_error(t));
	ad_close(t);
	el_free(&log);
	return r < 0;
}

static int mutate(int argc, char **argv)
{
	_cleanup_free_ uint8_t *buf = NULL, *out = NULL;
	struct el_log log;
	struct el_writer w;
	char err[EL_ERR_MAX];
	const char *op = argv[2];
	long drop = -1, app = -1, napp = 0;
	uint8_t newd[32];
	size_t len, olen, n;
	int r;

	if ((r = read_file(argv[0], EL_MAX_LOG, &buf, &len)) < 0 || (r = el_parse(buf, len, &log, err)) < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], r == -EBADMSG ? err : strerror(-r));
		return 1;
	}
	if (strcmp(op, "drop") == 0 && argc > 3)
		drop = strtol(argv[3], NULL, 10);
	if (strcmp(op, "app") == 0 && argc > 4) {
		app = strtol(argv[3], NULL, 10);
		if (hex_decode(argv[4], newd, 32, &n) < 0 || n != 32)
			return 2;
	}
	el_writer_init(&w, &log);
	for (size_t i = 1; i < log.n; i++) {
		struct el_event e = log.ev[i];
		struct el_uefi_var v;
		uint8_t *copy = NULL;

		if ((long)i == drop)
			continue;
		if ((strcmp(op, "forge-sb") == 0 || strcmp(op, "sb-off") == 0) && e.type == EV_EFI_VARIABLE_DRIVER_CONFIG &&
		    el_uefi_var_parse(e.data, e.data_len, &v) == 0 && strcmp(v.name, "SecureBoot") == 0 && v.data_len) {
			copy = malloc(e.data_len);
			memcpy(copy, e.data, e.data_len);
			copy[e.data_len - v.data_len] = 0;
			e.data = copy;
			if (strcmp(op, "sb-off") == 0) {
				el_writer_event(&w, e.pcr, e.type, copy, e.data_len, NULL);
				free(copy);
				continue;
			}
		}
		if (e.type == EV_EFI_BOOT_SERVICES_APPLICATION && e.pcr == 4 && napp++ == app) {
			for (uint32_t k = 0; k < e.ndigests; k++)
				if (e.digests[k].alg == EL_ALG_SHA256)
					memcpy(e.digests[k].d, newd, 32);
		}
		el_writer_copy(&w, &e);
		free(copy);
	}
	r = el_writer_finish(&w, &out, &olen);
	if (r == 0)
		r = write_file_atomic(argv[1], out, olen, 0644);
	el_free(&log);
	if (r < 0)
		fprintf(stderr, "mutate: %s\n", strerror(-r));
	return r < 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "extend") == 0)
		return extend(argv[2], argv[3], argc > 4 && strcmp(argv[4], "--booted") == 0);
	if (argc == 5 && strcmp(argv[1], "pcr-extend") == 0) {
		struct ad_ctx *t = NULL;
		uint8_t d[32];
		size_t n;
		int r;

		if (hex_decode(argv[4], d, 32, &n) < 0 || n != 32 || ad_open(argv[2], &t) < 0)
			return 2;
		r = ad_pcr_extend(t, (unsigned)atoi(argv[3]), d);
		ad_close(t);
		return r < 0;
	}
	if (argc >= 5 && strcmp(argv[1], "mutate") == 0)
		return mutate(argc - 2, argv + 2);
	fprintf(stderr, "usage: see the comment at the top of attest-tool.c\n");
	return 2;
}
