/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: EFI signature lists (PK, KEK, db from efivarfs) and
 * the X.509 decoding of their entries. */
#include <stddef.h>
#include <stdint.h>

#include "efisig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct efisig_list l = { 0 };
	bool v;

	(void)efisig_parse(data, size, true, &l);
	efisig_list_free(&l);
	(void)efisig_parse(data, size, false, &l);
	efisig_list_free(&l);
	(void)efivar_bool(data, size, &v);
	return 0;
}
