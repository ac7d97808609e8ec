/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the verity superblock parser and the geometry it feeds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "verity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_params p;
	uint64_t hsize;

	memset(&p, 0, sizeof(p));
	if (rv_superblock_parse(data, size, &p) == 0) {
		uint8_t again[RV_SB_SIZE];
		struct rv_params q;

		(void)rv_hash_device_size(&p, &hsize);
		/* Build what we parsed and parse it again: must round-trip. */
		rv_superblock_build(&p, again);
		memset(&q, 0, sizeof(q));
		if (rv_superblock_parse(again, sizeof(again), &q) != 0 || q.data_blocks != p.data_blocks ||
		    q.salt_size != p.salt_size || memcmp(q.salt, p.salt, p.salt_size) != 0)
			__builtin_trap();
	}
	return 0;
}
