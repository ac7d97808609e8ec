/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TPM NV monotonic security-version counter (src/tpm), as rempart-update
 * sees it. The counter is defined by rempart-init when it provisions the
 * state (docs/state.md); raising it needs the running release's PCR 11
 * approval, which carries the release's security version and authorises
 * increments up to it (the counter's PolicyAuthorize branch), so a
 * compromised updater can never raise the floor above what the release
 * signer approved. Callers treat any error as fatal (fail closed). */
#pragma once

#include <stdint.h>

/* tcti: NULL for the device (/dev/tpmrm0), else a TSS2 TCTI string.
 * Reads the counter (TP_NV_INDEX_DEFAULT). 0 or negative errno. */
int update_tpm_counter_read(const char *tcti, uint64_t *value);
/* Raises the counter to value with the approval stored (one base64 line) at
 * approval_path; never lowers it (already >= value: 0). 0 or negative errno:
 * -EBADMSG malformed approval, -EPERM the approval's security version is
 * below value, -EMEDIUMTYPE the counter belongs to another policy key. */
int update_tpm_counter_raise(const char *tcti, const char *approval_path, uint64_t value);
