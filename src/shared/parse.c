/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "parse.h"

#include <errno.h>
#include <string.h>

static int parse_digits(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	if (!s)
		return -EINVAL;
	return parse_digits(s, strlen(s), out);
}

int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int r = parse_u64(s, &v);

	if (r < 0)
		return r;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int r = parse_u64_range(s, 0, UINT32_MAX, &v);

	if (r < 0)
		return r;
	*out = (uint32_t)v;
	return 0;
}

static int parse_suffixed(const char *s, const char *suffixes, const uint64_t *mult, uint64_t *out)
{
	size_t n;
	uint64_t v, m = 1;
	int r;

	if (!s)
		return -EINVAL;
	n = strlen(s);
	if (n > 1) {
		const char *p = strchr(suffixes, s[n - 1]);

		if (p && s[n - 1] != '\0') {
			m = mult[p - suffixes];
			n--;
		}
	}
	r = parse_digits(s, n, &v);
	if (r < 0)
		return r;
	if (m && v > UINT64_MAX / m)
		return -ERANGE;
	*out = v * m;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	static const uint64_t mult[] = { 1ULL << 10, 1ULL << 20, 1ULL << 30, 1ULL << 40 };

	return parse_suffixed(s, "KMGT", mult, out);
}

int parse_duration(const char *s, uint64_t *seconds)
{
	static const uint64_t mult[] = { 1, 60, 3600, 86400 };

	return parse_suffixed(s, "smhd", mult, seconds);
}

bool is_power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}
