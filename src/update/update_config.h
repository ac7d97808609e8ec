/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-update's configuration file (default /etc/rempart/update.conf):
 * "key = value" lines, '#' comments. Unknown and duplicate keys are
 * errors. See docs/update.md for every key.
 *
 * "override = PATH" names an optional second file (rempart-admind writes
 * it, docs/admin.md) that may set only "server" and "channel"; they
 * replace the values of this file. A missing override file means no
 * override; any other key in it, a malformed line or an invalid value is
 * an error (err names the override file). */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"

#define UPDATE_CONF_DEFAULT "/etc/rempart/update.conf"

enum sv_store {
	SV_STORE_TPM,   /* TPM NV counter (src/tpm) */
	SV_STORE_STATE, /* floor kept in the state file (no TPM) */
};

struct update_config {
	char product[UM_NAME_MAX + 1];
	char channel[UM_NAME_MAX + 1];
	char server[1024];        /* https://host[:port]/base */
	bool api_v1;              /* use rempart-updsrv's /v1/ API for the manifest */
	char ca[PATH_MAX];        /* pinned CA certificate(s), PEM */
	char pin[256];            /* optional "sha256//BASE64" SPKI pin(s) */
	char pubkey[PATH_MAX];    /* release signing key (minisign public key) */
	char disk[PATH_MAX];      /* whole disk: block device or image file */
	char esp[PATH_MAX];       /* ESP mount point (or directory) */
	char state_dir[PATH_MAX];
	char environments_dir[PATH_MAX];
	char cmdline[PATH_MAX];   /* kernel command line (roothash=) */
	char os_release[PATH_MAX];/* running version: IMAGE_VERSION= */
	char machine_id[PATH_MAX];
	enum sv_store sv_store;
	char tpm_approval[PATH_MAX]; /* running release's PCR 11 approval (raises the NV counter) */
	char tpm_tcti[256];          /* TSS2 TCTI; empty = the device /dev/tpmrm0 */
	uint32_t boot_tries;
	uint32_t timeout;         /* seconds without progress before a transfer is abandoned */
	bool health_failed_units; /* mark-good requires no failed systemd units */
	char override[PATH_MAX];  /* optional administrator override (server, channel only) */
};

/* Loads and validates path. On error *line is the offending line (0 for a
 * missing required key) and err describes it. 0, -EINVAL, or -errno. */
int update_config_load(const char *path, struct update_config *c, unsigned *line, char err[256]);
