/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HOOK for src/tpm: the TPM NV monotonic security-version counter.
 *
 * Until the TPM library (src/tpm, tss2-esys) is integrated, both functions
 * return -EOPNOTSUPP and rempart-update reports "TPM NV counter support
 * not yet available". Integration: implement them on top of src/tpm's NV
 * counter (read; increment until the counter reaches `value`, never
 * lowering it) and link tpm_dep here. Callers treat any error as fatal
 * for the check (fail closed). */
#pragma once

#include <stdint.h>

int update_tpm_counter_read(uint64_t *value);
int update_tpm_counter_raise(uint64_t value);
