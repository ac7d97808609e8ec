/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-attest: remote attestation. Device side (enroll-request,
 * activate, quote) and verifier side (challenge, register, verify), plus
 * inspection helpers (eventlog, authenticode, nonce). docs/attest.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "authenticode.h"
#include "cleanup.h"
#include "config.h"
#include "credential.h"
#include "device.h"
#include "eventlog.h"
#include "evidence.h"
#include "fileio.h"
#include "hex.h"
#include "jdoc.h"
#include "json.h"
#include "log.h"
#include "minisig.h"
#include "parse.h"
#include "quote.h"
#include "verify.h"

extern char **environ;

enum {
	EXIT_OK = 0,         /* trusted / done */
	EXIT_UNTRUSTED = 1,  /* authentic evidence, boot differs from the release */
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
	EXIT_REJECTED = 4,   /* evidence not authentic or not fresh */
};

#define DEFAULT_STATE "/var/lib/rempart/attest"
#define DEFAULT_LOG "/sys/kernel/security/tpm0/binary_bios_measurements"
#define DEFAULT_OS_RELEASE "/etc/os-release"
#define DEFAULT_CHECK "/usr/bin/rempart-check --json"
#define DEFAULT_PCRS (((1u << 8) - 1) | (1u << 11))

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " device:\n"
	      "  rempart-attest enroll-request [--ek rsa|ecc] [--ak ecc|rsa] [-o FILE]\n"
	      "  rempart-attest activate --challenge FILE [-o FILE]\n"
	      "  rempart-attest quote --nonce HEX [--pcrs LIST] [--event-log PATH] [--os-release PATH]\n"
	      "                       [--check-command CMD | --check-json FILE | --no-check] [-o FILE]\n"
	      " verifier:\n"
	      "  rempart-attest nonce\n"
	      "  rempart-attest challenge --request FILE --ak-registry DIR [--ek-allow FILE] [-o FILE]\n"
	      "  rempart-attest register --response FILE --ak-registry DIR\n"
	      "  rempart-attest verify --evidence FILE --nonce HEX --ak-registry DIR --reference FILE...\n"
	      "                        (--reference-key PUB | --allow-unsigned-reference)\n"
	      "                        [--min-security-version N] [--pcrs LIST] [--require-check] [--json]\n"
	      " inspection:\n"
	      "  rempart-attest eventlog [--json] [LOG]\n"
	      "  rempart-attest authenticode FILE...\n"
	      "\n"
	      "Options:\n"
	      "  --state-dir DIR     device state (default " DEFAULT_STATE ")\n"
	      "  --tcti CONF         TPM: device:/dev/tpmrm0 (default) or e.g. swtpm:host=127.0.0.1,port=2321\n"
	      "  --pcrs LIST         PCRs to quote / require, e.g. 0-7,11 (default)\n"
	      "  --event-log PATH    default " DEFAULT_LOG "\n"
	      "  --os-release PATH   default " DEFAULT_OS_RELEASE " (IMAGE_VERSION, ID)\n"
	      "  --check-command CMD default \"" DEFAULT_CHECK "\" when installed\n"
	      "  --ek-allow FILE     challenge only EKs whose name (hex, as in enroll-request's ek_name)\n"
	      "                      is listed in FILE, one per line\n"
	      "  --reference FILE    release.json or signed release manifest with a \"reference\" object\n"
	      "                      (repeatable: one per release the verifier knows)\n"
	      "  --reference-key PUB minisign public key: FILE.minisig must verify with it\n"
	      "  --require-check     a failing or missing rempart-check report is a finding\n"
	      "  --json              machine-readable output\n"
	      "  -v, --verbose       debug messages;  -h, --help;  --version\n"
	      "\n"
	      "Exit status: 0 trusted (verify) or success; 1 untrusted: the evidence is authentic but the\n"
	      "measured boot is not a reference release's (each finding is named); 2 invalid usage or\n"
	      "input; 3 system or TPM error; 4 rejected: the evidence is not authentic or not fresh\n"
	      "(unknown AK, bad signature, nonce, PCR values, event log that does not replay).\n",
	      f);
}

