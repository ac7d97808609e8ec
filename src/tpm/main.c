/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-tpm: TPM sealing, release approvals (PCR 11 signatures), the NV
 * security-version counter, provisioning and recovery escrow. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cleanup.h"
#include "config.h"
#include "escrow.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "pcr11.h"
#include "signer.h"
#include "tpm.h"

enum {
	EXIT_OK = 0,
	EXIT_DENIED = 1, /* policy not satisfied / verification failed */
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
};

static void usage(FILE *f)
{
	fputs("Usage: rempart-tpm [--tcti CONF] [--json] COMMAND [OPTIONS]\n"
	      "\n"
	      "TPM (device /dev/tpmrm0 unless --tcti, e.g. --tcti swtpm:path=/tmp/swtpm.sock):\n"
	      "  pcrread [PCR...]                       sha256 values (default: 7 11)\n"
	      "  extend PCR (--digest HEX | --data STRING)  extend a sha256 PCR (--data: its SHA-256)\n"
	      "  srk-ensure [--owner-auth F]            persist the storage root key at 0x81000001\n"
	      "  seal --key POLICY.pem --in SECRET --out SEALED [--pcr7 HEX]\n"
	      "  unseal --sealed SEALED --approval APPROVAL --out FILE|-\n"
	      "  explain --sealed SEALED --approval APPROVAL    which PCR / counter differs\n"
	      "  nv-define --key POLICY.pem [--index H] [--owner-auth F]\n"
	      "  nv-read [--index H]\n"
	      "  nv-increment-to VALUE [--index H] (--approval APPROVAL | --owner-auth F)\n"
	      "  provision --new-owner-auth F --new-lockout-auth F [--owner-auth F] [--lockout-auth F]\n"
	      "  da-status                              dictionary-attack protection state\n"
	      "Build host (no TPM):\n"
	      "  keygen-policy --private F --public F   TPM policy key pair (ECDSA P-256, PEM)\n"
	      "  pcr11 --linux F [--osrel F] [--cmdline F] [--initrd F] [--splash F] [--dtb F]\n"
	      "        [--pcrpkey F] [--phase NAME]...  PCR 11 after systemd 252's stub\n"
	      "  sign-pcr11 --key POLICY.pem --pcr11 HEX --out APPROVAL [--svn N] [--index H]\n"
	      "  verify-approval --approval APPROVAL [--key POLICY.pem]\n"
	      "  policy-digest sealed --key POLICY.pem --pcr7 HEX\n"
	      "  policy-digest release --pcr11 HEX [--key POLICY.pem --svn N] [--index H]\n"
	      "  policy-digest nv --key POLICY.pem      authPolicy of the NV counter\n"
	      "  key-name --key POLICY.pem              TPM name of the policy key\n"
	      "Escrow (libsodium):\n"
	      "  escrow-keygen --secret F --public F\n"
	      "  escrow-seal --key PUBLIC --out ESCROW.bin [--secret-out F]   new recovery secret\n"
	      "  escrow-open --key SECRET ESCROW.bin    prints the recovery passphrase\n"
	      "\n"
	      "SEALED and APPROVAL files hold one base64 line. Auth files hold raw bytes (<= 32).\n"
	      "\n"
	      "Exit status: 0 success; 1 denied (policy not satisfied: the differing PCRs are\n"
	      "named; bad signature; escrow blob for another key or tampered); 2 invalid usage\n"
	      "or input; 3 system or TPM error.\n",
	      f);
}

struct opts {
	const char *tcti, *key, *in, *out, *sealed, *approval, *owner_auth, *lockout_auth;
	const char *new_owner, *new_lockout, *secret, *public_, *private_, *secret_out;
	const char *pcr7_hex, *pcr11_hex, *digest_hex, *data;
	const char *sections[UKI_SECTION_MAX];
	const char *phases[8];
	int nphases;
	uint32_t index;
	bool has_svn, json;
	uint64_t svn;
};

static int exit_for(int r)
{
	switch (r) {
	case -EACCES: case -EBADMSG: case -ENOKEY: case -EKEYREJECTED: case -EPERM: case -EMEDIUMTYPE:
		return EXIT_DENIED;
	case -EINVAL: case -ERANGE: case -ENOENT: case -EPROTONOSUPPORT: case -E2BIG:
		return EXIT_USAGE;
	default:
		return EXIT_SYSTEM;
	}
}

