/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixture loading for the attest unit tests (tests/data/attest). */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "hex.h"

static inline char *data_path(const char *name)
{
	const char *dir = getenv("ATTEST_DATA");
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir ? dir : "tests/data/attest", name) < 0)
		abort();
	return p;
}

static inline uint8_t *load_data(const char *name, size_t *len)
{
	char *p = data_path(name);
	uint8_t *b = NULL;

	if (read_file(p, 64u << 20, &b, len) < 0) {
		fprintf(stderr, "cannot read %s\n", p);
		abort();
	}
	free(p);
	return b;
}

/* PCR values "N HEX" per line */
static inline void load_pcrs(uint8_t pcrs[24][32])
{
	size_t len, n;
	char *b = (char *)load_data("ovmf-sb.pcrs", &len), *save = NULL;

	memset(pcrs, 0, 24 * 32);
	for (char *l = strtok_r(b, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned idx;
		char hex[80];

		if (sscanf(l, "%u %79s", &idx, hex) == 2 && idx < 24)
			hex_decode(hex, pcrs[idx], 32, &n);
	}
	free(b);
}
