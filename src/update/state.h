/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-update's persistent state (<state_dir>/state.json, replaced
 * atomically): the newest issued-at accepted (the device's clock never
 * goes back before it), the security-version floor when no TPM counter is
 * used, the releases this device staged (version -> security version,
 * root hash), and the last refusal for `status`.
 *
 * Library rules: 0 or a negative errno, no printing above debug level. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"

#define US_MAX_RELEASES 8

struct us_release {
	char version[UM_VERSION_MAX + 1];
	uint64_t security_version;
	char roothash[2 * UM_MAX_DIGEST + 1];
};

struct us_state {
	uint64_t newest_issued_at;
	uint64_t sv_floor;          /* security_version_store = state */
	size_t n_releases;
	struct us_release releases[US_MAX_RELEASES]; /* oldest first */
	uint64_t last_refusal_at;
	char last_refusal[600];
};

/* A missing file gives an empty state. -EBADMSG when unreadable. */
int us_load(const char *dir, struct us_state *s);
int us_save(const char *dir, const struct us_state *s);
const struct us_release *us_find(const struct us_state *s, const char *version);
/* Adds or updates; drops the oldest beyond US_MAX_RELEASES. */
void us_remember(struct us_state *s, const char *version, uint64_t sv, const char *roothash_hex);
