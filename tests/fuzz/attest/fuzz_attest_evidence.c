/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The evidence document and the reference values (JSON from the device and
 * from release files), and the whole verifier on them: it must reach a
 * verdict or a clean error, never crash. */
#include <stdint.h>
#include <stdlib.h>

#include "evidence.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ev_evidence *e = NULL;
	struct av_reference ref;
	static struct av_result res;
	char err[256];
	struct av_input in = { .evidence = data, .evidence_len = size, .registry = "/nonexistent",
			       .required_pcrs = 0xff };

	if (ev_parse(data, size, &e, err, sizeof(err)) == 0) {
		in.nonce = e->nonce;
		in.nonce_len = e->nonce_len;
		(void)av_verify(&in, &res);
		ev_evidence_free(e);
	}
	(void)av_reference_parse(data, size, &ref, err, sizeof(err));
	return 0;
}
