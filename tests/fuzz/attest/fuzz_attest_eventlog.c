/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UEFI event-log parser (untrusted: it comes from the device), replay,
 * per-event digest checks, UEFI_VARIABLE_DATA decoding, and the writer:
 * whatever parses is re-serialised and must parse again to the same events. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct el_log log, again;
	struct el_writer w;
	struct el_uefi_var v;
	uint8_t pcrs[EL_NPCR][32], *out = NULL;
	char err[EL_ERR_MAX];
	size_t olen;

	if (el_parse(data, size, &log, err) < 0)
		return 0;
	(void)el_replay(&log, EL_ALG_SHA256, pcrs, NULL);
	(void)el_replay(&log, EL_ALG_SHA1, pcrs, NULL);
	for (size_t i = 1; i < log.n; i++) {
		(void)el_event_check(&log.ev[i]);
		(void)el_uefi_var_parse(log.ev[i].data, log.ev[i].data_len, &v);
		(void)el_type_name(log.ev[i].type);
	}
	el_writer_init(&w, &log);
	for (size_t i = 1; i < log.n; i++)
		el_writer_copy(&w, &log.ev[i]);
	if (el_writer_finish(&w, &out, &olen) == 0) {
		if (el_parse(out, olen, &again, err) < 0 || again.n != log.n)
			abort();
		for (size_t i = 1; i < log.n; i++)
			if (again.ev[i].pcr != log.ev[i].pcr || again.ev[i].type != log.ev[i].type ||
			    again.ev[i].data_len != log.ev[i].data_len ||
			    memcmp(again.ev[i].data, log.ev[i].data, log.ev[i].data_len) != 0)
				abort();
		el_free(&again);
		free(out);
	}
	el_free(&log);
	return 0;
}
