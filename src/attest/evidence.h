/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The evidence document (docs/attest.md): writer (device side, through
 * src/shared/json.h) and strict parser (verifier side, jansson). Binary
 * fields are lowercase hex. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EV_FORMAT "rempart-attest-evidence-v1"
#define EV_MAX_SIZE (32u << 20)

struct ev_evidence {
	uint8_t nonce[64];
	size_t nonce_len;
	uint8_t ak_name[34];
	size_t ak_name_len;
	char ak_name_hex[2 * 34 + 1];
	uint8_t *ak_public; /* TPM2B_PUBLIC, informative (the verifier uses its registry) */
	size_t ak_public_len;
	uint8_t *attest;    /* TPMS_ATTEST */
	size_t attest_len;
	uint8_t *sig;       /* TPMT_SIGNATURE */
	size_t sig_len;
	uint32_t pcr_mask;
	uint8_t pcrs[24][32];
	uint8_t *log;       /* NULL if the device has none */
	size_t log_len;
	char log_path[256];
	char os_version[48]; /* IMAGE_VERSION */
	char os_id[64];
	bool has_check;
	int check_status;
	char *check_output;  /* rempart-check --json output */
};

void ev_evidence_free(struct ev_evidence *e);
static inline void ev_evidence_freep(struct ev_evidence **e)
{
	if (*e)
		ev_evidence_free(*e);
}

/* -EBADMSG with err for a malformed document. */
int ev_parse(const uint8_t *buf, size_t len, struct ev_evidence **out, char *err, size_t errsize);
/* Writes the document (pretty JSON). 0 or negative errno. */
int ev_write(const struct ev_evidence *e, FILE *f);