static int parse_opts(int argc, char **argv, struct opts *o, bool global)
{
	enum { O_TCTI = 256, O_KEY, O_IN, O_OUT, O_SEALED, O_APPROVAL, O_OWNER, O_LOCKOUT, O_NEWOWNER,
	       O_NEWLOCKOUT, O_SECRET, O_PUBLIC, O_PRIVATE, O_SECRETOUT, O_PCR7, O_PCR11, O_DIGEST, O_DATA,
	       O_INDEX, O_SVN, O_JSON, O_PHASE, O_VERSION, O_SECTION };
	static const struct option lo[] = {
		{ "tcti", required_argument, NULL, O_TCTI },
		{ "key", required_argument, NULL, O_KEY },
		{ "in", required_argument, NULL, O_IN },
		{ "out", required_argument, NULL, O_OUT },
		{ "sealed", required_argument, NULL, O_SEALED },
		{ "approval", required_argument, NULL, O_APPROVAL },
		{ "owner-auth", required_argument, NULL, O_OWNER },
		{ "lockout-auth", required_argument, NULL, O_LOCKOUT },
		{ "new-owner-auth", required_argument, NULL, O_NEWOWNER },
		{ "new-lockout-auth", required_argument, NULL, O_NEWLOCKOUT },
		{ "secret", required_argument, NULL, O_SECRET },
		{ "public", required_argument, NULL, O_PUBLIC },
		{ "private", required_argument, NULL, O_PRIVATE },
		{ "secret-out", required_argument, NULL, O_SECRETOUT },
		{ "pcr7", required_argument, NULL, O_PCR7 },
		{ "pcr11", required_argument, NULL, O_PCR11 },
		{ "digest", required_argument, NULL, O_DIGEST },
		{ "data", required_argument, NULL, O_DATA },
		{ "index", required_argument, NULL, O_INDEX },
		{ "svn", required_argument, NULL, O_SVN },
		{ "json", no_argument, NULL, O_JSON },
		{ "phase", required_argument, NULL, O_PHASE },
		{ "linux", required_argument, NULL, O_SECTION + UKI_LINUX },
		{ "osrel", required_argument, NULL, O_SECTION + UKI_OSREL },
		{ "cmdline", required_argument, NULL, O_SECTION + UKI_CMDLINE },
		{ "initrd", required_argument, NULL, O_SECTION + UKI_INITRD },
		{ "splash", required_argument, NULL, O_SECTION + UKI_SPLASH },
		{ "dtb", required_argument, NULL, O_SECTION + UKI_DTB },
		{ "pcrpkey", required_argument, NULL, O_SECTION + UKI_PCRPKEY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (global)
		o->index = TP_NV_INDEX_DEFAULT;
	while ((c = getopt_long(argc, argv, global ? "+vh" : "vh", lo, NULL)) != -1) {
		if (c >= O_SECTION && c < O_SECTION + UKI_SECTION_MAX) {
			o->sections[c - O_SECTION] = optarg;
			continue;
		}
		switch (c) {
		case O_TCTI: o->tcti = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_IN: o->in = optarg; break;
		case O_OUT: o->out = optarg; break;
		case O_SEALED: o->sealed = optarg; break;
		case O_APPROVAL: o->approval = optarg; break;
		case O_OWNER: o->owner_auth = optarg; break;
		case O_LOCKOUT: o->lockout_auth = optarg; break;
		case O_NEWOWNER: o->new_owner = optarg; break;
		case O_NEWLOCKOUT: o->new_lockout = optarg; break;
		case O_SECRET: o->secret = optarg; break;
		case O_PUBLIC: o->public_ = optarg; break;
		case O_PRIVATE: o->private_ = optarg; break;
		case O_SECRETOUT: o->secret_out = optarg; break;
		case O_PCR7: o->pcr7_hex = optarg; break;
		case O_PCR11: o->pcr11_hex = optarg; break;
		case O_DIGEST: o->digest_hex = optarg; break;
		case O_DATA: o->data = optarg; break;
		case O_JSON: o->json = true; break;
		case O_PHASE:
			if (o->nphases == (int)ARRAY_SIZE(o->phases)) {
				log_error("--phase: at most %zu phases", ARRAY_SIZE(o->phases));
				return -EINVAL;
			}
			o->phases[o->nphases++] = optarg;
			break;
		case O_INDEX: {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 16);
			if (errno || *end || end == optarg || (v >> 24) != TPM2_HT_NV_INDEX) {
				log_error("--index '%s': expected an NV index in hex, 0x01000000-0x01ffffff", optarg);
				return -EINVAL;
			}
			o->index = (uint32_t)v;
			break;
		}
		case O_SVN:
			if (parse_u64(optarg, &o->svn) < 0) {
				log_error("--svn '%s': expected a decimal security version", optarg);
				return -EINVAL;
			}
			o->has_svn = true;
			break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case O_VERSION: printf("rempart-tpm %s\n", REMPART_VERSION); exit(EXIT_OK);
		default: usage(stderr); return -EINVAL;
		}
	}
	return 0;
}

/* ---- small helpers ---- */

static int need(const char *v, const char *opt, const char *cmd)
{
	if (v)
		return 0;
	log_error("%s needs %s (see --help)", cmd, opt);
	return -EINVAL;
}

static int parse_digest(const char *hex, const char *what, uint8_t out[32])
{
	size_t n = 0;

	if (hex_decode(hex, out, 32, &n) < 0 || n != 32) {
		log_error("%s '%s': expected 64 hex digits (a sha256 value)", what, hex);
		return -EINVAL;
	}
	return 0;
}

static void print_hex_line(const uint8_t *b, size_t n)
{
	char s[2 * 64 + 1];

	hex_encode(b, n, s);
	puts(s);
}

static int load_sealed(const char *path, struct tpm_sealed *s)
{
	int r = tpm_sealed_load(path, s);

	if (r == -EBADMSG)
		log_error("sealed object %s is malformed (expected one base64 line of a version %d Rempart "
			  "sealed object)", path, TPM_BLOB_VERSION);
	else if (r < 0)
		log_errno(LOG_LVL_ERROR, r, "cannot read sealed object %s", path);
	return r == -EBADMSG ? -EINVAL : r;
}

static int load_approval(const char *path, struct tpm_approval *a)
{
	int r = tpm_approval_load(path, a);

	if (r == -EBADMSG)
		log_error("approval %s is malformed (expected one base64 line of a version %d Rempart release "
			  "approval)", path, TPM_BLOB_VERSION);
	else if (r < 0)
		log_errno(LOG_LVL_ERROR, r, "cannot read approval %s", path);
	return r == -EBADMSG ? -EINVAL : r;
}

static int write_b64_file(const char *path, const char *b64, const char *what)
{
	size_t n = strlen(b64);
	_cleanup_free_ char *line = malloc(n + 2);
	int r;

	if (!line)
		return log_errno(LOG_LVL_ERROR, -ENOMEM, "out of memory");
	memcpy(line, b64, n);
	line[n] = '\n';
	r = write_file_atomic(path, line, n + 1, 0644);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s %s", what, path);
	return 0;
}

static int load_auth(const char *path, struct tpm_auth *a)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(a, 0, sizeof(*a));
	if (!path)
		return 0;
	r = read_file(path, 4096, &buf, &len);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read authorisation file %s", path);
	if (len > TPM_AUTH_MAX) {
		secure_wipe(buf, len);
		free(buf);
		log_error("authorisation file %s holds %zu bytes, at most %d allowed", path, len, TPM_AUTH_MAX);
		return -EINVAL;
	}
	memcpy(a->b, buf, len);
	a->len = len;
	secure_wipe(buf, len);
	free(buf);
	return 0;
}

