/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reader of a build's release directory (out/release/<version>/release.json,
 * written by `rempart build`): fills the release fields of a manifest and
 * names the local files. release.json is trusted build output, yet every
 * value is range-checked and each file's size and sha256 are checked
 * against it before anything is published. */
#pragma once

#include "manifest.h"

struct ur_files {
	char root[129], verity[129], uki[129];
	char env_image[UM_MAX_ENVS][129];
	char env_hash[UM_MAX_ENVS][129];
};

/* Loads DIR/release.json into m (product, version, security_version,
 * source_date_epoch, artifacts with paths releases/<version>/<file>,
 * verity, pcr11, environments) and f. Channel, issued_at, expires and
 * rollout are left for the caller. -EBADMSG with err set on bad content. */
int ur_load(const char *dir, struct um_manifest *m, struct ur_files *f, char err[UM_ERR_MAX]);

/* Checks that DIR/<file> has the size and sha256 of a; -EBADMSG with err. */
int ur_check_file(const char *dir, const char *file, const struct um_artifact *a, char err[UM_ERR_MAX]);

/* sha256 of a whole file. */
int ur_sha256_file(const char *path, uint8_t out[32], uint64_t *size);
