/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal PE/COFF reader for UEFI images (systemd-boot, UKIs): the section
 * table, one section's contents (.cmdline, .osrel...) and whether the image
 * carries an Authenticode signature (certificate table). Untrusted input. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pe_info {
	uint16_t machine;
	uint16_t nsections;
	bool pe32plus;
	uint32_t cert_offset, cert_size; /* certificate table (data directory 4) */
	size_t sections_off;             /* file offset of the section table */
};

/* Parses the headers. 0, or -EBADMSG when not a well-formed PE image. */
int pe_parse(const uint8_t *buf, size_t len, struct pe_info *out);
/* Finds section NAME (up to 8 characters); *data and *size point into buf
 * (size = min(VirtualSize, SizeOfRawData)). -ENOENT if absent, -EBADMSG if
 * the section lies outside the file. */
int pe_section(const uint8_t *buf, size_t len, const struct pe_info *pe, const char *name, const uint8_t **data,
	       size_t *size);
/* True if the certificate table is present and inside the file. */
bool pe_signed(const struct pe_info *pe, size_t len);
