/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char digits[] = "0123456789abcdef";

void hex_encode(const uint8_t *buf, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 0xf];
	}
	out[2 * len] = '\0';
}

char *hex_encode_alloc(const uint8_t *buf, size_t len)
{
	char *s = malloc(2 * len + 1);

	if (s)
		hex_encode(buf, len, s);
	return s;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *s, uint8_t *out, size_t outsize, size_t *outlen)
{
	size_t n = strlen(s);

	if (n % 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (nibble(s[i]) < 0)
			return -EINVAL;
	if (n / 2 > outsize)
		return -ERANGE;
	for (size_t i = 0; i < n / 2; i++)
		out[i] = (uint8_t)(nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]));
	if (outlen)
		*outlen = n / 2;
	return 0;
}
