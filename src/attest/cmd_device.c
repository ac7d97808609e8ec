/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device side: enroll-request, activate, quote (docs/attest.md). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "authenticode.h"
#include "cleanup.h"
#include "cli.h"
#include "credential.h"
#include "device.h"
#include "ekcert.h"
#include "eventlog.h"
#include "evidence.h"
#include "fileio.h"
#include "hex.h"
#include "log.h"
#include "minisig.h"
#include "quote.h"

extern char **environ;

struct state {
	bool ek_ecc, ak_ecc;
	TPM2B_PUBLIC ak;
};

static int state_load(const char *dir, struct state *st)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_(jdoc_freep) struct jdoc *j = NULL;
	uint8_t bin[sizeof(TPM2B_PUBLIC)];
	size_t n = 0;
	const char *ek, *ak;

	if (asprintf(&path, "%s/enroll.json", dir) < 0)
		return -ENOMEM;
	if (access(path, F_OK) < 0)
		return -errno;
	j = cli_load_json(path, "device state");
	if (!j)
		return -EBADMSG;
	ek = jdoc_str(j, "ek");
	ak = jdoc_str(j, "ak");
	if (!ek || !ak || jdoc_hex(j, "ak_public", bin, sizeof(bin), &n) < 0 ||
	    tc_public_unmarshal(bin, n, &st->ak) < 0)
		return -EBADMSG;
	st->ek_ecc = strcmp(ek, "ecc") == 0;
	st->ak_ecc = strcmp(ak, "ecc") == 0;
	return 0;
}

