/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ESP for the booted system: rempart-init found it next to the verified
 * root, so it tells systemd exactly which partition to mount at /efi
 * (systemd-bless-boot and rempart-update write boot entries there) by
 * writing a mount unit into the runtime unit directory. Nothing is guessed
 * later from partition labels, which another disk could carry too. */
#pragma once

/* Writes unit_dir/efi.mount (What=dev, Where=/efi, vfat, root-only,
 * nosuid,nodev,noexec) and unit_dir/local-fs.target.wants/efi.mount.
 * dev must be an absolute /dev path without whitespace. 0 or -errno. */
int esp_mount_unit_write(const char *unit_dir, const char *dev);