static int load_policy_pub(const char *path, uint8_t x[32], uint8_t y[32])
{
	int r = signer_load_public(path, x, y);

	if (r == -EPROTONOSUPPORT)
		log_error("policy key %s is not an ECC NIST P-256 key", path);
	else if (r == -EINVAL)
		log_error("policy key %s is not a PEM private or public key", path);
	else if (r < 0)
		log_errno(LOG_LVL_ERROR, r, "cannot read policy key %s", path);
	return r;
}

static int open_tpm(const struct opts *o, struct tpm_ctx **t)
{
	int r = tpm_open(o->tcti, t);

	if (r < 0)
		log_errno(LOG_LVL_ERROR, r, "cannot open the TPM through TCTI '%s' (is the device or swtpm there?)",
			  o->tcti ? o->tcti : "device:/dev/tpmrm0");
	return r;
}

static int tpm_err(struct tpm_ctx *t, int r, const char *what)
{
	log_error("%s: %s%s%s", what, strerror(-r), *tpm_last_error(t) ? "; TPM: " : "", tpm_last_error(t));
	return r;
}

/* ---- TPM commands ---- */

static int cmd_pcrread(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	unsigned pcrs[24], n = 0;
	struct json j;
	int r;

	for (int i = 0; i < argc; i++) {
		uint32_t v;
		if (parse_u32(argv[i], &v) < 0 || v > 23 || n == 24) {
			log_error("PCR '%s': expected 0 to 23", argv[i]);
			return -EINVAL;
		}
		pcrs[n++] = v;
	}
	if (n == 0) {
		pcrs[n++] = 7;
		pcrs[n++] = 11;
	}
	r = open_tpm(o, &t);
	if (r < 0)
		return r;
	if (o->json) {
		json_init(&j, stdout, false);
		json_obj_begin(&j);
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t v[32];
		char hex[65], key[4];
		r = tpm_pcr_read(t, pcrs[i], v);
		if (r < 0)
			return tpm_err(t, r, "cannot read PCR");
		hex_encode(v, 32, hex);
		if (o->json) {
			snprintf(key, sizeof(key), "%u", pcrs[i]);
			json_kv_str(&j, key, hex);
		} else {
			printf("%u:sha256=%s\n", pcrs[i], hex);
		}
	}
	if (o->json) {
		json_obj_end(&j);
		return json_end(&j);
	}
	return 0;
}

