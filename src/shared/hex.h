/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits and a NUL to out (size >= 2*len+1). */
void hex_encode(const uint8_t *buf, size_t len, char *out);

/* Returns a newly allocated lowercase hex string, or NULL on ENOMEM. */
char *hex_encode_alloc(const uint8_t *buf, size_t len);

/* Decodes a hex string (either case, no prefix, no separators) into out.
 * Returns 0 and sets *outlen, -EINVAL for odd length or a non-hex digit,
 * -ERANGE if the decoded value does not fit in outsize bytes. */
int hex_decode(const char *s, uint8_t *out, size_t outsize, size_t *outlen);
