/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "uuid.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "hex.h"

int uuid_parse(const char *s, uint8_t out[16])
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	char hex[33];
	size_t pos = 0, o = 0, len;

	if (strlen(s) != 36)
		return -EINVAL;
	for (unsigned g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++)
			hex[o++] = s[pos++];
		if (g < 4 && s[pos++] != '-')
			return -EINVAL;
	}
	hex[o] = '\0';
	if (hex_decode(hex, out, 16, &len) < 0 || len != 16)
		return -EINVAL;
	return 0;
}

void uuid_format(const uint8_t in[16], char out[UUID_STR_LEN])
{
	char hex[33];
	size_t o = 0;

	hex_encode(in, 16, hex);
	for (int i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[o++] = '-';
		out[o++] = hex[i];
	}
	out[o] = '\0';
}

int uuid_random(uint8_t out[16])
{
	if (getrandom(out, 16, 0) != 16)
		return -errno ? -errno : -EIO;
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
	return 0;
}
