/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The evidence writer (src/shared/json.h; the parser uses jansson, whose
 * names collide with it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "evidence.h"
#include "hex.h"
#include "json.h"

static void kv_hex(struct json *j, const char *key, const uint8_t *b, size_t n)
{
	char *h = hex_encode_alloc(b, n);

	if (!h) {
		j->error = -ENOMEM;
		return;
	}
	json_kv_str(j, key, h);
	free(h);
}

int ev_write(const struct ev_evidence *e, FILE *f)
{
	struct json j;

	json_init(&j, f, true);
	json_obj_begin(&j);
	json_kv_str(&j, "format", EV_FORMAT);
	kv_hex(&j, "nonce", e->nonce, e->nonce_len);
	kv_hex(&j, "ak_name", e->ak_name, e->ak_name_len);
	kv_hex(&j, "ak_public", e->ak_public, e->ak_public_len);
	json_key(&j, "quote");
	json_obj_begin(&j);
	json_kv_str(&j, "type", "TPM2_Quote: attest = TPMS_ATTEST, signature = TPMT_SIGNATURE (marshalled, hex)");
	kv_hex(&j, "attest", e->attest, e->attest_len);
	kv_hex(&j, "signature", e->sig, e->sig_len);
	json_obj_end(&j);
	json_key(&j, "pcrs");
	json_obj_begin(&j);
	json_kv_str(&j, "bank", "sha256");
	json_key(&j, "values");
	json_obj_begin(&j);
	for (unsigned i = 0; i < 24; i++)
		if (e->pcr_mask & (1u << i)) {
			char k[8];

			snprintf(k, sizeof(k), "%u", i);
			kv_hex(&j, k, e->pcrs[i], 32);
		}
	json_obj_end(&j);
	json_obj_end(&j);
	json_key(&j, "event_log");
	if (e->log) {
		json_obj_begin(&j);
		json_kv_str(&j, "format", "TCG PC Client crypto-agile (binary_bios_measurements), hex");
		json_kv_str(&j, "path", e->log_path);
		json_kv_u64(&j, "size", e->log_len);
		kv_hex(&j, "data", e->log, e->log_len);
		json_obj_end(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "os_release");
	json_obj_begin(&j);
	if (e->os_id[0])
		json_kv_str(&j, "ID", e->os_id);
	if (e->os_version[0])
		json_kv_str(&j, "IMAGE_VERSION", e->os_version);
	json_obj_end(&j);
	json_key(&j, "check");
	if (e->has_check) {
		json_obj_begin(&j);
		json_kv_i64(&j, "exit_status", e->check_status);
		json_kv_str(&j, "output", e->check_output ? e->check_output : "");
		json_obj_end(&j);
	} else {
		json_null(&j);
	}
	json_obj_end(&j);
	return json_end(&j);
}
