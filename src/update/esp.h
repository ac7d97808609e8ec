/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Boot entries on the ESP: EFI/Linux/rempart_<version>[+LEFT[-DONE]].efi
 * (systemd-boot boot counting: "+3" fresh, "+2-1" after one try, "+0-3"
 * exhausted; no counter once systemd-bless-boot marked it good).
 *
 * Library rules: 0 or a negative errno, no printing above debug level. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"

#define ESP_MAX_ENTRIES 16

struct esp_entry {
	char file[UM_VERSION_MAX + 32];
	char version[UM_VERSION_MAX + 1];
	bool counting;   /* has a +LEFT[-DONE] counter */
	unsigned left, done;
};

/* Parses a file name; false if it is not a rempart boot entry. */
bool esp_parse_name(const char *name, struct esp_entry *e);
/* Lists <esp>/EFI/Linux entries (missing directory: none). */
int esp_list(const char *esp, struct esp_entry *out, size_t max, size_t *n);
/* Writes SRC as <esp>/EFI/Linux/rempart_<version>+<tries>.efi: temporary
 * file, fsync, rename, directory fsync. */
int esp_install_uki(const char *esp, const char *src, const char *version, unsigned tries);
/* Removes temporary files (.#rempart_*) left by an interrupted install. */
int esp_clean_temps(const char *esp);
/* Removes one entry and fsyncs the directory. */
int esp_remove(const char *esp, const char *file);
