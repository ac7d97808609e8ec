/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GPT partition table of a disk image, read with libfdisk (read-only). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define GPT_TYPE_ESP "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define GPT_TYPE_ROOT_X86_64 "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
#define GPT_TYPE_ROOT_X86_64_VERITY "2c7357ed-ebd2-46d9-aec1-23d437ec2bf5"
#define GPT_TYPE_VAR "4d21b016-b534-45c2-a9fb-5c16e091fd2d"
#define GPT_TYPE_LINUX "0fc63daf-8483-4772-8e79-3d69d8477de4"

struct gpt_part {
	unsigned partno;      /* 1-based */
	char name[73];        /* label (UTF-8) */
	char type[37];        /* type GUID, lowercase */
	char uuid[37];        /* partition GUID, lowercase */
	uint64_t offset;      /* bytes */
	uint64_t size;        /* bytes */
};

struct gpt_table {
	struct gpt_part *v;
	size_t n;
	uint64_t sector_size;
};

void gpt_table_free(struct gpt_table *t);
/* Reads the GPT of an image file or device through fd (not modified).
 * -ENOMEDIUM: no GPT; -EBADMSG: unreadable table; -ENOMEM. Partitions
 * lying outside `size` bytes are refused (-ERANGE). */
int gpt_read_fd(int fd, uint64_t size, struct gpt_table *out);
const struct gpt_part *gpt_find(const struct gpt_table *t, const char *name);
