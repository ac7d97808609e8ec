/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cleanup.h"
#include "credential.h"
#include "eventlog.h"
#include "evidence.h"
#include "fileio.h"
#include "hex.h"
#include "quote.h"
#include "verify.h"

const char *av_verdict_str(enum av_verdict v)
{
	switch (v) {
	case AV_TRUSTED:
		return "trusted";
	case AV_UNTRUSTED:
		return "untrusted";
	default:
		return "rejected";
	}
}

static void add(struct av_result *res, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(struct av_result *res, const char *code, const char *fmt, ...)
{
	va_list ap;
	struct av_finding *f;

	if (res->n == AV_MAX_FINDINGS)
		return;
	f = &res->f[res->n++];
	snprintf(f->code, sizeof(f->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

/* A rejection: the evidence cannot be believed; one reason, then stop. */
static int reject(struct av_result *res, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int reject(struct av_result *res, const char *code, const char *fmt, ...)
{
	va_list ap;
	struct av_finding *f = &res->f[0];

	res->verdict = AV_REJECTED;
	res->n = 1;
	snprintf(f->code, sizeof(f->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- reference values -------------------------------------------------- */

static int ref_hex(json_t *o, const char *key, uint8_t out[32], bool *has, char *err, size_t es)
{
	json_t *v = json_object_get(o, key);
	size_t n = 0;

	if (!v)
		return 0;
	if (!json_is_string(v) || hex_decode(json_string_value(v), out, 32, &n) < 0 || n != 32) {
		snprintf(err, es, "reference.%s: not 64 hex digits", key);
		return -EBADMSG;
	}
	if (has)
		*has = true;
	return 0;
}

static int ref_list(json_t *o, const char *key, uint8_t out[][32], size_t *n, char *err, size_t es)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	*n = 0;
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > AV_MAX_DIGESTS) {
		snprintf(err, es, "reference.%s: not an array of at most %d digests", key, AV_MAX_DIGESTS);
		return -EBADMSG;
	}
	json_array_foreach(a, i, v) {
		size_t len = 0;

		if (!json_is_string(v) || hex_decode(json_string_value(v), out[i], 32, &len) < 0 || len != 32) {
			snprintf(err, es, "reference.%s[%zu]: not 64 hex digits", key, i);
			return -EBADMSG;
		}
		(*n)++;
	}
	return 0;
}

static const char *const var_names[4] = { "SecureBoot", "PK", "KEK", "db" };

int av_reference_parse(const uint8_t *buf, size_t len, struct av_reference *ref, char *err, size_t es)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	json_t *v, *r, *o;
	json_error_t jerr;
	int rc;

	memset(ref, 0, sizeof(*ref));
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || !json_is_object(root)) {
		snprintf(err, es, "not a JSON object: %s", root ? "" : jerr.text);
		return -EBADMSG;
	}
	v = json_object_get(root, "version");
	if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(ref->version)) {
		snprintf(err, es, "version: missing or not a short string");
		return -EBADMSG;
	}
	snprintf(ref->version, sizeof(ref->version), "%s", json_string_value(v));
	v = json_object_get(root, "security_version");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(err, es, "security_version: missing or not a non-negative integer");
		return -EBADMSG;
	}
	ref->security_version = (uint64_t)json_integer_value(v);
	r = json_object_get(root, "reference");
	if (!json_is_object(r)) {
		snprintf(err, es, "reference: missing (a release built before reference values were recorded?)");
		return -EBADMSG;
	}
	if ((rc = ref_hex(r, "pcr11", ref->pcr11, &ref->has_pcr11, err, es)) < 0)
		return rc;
	o = json_object_get(r, "authenticode");
	if (o && !json_is_object(o)) {
		snprintf(err, es, "reference.authenticode: not an object");
		return -EBADMSG;
	}
	if (o && ((rc = ref_hex(o, "systemd_boot", ref->sdboot, &ref->has_sdboot, err, es)) < 0 ||
		  (rc = ref_hex(o, "uki", ref->uki, &ref->has_uki, err, es)) < 0))
		return rc;
	o = json_object_get(r, "secure_boot");
	if (o && !json_is_object(o)) {
		snprintf(err, es, "reference.secure_boot: not an object");
		return -EBADMSG;
	}
	for (int i = 0; o && i < 4; i++)
		if ((rc = ref_hex(o, var_names[i], ref->var[i], &ref->has_var[i], err, es)) < 0)
			return rc;
	if ((rc = ref_list(r, "db_authority", ref->authority, &ref->n_authority, err, es)) < 0 ||
	    (rc = ref_list(r, "db_certificates", ref->dbcert, &ref->n_dbcert, err, es)) < 0)
		return rc;
	if (!ref->has_uki) {
		snprintf(err, es, "reference.authenticode.uki: missing");
		return -EBADMSG;
	}
	return 0;
}

/* ---- verification ------------------------------------------------------ */

int av_registry_path(const char *dir, const char *name_hex, const char *suffix, char **out)
{
	for (const char *p = name_hex; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -EINVAL;
	return asprintf(out, "%s/%s%s", dir, name_hex, suffix) < 0 ? -ENOMEM : 0;
}

static int load_registered(const char *dir, const char *name_hex, TPM2B_PUBLIC *ak)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_(json_decrefp) json_t *root = NULL;
	uint8_t bin[sizeof(TPM2B_PUBLIC)];
	size_t len, n = 0;
	json_t *v;
	int r;

	if ((r = av_registry_path(dir, name_hex, ".json", &path)) < 0)
		return r;
	r = read_file(path, 1u << 20, &buf, &len);
	if (r < 0)
		return r;
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	v = root ? json_object_get(root, "ak_public") : NULL;
	if (!json_is_string(v) || hex_decode(json_string_value(v), bin, sizeof(bin), &n) < 0)
		return -EBADMSG;
	return tc_public_unmarshal(bin, n, ak);
}

static const uint8_t *app_digest(const struct el_event *e)
{
	const struct el_digest *d = el_event_digest(e, EL_ALG_SHA256);

	return d ? d->d : NULL;
}

static void hexs(const uint8_t *b, char out[65])
{
	hex_encode(b, 32, out);
}

/* PCR 11 after boot: the stub's measurement of the UKI (the release's
 * value), rempart-init's marker before switch_root, then systemd-pcrphase's
 * phases in the booted system. Any of these points is accepted. */
bool av_pcr11_matches(const uint8_t expected[32], const uint8_t quoted[32])
{
	static const char *const steps[] = { "rempart-leave-initramfs", "sysinit", "ready" };
	uint8_t pcr[32], buf[64];

	memcpy(pcr, expected, 32);
	if (memcmp(pcr, quoted, 32) == 0)
		return true;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memcpy(buf, pcr, 32);
		if (!EVP_Digest(steps[i], strlen(steps[i]), buf + 32, NULL, EVP_sha256(), NULL) ||
		    !EVP_Digest(buf, 64, pcr, NULL, EVP_sha256(), NULL))
			return false;
		if (memcmp(pcr, quoted, 32) == 0)
			return true;
	}
	return false;
}
#define pcr11_matches av_pcr11_matches

static void compare(const struct av_input *in, const struct el_log *log, const struct ev_evidence *ev,
		    struct av_result *res)
{
	const struct av_reference *ref = NULL, *base = in->n_refs ? &in->refs[0] : NULL;
	const uint8_t *apps[64];
	size_t napps = 0;
	bool sb_seen = false;
	char h[65];

	for (size_t i = 1; i < log->n; i++)
		if (log->ev[i].pcr == 4 && log->ev[i].type == EV_EFI_BOOT_SERVICES_APPLICATION && napps < 64 &&
		    app_digest(&log->ev[i]))
			apps[napps++] = app_digest(&log->ev[i]);
	/* which release is this? the one whose UKI the firmware measured */
	for (size_t r = 0; r < in->n_refs && !ref; r++)
		for (size_t a = 0; a < napps; a++)
			if (memcmp(apps[a], in->refs[r].uki, 32) == 0)
				ref = &in->refs[r];
	res->release = ref;
	if (!ref) {
		if (napps >= 2) {
			hexs(apps[1], h);
			add(res, "unknown-uki",
			    "unknown UKI: the firmware started a UKI (Authenticode sha256 %s) that no reference release "
			    "contains (a UKI signed by an enrolled key but not released by us, or a modified one)",
			    h);
		} else {
			add(res, "unknown-uki",
			    "unknown UKI: no EFI application measured in PCR 4 is a reference release's UKI");
		}
	}
	if (!ref)
		ref = base;
	if (!ref)
		return;
	/* the boot loader is the first application the firmware starts */
	if (ref->has_sdboot && (napps == 0 || memcmp(apps[0], ref->sdboot, 32) != 0)) {
		if (napps)
			hexs(apps[0], h);
		add(res, "unknown-boot-loader",
		    "unknown boot loader: the first EFI application (Authenticode sha256 %s) is not the release's "
		    "systemd-boot",
		    napps ? h : "none");
	}
	for (size_t a = 0; a < napps; a++) {
		bool known = (ref->has_sdboot && memcmp(apps[a], ref->sdboot, 32) == 0);

		for (size_t r = 0; r < in->n_refs && !known; r++)
			known = memcmp(apps[a], in->refs[r].uki, 32) == 0;
		if (!known && a > 0 && res->release) {
			hexs(apps[a], h);
			add(res, "unknown-efi-application",
			    "unknown EFI application started after the boot loader (Authenticode sha256 %s)", h);
		}
	}
	/* PCR 7: Secure Boot configuration and the authorities that verified the images */
	for (size_t i = 1; i < log->n; i++) {
		const struct el_event *e = &log->ev[i];
		struct el_uefi_var v;
		const struct el_digest *d = el_event_digest(e, EL_ALG_SHA256);

		if (e->pcr != 7 || !d || el_uefi_var_parse(e->data, e->data_len, &v) < 0)
			continue;
		if (e->type == EV_EFI_VARIABLE_DRIVER_CONFIG) {
			for (int k = 0; k < 4; k++) {
				if (strcmp(v.name, var_names[k]) != 0 ||
				    memcmp(v.guid, k == 3 ? el_guid_image_security : el_guid_global, 16) != 0)
					continue;
				if (k == 0) {
					sb_seen = true;
					if (v.data_len < 1 || v.data[0] != 1) {
						add(res, "secure-boot-disabled",
						    "Secure Boot disabled: the firmware measured SecureBoot=%u (PCR 7)",
						    v.data_len ? v.data[0] : 0);
						continue;
					}
				}
				if (ref->has_var[k] && memcmp(d->d, ref->var[k], 32) != 0 && k > 0) {
					static const char *const code[4] = { "", "pk-changed", "kek-changed", "db-changed" };

					add(res, code[k],
					    "PCR 7 differs: %s changed (the %s variable measured by the firmware is not "
					    "the release's)",
					    var_names[k], var_names[k]);
				}
			}
		} else if (e->type == EV_EFI_VARIABLE_AUTHORITY && ref->n_authority) {
			bool known = false;

			for (size_t k = 0; k < ref->n_authority; k++)
				known |= memcmp(d->d, ref->authority[k], 32) == 0;
			if (!known)
				add(res, "unknown-db-authority",
				    "PCR 7 differs: an image was verified by a db entry the release does not know "
				    "(variable %s)",
				    v.name);
		}
	}
	if (!sb_seen)
		add(res, "secure-boot-not-measured",
		    "Secure Boot state not measured: no SecureBoot variable event in PCR 7 (firmware without "
		    "Secure Boot support?)");
	if (!res->release)
		return;
	if (in->has_min_svn && ref->security_version < in->min_svn)
		add(res, "below-minimum-security-version",
		    "release older than the policy minimum security version: %s has security version %llu, the "
		    "policy requires %llu",
		    ref->version, (unsigned long long)ref->security_version, (unsigned long long)in->min_svn);
	if (ref->has_pcr11 && (res->pcr_mask & (1u << 11)) && !pcr11_matches(ref->pcr11, res->pcrs[11])) {
		hexs(res->pcrs[11], h);
		add(res, "pcr11-mismatch",
		    "PCR 11 not the release's: quoted %s is not release %s's UKI measurement followed by "
		    "rempart-init's leave-initramfs marker (and systemd-pcrphase's sysinit, ready)",
		    h, ref->version);
	}
	if (ev->os_version[0] && strcmp(ev->os_version, ref->version) != 0)
		add(res, "version-claim-mismatch",
		    "the device says it runs %s but the measured UKI is release %s", ev->os_version, ref->version);
	res->has_check = ev->has_check;
	res->check_status = ev->check_status;
	/* the device's own report is not bound to the TPM: informative unless the policy requires it */
	if (in->require_check && (!ev->has_check || ev->check_status != 0))
		add(res, "check-failed", "rempart-check on the device %s",
		    ev->has_check ? "reported failures" : "did not report (no rempart-check results in the evidence)");
}

int av_verify(const struct av_input *in, struct av_result *res)
{
	_cleanup_(ev_evidence_freep) struct ev_evidence *ev = NULL;
	struct qt_quote q;
	struct el_log log = { 0 };
	TPM2B_PUBLIC ak;
	TPM2B_NAME name;
	uint8_t replay[EL_NPCR][32], digest[32];
	char err[EL_ERR_MAX > QT_ERR_MAX ? EL_ERR_MAX : QT_ERR_MAX] = "";
	uint32_t required = in->required_pcrs, seen = 0;
	int r;

	memset(res, 0, sizeof(*res));
	r = ev_parse(in->evidence, in->evidence_len, &ev, err, sizeof(err));
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return reject(res, "evidence-malformed", "evidence malformed: %s", err);
	snprintf(res->ak_name, sizeof(res->ak_name), "%s", ev->ak_name_hex);
	snprintf(res->claimed_version, sizeof(res->claimed_version), "%s", ev->os_version);
	/* freshness first: an old quote is rejected whatever it contains */
	if (ev->nonce_len != in->nonce_len || CRYPTO_memcmp(ev->nonce, in->nonce, in->nonce_len) != 0)
		return reject(res, "nonce-mismatch",
			      "nonce mismatch: the evidence answers another challenge (replayed quote)");
	r = load_registered(in->registry, ev->ak_name_hex, &ak);
	if (r == -ENOENT || r == -EINVAL)
		return reject(res, "ak-unknown",
			      "attestation key %s is not registered (a quote from a TPM that did not complete "
			      "enrolment)",
			      ev->ak_name_hex);
	if (r < 0)
		return reject(res, "ak-registry", "cannot read the registered attestation key %s: %s", ev->ak_name_hex,
			      strerror(-r));
	if (tc_name(&ak.publicArea, &name) < 0 || name.size != ev->ak_name_len ||
	    memcmp(name.name, ev->ak_name, name.size) != 0)
		return reject(res, "ak-registry", "the registry record of %s holds another key", ev->ak_name_hex);
	r = qt_verify_signature(&ak.publicArea, ev->attest, ev->attest_len, ev->sig, ev->sig_len, err);
	if (r == -EIO || r == -ENOMEM)
		return r;
	if (r < 0)
		return reject(res, "signature-invalid", "%s", err);
	r = qt_parse(ev->attest, ev->attest_len, &q, err);
	if (r < 0)
		return reject(res, "quote-malformed", "%s", err);
	if (q.attest.extraData.size != in->nonce_len ||
	    CRYPTO_memcmp(q.attest.extraData.buffer, in->nonce, in->nonce_len) != 0)
		return reject(res, "nonce-mismatch",
			      "nonce mismatch: the TPM signed a quote for another challenge (replayed quote)");
	if ((q.pcr_mask & required) != required)
		return reject(res, "pcrs-not-covered", "the quote covers PCRs 0x%06x, the policy requires 0x%06x",
			      q.pcr_mask, required);
	if ((ev->pcr_mask & q.pcr_mask) != q.pcr_mask)
		return reject(res, "pcr-values-missing", "the evidence lacks values of quoted PCRs (0x%06x of 0x%06x)",
			      ev->pcr_mask, q.pcr_mask);
	if (qt_pcr_digest(ev->pcrs, q.pcr_mask, digest) < 0)
		return -EIO;
	if (memcmp(digest, q.pcr_digest, 32) != 0)
		return reject(res, "pcr-values-mismatch",
			      "the PCR values in the evidence are not the ones the TPM quoted (digest differs)");
	res->pcr_mask = q.pcr_mask;
	memcpy(res->pcrs, ev->pcrs, sizeof(res->pcrs));
	/* the event log: parse, per-event digest checks, replay */
	if (!ev->log)
		return reject(res, "eventlog-missing", "the evidence carries no UEFI event log");
	r = el_parse(ev->log, ev->log_len, &log, err);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return reject(res, "eventlog-malformed", "event log malformed: %s", err);
	res->n_events = log.n;
	for (size_t i = 1; i < log.n; i++) {
		const struct el_event *e = &log.ev[i];

		if (el_event_check(e) == -EBADMSG) {
			reject(res, "eventlog-forged-event",
			       "event log: event %zu (%s, PCR %u) has a digest that is not the hash of its data "
			       "(forged event)",
			       i, el_type_name(e->type), e->pcr);
			el_free(&log);
			return 0;
		}
	}
	r = el_replay(&log, EL_ALG_SHA256, replay, &seen);
	if (r < 0) {
		el_free(&log);
		return reject(res, "eventlog-malformed", "event log: an event has no sha256 digest");
	}
	for (unsigned p = 0; p < 8; p++) {
		if (!(q.pcr_mask & (1u << p)))
			continue;
		if (memcmp(replay[p], ev->pcrs[p], 32) != 0) {
			reject(res, "eventlog-replay-mismatch",
			       "the event log does not replay to the quoted PCR %u (an event was removed, added or "
			       "altered)",
			       p);
			el_free(&log);
			return 0;
		}
	}
	compare(in, &log, ev, res);
	el_free(&log);
	res->verdict = res->n ? AV_UNTRUSTED : AV_TRUSTED;
	return 0;
}
