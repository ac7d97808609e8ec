/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "cleanup.h"

const char *uc_check_name(enum uc_check c)
{
	switch (c) {
	case UC_OK: return "ok";
	case UC_SIGNATURE: return "signature";
	case UC_FORMAT: return "format";
	case UC_TRUSTED_COMMENT: return "trusted-comment";
	case UC_PRODUCT: return "product";
	case UC_CHANNEL: return "channel";
	case UC_ISSUED_AT: return "issued-at";
	case UC_EXPIRY: return "expiry";
	case UC_VERSION: return "version";
	case UC_SECURITY_VERSION: return "security-version";
	case UC_SIZE: return "size";
	case UC_SHA256: return "sha256";
	case UC_VERITY: return "verity";
	case UC_TRANSPORT: return "transport";
	}
	return "unknown";
}

int uc_refuse(struct uc_result *r, enum uc_check c, const char *fmt, ...)
{
	va_list ap;

	r->check = c;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static void fmt_time(uint64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > (uint64_t)INT64_MAX / 2 || !gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%llu", (unsigned long long)t);
}

uint64_t uc_effective_now(uint64_t now, uint64_t newest_issued_at)
{
	return now > newest_issued_at ? now : newest_issued_at;
}

int uc_verify_signed(const uint8_t *man, size_t mlen, const uint8_t *sig, size_t slen, const struct ms_pubkey *pk,
		     struct um_manifest *m, struct uc_result *res)
{
	struct ms_signature s;
	char err[UM_ERR_MAX], id[17], sid[17];
	_cleanup_free_ char *tc = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	r = ms_signature_parse((const char *)sig, slen, &s);
	if (r < 0)
		return uc_refuse(res, UC_SIGNATURE, "the signature file is not a valid minisign signature (%s)",
				 r == -E2BIG ? "oversize" : "malformed");
	r = ms_verify(pk, &s, man, mlen);
	ms_keyid_str(pk->keynum, id);
	ms_keyid_str(s.keynum, sid);
	switch (r) {
	case 0:
		break;
	case -EKEYREJECTED:
		return uc_refuse(res, UC_SIGNATURE, "manifest signed by key %s, the pinned release key is %s", sid, id);
	case -EPROTONOSUPPORT:
		return uc_refuse(res, UC_SIGNATURE, "legacy (non-prehashed) minisign signature refused");
	case -EBADMSG:
		return uc_refuse(res, UC_SIGNATURE,
				 "bad signature: the manifest or its trusted comment was not signed by key %s", id);
	default:
		return r;
	}
	/* The signature is good: the document is ours, parse it strictly. */
	r = um_parse(man, mlen, m, err);
	if (r == -EBADMSG || r == -E2BIG)
		return uc_refuse(res, UC_FORMAT, "signed manifest refused by the strict parser: %s", err);
	if (r < 0)
		return r;
	r = um_trusted_comment(m, &tc);
	if (r < 0)
		return r;
	if (strcmp(tc, s.trusted) != 0)
		return uc_refuse(res, UC_TRUSTED_COMMENT, "trusted comment \"%.200s\" does not match the manifest (\"%.200s\")",
				 s.trusted, tc);
	return 0;
}

int uc_check_manifest(const struct um_manifest *m, const struct uc_expect *e, struct uc_result *res)
{
	char t1[32], t2[32];
	uint64_t now = uc_effective_now(e->now, e->newest_issued_at);
	int c;

	memset(res, 0, sizeof(*res));
	if (strcmp(m->product, e->product) != 0)
		return uc_refuse(res, UC_PRODUCT, "manifest is for product \"%s\", this device runs \"%s\"", m->product,
				 e->product);
	if (strcmp(m->channel, e->channel) != 0)
		return uc_refuse(res, UC_CHANNEL, "manifest is for channel \"%s\", this device follows \"%s\"",
				 m->channel, e->channel);
	if (m->issued_at < e->newest_issued_at) {
		fmt_time(m->issued_at, t1);
		fmt_time(e->newest_issued_at, t2);
		return uc_refuse(res, UC_ISSUED_AT,
				 "manifest issued at %s is older than the newest one already accepted (%s): "
				 "replayed or rolled-back manifest refused", t1, t2);
	}
	if (now >= m->expires) {
		fmt_time(m->expires, t1);
		fmt_time(now, t2);
		return uc_refuse(res, UC_EXPIRY,
				 "manifest expired at %s (device time %s): stale (freeze attack?) or the "
				 "server has not refreshed its channel", t1, t2);
	}
	c = um_version_cmp(m->version, e->running_version);
	if (c == 0) {
		res->check = UC_VERSION;
		snprintf(res->msg, sizeof(res->msg), "version %s is the running version", m->version);
		return -EALREADY;
	}
	if (c < 0)
		return uc_refuse(res, UC_VERSION, "manifest offers version %s, older than the running %s: rollback refused",
				 m->version, e->running_version);
	if (m->security_version < e->min_security_version)
		return uc_refuse(res, UC_SECURITY_VERSION,
				 "manifest security version %llu is below the anti-rollback counter %llu",
				 (unsigned long long)m->security_version,
				 (unsigned long long)e->min_security_version);
	return 0;
}
