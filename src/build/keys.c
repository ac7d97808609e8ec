/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "exec.h"
#include "fileio.h"
#include "log.h"
#include "uuid.h"
#include "escrow.h"
#include "signer.h"

DEFINE_POINTER_CLEANUP(EVP_PKEY, EVP_PKEY_free)
DEFINE_POINTER_CLEANUP(X509, X509_free)
DEFINE_POINTER_CLEANUP(BIO, BIO_free_all)
DEFINE_POINTER_CLEANUP(X509_NAME, X509_NAME_free)

static const char *const sb_vars[] = { "PK", "KEK", "db" };

static const char *const required[] = {
	"PK.key", "PK.crt", "PK.esl", "PK.auth", "KEK.key", "KEK.crt", "KEK.esl", "KEK.auth",
	"db.key", "db.crt", "db.esl", "db.auth", KEY_OWNER_GUID, KEY_RELEASE_PUB, KEY_RELEASE_SEC,
	KEY_POLICY_PEM, KEY_POLICY_PUB, KEY_ESCROW_PUB, KEY_ESCROW_SEC, KEY_UPDATE_CA, KEY_UPDATE_CA_KEY,
};

static int write_bio_file(const char *path, BIO *bio, mode_t mode)
{
	char *data;
	long len = BIO_get_mem_data(bio, &data);

	if (len < 0)
		return -EIO;
	return write_file_atomic(path, data, (size_t)len, mode);
}

static int write_key_pem(const char *path, EVP_PKEY *key)
{
	_cleanup_(BIO_free_allp) BIO *b = BIO_new(BIO_s_mem());

	if (!b || !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))
		return -EIO;
	return write_bio_file(path, b, 0600);
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -EINVAL;
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

/* Self-signed (issuer == NULL) or issuer-signed RSA-2048 certificate. */
static int make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, bool ca, X509 **out)
{
	_cleanup_(X509_freep) X509 *c = X509_new();
	_cleanup_(X509_NAME_freep) X509_NAME *name = X509_NAME_new();
	uint8_t serial[16];
	BIGNUM *bn;

	if (!c || !name)
		return -ENOMEM;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		return -EIO;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn)
		return -ENOMEM;
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
	BN_free(bn);
	X509_set_version(c, 2);
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), 60L * 60 * 24 * 365 * 10);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Rempart development", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, name);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(c, key);
	if (add_ext(c, issuer ? issuer : c, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE") < 0 ||
	    add_ext(c, issuer ? issuer : c, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") < 0 ||
	    add_ext(c, issuer ? issuer : c, NID_subject_key_identifier, "hash") < 0)
		return -EINVAL;
	if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()))
		return -EIO;
	*out = TAKE_PTR(c);
	return 0;
}

static int write_cert(const char *path, X509 *c)
{
	_cleanup_(BIO_free_allp) BIO *b = BIO_new(BIO_s_mem());

	if (!b || !PEM_write_bio_X509(b, c))
		return -EIO;
	return write_bio_file(path, b, 0644);
}

int efi_cert_to_esl(const char *guid, const char *crt, const char *esl)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;

	argv_add(&a, "cert-to-efi-sig-list");
	argv_add(&a, "-g");
	argv_add(&a, guid);
	argv_add(&a, crt);
	argv_add(&a, esl);
	return run_command(&a, NULL, NULL, true, NULL);
}

int efi_sign_esl(const char *ts, const char *guid, const char *key, const char *crt, const char *var,
		 const char *esl, const char *auth)
{
	_cleanup_(argv_freep) struct argv s = ARGV_INIT;

	argv_add(&s, "sign-efi-sig-list");
	argv_add(&s, "-t");
	argv_add(&s, ts);
	argv_add(&s, "-g");
	argv_add(&s, guid);
	argv_add(&s, "-k");
	argv_add(&s, key);
	argv_add(&s, "-c");
	argv_add(&s, crt);
	argv_add(&s, var);
	argv_add(&s, esl);
	argv_add(&s, auth);
	return run_command(&s, NULL, NULL, true, NULL);
}

/* Secure Boot hierarchy: PK (self-signed), KEK, db; .esl and time-based
 * authenticated .auth updates (db signed by KEK, KEK and PK by PK). */