enum {
	O_STATE = 256, O_TCTI, O_EK, O_AK, O_CHALLENGE, O_NONCE, O_PCRS, O_LOG, O_OSREL, O_CHECKCMD, O_CHECKJSON,
	O_NOCHECK, O_REQUEST, O_RESPONSE, O_REGISTRY, O_EVIDENCE, O_REFERENCE, O_REFKEY, O_UNSIGNED, O_MINSVN,
	O_JSON, O_VERSION, O_EKALLOW, O_REQCHECK,
};

struct opts {
	const char *state, *tcti, *challenge, *log, *osrel, *checkcmd, *checkjson, *request, *response, *registry,
		*evidence, *refkey, *out, *ekallow;
	const char *refs[AV_MAX_REFS];
	size_t nrefs;
	bool ek_ecc, ak_rsa, nocheck, unsigned_ok, json, has_minsvn, nonce_set, require_check;
	uint64_t minsvn;
	uint8_t nonce[64];
	size_t nonce_len;
	uint32_t pcrs;
};

static int parse_pcrs(const char *s, uint32_t *mask)
{
	_cleanup_free_ char *dup = strdup(s);
	char *save = NULL;

	if (!dup)
		return -ENOMEM;
	*mask = 0;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(t, '-');
		uint32_t a, b;

		if (dash)
			*dash = '\0';
		if (parse_u32(t, &a) < 0 || (dash && parse_u32(dash + 1, &b) < 0))
			return -EINVAL;
		if (!dash)
			b = a;
		if (a > b || b > 23)
			return -EINVAL;
		for (uint32_t i = a; i <= b; i++)
			*mask |= 1u << i;
	}
	return *mask ? 0 : -EINVAL;
}

/* ---- small file helpers ------------------------------------------------ */

static int write_out(const char *path, const char *buf, size_t len)
{
	if (!path || strcmp(path, "-") == 0)
		return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -EIO;
	return write_file_atomic(path, buf, len, 0644);
}

static struct jdoc *load_json(const char *path, const char *what)
{
	struct jdoc *d = NULL;
	char err[200];
	int r = jdoc_load(path, &d, err, sizeof(err));

	if (r < 0) {
		if (r == -EBADMSG)
			log_error("%s %s: %s", what, path, err);
		else
			log_errno(LOG_LVL_ERROR, r, "cannot read %s %s", what, path);
		return NULL;
	}
	return d;
}

#define json_hex jdoc_hex

static int mem_json(void (*fill)(struct json *, void *), void *arg, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	struct json j;
	int r;

	if (!f)
		return -ENOMEM;
	json_init(&j, f, true);
	fill(&j, arg);
	r = json_end(&j);
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	return r;
}

static void kv_hex(struct json *j, const char *key, const uint8_t *b, size_t n)
{
	char *h = hex_encode_alloc(b, n);

	if (!h) {
		j->error = -ENOMEM;
		return;
	}
	json_kv_str(j, key, h);
	free(h);
}

/* ---- device side --------------------------------------------------------- */

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
	j = load_json(path, "device state");
	if (!j)
		return -EBADMSG;
	ek = jdoc_str(j, "ek");
	ak = jdoc_str(j, "ak");
	if (!ek || !ak || json_hex(j, "ak_public", bin, sizeof(bin), &n) < 0 ||
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
	const uint8_t *ek, *ak, *name, *ekname;
	size_t ekl, akl, namel, eknamel;
	const char *ek_type, *ak_type;
};

static void fill_enroll(struct json *j, void *arg)
{
	struct enroll_doc *d = arg;

	json_obj_begin(j);
	json_kv_str(j, "format", "rempart-attest-enroll-request-v1");
	json_kv_str(j, "ek", d->ek_type);
	json_kv_str(j, "ak", d->ak_type);
	kv_hex(j, "ek_public", d->ek, d->ekl);
	kv_hex(j, "ak_public", d->ak, d->akl);
	kv_hex(j, "ak_name", d->name, d->namel);
	kv_hex(j, "ek_name", d->ekname, d->eknamel);
	json_obj_end(j);
}