/* Loads the EK and the AK and checks the AK is the enrolled one. */
static int device_keys(struct ad_ctx *t, const struct state *st, TPM2B_PUBLIC *ek, TPM2B_PUBLIC *ak)
{
	uint8_t a[sizeof(TPM2B_PUBLIC)], b[sizeof(TPM2B_PUBLIC)];
	size_t al, bl;
	int r;

	if ((r = ad_load_ek(t, st->ek_ecc, ek)) < 0 || (r = ad_load_ak(t, st->ak_ecc, ak)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot create the endorsement/attestation keys: %s",
				 ad_last_error(t));
	if (tc_public_marshal(ak, a, sizeof(a), &al) < 0 || tc_public_marshal(&st->ak, b, sizeof(b), &bl) < 0)
		return -EINVAL;
	if (al != bl || memcmp(a, b, al) != 0) {
		log_error("the TPM's attestation key is not the enrolled one (TPM cleared or replaced?): enrol again "
			  "(enroll-request)");
		return -EKEYREJECTED;
	}
	return 0;
}

struct enroll_doc {
	const uint8_t *ek, *ak, *name, *ekname, *ekcert;
	size_t ekl, akl, namel, eknamel, ekcertl;
	const char *ek_type, *ak_type;
	uint32_t ekcert_nv;
};

static void fill_enroll(struct json *j, void *arg)
{
	struct enroll_doc *d = arg;

	json_obj_begin(j);
	json_kv_str(j, "format", "rempart-attest-enroll-request-v1");
	json_kv_str(j, "ek", d->ek_type);
	json_kv_str(j, "ak", d->ak_type);
	cli_kv_hex(j, "ek_public", d->ek, d->ekl);
	cli_kv_hex(j, "ak_public", d->ak, d->akl);
	cli_kv_hex(j, "ak_name", d->name, d->namel);
	cli_kv_hex(j, "ek_name", d->ekname, d->eknamel);
	json_kv_u64(j, "ek_certificate_nv", d->ekcert_nv);
	if (d->ekcert) {
		cli_kv_hex(j, "ek_certificate", d->ekcert, d->ekcertl);
	} else {
		json_key(j, "ek_certificate");
		json_null(j);
	}
	json_obj_end(j);
}

int cmd_enroll_request(struct opts *o)
{
	struct ad_ctx *t = NULL;
	TPM2B_PUBLIC ek, ak;
	TPM2B_NAME name, ekname;
	uint8_t ekb[sizeof(TPM2B_PUBLIC)], akb[sizeof(TPM2B_PUBLIC)];
	size_t ekl, akl, len = 0, nvlen = 0, certlen = 0;
	_cleanup_free_ char *buf = NULL, *path = NULL;
	_cleanup_free_ uint8_t *nvcert = NULL;
	struct enroll_doc d;
	int r;

	r = ad_open(o->tcti, &t);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot open the TPM (%s)", o->tcti ? o->tcti : "/dev/tpmrm0");
	r = ad_load_ek(t, o->ek_ecc, &ek);
	if (r == 0)
		r = ad_load_ak(t, !o->ak_rsa, &ak);
	if (r < 0) {
		log_error("cannot create the endorsement/attestation keys: %s", ad_last_error(t));
		ad_close(t);
		return r;
	}
	/* The TPM maker's certificate of this EK (TCG EK Credential Profile):
	 * the verifier checks it; without one it can only pin the EK. */
	r = ad_nv_read(t, ekc_nv_index(o->ek_ecc), EKC_MAX_DER * 2, &nvcert, &nvlen);
	if (r == 0 && ekc_der_length(nvcert, nvlen, &certlen) < 0) {
		log_warn("NV index 0x%08x does not hold a DER certificate: sending no EK certificate",
			 ekc_nv_index(o->ek_ecc));
		certlen = 0;
	} else if (r < 0) {
		log_warn("no EK certificate in the TPM (NV index 0x%08x: %s): the verifier must pin this EK "
			 "(challenge --ek-allow)",
			 ekc_nv_index(o->ek_ecc), ad_last_error(t));
	}
	ad_close(t);
	if ((r = tc_public_marshal(&ek, ekb, sizeof(ekb), &ekl)) < 0 ||
	    (r = tc_public_marshal(&ak, akb, sizeof(akb), &akl)) < 0 || (r = tc_name(&ak.publicArea, &name)) < 0 ||
	    (r = tc_name(&ek.publicArea, &ekname)) < 0)
		return r;
	d = (struct enroll_doc){ .ek = ekb, .ak = akb, .name = name.name, .ekname = ekname.name,
				 .ekcert = certlen ? nvcert : NULL, .ekl = ekl, .akl = akl, .namel = name.size,
				 .eknamel = ekname.size, .ekcertl = certlen, .ek_type = o->ek_ecc ? "ecc" : "rsa",
				 .ak_type = o->ak_rsa ? "rsa" : "ecc", .ekcert_nv = ekc_nv_index(o->ek_ecc) };
	r = cli_mem_json(fill_enroll, &d, &buf, &len);
	if (r < 0)
		return r;
	r = mkdir_p(o->state, 0700);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot create %s", o->state);
	if (asprintf(&path, "%s/enroll.json", o->state) < 0)
		return -ENOMEM;
	r = write_file_atomic(path, buf, len, 0600);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", path);
	r = cli_write_out(o->out, buf, len);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write the enrolment request");
	return 0;
}

struct activation_doc {
	const uint8_t *name, *secret;
	size_t namel, secretl;
};

static void fill_activation(struct json *j, void *arg)
{
	struct activation_doc *d = arg;

	json_obj_begin(j);
	json_kv_str(j, "format", "rempart-attest-activation-v1");
	cli_kv_hex(j, "ak_name", d->name, d->namel);
	cli_kv_hex(j, "secret", d->secret, d->secretl);
	json_obj_end(j);
}

int cmd_activate(struct opts *o)
{
	_cleanup_(jdoc_freep) struct jdoc *ch = NULL;
	_cleanup_free_ char *buf = NULL;
	struct ad_ctx *t = NULL;
	struct state st;
	TPM2B_PUBLIC ek, ak;
	TPM2B_NAME name;
	TPM2B_ID_OBJECT blob = { 0 };
	TPM2B_ENCRYPTED_SECRET secret = { 0 };
	uint8_t cred[64];
	size_t n = 0, credlen = 0, len = 0;
	struct activation_doc d;
	int r;

	if (!o->challenge) {
		log_error("activate: --challenge FILE is required");
		return -EINVAL;
	}
	r = state_load(o->state, &st);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "no enrolment state in %s (run enroll-request first)", o->state);
	ch = cli_load_json(o->challenge, "challenge");
	if (!ch)
		return -EINVAL;
	if (jdoc_hex(ch, "credential_blob", blob.credential, sizeof(blob.credential), &n) < 0) {
		log_error("challenge %s: credential_blob missing or not hex", o->challenge);
		return -EINVAL;
	}
	blob.size = (uint16_t)n;
	if (jdoc_hex(ch, "encrypted_secret", secret.secret, sizeof(secret.secret), &n) < 0) {
		log_error("challenge %s: encrypted_secret missing or not hex", o->challenge);
		return -EINVAL;
	}
	secret.size = (uint16_t)n;
	r = ad_open(o->tcti, &t);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot open the TPM (%s)", o->tcti ? o->tcti : "/dev/tpmrm0");
	r = device_keys(t, &st, &ek, &ak);
	if (r == 0) {
		r = ad_activate(t, &blob, &secret, cred, &credlen);
		if (r < 0)
			log_error("the TPM refused the credential (not made for this TPM's EK and AK?): %s",
				  ad_last_error(t));
	}
	ad_close(t);
	if (r < 0)
		return r;
	if ((r = tc_name(&ak.publicArea, &name)) < 0)
		return r;
	d = (struct activation_doc){ name.name, cred, name.size, credlen };
	r = cli_mem_json(fill_activation, &d, &buf, &len);
	explicit_bzero(cred, sizeof(cred));
	if (r == 0)
		r = cli_write_out(o->out, buf, len);
	if (buf)
		explicit_bzero(buf, len);
	return r;
}