static int make_secure_boot_keys(const char *dir, const char *guid)
{
	char path[8192], esl[8192], auth[8192], crt[8192], key[8192], ts[32];
	time_t now = time(NULL);
	struct tm tm;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(sb_vars); i++) {
		_cleanup_(EVP_PKEY_freep) EVP_PKEY *k = EVP_RSA_gen(2048);
		_cleanup_(X509_freep) X509 *c = NULL;
		char cn[64];

		if (!k)
			return -EIO;
		snprintf(cn, sizeof(cn), "Rempart %s", sb_vars[i]);
		r = make_cert(cn, k, NULL, NULL, false, &c);
		if (r < 0)
			return r;
		snprintf(path, sizeof(path), "%s/%s.key", dir, sb_vars[i]);
		r = write_key_pem(path, k);
		if (r < 0)
			return r;
		snprintf(path, sizeof(path), "%s/%s.crt", dir, sb_vars[i]);
		r = write_cert(path, c);
		if (r < 0)
			return r;
	}

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	for (size_t i = 0; i < ARRAY_SIZE(sb_vars); i++) {
		const char *signer = i == 2 ? "KEK" : "PK";

		snprintf(crt, sizeof(crt), "%s/%s.crt", dir, sb_vars[i]);
		snprintf(esl, sizeof(esl), "%s/%s.esl", dir, sb_vars[i]);
		r = efi_cert_to_esl(guid, crt, esl);
		if (r < 0)
			return r;
		snprintf(crt, sizeof(crt), "%s/%s.crt", dir, signer);
		snprintf(key, sizeof(key), "%s/%s.key", dir, signer);
		snprintf(auth, sizeof(auth), "%s/%s.auth", dir, sb_vars[i]);
		r = efi_sign_esl(ts, guid, key, crt, sb_vars[i], esl, auth);
		if (r < 0)
			return r;
	}
	return 0;
}

/* TPM policy key (P-256 PEM) and escrow key pair: the formats of src/tpm. */
static int make_policy_key(const char *dir)
{
	char priv[8192], pub[8192];

	snprintf(priv, sizeof(priv), "%s/%s", dir, KEY_POLICY_PEM);
	snprintf(pub, sizeof(pub), "%s/%s", dir, KEY_POLICY_PUB);
	return signer_keygen(priv, pub);
}

static int make_escrow_key(const char *dir)
{
	char sec[8192], pub[8192];

	snprintf(sec, sizeof(sec), "%s/%s", dir, KEY_ESCROW_SEC);
	snprintf(pub, sizeof(pub), "%s/%s", dir, KEY_ESCROW_PUB);
	return escrow_keygen(sec, pub);
}

/* The development update server CA: the only anchor rempart-update trusts
 * for the update server (built into the image as
 * /usr/share/rempart/update/ca.pem); it issues the server's certificate. */
static int make_update_ca(const char *dir)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *k = EVP_EC_gen("P-256");
	_cleanup_(X509_freep) X509 *c = NULL;
	char path[8192];
	int r;

	if (!k)
		return -EIO;
	r = make_cert("Rempart development update CA", k, NULL, NULL, true, &c);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", dir, KEY_UPDATE_CA_KEY);
	r = write_key_pem(path, k);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", dir, KEY_UPDATE_CA);
	return write_cert(path, c);
}

static int make_release_key(const char *dir)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;

	argv_add(&a, "minisign");
	argv_add(&a, "-G");
	argv_add(&a, "-W");
	argv_add(&a, "-p");
	argv_addf(&a, "%s/%s", dir, KEY_RELEASE_PUB);
	argv_add(&a, "-s");
	argv_addf(&a, "%s/%s", dir, KEY_RELEASE_SEC);
	return run_command(&a, NULL, NULL, true, NULL);
}

