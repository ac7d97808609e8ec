/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The release manifest parser is fed bytes from the network (after the
 * signature check, but it must be safe on anything). Re-serialising an
 * accepted manifest must give a document the parser accepts again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct um_manifest m, again;
	char err[UM_ERR_MAX], *text = NULL;

	if (um_parse(data, size, &m, err) != 0)
		return 0;
	if (um_serialize(&m, &text) != 0)
		abort();
	if (um_parse((const uint8_t *)text, strlen(text), &again, err) != 0)
		abort();
	if (strcmp(m.version, again.version) != 0 || m.expires != again.expires ||
	    memcmp(m.root.sha256, again.root.sha256, 32) != 0)
		abort();
	free(text);
	return 0;
}
