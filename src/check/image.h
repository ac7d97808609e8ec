/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Offline checks of a disk image (ARCHITECTURE §2 layout): GPT, ESP
 * (signed boot loader, loader.conf, UKIs and their .cmdline), the root
 * squashfs bound to the UKI's roothash, and the root filesystem's
 * configuration and files. Nothing is mounted. */
#pragma once

#include "report.h"

struct image_opts {
	const char *path;
	const char *expect_dir; /* NULL: from the image's /usr/share/rempart/hardening */
	const char *keys_dir;   /* db.crt: boot loader and UKI must be signed by it (sbverify) */
	bool scan;
};

int image_run(struct report *r, const struct image_opts *o);

/* Same checks over a directory tree (the image builder's rootfs). */
struct tree_opts {
	const char *dir;
	const char *expect_dir; /* NULL: DIR/usr/share/rempart/hardening */
	const char *const *exclude;
	bool scan;
};
int tree_run(struct report *r, const struct tree_opts *o);

/* Picks the newest UKI name among paths ending in rempart_<version>[+N[-M]].efi
 * (strverscmp on the version). NULL if none. */
const char *uki_newest(char *const *paths, size_t n);
/* Derives the partition UUIDs a roothash names (systemd convention): the
 * first 128 bits for the data partition, the last 128 for the hash one.
 * -EINVAL if roothash is not at least 64 hex digits. */
int roothash_uuids(const char *roothash, char data_uuid[37], char hash_uuid[37]);
