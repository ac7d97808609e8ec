/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCR 11 prediction for a UKI booted by systemd 252's stub.
 *
 * The stub starts from PCR 11 = 0 (the firmware does not use it) and, for
 * each section it knows that is present, in this fixed order
 *   .linux .osrel .cmdline .initrd .splash .dtb .pcrpkey   (.pcrsig is skipped)
 * extends the section name including its NUL byte, then the section's data
 * (VirtualSize bytes, which for a UKI built with objcopy is the file given
 * here). An extend is PCR = SHA256(PCR || SHA256(data)). systemd-measure
 * calculate prints the same value followed by the systemd-pcrphase phases
 * ("enter-initrd", ...), which rempart-init does not measure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum uki_section {
	UKI_LINUX,
	UKI_OSREL,
	UKI_CMDLINE,
	UKI_INITRD,
	UKI_SPLASH,
	UKI_DTB,
	UKI_PCRPKEY,
	UKI_SECTION_MAX,
};

extern const char *const uki_section_names[UKI_SECTION_MAX];

/* pcr = SHA256(pcr || SHA256(data)). */
int pcr_extend_sw(uint8_t pcr[32], const void *data, size_t len);
/* pcr = SHA256(pcr || digest). */
int pcr_extend_digest_sw(uint8_t pcr[32], const uint8_t digest[32]);

/* paths[i] NULL = section absent. .linux is required. Returns 0, -EINVAL
 * (no .linux), or the errno of opening/reading a file. */
int pcr11_predict_files(const char *const paths[UKI_SECTION_MAX], uint8_t out[32]);
