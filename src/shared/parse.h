/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checked integer parsing: decimal only, no sign, no surrounding space,
 * no empty string, no overflow. Return 0, -EINVAL or -ERANGE. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

int parse_u64(const char *s, uint64_t *out);
int parse_u32(const char *s, uint32_t *out);
/* Like parse_u64 with an inclusive range check. */
int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Size with optional binary suffix K, M, G, T (powers of 1024). */
int parse_size(const char *s, uint64_t *out);
/* Duration with suffix s, m, h, d (no suffix: seconds). */
int parse_duration(const char *s, uint64_t *seconds);
bool is_power_of_two(uint64_t v);
