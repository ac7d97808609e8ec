/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The EK certificate of an enrolment request (untrusted bytes from the
 * device): finding its DER length in an NV index's content and checking it
 * against a trust store must reach a verdict, never crash. */
#include <stdint.h>
#include <stdlib.h>

#include "credential.h"
#include "ekcert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ekc_store *store;
	static TPMT_PUBLIC ek[2];
	char msg[512];
	size_t dl;

	if (!store) {
		if (ekc_store_new(&store) < 0)
			abort();
		tc_ek_template(&ek[0], false);
		tc_ek_template(&ek[1], true);
		ek[0].unique.rsa.size = 256;
		ek[1].unique.ecc.x.size = ek[1].unique.ecc.y.size = 32;
	}
	if (ekc_der_length(data, size, &dl) == 0)
		(void)ekc_check(store, data, dl, &ek[size & 1], msg, sizeof(msg));
	(void)ekc_check(store, data, size, &ek[0], msg, sizeof(msg));
	return 0;
}
