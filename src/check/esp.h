/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads the FAT ESP inside a disk image without mounting it, through
 * mtools (mdir, mtype) run as subprocesses with IMG@@OFFSET. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct esp {
	char *image;
	uint64_t offset;
};

/* Lists the files of a directory ("/EFI/Linux") as full paths. -ENOENT. */
int esp_list(const struct esp *e, const char *dir, struct strv *out);
/* Reads a file (at most max bytes, else -EFBIG). -ENOENT. Caller frees. */
int esp_read(const struct esp *e, const char *path, size_t max, uint8_t **buf, size_t *len);
