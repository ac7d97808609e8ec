/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "uuid.h"

/* Discoverable Partitions Specification type GUIDs. */
#define GPT_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define GPT_ROOT_X86_64 "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"
#define GPT_ROOT_X86_64_VERITY "2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5"
#define GPT_VAR "4D21B016-B534-45C2-A9FB-5C16E091FD2D"

struct build_ctx;

/* Partition UUIDs of a slot from its root hash (systemd's convention):
 * first 128 bits for the data partition, last 128 bits for the hash one. */
void image_slot_uuids(const uint8_t *roothash, size_t len, char data[UUID_STR_LEN], char hash[UUID_STR_LEN]);
int image_esp_add_uki(struct build_ctx *b, const char *esp, const char *uki);
