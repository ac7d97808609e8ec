/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#define UUID_STR_LEN 37 /* 36 characters and a NUL */

/* Parses the 8-4-4-4-12 textual form (either case) into 16 bytes in
 * textual order. 0 or -EINVAL. */
int uuid_parse(const char *s, uint8_t out[16]);
/* Formats 16 bytes in textual order, lowercase. */
void uuid_format(const uint8_t in[16], char out[UUID_STR_LEN]);
/* Random version-4 UUID from getrandom(). 0 or negative errno. */
int uuid_random(uint8_t out[16]);
