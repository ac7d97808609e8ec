/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verifier: evidence (docs/attest.md) checked against the AK registry,
 * the verifier's nonce and the releases' reference values.
 *
 * Verdicts: REJECTED when the evidence is not authentic or not fresh (the
 * first failed check is the reason: nothing else can be believed);
 * UNTRUSTED when it is authentic but the measured boot is not the
 * release's (every finding is listed); TRUSTED otherwise. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AV_MAX_FINDINGS 32
#define AV_MSG_MAX 320
#define AV_MAX_REFS 16
#define AV_MAX_DIGESTS 8

/* Reference values of one release (the "reference" object the builder
 * writes into release.json and the signed manifest). */
struct av_reference {
	char version[48];
	uint64_t security_version;
	bool has_pcr11, has_sdboot, has_uki;
	uint8_t pcr11[32];   /* PCR 11 as systemd-stub leaves it (before rempart-init's marker) */
	uint8_t sdboot[32];  /* Authenticode sha256 of EFI/BOOT/BOOTX64.EFI */
	uint8_t uki[32];     /* Authenticode sha256 of the UKI */
	/* EV_EFI_VARIABLE_DRIVER_CONFIG digests: SecureBoot (=1), PK, KEK, db */
	bool has_var[4];
	uint8_t var[4][32];
	size_t n_authority;  /* EV_EFI_VARIABLE_AUTHORITY digests (db entries that may verify our images) */
	uint8_t authority[AV_MAX_DIGESTS][32];
	size_t n_dbcert;     /* sha256 of the db certificates (DER), informative */
	uint8_t dbcert[AV_MAX_DIGESTS][32];
};

/* Parses a release.json / release manifest / build.json holding
 * "version", "security_version" and a "reference" object. -EBADMSG with err. */
int av_reference_parse(const uint8_t *buf, size_t len, struct av_reference *ref, char *err, size_t errsize);

enum av_verdict { AV_TRUSTED = 0, AV_UNTRUSTED = 1, AV_REJECTED = 2 };

struct av_finding {
	char code[40];
	char msg[AV_MSG_MAX];
};

struct av_result {
	enum av_verdict verdict;
	size_t n;
	struct av_finding f[AV_MAX_FINDINGS];
	const struct av_reference *release; /* the release the measured UKI belongs to (or NULL) */
	char claimed_version[48];
	char ak_name[2 * 34 + 1];
	uint32_t pcr_mask;
	uint8_t pcrs[24][32];
	size_t n_events;
	bool has_check;      /* the device included rempart-check's report */
	int check_status;    /* its exit status (informative unless require_check) */
};

struct av_input {
	const uint8_t *evidence;
	size_t evidence_len;
	const uint8_t *nonce;
	size_t nonce_len;
	const char *registry;              /* AK registry directory */
	const struct av_reference *refs;
	size_t n_refs;
	bool has_min_svn;
	uint64_t min_svn;
	uint32_t required_pcrs;            /* PCRs the quote must cover */
	bool require_check;                /* a failing rempart-check report is a finding */
};

/* 0 with res filled (any verdict), or a negative errno for a system error. */
int av_verify(const struct av_input *in, struct av_result *res);

/* Whether a quoted PCR 11 is the release's value, possibly followed by
 * rempart-init's leave-initramfs marker and systemd-pcrphase's "sysinit"
 * and "ready" extensions (in that order). */
bool av_pcr11_matches(const uint8_t expected[32], const uint8_t quoted[32]);

/* The verdict's name: "trusted", "untrusted", "rejected". */
const char *av_verdict_str(enum av_verdict v);

/* Registry helpers (the record of a registered AK: DIR/<ak name hex>.json). */
int av_registry_path(const char *dir, const char *name_hex, const char *suffix, char **out);