static int cmd_extend(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	uint8_t d[32];
	uint32_t pcr;
	int r;

	if (argc != 1 || parse_u32(argv[0], &pcr) < 0 || pcr > 23) {
		log_error("extend needs one PCR number, 0 to 23");
		return -EINVAL;
	}
	if (!!o->digest_hex == !!o->data) {
		log_error("extend needs exactly one of --digest HEX and --data STRING");
		return -EINVAL;
	}
	if (o->digest_hex && parse_digest(o->digest_hex, "--digest", d) < 0)
		return -EINVAL;
	if (o->data && EVP_Digest(o->data, strlen(o->data), d, NULL, EVP_sha256(), NULL) != 1)
		return -EIO;
	r = open_tpm(o, &t);
	if (r < 0)
		return r;
	r = tpm_pcr_extend(t, pcr, d);
	return r < 0 ? tpm_err(t, r, "cannot extend the PCR") : 0;
}

static int cmd_srk(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	struct tpm_auth owner;
	int r;

	r = load_auth(o->owner_auth, &owner);
	if (r >= 0)
		r = open_tpm(o, &t);
	if (r < 0)
		return r;
	r = tpm_srk_ensure(t, &owner);
	secure_wipe(&owner, sizeof(owner));
	if (r == -EMEDIUMTYPE) {
		log_error("persistent handle 0x%08x holds a key that is not a storage root key; evict it first",
			  TP_SRK_HANDLE);
		return r;
	}
	return r < 0 ? tpm_err(t, r, "cannot create or persist the storage root key") : 0;
}

static int cmd_seal(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	_cleanup_free_ uint8_t *secret = NULL;
	_cleanup_free_ char *b64 = NULL;
	struct tpm_sealed s;
	uint8_t x[32], y[32], pcr7[32];
	size_t len = 0;
	int r;

	if (need(o->key, "--key POLICY.pem", "seal") < 0 || need(o->in, "--in SECRET", "seal") < 0 ||
	    need(o->out, "--out SEALED", "seal") < 0)
		return -EINVAL;
	if (o->pcr7_hex && parse_digest(o->pcr7_hex, "--pcr7", pcr7) < 0)
		return -EINVAL;
	r = load_policy_pub(o->key, x, y);
	if (r < 0)
		return r;
	r = read_file(o->in, TPM_SECRET_MAX + 1, &secret, &len);
	if (r < 0 || len == 0 || len > TPM_SECRET_MAX) {
		if (secret)
			secure_wipe(secret, len);
		log_error("secret %s: must be a readable file of 1 to %d bytes", o->in, TPM_SECRET_MAX);
		return -EINVAL;
	}
	r = open_tpm(o, &t);
	if (r >= 0) {
		r = tpm_seal(t, secret, len, o->pcr7_hex ? pcr7 : NULL, x, y, &s);
		if (r < 0)
			tpm_err(t, r, "cannot seal (did srk-ensure run?)");
	}
	secure_wipe(secret, len);
	if (r < 0)
		return r;
	r = tpm_sealed_to_base64(&s, &b64);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot serialise the sealed object");
	return write_b64_file(o->out, b64, "sealed object");
}

static void explain_and_log(struct tpm_ctx *t, const struct tpm_sealed *s, const struct tpm_approval *a,
			    bool json)
{
	struct tpm_explain e;
	char msg[1024];
	int r = tpm_explain(t, s, a, &e);

	if (r < 0) {
		log_error("cannot read the PCRs to explain the failure: %s", strerror(-r));
		return;
	}
	tpm_explain_format(&e, msg, sizeof(msg));
	log_error("%s", msg);
	if (json) {
		struct json j;
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_bool(&j, "unsealed", false);
		json_kv_bool(&j, "pcr7_differs", e.pcr7_differs);
		json_kv_bool(&j, "pcr11_differs", e.pcr11_differs);
		json_kv_bool(&j, "key_differs", e.key_differs);
		json_kv_bool(&j, "srk_differs", e.srk_differs);
		json_kv_bool(&j, "nv_above", e.nv_above);
		json_kv_bool(&j, "nv_missing", e.nv_missing);
		json_kv_str(&j, "message", msg);
		json_obj_end(&j);
		json_end(&j);
	}
}

static int cmd_unseal(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	struct tpm_sealed s;
	struct tpm_approval a;
	enum tpm_unseal_why why;
	uint8_t secret[TPM_SECRET_MAX];
	size_t len = 0;
	int r;

	if (need(o->sealed, "--sealed SEALED", "unseal") < 0 ||
	    need(o->approval, "--approval APPROVAL", "unseal") < 0 || need(o->out, "--out FILE|-", "unseal") < 0)
		return -EINVAL;
	if ((r = load_sealed(o->sealed, &s)) < 0 || (r = load_approval(o->approval, &a)) < 0)
		return r;
	r = open_tpm(o, &t);
	if (r < 0)
		return r;
	r = tpm_unseal(t, &s, &a, secret, &len, &why);
	if (r == -EACCES) {
		log_error("unseal refused by the TPM policy (%s)", tpm_unseal_why_str(why));
		if (*tpm_last_error(t))
			log_debug("TPM: %s", tpm_last_error(t));
		explain_and_log(t, &s, &a, o->json);
		return r;
	}
	if (r < 0)
		return tpm_err(t, r, "cannot unseal");
	if (strcmp(o->out, "-") == 0)
		r = write_full(STDOUT_FILENO, secret, len);
	else
		r = write_file_atomic(o->out, secret, len, 0600);
	secure_wipe(secret, sizeof(secret));
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write the unsealed secret to %s", o->out);
	return 0;
}

