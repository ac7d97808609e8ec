/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "name.h"

#include <errno.h>
#include <string.h>

static int allowed(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-' || c == '+';
}

int diode_name_sanitize(const char *name, char *out, size_t outsize)
{
	size_t n = strlen(name), o = 0;

	if (outsize < DIODE_NAME_MAX + 1)
		return -ENOBUFS;
	if (n == 0 || n > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	for (size_t i = 0; i < n && o < DIODE_NAME_MAX; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!allowed(c) || (o == 0 && (c == '.' || c == '-')))
			c = '_';
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}
