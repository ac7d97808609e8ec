/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the encrypting diode's reader (untrusted sealed files).
 * A fixed recipient key; the first input byte chooses between raw input
 * and input whose header is a valid sealed header for that key, so that
 * the chunk reader is reached too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t pk[RD_KEY_LEN], sk[RD_KEY_LEN], valid[RD_HEADER_LEN + 64];
static size_t valid_len;
static int ready;

static void setup(void)
{
	int in = memfd_create("p", 0), out = memfd_create("c", 0);
	ssize_t n;

	for (int i = 0; i < RD_KEY_LEN; i++)
		sk[i] = (uint8_t)(i + 1);
	rd_public_from_secret(sk, pk);
	(void)!write(in, "x", 1);
	lseek(in, 0, SEEK_SET);
	rd_seal(in, 1, out, pk);
	n = pread(out, valid, sizeof(valid), 0);
	valid_len = n > 0 ? (size_t)n : 0;
	close(in);
	close(out);
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int in, out;

	if (!ready)
		setup();
	if (size == 0)
		return 0;
	in = memfd_create("in", 0);
	out = memfd_create("out", 0);
	if (in < 0 || out < 0)
		return 0;
	if (data[0] & 1) {
		(void)!write(in, valid, RD_HEADER_LEN);
		(void)!write(in, data + 1, size - 1);
	} else {
		(void)!write(in, data + 1, size - 1);
	}
	lseek(in, 0, SEEK_SET);
	(void)rd_unseal(in, out, pk, sk, 1 << 20);
	close(in);
	close(out);
	return 0;
}