static int cmd_explain(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	struct tpm_sealed s;
	struct tpm_approval a;
	struct tpm_explain e;
	char msg[1024];
	int r, n;

	if (need(o->sealed, "--sealed SEALED", "explain") < 0 ||
	    need(o->approval, "--approval APPROVAL", "explain") < 0)
		return -EINVAL;
	if ((r = load_sealed(o->sealed, &s)) < 0 || (r = load_approval(o->approval, &a)) < 0)
		return r;
	r = open_tpm(o, &t);
	if (r < 0)
		return r;
	r = tpm_explain(t, &s, &a, &e);
	if (r < 0)
		return tpm_err(t, r, "cannot read the TPM state");
	n = tpm_explain_format(&e, msg, sizeof(msg));
	if (o->json) {
		struct json j;
		char h[65];
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_bool(&j, "pcr7_differs", e.pcr7_differs);
		json_kv_bool(&j, "pcr11_differs", e.pcr11_differs);
		json_kv_bool(&j, "key_differs", e.key_differs);
		json_kv_bool(&j, "srk_differs", e.srk_differs);
		json_kv_bool(&j, "nv_above", e.nv_above);
		json_kv_bool(&j, "nv_missing", e.nv_missing);
		hex_encode(e.pcr7_now, 32, h);
		json_kv_str(&j, "pcr7", h);
		hex_encode(e.pcr11_now, 32, h);
		json_kv_str(&j, "pcr11", h);
		json_kv_str(&j, "message", msg);
		json_obj_end(&j);
		json_end(&j);
	} else {
		puts(msg);
	}
	return n ? -EACCES : 0;
}

static int cmd_nv_define(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	struct tpm_auth owner;
	uint8_t x[32], y[32];
	uint64_t v;
	int r;

	if (need(o->key, "--key POLICY.pem", "nv-define") < 0)
		return -EINVAL;
	if ((r = load_policy_pub(o->key, x, y)) < 0 || (r = load_auth(o->owner_auth, &owner)) < 0 ||
	    (r = open_tpm(o, &t)) < 0)
		return r;
	r = tpm_nv_define(t, &owner, o->index, x, y, &v);
	secure_wipe(&owner, sizeof(owner));
	if (r == -EMEDIUMTYPE) {
		log_error("NV index 0x%08x exists with other attributes or another policy key; refusing to use it",
			  o->index);
		return r;
	}
	if (r < 0)
		return tpm_err(t, r, "cannot define the security-version counter");
	printf("0x%08x %llu\n", o->index, (unsigned long long)v);
	return 0;
}

static int cmd_nv_read(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	uint64_t v;
	int r = open_tpm(o, &t);

	if (r < 0)
		return r;
	r = tpm_nv_read(t, o->index, &v);
	if (r < 0)
		return tpm_err(t, r, "cannot read the security-version counter");
	printf("%llu\n", (unsigned long long)v);
	return 0;
}

static int cmd_nv_increment(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	struct tpm_approval a;
	struct tpm_auth owner;
	uint64_t target;
	int r;

	if (argc != 1 || parse_u64(argv[0], &target) < 0) {
		log_error("nv-increment-to needs one decimal VALUE");
		return -EINVAL;
	}
	if (!!o->approval == !!o->owner_auth) {
		log_error("nv-increment-to needs exactly one authority: --approval APPROVAL or --owner-auth F");
		return -EINVAL;
	}
	if (o->approval && (r = load_approval(o->approval, &a)) < 0)
		return r;
	if ((r = load_auth(o->owner_auth, &owner)) < 0 || (r = open_tpm(o, &t)) < 0)
		return r;
	r = tpm_nv_increment_to(t, o->index, target, o->approval ? &a : NULL, &owner);
	secure_wipe(&owner, sizeof(owner));
	if (r == -ERANGE) {
		log_error("the security-version counter is already above %llu; it never decreases",
			  (unsigned long long)target);
		return r;
	}
	if (r == -EPERM && o->approval) {
		log_error("approval %s allows raising the counter to %llu at most (its security version), not %llu",
			  o->approval, (unsigned long long)a.svn, (unsigned long long)target);
		return r;
	}
	if (r == -EMEDIUMTYPE && o->approval) {
		log_error("NV index 0x%08x is not the counter of approval %s's policy key (signed by another key?)",
			  o->index, o->approval);
		return r;
	}
	if (r == -EINVAL && o->approval) {
		log_error("approval %s carries no security version for NV index 0x%08x", o->approval, o->index);
		return r;
	}
	return r < 0 ? tpm_err(t, r, "cannot raise the security-version counter") : 0;
}

