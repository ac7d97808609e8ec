/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipsec.credentials and ipsec.get: the IKE certificate, its private key
 * and the CA, checked with OpenSSL and installed as one set: a new
 * directory .ipsec-XXXXXX, then the symlink "ipsec" replaced by rename, so
 * a reader sees the old set or the new one, never a mix. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "admind.h"
#include "cleanup.h"
#include "conf.h"
#include "fileio.h"

DEFINE_POINTER_CLEANUP(X509, X509_free)
DEFINE_POINTER_CLEANUP(EVP_PKEY, EVP_PKEY_free)
DEFINE_POINTER_CLEANUP(BIO, BIO_free)

static int no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1; /* encrypted keys are refused: the daemon has nothing to decrypt them with */
}

static X509 *cert_from_pem(const char *pem)
{
	_cleanup_(BIO_freep) BIO *b = BIO_new_mem_buf(pem, -1);

	return b ? PEM_read_bio_X509(b, NULL, no_passphrase, NULL) : NULL;
}

/* Number of certificates in pem (each must parse), or -EINVAL. */
static int count_certs(const char *pem)
{
	_cleanup_(BIO_freep) BIO *b = BIO_new_mem_buf(pem, -1);
	int n = 0;

	if (!b)
		return -ENOMEM;
	for (;;) {
		X509 *x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);

		if (!x)
			break;
		X509_free(x);
		n++;
	}
	ERR_clear_error();
	return n > 0 ? n : -EINVAL;
}

/* Validates the set; msg never quotes the key. */
int creds_check(const char *cert, const char *key, const char *ca, char *msg, size_t msglen);
int creds_check(const char *cert, const char *key, const char *ca, char *msg, size_t msglen)
{
	_cleanup_(X509_freep) X509 *x = NULL;
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *k = NULL;
	_cleanup_(BIO_freep) BIO *kb = NULL;
	int n;

	x = cert_from_pem(cert);
	if (!x)
		return verb_fail(msg, msglen, -EINVAL, "ipsec.credentials: cert is not a PEM X.509 certificate");
	if (count_certs(cert) != 1)
		return verb_fail(msg, msglen, -EINVAL, "ipsec.credentials: cert must hold exactly one certificate");
	kb = BIO_new_mem_buf(key, -1);
	if (!kb)
		return verb_fail(msg, msglen, -ENOMEM, "out of memory");
	k = PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL);
	ERR_clear_error();
	if (!k)
		return verb_fail(msg, msglen, -EINVAL,
				 "ipsec.credentials: key is not an unencrypted PEM private key");
	if (X509_check_private_key(x, k) != 1) {
		ERR_clear_error();
		return verb_fail(msg, msglen, -EINVAL,
				 "ipsec.credentials: the private key does not match the certificate's public key");
	}
	n = count_certs(ca);
	if (n < 0)
		return verb_fail(msg, msglen, -EINVAL, "ipsec.credentials: ca holds no parsable PEM certificate");
	return 0;
}

