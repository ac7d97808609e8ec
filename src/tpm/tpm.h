/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rempart TPM 2.0 library (tss2-esys): SRK, seal/unseal under the
 * PCR 7 + signed-PCR 11 (+ NV security version) policy, the NV counter,
 * hierarchy provisioning and a mismatch explainer. Exact policy
 * construction: docs/tpm.md and policy.h.
 *
 * Typical first boot (the caller keeps the returned auths sealed):
 *   tpm_open(NULL, &t);
 *   tpm_srk_ensure(t, &empty);                      // persists the SRK at 0x81000001
 *   tpm_nv_define(t, &empty, TP_NV_INDEX_DEFAULT, key_x, key_y, NULL);   // optional
 *   tpm_seal(t, key, 64, NULL, key_x, key_y, &sealed);   // PCR 7 = current value
 *   tpm_provision_auth(t, &empty, &empty, &owner, &lockout);
 * Every boot:
 *   r = tpm_unseal(t, &sealed, &approval, key, &len, &why);
 *   if (r < 0) { tpm_explain(t, &sealed, &approval, &e); tpm_explain_format(&e, msg, sizeof msg); }
 *   tpm_pcr11_leave_initramfs(t);     // before switch_root, success or not
 * The policy key's public point comes from the release (signer_load_public()
 * on the build host, or the key carried in the approval, which must match
 * the key name the sealed object records; tpm_unseal checks it).
 *
 * All functions return 0 or a negative errno and never print; the TPM
 * response code of the last failure is available from tpm_last_error(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "policy.h"

struct tpm_ctx;

#define TPM_AUTH_MAX 32
struct tpm_auth {
	size_t len;
	uint8_t b[TPM_AUTH_MAX];
};

/* tcti: NULL or "device:PATH" (default /dev/tpmrm0; the device TCTI is
 * linked in, no dlopen), or any tctildr configuration string, e.g.
 * "swtpm:path=/run/swtpm.sock" (dlopens libtss2-tcti-swtpm.so.0). */
int tpm_open(const char *tcti, struct tpm_ctx **out);
/* The ESAPI context, for components that issue their own commands
 * (src/attest). Owned by c. */
struct ESYS_CONTEXT *tpm_esys(struct tpm_ctx *c);
void tpm_close(struct tpm_ctx *c);
static inline void tpm_closep(struct tpm_ctx **c)
{
	if (*c)
		tpm_close(*c);
}
/* "<operation>: <decoded TPM response code>" of the last failure, or "". */
const char *tpm_last_error(const struct tpm_ctx *c);
/* Raw TSS2 response code of the last failure (0 if none). */
uint32_t tpm_last_rc(const struct tpm_ctx *c);

/* sha256 bank. */
int tpm_pcr_read(struct tpm_ctx *c, unsigned pcr, uint8_t out[32]);
int tpm_pcr_extend(struct tpm_ctx *c, unsigned pcr, const uint8_t digest[32]);

/* What rempart-init extends into PCR 11 before leaving the initramfs, so
 * that the booted system can no longer satisfy any release approval:
 * digest = SHA-256("rempart-leave-initramfs"). */
#define TPM_LEAVE_INITRAMFS_MARKER "rempart-leave-initramfs"
int tpm_pcr11_leave_initramfs(struct tpm_ctx *c);

/* Makes sure a storage key usable as our parent is persistent at
 * TP_SRK_HANDLE: an existing restricted decryption key with fixedTPM,
 * fixedParent and sensitiveDataOrigin is kept; otherwise the ECC P-256 SRK
 * template (docs/tpm.md) is created under the owner hierarchy and made
 * persistent (needs owner authorisation). */
int tpm_srk_ensure(struct tpm_ctx *c, const struct tpm_auth *owner);

/* Seals secret (1..128 bytes) under the SRK. pcr7 NULL = the current PCR 7.
 * key_x/key_y: the TPM policy key (P-256) whose approvals unlock it. The
 * secret is sent to the TPM in an encrypted session salted to the SRK. */
int tpm_seal(struct tpm_ctx *c, const uint8_t *secret, size_t len, const uint8_t *pcr7, const uint8_t key_x[32],
	     const uint8_t key_y[32], struct tpm_sealed *out);

enum tpm_unseal_why {
	TPM_WHY_NONE = 0,
	TPM_WHY_KEY,        /* approval signed by another policy key than the one sealed to */
	TPM_WHY_SRK,        /* the parent key at the SRK handle is not the one sealed under */
	TPM_WHY_SIGNATURE,  /* the TPM rejected the approval's signature */
	TPM_WHY_PCR11,      /* PCR 11 differs from the approved value */
	TPM_WHY_NV,         /* the security-version counter is above the approval's svn (or missing) */
	TPM_WHY_PCR7,       /* PCR 7 differs from the value sealed to */
	TPM_WHY_OTHER,
};
const char *tpm_unseal_why_str(enum tpm_unseal_why why);

/* Runs PolicyPCR(11) [PolicyNV] PolicyAuthorize PolicyPCR(7) and Unseal
 * (response encrypted in a session salted to the pinned SRK). out must hold
 * TPM_SECRET_MAX bytes; the caller wipes it. -EACCES when the policy is not
 * satisfied (why says which step), other errors for a TPM/transport fault. */
int tpm_unseal(struct tpm_ctx *c, const struct tpm_sealed *s, const struct tpm_approval *a, uint8_t *out,
	       size_t *outlen, enum tpm_unseal_why *why);

/* Which expected values differ from the TPM's current state. */
struct tpm_explain {
	bool pcr7_differs, pcr11_differs, key_differs, srk_differs, nv_above, nv_missing;
	uint8_t pcr7_now[32], pcr7_expected[32];
	uint8_t pcr11_now[32], pcr11_expected[32];
	bool has_svn;
	uint64_t nv_now, svn;
	uint32_t nv_index;
};
int tpm_explain(struct tpm_ctx *c, const struct tpm_sealed *s, const struct tpm_approval *a,
		struct tpm_explain *e);
/* One line, e.g. "PCR 7 (Secure Boot policy) differs: expected ab.., found cd..".
 * Returns the number of differences found. */
int tpm_explain_format(const struct tpm_explain *e, char *buf, size_t size);

/* The security-version counter (TPM_NT_COUNTER, see tp_nv_counter_public).
 * define: creates it with owner authorisation and increments it once so it
 * is written (its value is then 1 on a TPM that never had counters, see
 * docs/tpm.md); if it already exists with the expected name, does nothing.
 * value (may be NULL) receives the current value. */
int tpm_nv_define(struct tpm_ctx *c, const struct tpm_auth *owner, uint32_t index, const uint8_t key_x[32],
		  const uint8_t key_y[32], uint64_t *value);
int tpm_nv_read(struct tpm_ctx *c, uint32_t index, uint64_t *value);
/* Increments the counter until it equals target (never decreases it:
 * target below the current value is -ERANGE; at most 65536 steps).
 * Authority: a release approval with svn >= target for this index (the
 * counter's PolicyAuthorize branch), or, if a is NULL, owner authorisation. */
int tpm_nv_increment_to(struct tpm_ctx *c, uint32_t index, uint64_t target, const struct tpm_approval *a,
			const struct tpm_auth *owner);

/* Sets the owner and lockout authorisations to fresh random 32-byte values,
 * returned to the caller (to be sealed). Dictionary-attack protection is
 * not touched (it stays on). The new values travel in an encrypted session
 * salted to the SRK (tpm_srk_ensure first). On failure new_lockout is
 * zeroed; new_owner->len != 0 means the owner auth WAS changed to it (the
 * lockout change failed) and the caller must keep it. */
int tpm_provision_auth(struct tpm_ctx *c, const struct tpm_auth *cur_owner, const struct tpm_auth *cur_lockout,
		       struct tpm_auth *new_owner, struct tpm_auth *new_lockout);

struct tpm_da_status {
	bool owner_auth_set, lockout_auth_set, in_lockout;
	uint32_t failed_tries, max_tries, recovery_s, lockout_recovery_s;
};
int tpm_da_status(struct tpm_ctx *c, struct tpm_da_status *st);