static int write_auth(const char *path, const struct tpm_auth *a)
{
	int r = write_file_atomic(path, a->b, a->len, 0600);

	if (r < 0)
		log_errno(LOG_LVL_ERROR, r, "cannot write authorisation file %s", path);
	return r;
}

static int cmd_provision(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	struct tpm_auth owner, lockout, nowner, nlockout;
	int r;

	if (need(o->new_owner, "--new-owner-auth F", "provision") < 0 ||
	    need(o->new_lockout, "--new-lockout-auth F", "provision") < 0)
		return -EINVAL;
	if ((r = load_auth(o->owner_auth, &owner)) < 0 || (r = load_auth(o->lockout_auth, &lockout)) < 0 ||
	    (r = open_tpm(o, &t)) < 0)
		return r;
	r = tpm_provision_auth(t, &owner, &lockout, &nowner, &nlockout);
	secure_wipe(&owner, sizeof(owner));
	secure_wipe(&lockout, sizeof(lockout));
	if (r < 0 && nowner.len) {
		/* The owner auth changed but not the lockout one: keep the new owner auth. */
		(void)write_auth(o->new_owner, &nowner);
		secure_wipe(&nowner, sizeof(nowner));
		return tpm_err(t, r, "owner authorisation changed (written), lockout authorisation NOT changed");
	}
	if (r < 0)
		return tpm_err(t, r, "cannot set the owner and lockout authorisations");
	r = write_auth(o->new_owner, &nowner);
	if (r >= 0)
		r = write_auth(o->new_lockout, &nlockout);
	secure_wipe(&nowner, sizeof(nowner));
	secure_wipe(&nlockout, sizeof(nlockout));
	return r;
}

static int cmd_da_status(struct opts *o, int argc, char **argv)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	struct tpm_da_status st;
	int r = open_tpm(o, &t);

	if (r < 0)
		return r;
	r = tpm_da_status(t, &st);
	if (r < 0)
		return tpm_err(t, r, "cannot read the TPM properties");
	if (o->json) {
		struct json j;
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_bool(&j, "owner_auth_set", st.owner_auth_set);
		json_kv_bool(&j, "lockout_auth_set", st.lockout_auth_set);
		json_kv_bool(&j, "in_lockout", st.in_lockout);
		json_kv_u64(&j, "failed_tries", st.failed_tries);
		json_kv_u64(&j, "max_tries", st.max_tries);
		json_kv_u64(&j, "recovery_s", st.recovery_s);
		json_kv_u64(&j, "lockout_recovery_s", st.lockout_recovery_s);
		json_kv_bool(&j, "da_protection", st.max_tries > 0);
		json_obj_end(&j);
		return json_end(&j);
	}
	printf("owner auth set:     %s\nlockout auth set:   %s\nin lockout:         %s\n"
	       "failed tries:       %u of %u\nrecovery interval:  %u s\nlockout recovery:   %u s\n",
	       st.owner_auth_set ? "yes" : "no", st.lockout_auth_set ? "yes" : "no", st.in_lockout ? "yes" : "no",
	       st.failed_tries, st.max_tries, st.recovery_s, st.lockout_recovery_s);
	return 0;
}

/* ---- build host commands ---- */

static int cmd_keygen_policy(struct opts *o, int argc, char **argv)
{
	int r;

	if (need(o->private_, "--private F", "keygen-policy") < 0 ||
	    need(o->public_, "--public F", "keygen-policy") < 0)
		return -EINVAL;
	r = signer_keygen(o->private_, o->public_);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write the policy key pair %s, %s", o->private_,
				 o->public_);
	return 0;
}

static int cmd_pcr11(struct opts *o, int argc, char **argv)
{
	uint8_t pcr[32];
	int r;

	if (need(o->sections[UKI_LINUX], "--linux F", "pcr11") < 0)
		return -EINVAL;
	r = pcr11_predict_files(o->sections, pcr);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read a UKI section file");
	for (int i = 0; i < o->nphases; i++)
		if ((r = pcr_extend_sw(pcr, o->phases[i], strlen(o->phases[i]))) < 0)
			return r;
	if (o->json) {
		struct json j;
		char h[65];
		hex_encode(pcr, 32, h);
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_u64(&j, "pcr", 11);
		json_kv_str(&j, "bank", "sha256");
		json_kv_str(&j, "hash", h);
		json_obj_end(&j);
		return json_end(&j);
	}
	print_hex_line(pcr, 32);
	return 0;
}

static int cmd_sign(struct opts *o, int argc, char **argv)
{
	_cleanup_free_ char *b64 = NULL;
	struct tpm_approval a;
	uint8_t pcr11[32];
	int r;

	if (need(o->key, "--key POLICY.pem", "sign-pcr11") < 0 || need(o->pcr11_hex, "--pcr11 HEX", "sign-pcr11") < 0 ||
	    need(o->out, "--out APPROVAL", "sign-pcr11") < 0 || parse_digest(o->pcr11_hex, "--pcr11", pcr11) < 0)
		return -EINVAL;
	r = signer_approve(o->key, pcr11, o->has_svn, o->svn, o->index, &a);
	if (r == -EINVAL || r == -EPROTONOSUPPORT) {
		log_error("policy key %s is not a PEM ECC NIST P-256 private key", o->key);
		return r;
	}
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot sign the PCR 11 approval with %s", o->key);
	r = tpm_approval_to_base64(&a, &b64);
	if (r < 0)
		return r;
	return write_b64_file(o->out, b64, "approval");
}