static int cmd_enroll_request(struct opts *o)
{
	struct ad_ctx *t = NULL;
	TPM2B_PUBLIC ek, ak;
	TPM2B_NAME name, ekname;
	uint8_t ekb[sizeof(TPM2B_PUBLIC)], akb[sizeof(TPM2B_PUBLIC)];
	size_t ekl, akl, len = 0;
	_cleanup_free_ char *buf = NULL, *path = NULL;
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
	ad_close(t);
	if ((r = tc_public_marshal(&ek, ekb, sizeof(ekb), &ekl)) < 0 ||
	    (r = tc_public_marshal(&ak, akb, sizeof(akb), &akl)) < 0 || (r = tc_name(&ak.publicArea, &name)) < 0 ||
	    (r = tc_name(&ek.publicArea, &ekname)) < 0)
		return r;
	d = (struct enroll_doc){ ekb, akb, name.name, ekname.name, ekl, akl, name.size, ekname.size,
				 o->ek_ecc ? "ecc" : "rsa", o->ak_rsa ? "rsa" : "ecc" };
	r = mem_json(fill_enroll, &d, &buf, &len);
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
	r = write_out(o->out, buf, len);
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
	kv_hex(j, "ak_name", d->name, d->namel);
	kv_hex(j, "secret", d->secret, d->secretl);
	json_obj_end(j);
}

static int cmd_activate(struct opts *o)
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
	ch = load_json(o->challenge, "challenge");
	if (!ch)
		return -EINVAL;
	if (json_hex(ch, "credential_blob", blob.credential, sizeof(blob.credential), &n) < 0) {
		log_error("challenge %s: credential_blob missing or not hex", o->challenge);
		return -EINVAL;
	}
	blob.size = (uint16_t)n;
	if (json_hex(ch, "encrypted_secret", secret.secret, sizeof(secret.secret), &n) < 0) {
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
	r = mem_json(fill_activation, &d, &buf, &len);
	explicit_bzero(cred, sizeof(cred));
	if (r == 0)
		r = write_out(o->out, buf, len);
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

static int cmd_quote(struct opts *o)
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
		r = write_out(o->out, buf, len);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write the evidence");
	return 0;
}

/* ---- verifier side ------------------------------------------------------- */

struct challenge_doc {
	const uint8_t *name, *blob, *secret;
	size_t namel, blobl, secretl;
};

static void fill_challenge(struct json *j, void *arg)
{
	struct challenge_doc *d = arg;

	json_obj_begin(j);
	json_kv_str(j, "format", "rempart-attest-challenge-v1");
	kv_hex(j, "ak_name", d->name, d->namel);
	kv_hex(j, "credential_blob", d->blob, d->blobl);
	kv_hex(j, "encrypted_secret", d->secret, d->secretl);
	json_obj_end(j);
}

struct pending_doc {
	const uint8_t *ak, *ek, *hash;
	size_t akl, ekl;
};

static void fill_pending(struct json *j, void *arg)
{
	struct pending_doc *d = arg;

	json_obj_begin(j);
	json_kv_str(j, "format", "rempart-attest-ak-v1");
	kv_hex(j, "ak_public", d->ak, d->akl);
	kv_hex(j, "ek_public", d->ek, d->ekl);
	if (d->hash)
		kv_hex(j, "secret_sha256", d->hash, 32);
	json_kv_u64(j, "time", (uint64_t)time(NULL));
	json_obj_end(j);
}

/* The EK must be one the operator vouches for (from the TPM maker's EK
 * certificate, a procurement list, or a first enrolment on a trusted
 * network): a software "EK" would let anyone register a software "AK". */
