/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The named checks a release manifest goes through on the device, in
 * order: signature, format, trusted-comment, product, channel, issued-at,
 * expiry, version, security-version. Each refusal names its check and
 * says what was expected and what was found.
 *
 * Library rules: 0 or a negative errno, no printing above debug level. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"
#include "minisig.h"

enum uc_check {
	UC_OK = 0,
	UC_SIGNATURE,
	UC_FORMAT,
	UC_TRUSTED_COMMENT,
	UC_PRODUCT,
	UC_CHANNEL,
	UC_ISSUED_AT,
	UC_EXPIRY,
	UC_VERSION,
	UC_SECURITY_VERSION,
	UC_SIZE,      /* artifact larger or smaller than declared, or than its partition */
	UC_SHA256,    /* artifact content differs from the manifest */
	UC_VERITY,    /* the written slot does not verify against the root hash */
	UC_TRANSPORT, /* TLS / HTTP */
};

struct uc_result {
	enum uc_check check;
	char msg[512];
};

/* What the device knows. */
struct uc_expect {
	const char *product;
	const char *channel;
	const char *running_version;
	uint64_t newest_issued_at;     /* 0: none accepted yet */
	uint64_t now;                  /* the device's clock (seconds) */
	uint64_t min_security_version; /* from the anti-rollback counter */
};

const char *uc_check_name(enum uc_check c);

/* Sets r and returns -EBADMSG. */
int uc_refuse(struct uc_result *r, enum uc_check c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Signature (with the pinned key), strict parse and trusted-comment
 * binding. -EBADMSG with res filled, other negative errno on failure. */
int uc_verify_signed(const uint8_t *man, size_t mlen, const uint8_t *sig, size_t slen, const struct ms_pubkey *pk,
		     struct um_manifest *m, struct uc_result *res);

/* Device checks on a verified manifest. Returns 0 when it is an update to
 * apply, -EALREADY (res->check = UC_VERSION) when it is the running
 * version, -EBADMSG with res filled when refused. */
int uc_check_manifest(const struct um_manifest *m, const struct uc_expect *e, struct uc_result *res);

/* The effective clock: never before the newest accepted issued_at. */
uint64_t uc_effective_now(uint64_t now, uint64_t newest_issued_at);