static int cmd_verify_approval(struct opts *o, int argc, char **argv)
{
	struct tpm_approval a;
	uint8_t x[32], y[32];
	char h[65];
	int r;

	if (need(o->approval, "--approval APPROVAL", "verify-approval") < 0)
		return -EINVAL;
	if ((r = load_approval(o->approval, &a)) < 0)
		return r;
	if (o->key && (r = load_policy_pub(o->key, x, y)) < 0)
		return r;
	r = signer_verify(&a, o->key ? x : NULL, o->key ? y : NULL);
	if (r < 0) {
		log_error("approval %s: signature does not verify%s", o->approval,
			  o->key ? " with the given policy key" : "");
		return -EBADMSG;
	}
	hex_encode(a.pcr11, 32, h);
	if (o->json) {
		struct json j;
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_str(&j, "pcr11", h);
		if (a.has_svn) {
			json_kv_u64(&j, "svn", a.svn);
			json_kv_u64(&j, "nv_index", a.nv_index);
		}
		json_kv_bool(&j, "valid", true);
		json_obj_end(&j);
		return json_end(&j);
	}
	printf("pcr11=%s", h);
	if (a.has_svn)
		printf(" svn=%llu nv_index=0x%08x", (unsigned long long)a.svn, a.nv_index);
	printf(" valid\n");
	return 0;
}

static int key_name_of(const char *path, TPM2B_NAME *n)
{
	uint8_t x[32], y[32];
	TPM2B_PUBLIC pub;
	int r = load_policy_pub(path, x, y);

	if (r < 0)
		return r;
	tp_policy_key_public(x, y, &pub);
	return tp_object_name(&pub.publicArea, n);
}

static int cmd_key_name(struct opts *o, int argc, char **argv)
{
	TPM2B_NAME n;
	int r;

	if (need(o->key, "--key POLICY.pem", "key-name") < 0)
		return -EINVAL;
	if ((r = key_name_of(o->key, &n)) < 0)
		return r;
	print_hex_line(n.name, n.size);
	return 0;
}

static int cmd_policy_digest(struct opts *o, int argc, char **argv)
{
	uint8_t d[32], v[32];
	TPM2B_NAME key, nvname;
	TPM2B_NV_PUBLIC nvpub;
	int r;

	if (argc != 1) {
		log_error("policy-digest needs one of: sealed, release, nv");
		return -EINVAL;
	}
	if (strcmp(argv[0], "sealed") == 0) {
		if (need(o->key, "--key", "policy-digest sealed") < 0 || need(o->pcr7_hex, "--pcr7", "policy-digest sealed") < 0 ||
		    parse_digest(o->pcr7_hex, "--pcr7", v) < 0)
			return -EINVAL;
		if ((r = key_name_of(o->key, &key)) < 0 || (r = tp_profile_sealed_policy(&key, v, d)) < 0)
			return r;
	} else if (strcmp(argv[0], "release") == 0) {
		if (need(o->pcr11_hex, "--pcr11", "policy-digest release") < 0 || parse_digest(o->pcr11_hex, "--pcr11", v) < 0)
			return -EINVAL;
		if (o->has_svn) {
			if (need(o->key, "--key (with --svn)", "policy-digest release") < 0)
				return -EINVAL;
			if ((r = key_name_of(o->key, &key)) < 0 ||
			    (r = tp_nv_counter_public(o->index, &key, true, &nvpub)) < 0 ||
			    (r = tp_nv_name(&nvpub.nvPublic, &nvname)) < 0)
				return r;
		}
		r = tp_profile_release_policy(v, o->has_svn ? &nvname : NULL, o->svn, d);
		if (r < 0)
			return r;
	} else if (strcmp(argv[0], "nv") == 0) {
		if (need(o->key, "--key", "policy-digest nv") < 0)
			return -EINVAL;
		if ((r = key_name_of(o->key, &key)) < 0 || (r = tp_profile_nv_policy(&key, d)) < 0)
			return r;
	} else {
		log_error("policy-digest '%s': expected sealed, release or nv", argv[0]);
		return -EINVAL;
	}
	print_hex_line(d, 32);
	return 0;
}

/* ---- escrow ---- */

static int cmd_escrow_keygen(struct opts *o, int argc, char **argv)
{
	int r;

	if (need(o->secret, "--secret F", "escrow-keygen") < 0 || need(o->public_, "--public F", "escrow-keygen") < 0)
		return -EINVAL;
	r = escrow_keygen(o->secret, o->public_);
	return r < 0 ? log_errno(LOG_LVL_ERROR, r, "cannot write the escrow key pair") : 0;
}