static int rm_set(int dirfd, const char *name)
{
	static const char *const files[] = { "cert.pem", "key.pem", "ca.pem" };
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		unlinkat(fd, files[i], 0);
	close(fd);
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int install_set(struct admind *d, const char *cert, const char *key, const char *ca, char *msg,
		       size_t msglen)
{
	char tmpl[600], link[620], path[700], old[PATH_MAX];
	const char *base;
	struct stat st;
	ssize_t ol = -1;
	_cleanup_close_ int dirfd = -1;
	int r;

	r = mkdir_p(d->config_dir, 0755);
	if (r < 0)
		return verb_fail(msg, msglen, r, "cannot create %s: %s", d->config_dir, strerror(-r));
	dirfd = open(d->config_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return verb_fail(msg, msglen, -errno, "cannot open %s: %m", d->config_dir);
	if (fstatat(dirfd, "ipsec", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISLNK(st.st_mode))
			return verb_fail(msg, msglen, -EEXIST,
					 "%s/ipsec is not a symlink written by rempart-admind; move it away first",
					 d->config_dir);
		ol = readlinkat(dirfd, "ipsec", old, sizeof(old) - 1);
		if (ol >= 0)
			old[ol] = '\0';
	}
	snprintf(tmpl, sizeof(tmpl), "%s/.ipsec-XXXXXX", d->config_dir);
	if (!mkdtemp(tmpl))
		return verb_fail(msg, msglen, -errno, "cannot create a directory in %s: %m", d->config_dir);
	base = strrchr(tmpl, '/') + 1;
	r = 0;
	snprintf(path, sizeof(path), "%s/ca.pem", tmpl);
	r = write_file_atomic(path, ca, strlen(ca), 0644);
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/cert.pem", tmpl);
		r = write_file_atomic(path, cert, strlen(cert), 0644);
	}
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/key.pem", tmpl);
		r = write_file_atomic(path, key, strlen(key), 0600);
	}
	if (r == 0) {
		snprintf(link, sizeof(link), ".ipsec-link-%s", base + 7);
		if (symlinkat(base, dirfd, link) < 0)
			r = -errno;
		else if (renameat(dirfd, link, dirfd, "ipsec") < 0) {
			r = -errno;
			unlinkat(dirfd, link, 0);
		}
	}
	if (r == 0)
		r = fsync(dirfd) < 0 ? -errno : 0;
	if (r < 0) {
		rm_set(dirfd, base);
		return verb_fail(msg, msglen, r, "cannot install the IPsec credentials in %s: %s", d->config_dir,
				 strerror(-r));
	}
	/* the previous set, if it was one of ours */
	if (ol > 0 && !strchr(old, '/') && !strncmp(old, ".ipsec-", 7) && strcmp(old, base))
		rm_set(dirfd, old);
	return 0;
}

int verb_ipsec_credentials(struct admind *d, const struct request *req, struct json *out, char *msg,
			   size_t msglen)
{
	const char *cert = req_get(req, "cert")->str, *key = req_get(req, "key")->str, *ca = req_get(req, "ca")->str;
	_cleanup_(X509_freep) X509 *x = NULL;
	int r;

	r = creds_check(cert, key, ca, msg, msglen);
	if (r < 0)
		return r;
	r = install_set(d, cert, key, ca, msg, msglen);
	if (r < 0)
		return r;
	x = cert_from_pem(cert);
	if (x) {
		char *subj = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);

		if (subj)
			json_kv_str(out, "cert_subject", subj);
		OPENSSL_free(subj);
	}
	json_kv_str(out, "written", "ipsec/cert.pem ipsec/key.pem ipsec/ca.pem");
	return verb_apply(d, d->unit_ipsec, "RestartUnit", out, msg, msglen);
}

static void emit_cert(struct json *out, const char *key, const char *path)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_(X509_freep) X509 *x = NULL;
	size_t len;

	if (read_file(path, 256 * 1024, &buf, &len) < 0)
		return;
	x = cert_from_pem((const char *)buf);
	if (x) {
		char *subj = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);

		if (subj)
			json_kv_str(out, key, subj);
		OPENSSL_free(subj);
	}
}

int verb_ipsec_get(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	char path[700];
	struct conf c;
	int r;

	(void)req;
	snprintf(path, sizeof(path), "%s/ipsec.conf", d->config_dir);
	r = conf_load(path, &c);
	if (r < 0 && r != -ENOENT)
		return verb_fail(msg, msglen, r, "cannot read %s (line %u): %s", path, c.error_line, strerror(-r));
	json_kv_bool(out, "configured", r == 0);
	if (r == 0) {
		for (size_t i = 0; i < c.n; i++)
			json_kv_str(out, c.v[i].key, c.v[i].value);
		conf_free(&c);
	}
	/* the certificates' subjects; the private key only as present or not */
	snprintf(path, sizeof(path), "%s/ipsec/cert.pem", d->config_dir);
	emit_cert(out, "cert_subject", path);
	snprintf(path, sizeof(path), "%s/ipsec/ca.pem", d->config_dir);
	emit_cert(out, "ca_subject", path);
	snprintf(path, sizeof(path), "%s/ipsec/key.pem", d->config_dir);
	json_kv_bool(out, "key_present", access(path, F_OK) == 0);
	return 0;
}
