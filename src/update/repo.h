/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The static repository layout (ARCHITECTURE §4, docs/update-format.md):
 *
 *   <repo>/<product>/channels/<channel>.manifest[.minisig]           current
 *   <repo>/<product>/channels/<channel>.previous.manifest[.minisig]  previous (staged rollouts)
 *   <repo>/<product>/releases/<version>/<artifact files>
 *
 * Library rules: 0 or a negative errno, no printing above debug level. */
#pragma once

#include <stdbool.h>

#include "checks.h"
#include "manifest.h"
#include "minisig.h"

/* Path of a channel manifest (malloc'd); add ".minisig" for the signature. */
int repo_manifest_path(const char *repo, const char *product, const char *channel, bool previous, char **out);

/* Signs m (trusted comment binding product/channel/version...) and writes
 * the signature then the manifest, each atomically. */
int repo_write_signed(const char *repo, const struct um_manifest *m, bool previous, const struct ms_seckey *sk);

/* Loads and verifies a channel manifest. -ENOENT if absent; -EBADMSG
 * with res filled when it does not verify. */
int repo_load_signed(const char *repo, const char *product, const char *channel, bool previous,
		     const struct ms_pubkey *pk, struct um_manifest *m, struct uc_result *res);

/* Copies SRC_DIR/<file> for each name into <repo>/<product>/releases/<version>/
 * through a temporary directory renamed into place; if the release
 * directory exists, each file must already be identical (sha256). */
int repo_install_files(const char *repo, const struct um_manifest *m, const char *src_dir,
		       const char *const *files, const struct um_artifact *const *arts, size_t n, char err[UM_ERR_MAX]);

/* mkdir -p */
