/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Verifier side: challenge (MakeCredential in software), register, verify. */
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

struct challenge_doc {
	const uint8_t *name, *blob, *secret;
	size_t namel, blobl, secretl;
};

static void fill_challenge(struct json *j, void *arg)
{
	struct challenge_doc *d = arg;

	json_obj_begin(j);
	json_kv_str(j, "format", "rempart-attest-challenge-v1");
	cli_kv_hex(j, "ak_name", d->name, d->namel);
	cli_kv_hex(j, "credential_blob", d->blob, d->blobl);
	cli_kv_hex(j, "encrypted_secret", d->secret, d->secretl);
	json_obj_end(j);
}

struct pending_doc {
	const uint8_t *ak, *ek, *hash;
	size_t akl, ekl;
	const char *ekcert_hex, *vouched; /* may be NULL */
};

static void fill_pending(struct json *j, void *arg)
{
	struct pending_doc *d = arg;

	json_obj_begin(j);
	json_kv_str(j, "format", "rempart-attest-ak-v1");
	cli_kv_hex(j, "ak_public", d->ak, d->akl);
	cli_kv_hex(j, "ek_public", d->ek, d->ekl);
	if (d->vouched)
		json_kv_str(j, "ek_vouched_by", d->vouched);
	if (d->ekcert_hex)
		json_kv_str(j, "ek_certificate", d->ekcert_hex);
	if (d->hash)
		cli_kv_hex(j, "secret_sha256", d->hash, 32);
	json_kv_u64(j, "time", (uint64_t)time(NULL));
	json_obj_end(j);
}

/* 1 if the EK's name is listed in the allow list at path, 0 if not. */
static int ek_listed(const char *path, const TPM2B_PUBLIC *ek, char *hexname)
{
	_cleanup_free_ uint8_t *buf = NULL;
	TPM2B_NAME name;
	char *save = NULL;
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
			return 1;
	}
	return 0;
}

/* The EK must be genuine, or anyone could register a software "AK" behind
 * a software "EK": its certificate chains to the TPM manufacturer CAs
 * (--ek-ca) and certifies it, or the operator pinned it (--ek-allow: a
 * procurement list, or TPMs without a certificate). A certificate that is
 * present and fails is always refused. vouched receives how. */
static int ek_vouch(const struct opts *o, struct jdoc *req, const TPM2B_PUBLIC *ek, char *vouched, size_t vsize)
{
	_cleanup_(ekc_store_freep) struct ekc_store *store = NULL;
	_cleanup_free_ uint8_t *der = NULL;
	const char *certhex = jdoc_str(req, "ek_certificate");
	char hexname[2 * sizeof(((TPM2B_NAME *)0)->name) + 1], msg[768];
	size_t derlen = 0;
	int listed = 0, r;

	if (o->ekallow && (listed = ek_listed(o->ekallow, ek, hexname)) < 0)
		return listed;
	if (!o->nekca) {
		if (!listed) {
			log_error("the EK %s is not in the allow list %s: not enrolled", hexname, o->ekallow);
			return -EKEYREJECTED;
		}
		snprintf(vouched, vsize, "allow-list %s", o->ekallow);
		return 0;
	}
	if (!certhex) {
		if (listed) {
			snprintf(vouched, vsize, "allow-list %s (no EK certificate)", o->ekallow);
			return 0;
		}
		log_error("enrolment request %s: no EK certificate (the device found none in its TPM's NV): the EK "
			  "cannot be checked against the TPM manufacturer CAs (--ek-ca); not enrolled. A TPM without "
			  "an EK certificate can only be pinned by its EK name (--ek-allow)",
			  o->request);
		return -EKEYREJECTED;
	}
	der = malloc(EKC_MAX_DER);
	if (!der)
		return -ENOMEM;
	if (hex_decode(certhex, der, EKC_MAX_DER, &derlen) < 0) {
		log_error("enrolment request %s: ek_certificate is not hex of at most %d bytes", o->request,
			  EKC_MAX_DER);
		return -EINVAL;
	}
	if ((r = ekc_store_new(&store)) < 0)
		return r;
	for (size_t i = 0; i < o->nekca; i++)
		if ((r = ekc_store_add(store, o->ekca[i], msg, sizeof(msg))) < 0) {
			log_error("--ek-ca: %s", msg);
			return -EINVAL;
		}
	r = ekc_check(store, der, derlen, &ek->publicArea, msg, sizeof(msg));
	if (r < 0) {
		log_error("enrolment request %s: EK refused: %s; not enrolled (is the CA of this TPM's manufacturer "
			  "in --ek-ca? is the request from this TPM?)",
			  o->request, msg);
		return r == -ENOMEM ? r : -EKEYREJECTED;
	}
	snprintf(vouched, vsize, "certificate: %s", msg);
	return 0;
}