int keys_check(const char *dir, const char **missing)
{
	uint8_t pk[ESCROW_KEY_BYTES], x[32], y[32];
	char path[8192];

	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, required[i]);
		if (access(path, R_OK) < 0) {
			*missing = required[i];
			return -ENOENT;
		}
	}
	/* the public keys the initramfs embeds must be in today's formats */
	snprintf(path, sizeof(path), "%s/%s", dir, KEY_ESCROW_PUB);
	if (escrow_load_public(path, pk) < 0) {
		*missing = KEY_ESCROW_PUB " (unreadable: made by an older rempart?)";
		return -EBADMSG;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, KEY_POLICY_PUB);
	if (signer_load_public(path, x, y) < 0) {
		*missing = KEY_POLICY_PUB " (unreadable)";
		return -EBADMSG;
	}
	return 0;
}

static int rm_rf_flat(const char *dir)
{
	char path[8192];

	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, required[i]);
		unlink(path);
	}
	return rmdir(dir) < 0 ? -errno : 0;
}

int keys_init(const char *dir)
{
	char tmp[4096], guid_s[UUID_STR_LEN + 1];
	uint8_t guid[16];
	struct stat st;
	int r;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		if (rmdir(dir) < 0) /* only an empty directory may be replaced */
			return errno == ENOTEMPTY || errno == EEXIST ? -EEXIST : -errno;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", dir, (int)getpid());
	if (mkdir(tmp, 0700) < 0)
		return -errno;
	r = uuid_random(guid);
	if (r < 0)
		goto fail;
	uuid_format(guid, guid_s);
	{
		char path[8192], line[UUID_STR_LEN + 2];

		snprintf(path, sizeof(path), "%s/%s", tmp, KEY_OWNER_GUID);
		snprintf(line, sizeof(line), "%s\n", guid_s);
		r = write_file_atomic(path, line, strlen(line), 0644);
		if (r < 0)
			goto fail;
	}
	r = make_secure_boot_keys(tmp, guid_s);
	if (r < 0)
		goto fail;
	r = make_release_key(tmp);
	if (r < 0)
		goto fail;
	r = make_policy_key(tmp);
	if (r < 0)
		goto fail;
	r = make_escrow_key(tmp);
	if (r < 0)
		goto fail;
	r = make_update_ca(tmp);
	if (r < 0)
		goto fail;
	if (rename(tmp, dir) < 0) {
		r = -errno;
		goto fail;
	}
	return fsync_parent_dir(dir);
fail:
	rm_rf_flat(tmp);
	return r;
}

static void keys_usage(FILE *f)
{
	fputs("Usage: rempart keys init [--dir DIR]\n"
	      "       rempart keys check [--dir DIR]\n"
	      "\n"
	      "Creates a development key set (default directory: keys/, git-ignored):\n"
	      "  PK, KEK, db         Secure Boot X.509 (RSA-2048) + .esl + .auth enrollment updates\n"
	      "  release.key/.pub    update signing key (minisign, Ed25519)\n"
	      "  tpm-policy.key/.pub TPM PCR 11 policy signing key (EC P-256)\n"
	      "  escrow.key/.pub     recovery escrow key pair (X25519, libsodium sealed boxes)\n"
	      "Refuses to overwrite existing keys.\n"
	      "\n"
	      "Exit status: 0 success, 1 keys exist or are incomplete, 2 usage, 3 system error.\n",
	      f);
}

int cmd_keys(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = "keys", *sub, *missing = NULL;
	int c, r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		keys_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'h':
			keys_usage(stdout);
			return 0;
		default:
			keys_usage(stderr);
			return 2;
		}
	}
	if (strcmp(sub, "init") == 0) {
		r = keys_init(dir);
		if (r == -EEXIST) {
			log_error("%s already holds files; refusing to overwrite keys (move it away to start over)", dir);
			return 1;
		}
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot create the key set in %s (see the build log for tool output)", dir);
			return 3;
		}
		log_info("development keys created in %s (keep them out of git; never ship them)", dir);
		return 0;
	}
	if (strcmp(sub, "check") == 0) {
		r = keys_check(dir, &missing);
		if (r < 0) {
			log_error("key set %s is incomplete: %s is missing (run 'rempart keys init --dir DIR')", dir, missing);
			return 1;
		}
		printf("key set %s is complete\n", dir);
		return 0;
	}
	log_error("unknown keys command '%s' (init, check)", sub);
	return 2;
}