static int cmd_escrow_seal(struct opts *o, int argc, char **argv)
{
	uint8_t pk[ESCROW_KEY_BYTES], secret[ESCROW_SECRET_BYTES], blob[ESCROW_BLOB_BYTES];
	char pass[ESCROW_PASSPHRASE_LEN + 2];
	int r;

	if (need(o->key, "--key PUBLIC", "escrow-seal") < 0 || need(o->out, "--out ESCROW.bin", "escrow-seal") < 0)
		return -EINVAL;
	r = escrow_load_public(o->key, pk);
	if (r < 0) {
		log_error("%s is not a Rempart escrow public key file", o->key);
		return -EINVAL;
	}
	r = escrow_secret_generate(secret);
	if (r >= 0)
		r = escrow_seal(pk, secret, blob);
	if (r >= 0)
		r = write_file_atomic(o->out, blob, sizeof(blob), 0644);
	if (r >= 0 && o->secret_out) {
		escrow_passphrase(secret, pass);
		pass[ESCROW_PASSPHRASE_LEN] = '\n';
		r = write_file_atomic(o->secret_out, pass, ESCROW_PASSPHRASE_LEN + 1, 0600);
		secure_wipe(pass, sizeof(pass));
	}
	secure_wipe(secret, sizeof(secret));
	return r < 0 ? log_errno(LOG_LVL_ERROR, r, "cannot write the escrow blob") : 0;
}

static int cmd_escrow_open(struct opts *o, int argc, char **argv)
{
	uint8_t pk[ESCROW_KEY_BYTES], sk[ESCROW_KEY_BYTES], secret[ESCROW_SECRET_BYTES];
	_cleanup_free_ uint8_t *blob = NULL;
	char pass[ESCROW_PASSPHRASE_LEN + 1];
	size_t len = 0;
	int r;

	if (argc != 1 || need(o->key, "--key SECRET", "escrow-open") < 0) {
		log_error("escrow-open needs --key SECRET and one ESCROW.bin");
		return -EINVAL;
	}
	r = escrow_load_secret(o->key, pk, sk);
	if (r < 0) {
		log_error("%s is not a Rempart escrow secret key file", o->key);
		return -EINVAL;
	}
	r = read_file(argv[0], 4096, &blob, &len);
	if (r < 0) {
		secure_wipe(sk, sizeof(sk));
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", argv[0]);
	}
	r = escrow_open(pk, sk, blob, len, secret);
	secure_wipe(sk, sizeof(sk));
	if (r == -EBADMSG)
		log_error("%s is not a Rempart escrow blob (expected %d bytes starting with RMPE v1)", argv[0],
			  ESCROW_BLOB_BYTES);
	else if (r == -ENOKEY)
		log_error("%s was made for another escrow key (key id differs)", argv[0]);
	else if (r == -EKEYREJECTED)
		log_error("%s does not authenticate with this key: it was modified", argv[0]);
	if (r < 0)
		return r;
	escrow_passphrase(secret, pass);
	secure_wipe(secret, sizeof(secret));
	puts(pass);
	secure_wipe(pass, sizeof(pass));
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct opts *, int, char **);
} commands[] = {
	{ "pcrread", cmd_pcrread },
	{ "extend", cmd_extend },
	{ "srk-ensure", cmd_srk },
	{ "seal", cmd_seal },
	{ "unseal", cmd_unseal },
	{ "explain", cmd_explain },
	{ "nv-define", cmd_nv_define },
	{ "nv-read", cmd_nv_read },
	{ "nv-increment-to", cmd_nv_increment },
	{ "provision", cmd_provision },
	{ "da-status", cmd_da_status },
	{ "keygen-policy", cmd_keygen_policy },
	{ "pcr11", cmd_pcr11 },
	{ "sign-pcr11", cmd_sign },
	{ "verify-approval", cmd_verify_approval },
	{ "policy-digest", cmd_policy_digest },
	{ "key-name", cmd_key_name },
	{ "escrow-keygen", cmd_escrow_keygen },
	{ "escrow-seal", cmd_escrow_seal },
	{ "escrow-open", cmd_escrow_open },
};

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *cmd;
	int r;

	log_set_program("rempart-tpm");
	log_level_from_env();
	/* Global options, then the command, then its options and arguments. */
	if (parse_opts(argc, argv, &o, true) < 0)
		return EXIT_USAGE;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0; /* 0: glibc reinitialises getopt (ordering mode included) */
	if (parse_opts(argc, argv, &o, false) < 0)
		return EXIT_USAGE;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(cmd, commands[i].name) != 0)
			continue;
		r = commands[i].fn(&o, argc - optind, argv + optind);
		return r < 0 ? exit_for(r) : EXIT_OK;
	}
	log_error("unknown command '%s' (see --help)", cmd);
	return EXIT_USAGE;
}