int cmd_challenge(struct opts *o)
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
	char name_hex[2 * 34 + 1], vouched[1024];
	struct challenge_doc d;
	struct pending_doc p;
	int r;

	if (!o->request || !o->registry) {
		log_error("challenge: --request FILE and --ak-registry DIR are required");
		return -EINVAL;
	}
	req = cli_load_json(o->request, "enrolment request");
	if (!req)
		return -EINVAL;
	if (jdoc_hex(req, "ek_public", ekb, sizeof(ekb), &ekl) < 0 || tc_public_unmarshal(ekb, ekl, &ek) < 0 ||
	    jdoc_hex(req, "ak_public", akb, sizeof(akb), &akl) < 0 || tc_public_unmarshal(akb, akl, &ak) < 0) {
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
	if (!o->nekca && !o->ekallow) {
		log_error("challenge: the EK must be vouched for: --ek-ca PATH (the TPM manufacturer CAs its EK "
			  "certificate must chain to) or --ek-allow FILE (pinned EK names)");
		return -EINVAL;
	}
	if ((r = ek_vouch(o, req, &ek, vouched, sizeof(vouched))) < 0)
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
	p = (struct pending_doc){ .ak = akb, .ek = ekb, .hash = hash, .akl = akl, .ekl = ekl,
				  .ekcert_hex = jdoc_str(req, "ek_certificate"), .vouched = vouched };
	if (asprintf(&pdir, "%s/pending", o->registry) < 0)
		return -ENOMEM;
	if ((r = mkdir_p(pdir, 0700)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot create %s", pdir);
	if ((r = av_registry_path(pdir, name_hex, ".json", &ppath)) < 0 ||
	    (r = cli_mem_json(fill_pending, &p, &pbuf, &plen)) < 0)
		return r;
	if ((r = write_file_atomic(ppath, pbuf, plen, 0600)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", ppath);
	d = (struct challenge_doc){ name.name, blob.credential, enc.secret, name.size, blob.size, enc.size };
	if ((r = cli_mem_json(fill_challenge, &d, &buf, &len)) < 0)
		return r;
	return cli_write_out(o->out, buf, len);
}

int cmd_register(struct opts *o)
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
	resp = cli_load_json(o->response, "activation response");
	if (!resp)
		return -EINVAL;
	if (jdoc_hex(resp, "ak_name", name, sizeof(name), &namel) < 0 ||
	    jdoc_hex(resp, "secret", secret, sizeof(secret), &sl) < 0) {
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
	pend = cli_load_json(ppath, "pending enrolment");
	if (!pend || jdoc_hex(pend, "secret_sha256", want, sizeof(want), &wl) < 0 || wl != 32 ||
	    jdoc_hex(pend, "ak_public", akb, sizeof(akb), &akl) < 0 ||
	    jdoc_hex(pend, "ek_public", ekb, sizeof(ekb), &ekl) < 0) {
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
	p = (struct pending_doc){ .ak = akb, .ek = ekb, .akl = akl, .ekl = ekl,
				  .ekcert_hex = jdoc_str(pend, "ek_certificate"), .vouched = jdoc_str(pend, "ek_vouched_by") };
	if ((r = cli_mem_json(fill_pending, &p, &buf, &len)) < 0)
		return r;
	if ((r = write_file_atomic(rpath, buf, len, 0644)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", rpath);
	(void)unlink(ppath);
	printf("registered attestation key %s (EK vouched for by %s)\n", name_hex,
	       jdoc_str(pend, "ek_vouched_by") ? jdoc_str(pend, "ek_vouched_by") : "nothing recorded");
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

int cmd_verify(struct opts *o)
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