static int ek_allowed(const char *path, const TPM2B_PUBLIC *ek)
{
	_cleanup_free_ uint8_t *buf = NULL;
	TPM2B_NAME name;
	char hexname[2 * sizeof(name.name) + 1], *save = NULL;
	size_t len;
	int r;

	if ((r = tc_name(&ek->publicArea, &name)) < 0)
		return r;
	hex_encode(name.name, name.size, hexname);
	if ((r = read_file(path, 16u << 20, &buf, &len)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the EK allow list %s", path);
	for (char *l = strtok_r((char *)buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t n = strcspn(l, " \t\r#");

		if (n == strlen(hexname) && strncasecmp(l, hexname, n) == 0)
			return 0;
	}
	log_error("the EK %s is not in the allow list %s: not enrolled", hexname, path);
	return -EKEYREJECTED;
}

static int cmd_challenge(struct opts *o)
{
	_cleanup_(jdoc_freep) struct jdoc *req = NULL;
	_cleanup_free_ char *buf = NULL, *pbuf = NULL, *pdir = NULL, *ppath = NULL;
	uint8_t ekb[sizeof(TPM2B_PUBLIC)], akb[sizeof(TPM2B_PUBLIC)], secret[32], hash[32];
	size_t ekl = 0, akl = 0, len = 0, plen = 0;
	TPM2B_PUBLIC ek, ak;
	TPM2B_NAME name;
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET enc;
	const char *why = NULL;
	char name_hex[2 * 34 + 1];
	struct challenge_doc d;
	struct pending_doc p;
	int r;

	if (!o->request || !o->registry) {
		log_error("challenge: --request FILE and --ak-registry DIR are required");
		return -EINVAL;
	}
	req = load_json(o->request, "enrolment request");
	if (!req)
		return -EINVAL;
	if (json_hex(req, "ek_public", ekb, sizeof(ekb), &ekl) < 0 || tc_public_unmarshal(ekb, ekl, &ek) < 0 ||
	    json_hex(req, "ak_public", akb, sizeof(akb), &akl) < 0 || tc_public_unmarshal(akb, akl, &ak) < 0) {
		log_error("enrolment request %s: ek_public/ak_public missing or not TPM2B_PUBLIC", o->request);
		return -EINVAL;
	}
	if (!tc_ak_acceptable(&ak.publicArea, &why)) {
		log_error("enrolment request %s: the attestation key is refused: %s", o->request, why);
		return -EINVAL;
	}
	if ((r = tc_name(&ak.publicArea, &name)) < 0)
		return r;
	hex_encode(name.name, name.size, name_hex);
	if (o->ekallow && (r = ek_allowed(o->ekallow, &ek)) < 0)
		return r;
	if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret))
		return -EIO;
	r = tc_make_credential(&ek.publicArea, secret, sizeof(secret), &name, &blob, &enc);
	if (r < 0) {
		explicit_bzero(secret, sizeof(secret));
		return log_errno(LOG_LVL_ERROR, r, "MakeCredential for the EK of %s failed", o->request);
	}
	EVP_Digest(secret, sizeof(secret), hash, NULL, EVP_sha256(), NULL);
	explicit_bzero(secret, sizeof(secret));
	p = (struct pending_doc){ akb, ekb, hash, akl, ekl };
	if (asprintf(&pdir, "%s/pending", o->registry) < 0)
		return -ENOMEM;
	if ((r = mkdir_p(pdir, 0700)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot create %s", pdir);
	if ((r = av_registry_path(pdir, name_hex, ".json", &ppath)) < 0 ||
	    (r = mem_json(fill_pending, &p, &pbuf, &plen)) < 0)
		return r;
	if ((r = write_file_atomic(ppath, pbuf, plen, 0600)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", ppath);
	d = (struct challenge_doc){ name.name, blob.credential, enc.secret, name.size, blob.size, enc.size };
	if ((r = mem_json(fill_challenge, &d, &buf, &len)) < 0)
		return r;
	return write_out(o->out, buf, len);
}

static int cmd_register(struct opts *o)
{
	_cleanup_(jdoc_freep) struct jdoc *resp = NULL, *pend = NULL;
	_cleanup_free_ char *ppath = NULL, *rpath = NULL, *buf = NULL, *pdir = NULL;
	uint8_t name[34], secret[64], hash[32], want[32], akb[sizeof(TPM2B_PUBLIC)], ekb[sizeof(TPM2B_PUBLIC)];
	size_t namel = 0, sl = 0, wl = 0, akl = 0, ekl = 0, len = 0;
	char name_hex[2 * 34 + 1];
	struct pending_doc p;
	int r;

	if (!o->response || !o->registry) {
		log_error("register: --response FILE and --ak-registry DIR are required");
		return -EINVAL;
	}
	resp = load_json(o->response, "activation response");
	if (!resp)
		return -EINVAL;
	if (json_hex(resp, "ak_name", name, sizeof(name), &namel) < 0 ||
	    json_hex(resp, "secret", secret, sizeof(secret), &sl) < 0) {
		log_error("activation response %s: ak_name/secret missing or not hex", o->response);
		return -EINVAL;
	}
	hex_encode(name, namel, name_hex);
	if (asprintf(&pdir, "%s/pending", o->registry) < 0 || av_registry_path(pdir, name_hex, ".json", &ppath) < 0 ||
	    av_registry_path(o->registry, name_hex, ".json", &rpath) < 0)
		return -ENOMEM;
	if (access(ppath, F_OK) < 0) {
		log_error("no pending challenge for attestation key %s in %s (run challenge first)", name_hex, pdir);
		return -ENOENT;
	}
	pend = load_json(ppath, "pending enrolment");
	if (!pend || json_hex(pend, "secret_sha256", want, sizeof(want), &wl) < 0 || wl != 32 ||
	    json_hex(pend, "ak_public", akb, sizeof(akb), &akl) < 0 ||
	    json_hex(pend, "ek_public", ekb, sizeof(ekb), &ekl) < 0) {
		log_error("pending enrolment %s is malformed", ppath);
		return -EINVAL;
	}
	EVP_Digest(secret, sl, hash, NULL, EVP_sha256(), NULL);
	explicit_bzero(secret, sizeof(secret));
	if (CRYPTO_memcmp(hash, want, 32) != 0) {
		log_error("activation response for %s: the secret is not the challenge's (the AK is not in the TPM "
			  "holding that EK): not registered",
			  name_hex);
		return -EKEYREJECTED;
	}
	p = (struct pending_doc){ akb, ekb, NULL, akl, ekl };
	if ((r = mem_json(fill_pending, &p, &buf, &len)) < 0)
		return r;
	if ((r = write_file_atomic(rpath, buf, len, 0644)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", rpath);
	(void)unlink(ppath);
	printf("registered attestation key %s\n", name_hex);
	return 0;
}

static int check_reference_signature(const char *file, const char *keypath)
{
	_cleanup_free_ uint8_t *msg = NULL, *sig = NULL;
	_cleanup_free_ char *sigpath = NULL;
	struct ms_pubkey pk;
	struct ms_signature s;
	size_t ml, sl;
	int r;

	if (asprintf(&sigpath, "%s.minisig", file) < 0)
		return -ENOMEM;
	if ((r = ms_pubkey_load(keypath, &pk)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot load the release public key %s", keypath);
	if ((r = read_file(file, 16u << 20, &msg, &ml)) < 0 || (r = read_file(sigpath, 1u << 16, &sig, &sl)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s and its signature %s", file, sigpath);
	if ((r = ms_signature_parse((const char *)sig, sl, &s)) < 0 || (r = ms_verify(&pk, &s, msg, ml)) < 0) {
		log_error("reference %s: the signature %s does not verify with %s (%s): refusing these reference "
			  "values",
			  file, sigpath, keypath, strerror(-r));
		return -EKEYREJECTED;
	}
	return 0;
}

static int cmd_verify(struct opts *o)
{
	_cleanup_free_ struct av_reference *refs = calloc(AV_MAX_REFS, sizeof(*refs));
	_cleanup_free_ struct av_result *res = calloc(1, sizeof(*res));
	_cleanup_free_ uint8_t *evb = NULL;
	struct av_input in = { 0 };
	size_t evl;
	int r;

	if (!refs || !res)
		return -ENOMEM;
	if (!o->evidence || !o->nonce_set || !o->registry || !o->nrefs) {
		log_error("verify: --evidence, --nonce, --ak-registry and --reference are required");
		return -EINVAL;
	}
	if (!o->refkey && !o->unsigned_ok) {
		log_error("verify: --reference-key PUB (the release signing key) is required to trust reference "
			  "values (or --allow-unsigned-reference)");
		return -EINVAL;
	}
	for (size_t i = 0; i < o->nrefs; i++) {
		_cleanup_free_ uint8_t *rb = NULL;
		char err[256];
		size_t rl;

		if (o->refkey && (r = check_reference_signature(o->refs[i], o->refkey)) < 0)
			return r == -EKEYREJECTED ? -EINVAL : r;
		if ((r = read_file(o->refs[i], 16u << 20, &rb, &rl)) < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot read %s", o->refs[i]);
		if (av_reference_parse(rb, rl, &refs[i], err, sizeof(err)) < 0) {
			log_error("reference %s: %s", o->refs[i], err);
			return -EINVAL;
		}
	}
	if ((r = read_file(o->evidence, EV_MAX_SIZE, &evb, &evl)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", o->evidence);
	in = (struct av_input){ .evidence = evb, .evidence_len = evl, .nonce = o->nonce, .nonce_len = o->nonce_len,
				.registry = o->registry, .refs = refs, .n_refs = o->nrefs,
				.has_min_svn = o->has_minsvn, .min_svn = o->minsvn, .required_pcrs = o->pcrs,
				.require_check = o->require_check };
	r = av_verify(&in, res);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "verification failed");
	if (o->json) {
		struct json j;

		json_init(&j, stdout, true);
		json_obj_begin(&j);
		json_kv_str(&j, "result", av_verdict_str(res->verdict));
		json_kv_str(&j, "ak_name", res->ak_name);
		if (res->release) {
			json_kv_str(&j, "release", res->release->version);
			json_kv_u64(&j, "security_version", res->release->security_version);
		} else {
			json_key(&j, "release");
			json_null(&j);
		}
		json_kv_str(&j, "claimed_version", res->claimed_version);
		json_kv_bool(&j, "reference_signed", o->refkey != NULL);
		json_kv_u64(&j, "events", res->n_events);
		json_key(&j, "device_check_exit_status");
		if (res->has_check)
			json_i64(&j, res->check_status);
		else
			json_null(&j);
		json_key(&j, "reasons");
		json_arr_begin(&j);
		for (size_t i = 0; i < res->n; i++) {
			json_obj_begin(&j);
			json_kv_str(&j, "code", res->f[i].code);
			json_kv_str(&j, "message", res->f[i].msg);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		if (json_end(&j) < 0)
			return -EIO;
	} else {
		printf("%s", av_verdict_str(res->verdict));
		if (res->release)
			printf(" (release %s, security version %llu)", res->release->version,
			       (unsigned long long)res->release->security_version);
		printf("\n");
		for (size_t i = 0; i < res->n; i++)
			printf("  %s: %s\n", res->f[i].code, res->f[i].msg);
		if (res->verdict != AV_REJECTED && res->has_check && res->check_status != 0 && !o->require_check)
			printf("note: rempart-check on the device exited %d (its report is not TPM-bound; "
			       "--require-check makes it a finding)\n",
			       res->check_status);
	}
	return res->verdict == AV_TRUSTED ? 0 : res->verdict == AV_UNTRUSTED ? 1 : 4;
}

/* ---- inspection ---------------------------------------------------------- */

static int cmd_eventlog(struct opts *o, const char *path)
{
	_cleanup_free_ uint8_t *buf = NULL;
	struct el_log log;
	uint8_t pcrs[EL_NPCR][32];
	uint32_t seen = 0;
	char err[EL_ERR_MAX], h[129];
	size_t len;
	struct json j;
	int r;

	r = read_file(path, EL_MAX_LOG, &buf, &len);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", path);
	r = el_parse(buf, len, &log, err);
	if (r < 0) {
		log_error("%s: %s", path, err);
		return -EINVAL;
	}
	r = el_replay(&log, EL_ALG_SHA256, pcrs, &seen);
	if (o->json) {
		json_init(&j, stdout, true);
		json_obj_begin(&j);
		json_key(&j, "events");
		json_arr_begin(&j);
	}
	for (size_t i = 1; i < log.n; i++) {
		const struct el_event *e = &log.ev[i];
		const struct el_digest *d = el_event_digest(e, EL_ALG_SHA256);
		struct el_uefi_var v;
		int chk = el_event_check(e);
		bool var = el_uefi_var_parse(e->data, e->data_len, &v) == 0;

		if (d)
			hex_encode(d->d, 32, h);
		else
			strcpy(h, "-");
		if (o->json) {
			json_obj_begin(&j);
			json_kv_u64(&j, "seq", i);
			json_kv_u64(&j, "pcr", e->pcr);
			json_kv_str(&j, "type", el_type_name(e->type));
			json_kv_str(&j, "sha256", h);
			json_kv_u64(&j, "size", e->data_len);
			if (var)
				json_kv_str(&j, "variable", v.name);
			json_kv_str(&j, "digest_check", chk == 0 ? "ok" : chk < 0 ? "mismatch" : "n/a");
			json_obj_end(&j);
		} else {
			printf("%4zu PCR%-2u %-34s %s %6u%s%s%s\n", i, e->pcr, el_type_name(e->type), h, e->data_len,
			       var ? " " : "", var ? v.name : "", chk < 0 ? " DIGEST-MISMATCH" : "");
		}
	}
	if (o->json) {
		json_arr_end(&j);
		json_key(&j, "replay_sha256");
		json_obj_begin(&j);
	}
	for (unsigned p = 0; r == 0 && p < EL_NPCR; p++)
		if (seen & (1u << p)) {
			char k[8];

			hex_encode(pcrs[p], 32, h);
			snprintf(k, sizeof(k), "%u", p);
			if (o->json)
				json_kv_str(&j, k, h);
			else
				printf("PCR %2u %s\n", p, h);
		}
	if (o->json) {
		json_obj_end(&j);
		json_obj_end(&j);
		r = json_end(&j);
	}
	el_free(&log);
	return r < 0 ? r : 0;
}

static int cmd_authenticode(int argc, char **argv)
{
	int ret = 0;

	for (int i = 0; i < argc; i++) {
		uint8_t d[32];
		char h[65];
		int r = authenticode_sha256_file(argv[i], d);

		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "%s: not a PE image or unreadable", argv[i]);
			ret = r;
			continue;
		}
		hex_encode(d, 32, h);
		printf("%s  %s\n", h, argv[i]);
	}
	return ret;
}

static int exit_for(int r)
{
	switch (r) {
	case 0:
		return EXIT_OK;
	case -EINVAL: case -EBADMSG: case -ENOENT: case -EKEYREJECTED: case -ERANGE:
		return EXIT_USAGE;
	default:
		return EXIT_SYSTEM;
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "tcti", required_argument, NULL, O_TCTI },
		{ "ek", required_argument, NULL, O_EK },
		{ "ak", required_argument, NULL, O_AK },
		{ "challenge", required_argument, NULL, O_CHALLENGE },
		{ "nonce", required_argument, NULL, O_NONCE },
		{ "pcrs", required_argument, NULL, O_PCRS },
		{ "event-log", required_argument, NULL, O_LOG },
		{ "os-release", required_argument, NULL, O_OSREL },
		{ "check-command", required_argument, NULL, O_CHECKCMD },
		{ "check-json", required_argument, NULL, O_CHECKJSON },
		{ "no-check", no_argument, NULL, O_NOCHECK },
		{ "request", required_argument, NULL, O_REQUEST },
		{ "response", required_argument, NULL, O_RESPONSE },
		{ "ak-registry", required_argument, NULL, O_REGISTRY },
		{ "evidence", required_argument, NULL, O_EVIDENCE },
		{ "reference", required_argument, NULL, O_REFERENCE },
		{ "reference-key", required_argument, NULL, O_REFKEY },
		{ "allow-unsigned-reference", no_argument, NULL, O_UNSIGNED },
		{ "min-security-version", required_argument, NULL, O_MINSVN },
		{ "json", no_argument, NULL, O_JSON },
		{ "ek-allow", required_argument, NULL, O_EKALLOW },
		{ "require-check", no_argument, NULL, O_REQCHECK },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ 0 },
	};
	struct opts o = { .state = DEFAULT_STATE, .pcrs = DEFAULT_PCRS };
	const char *cmd;
	int c, r;

	log_set_program("rempart-attest");
	log_level_from_env();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("rempart-attest %s\n", REMPART_VERSION);
		return EXIT_OK;
	}
	cmd = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "o:vh", lo, NULL)) != -1) {
		switch (c) {
		case O_STATE: o.state = optarg; break;
		case O_TCTI: o.tcti = optarg; break;
		case O_EK:
			if (strcmp(optarg, "rsa") != 0 && strcmp(optarg, "ecc") != 0) {
				log_error("--ek: rsa or ecc");
				return EXIT_USAGE;
			}
			o.ek_ecc = strcmp(optarg, "ecc") == 0;
			break;
		case O_AK:
			if (strcmp(optarg, "rsa") != 0 && strcmp(optarg, "ecc") != 0) {
				log_error("--ak: ecc or rsa");
				return EXIT_USAGE;
			}
			o.ak_rsa = strcmp(optarg, "rsa") == 0;
			break;
		case O_CHALLENGE: o.challenge = optarg; break;
		case O_NONCE:
			if (hex_decode(optarg, o.nonce, sizeof(o.nonce), &o.nonce_len) < 0 || o.nonce_len < 16) {
				log_error("--nonce: 16 to 64 bytes in hex");
				return EXIT_USAGE;
			}
			o.nonce_set = true;
			break;
		case O_PCRS:
			if (parse_pcrs(optarg, &o.pcrs) < 0) {
				log_error("--pcrs: a list like 0-7,11 of PCRs 0..23");
				return EXIT_USAGE;
			}
			break;
		case O_LOG: o.log = optarg; break;
		case O_OSREL: o.osrel = optarg; break;
		case O_CHECKCMD: o.checkcmd = optarg; break;
		case O_CHECKJSON: o.checkjson = optarg; break;
		case O_NOCHECK: o.nocheck = true; break;
		case O_REQUEST: o.request = optarg; break;
		case O_RESPONSE: o.response = optarg; break;
		case O_REGISTRY: o.registry = optarg; break;
		case O_EVIDENCE: o.evidence = optarg; break;
		case O_REFERENCE:
			if (o.nrefs == AV_MAX_REFS) {
				log_error("--reference: at most %d", AV_MAX_REFS);
				return EXIT_USAGE;
			}
			o.refs[o.nrefs++] = optarg;
			break;
		case O_REFKEY: o.refkey = optarg; break;
		case O_UNSIGNED: o.unsigned_ok = true; break;
		case O_MINSVN:
			if (parse_u64(optarg, &o.minsvn) < 0) {
				log_error("--min-security-version: a decimal integer");
				return EXIT_USAGE;
			}
			o.has_minsvn = true;
			break;
		case O_JSON: o.json = true; break;
		case O_EKALLOW: o.ekallow = optarg; break;
		case O_REQCHECK: o.require_check = true; break;
		case 'o': o.out = optarg; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return EXIT_OK;
		case O_VERSION: printf("rempart-attest %s\n", REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (strcmp(cmd, "enroll-request") == 0) {
		r = cmd_enroll_request(&o);
	} else if (strcmp(cmd, "activate") == 0) {
		r = cmd_activate(&o);
	} else if (strcmp(cmd, "quote") == 0) {
		r = cmd_quote(&o);
	} else if (strcmp(cmd, "challenge") == 0) {
		r = cmd_challenge(&o);
	} else if (strcmp(cmd, "register") == 0) {
		r = cmd_register(&o);
	} else if (strcmp(cmd, "verify") == 0) {
		r = cmd_verify(&o);
		if (r >= 0)
			return r;
	} else if (strcmp(cmd, "eventlog") == 0) {
		r = cmd_eventlog(&o, optind < argc ? argv[optind] : DEFAULT_LOG);
	} else if (strcmp(cmd, "authenticode") == 0) {
		if (optind >= argc) {
			log_error("authenticode: FILE... required");
			return EXIT_USAGE;
		}
		r = cmd_authenticode(argc - optind, argv + optind);
	} else if (strcmp(cmd, "nonce") == 0) {
		uint8_t n[32];
		char h[65];

		if (getrandom(n, sizeof(n), 0) != (ssize_t)sizeof(n))
			return EXIT_SYSTEM;
		hex_encode(n, sizeof(n), h);
		printf("%s\n", h);
		r = 0;
	} else {
		log_error("unknown command \"%s\" (see --help)", cmd);
		return EXIT_USAGE;
	}
	return exit_for(r);
}
