/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pe.h"

#include <errno.h>
#include <string.h>

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int pe_parse(const uint8_t *buf, size_t len, struct pe_info *out)
{
	uint32_t lfanew;
	size_t coff, opt, optsize, ndir, dd;
	uint16_t magic;

	memset(out, 0, sizeof(*out));
	if (len < 0x40 || buf[0] != 'M' || buf[1] != 'Z')
		return -EBADMSG;
	lfanew = le32(buf + 0x3c);
	if (lfanew > len || len - lfanew < 24 || memcmp(buf + lfanew, "PE\0\0", 4) != 0)
		return -EBADMSG;
	coff = lfanew + 4;
	out->machine = le16(buf + coff);
	out->nsections = le16(buf + coff + 2);
	optsize = le16(buf + coff + 16);
	opt = coff + 20;
	if (optsize > len - opt || optsize < 2)
		return -EBADMSG;
	magic = le16(buf + opt);
	if (magic == 0x20b) {
		out->pe32plus = true;
		if (optsize < 112)
			return -EBADMSG;
		ndir = le32(buf + opt + 108);
		dd = opt + 112;
	} else if (magic == 0x10b) {
		if (optsize < 96)
			return -EBADMSG;
		ndir = le32(buf + opt + 92);
		dd = opt + 96;
	} else {
		return -EBADMSG;
	}
	if (ndir > 16 || dd + ndir * 8 > opt + optsize)
		return -EBADMSG;
	if (ndir > 4) {
		out->cert_offset = le32(buf + dd + 4 * 8);
		out->cert_size = le32(buf + dd + 4 * 8 + 4);
	}
	out->sections_off = opt + optsize;
	if ((size_t)out->nsections * 40 > len - out->sections_off)
		return -EBADMSG;
	return 0;
}

int pe_section(const uint8_t *buf, size_t len, const struct pe_info *pe, const char *name, const uint8_t **data,
	       size_t *size)
{
	size_t nl = strlen(name);

	if (nl > 8)
		return -EINVAL;
	for (unsigned i = 0; i < pe->nsections; i++) {
		const uint8_t *s = buf + pe->sections_off + (size_t)i * 40;
		uint32_t vsize, rawsize, rawptr;
		size_t n;

		if (memcmp(s, name, nl) != 0 || (nl < 8 && s[nl] != '\0'))
			continue;
		vsize = le32(s + 8);
		rawsize = le32(s + 16);
		rawptr = le32(s + 20);
		n = vsize && vsize < rawsize ? vsize : rawsize;
		if (rawptr > len || n > len - rawptr)
			return -EBADMSG;
		*data = buf + rawptr;
		*size = n;
		return 0;
	}
	return -ENOENT;
}

bool pe_signed(const struct pe_info *pe, size_t len)
{
	return pe->cert_size >= 8 && pe->cert_offset <= len && pe->cert_size <= len - pe->cert_offset;
}