static int read_os_release(const char *path, struct ev_evidence *e)
{
	_cleanup_free_ uint8_t *buf = NULL;
	char *save = NULL;
	size_t len;
	int r = read_file(path, 1u << 16, &buf, &len);

	if (r < 0)
		return r;
	for (char *l = strtok_r((char *)buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(l, '='), *dst = NULL;
		size_t size = 0, vl;

		if (!v)
			continue;
		*v++ = '\0';
		if (strcmp(l, "IMAGE_VERSION") == 0) {
			dst = e->os_version;
			size = sizeof(e->os_version);
		} else if (strcmp(l, "ID") == 0) {
			dst = e->os_id;
			size = sizeof(e->os_id);
		} else {
			continue;
		}
		vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = '\0';
			v++;
		}
		snprintf(dst, size, "%s", v);
	}
	return 0;
}

/* Runs cmd (split on spaces, no shell), captures stdout (at most 8 MiB). */
static int run_capture(const char *cmd, char **out, int *status)
{
	_cleanup_free_ char *dup = strdup(cmd);
	char *argv[32], *save = NULL, *buf = NULL;
	size_t argc = 0, len = 0, cap = 0;
	posix_spawn_file_actions_t fa;
	int pfd[2], st = 0;
	pid_t pid;

	if (!dup)
		return -ENOMEM;
	for (char *t = strtok_r(dup, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	if (!argc || access(argv[0], X_OK) < 0)
		return -ENOENT;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			char *nb;

			if (cap >= (8u << 20))
				break;
			nb = realloc(buf, cap ? cap * 2 : 65536);
			if (!nb)
				break;
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	waitpid(pid, &st, 0);
	if (!buf)
		return -ENOMEM;
	buf[len] = '\0';
	*out = buf;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}

int cmd_quote(struct opts *o)
{
	_cleanup_(ev_evidence_freep) struct ev_evidence *e = calloc(1, sizeof(*e));
	_cleanup_free_ char *buf = NULL;
	struct ad_ctx *t = NULL;
	struct state st;
	TPM2B_PUBLIC ek, ak;
	TPM2B_NAME name;
	uint8_t attest[sizeof(TPMS_ATTEST) + 64], sig[sizeof(TPMT_SIGNATURE) + 64], akb[sizeof(TPM2B_PUBLIC)];
	size_t alen = sizeof(attest), slen = sizeof(sig), akl, len = 0;
	const char *logp = o->log ? o->log : DEFAULT_LOG;
	FILE *f;
	int r;

	if (!e)
		return -ENOMEM;
	if (!o->nonce_set) {
		log_error("quote: --nonce HEX (the verifier's challenge) is required");
		return -EINVAL;
	}
	r = state_load(o->state, &st);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "no enrolment state in %s (run enroll-request first)", o->state);
	r = ad_open(o->tcti, &t);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot open the TPM (%s)", o->tcti ? o->tcti : "/dev/tpmrm0");
	r = device_keys(t, &st, &ek, &ak);
	/* The PCR values are read after the quote: if something extended a
	 * quoted PCR in between, the values do not hash to the quoted digest;
	 * quote again (bounded). */
	for (int attempt = 0; r == 0 && attempt < 3; attempt++) {
		struct qt_quote q;
		uint8_t digest[32];
		char err[QT_ERR_MAX];

		alen = sizeof(attest);
		slen = sizeof(sig);
		r = ad_quote(t, o->nonce, o->nonce_len, o->pcrs, attest, &alen, sig, &slen);
		if (r == 0)
			r = ad_pcr_read(t, o->pcrs, e->pcrs);
		if (r < 0) {
			log_error("TPM quote failed: %s", ad_last_error(t));
			break;
		}
		if (qt_parse(attest, alen, &q, err) < 0) {
			log_error("the TPM returned an unusable quote: %s", err);
			r = -EBADMSG;
			break;
		}
		if (qt_pcr_digest(e->pcrs, o->pcrs, digest) == 0 && memcmp(digest, q.pcr_digest, 32) == 0)
			break;
		if (attempt == 2) {
			log_error("the PCRs kept changing during the quote (3 attempts)");
			r = -EAGAIN;
		}
	}
	ad_close(t);
	if (r < 0)
		return r;
	if ((r = tc_name(&ak.publicArea, &name)) < 0 || (r = tc_public_marshal(&ak, akb, sizeof(akb), &akl)) < 0)
		return r;
	memcpy(e->nonce, o->nonce, o->nonce_len);
	e->nonce_len = o->nonce_len;
	memcpy(e->ak_name, name.name, name.size);
	e->ak_name_len = name.size;
	e->ak_public = malloc(akl);
	e->attest = malloc(alen);
	e->sig = malloc(slen);
	if (!e->ak_public || !e->attest || !e->sig)
		return -ENOMEM;
	memcpy(e->ak_public, akb, akl);
	e->ak_public_len = akl;
	memcpy(e->attest, attest, alen);
	e->attest_len = alen;
	memcpy(e->sig, sig, slen);
	e->sig_len = slen;
	e->pcr_mask = o->pcrs;
	r = read_file(logp, EL_MAX_LOG, &e->log, &e->log_len);
	if (r < 0) {
		log_warn("no UEFI event log at %s (%s): the verifier will reject the evidence", logp, strerror(-r));
		e->log = NULL;
	} else {
		snprintf(e->log_path, sizeof(e->log_path), "%s", logp);
	}
	r = read_os_release(o->osrel ? o->osrel : DEFAULT_OS_RELEASE, e);
	if (r < 0)
		log_warn("cannot read %s: %s", o->osrel ? o->osrel : DEFAULT_OS_RELEASE, strerror(-r));
	if (o->checkjson) {
		uint8_t *cb = NULL;
		size_t cl;

		r = read_file(o->checkjson, 8u << 20, &cb, &cl);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot read %s", o->checkjson);
		e->check_output = (char *)cb;
		e->has_check = true;
		e->check_status = 0;
	} else if (!o->nocheck) {
		const char *cmd = o->checkcmd ? o->checkcmd : DEFAULT_CHECK;

		r = run_capture(cmd, &e->check_output, &e->check_status);
		if (r == 0)
			e->has_check = true;
		else if (o->checkcmd)
			return log_errno(LOG_LVL_ERROR, r, "cannot run %s", cmd);
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	r = ev_write(e, f);
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	if (r == 0)
		r = cli_write_out(o->out, buf, len);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write the evidence");
	return 0;
}
