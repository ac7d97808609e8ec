/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inspection: eventlog, authenticode. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "authenticode.h"
#include "cleanup.h"
#include "cli.h"
#include "credential.h"
#include "device.h"
#include "eventlog.h"
#include "evidence.h"
#include "fileio.h"
#include "hex.h"
#include "log.h"
#include "minisig.h"
#include "quote.h"

int cmd_eventlog(struct opts *o, const char *path)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct el_log log;
	uint8_t pcrs[EL_NPCR][32];
	uint32_t seen = 0;
	char err[EL_ERR_MAX], h[129];
	size_t len;
	struct json j;
	int r;

	r = read_file(path, EL_MAX_LOG, &buf, &len);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", path);
	r = el_parse(buf, len, &log, err);
	if (r < 0) {
		log_error("%s: %s", path, err);
		return -EINVAL;
	}
	r = el_replay(&log, EL_ALG_SHA256, pcrs, &seen);
	if (o->json) {
		json_init(&j, stdout, true);
		json_obj_begin(&j);
		json_key(&j, "events");
		json_arr_begin(&j);
	}
	for (size_t i = 1; i < log.n; i++) {
		const struct el_event *e = &log.ev[i];
		const struct el_digest *d = el_event_digest(e, EL_ALG_SHA256);
		struct el_uefi_var v;
		int chk = el_event_check(e);
		bool var = el_uefi_var_parse(e->data, e->data_len, &v) == 0;

		if (d)
			hex_encode(d->d, 32, h);
		else
			strcpy(h, "-");
		if (o->json) {
			json_obj_begin(&j);
			json_kv_u64(&j, "seq", i);
			json_kv_u64(&j, "pcr", e->pcr);
			json_kv_str(&j, "type", el_type_name(e->type));
			json_kv_str(&j, "sha256", h);
			json_kv_u64(&j, "size", e->data_len);
			if (var)
				json_kv_str(&j, "variable", v.name);
			json_kv_str(&j, "digest_check", chk == 0 ? "ok" : chk < 0 ? "mismatch" : "n/a");
			json_obj_end(&j);
		} else {
			printf("%4zu PCR%-2u %-34s %s %6u%s%s%s\n", i, e->pcr, el_type_name(e->type), h, e->data_len,
			       var ? " " : "", var ? v.name : "", chk < 0 ? " DIGEST-MISMATCH" : "");
		}
	}
	if (o->json) {
		json_arr_end(&j);
		json_key(&j, "replay_sha256");
		json_obj_begin(&j);
	}
	for (unsigned p = 0; r == 0 && p < EL_NPCR; p++)
		if (seen & (1u << p)) {
			char k[8];

			hex_encode(pcrs[p], 32, h);
			snprintf(k, sizeof(k), "%u", p);
			if (o->json)
				json_kv_str(&j, k, h);
			else
				printf("PCR %2u %s\n", p, h);
		}
	if (o->json) {
		json_obj_end(&j);
		json_obj_end(&j);
		r = json_end(&j);
	}
	el_free(&log);
	return r < 0 ? r : 0;
}

int cmd_authenticode(int argc, char **argv)
{
	int ret = 0;

	for (int i = 0; i < argc; i++) {
		uint8_t d[32];
		char h[65];
		int r = authenticode_sha256_file(argv[i], d);

		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "%s: not a PE image or unreadable", argv[i]);
			ret = r;
			continue;
		}
		hex_encode(d, 32, h);
		printf("%s  %s\n", h, argv[i]);
	}
	return ret;
}
