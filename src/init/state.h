/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sealed state partition: LUKS2 with dm-integrity (aes-xts-plain64 +
 * hmac-sha256), its key sealed by the TPM to PCR 7 and the release-signed
 * PCR 11 (and the NV security-version counter), provisioned on first boot
 * with a recovery key slot escrowed to the administrator's key. */
#pragma once

#include <stddef.h>

#define STATE_MNT "/run/rempart/state"
#define STATE_MARKER ".rempart-state"
#define STATE_TOKEN_TYPE "rempart-tpm2"

struct state_result {
	char device[300];   /* the state partition */
	int provisioned;    /* 1 if this boot created it */
	char msg[2048];     /* on failure: what was checked, what was found */
};

/* Finds the state partition, provisions it if it holds no complete
 * Rempart LUKS2 volume, otherwise unseals its key and opens it; mounts it at
 * STATE_MNT (nosuid,nodev,noexec) and checks its layout. image_var is the
 * verified root's /var (used to populate a new state). Extends PCR 11 with
 * the leave-initramfs marker before returning, success or failure.
 * Returns 0 or a negative errno with r->msg explaining. */
int state_setup(const char *image_var, struct state_result *r);

#ifdef REMPART_BENCH_BASELINE
/* bench/boot.sh's baseline only: opens the state with a key slot's
 * passphrase (no TPM, no Secure Boot), so both boots use the same state. */
int state_open_with_passphrase(const char *pass, struct state_result *res);
#endif
