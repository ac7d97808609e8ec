/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PE/COFF Authenticode digest: what UEFI firmware (edk2's
 * TcgMeasurePeImage) extends into PCR 4 for an EV_EFI_BOOT_SERVICES_APPLICATION
 * and what a db/dbx hash entry matches. The image is hashed without its
 * CheckSum field, the Certificate Table directory entry and the
 * certificate table itself, so signing does not change the digest (except
 * for the alignment padding a signer may append).
 *
 * Order (edk2 and the Authenticode specification): headers up to
 * SizeOfHeaders minus the two fields, then each section's raw data sorted by
 * PointerToRawData, then any data after the last section that is not the
 * certificate table. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* 0, -EBADMSG (not a PE image, or inconsistent headers), -ENOMEM, -EIO. */
int authenticode_sha256(const uint8_t *img, size_t len, uint8_t out[32]);
int authenticode_sha256_file(const char *path, uint8_t out[32]);
