/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The A/B disk (ARCHITECTURE §2) through libfdisk: find the partitions by
 * GPT label (esp, root-a, root-a-verity, root-b, root-b-verity, state) and
 * set a slot's partition UUIDs. Works on a block device or a disk image
 * file alike: data is addressed by byte offset on the whole disk.
 *
 * Library rules: 0 or a negative errno, no printing above debug level. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct disk_part {
	bool present;
	size_t partno;        /* 0-based libfdisk number */
	uint64_t offset;      /* bytes from the start of the disk */
	uint64_t size;        /* bytes */
	uint8_t uuid[16];     /* textual byte order */
};

struct disk_layout {
	struct disk_part esp;
	struct disk_part root[2];   /* [0] = slot a, [1] = slot b */
	struct disk_part verity[2];
};

/* Reads the GPT of disk. -EMEDIUMTYPE if it is not GPT, -ENOENT if one of
 * root-a, root-a-verity, root-b, root-b-verity is missing. */
int disk_read_layout(const char *disk, struct disk_layout *l);

/* Sets the partition UUIDs of a slot's root and verity partitions in one
 * GPT write (primary and backup headers). */
int disk_set_slot_uuids(const char *disk, const struct disk_layout *l, int slot, const uint8_t root_uuid[16],
			const uint8_t verity_uuid[16]);

/* The slot (0 or 1) whose root partition UUID is the first 128 bits of
 * roothash, or -ENOENT. */
int disk_slot_of_roothash(const struct disk_layout *l, const uint8_t *roothash, size_t len);

/* UUIDs a slot gets for a root hash: first and last 128 bits. */
void disk_roothash_uuids(const uint8_t *roothash, size_t len, uint8_t root_uuid[16], uint8_t verity_uuid[16]);
