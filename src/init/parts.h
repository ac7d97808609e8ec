/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#define GPT_ESP_TYPE "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"

/* Finds the block device of the GPT partition whose entry matches uuid
 * (NULL: any) and name (NULL: any), and whose type is type. Returns 0 and
 * the /dev path; -ENOENT if none; -ENOTUNIQ if several match; -EMEDIUMTYPE
 * if the partition with this uuid has another type. */
int part_find(const char *uuid, const char *type, const char *name, char *dev, size_t size);
