/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "cleanup.h"
#include "credential.h"
#include "ekcert.h"
#include "fileio.h"
#include "hex.h"

DEFINE_POINTER_CLEANUP(X509, X509_free)
DEFINE_POINTER_CLEANUP(BIO, BIO_free)
DEFINE_POINTER_CLEANUP(X509_STORE_CTX, X509_STORE_CTX_free)
DEFINE_POINTER_CLEANUP(EVP_PKEY, EVP_PKEY_free)
DEFINE_POINTER_CLEANUP(DIR, closedir)

struct ekc_store {
	X509_STORE *store;
	size_t count;
	bool has_time;
	time_t time;
};

int ekc_store_new(struct ekc_store **out)
{
	struct ekc_store *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->store = X509_STORE_new();
	if (!s->store) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void ekc_store_free(struct ekc_store *s)
{
	if (!s)
		return;
	X509_STORE_free(s->store);
	free(s);
}

size_t ekc_store_count(const struct ekc_store *s)
{
	return s->count;
}

void ekc_store_set_time(struct ekc_store *s, time_t t)
{
	s->has_time = true;
	s->time = t;
}

static int store_add_cert(struct ekc_store *s, X509 *x)
{
	if (X509_STORE_add_cert(s->store, x) != 1) {
		ERR_clear_error();
		return -ENOMEM;
	}
	s->count++;
	return 0;
}

static int add_file(struct ekc_store *s, const char *path, char *err, size_t es)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_(BIO_freep) BIO *bio = NULL;
	size_t len, n = 0;
	int r;

	if ((r = read_file(path, 1u << 20, &buf, &len)) < 0) {
		snprintf(err, es, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio)
		return -ENOMEM;
	for (;;) {
		_cleanup_(X509_freep) X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

		if (!x)
			break;
		if ((r = store_add_cert(s, x)) < 0)
			return r;
		n++;
	}
	ERR_clear_error();
	if (n == 0) {
		const uint8_t *p = buf;
		_cleanup_(X509_freep) X509 *x = d2i_X509(NULL, &p, (long)len);

		ERR_clear_error();
		if (!x || p != buf + len) {
			snprintf(err, es, "%s holds no certificate (PEM or DER expected)", path);
			return -EBADMSG;
		}
		return store_add_cert(s, x);
	}
	return 0;
}

int ekc_store_add(struct ekc_store *s, const char *path, char *err, size_t es)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct stat st;
	struct dirent *de;
	size_t before = s->count;
	int r;

	if (stat(path, &st) < 0) {
		r = -errno;
		snprintf(err, es, "cannot read %s: %s", path, strerror(errno));
		return r;
	}
	if (!S_ISDIR(st.st_mode))
		return add_file(s, path, err, es);
	d = opendir(path);
	if (!d) {
		r = -errno;
		snprintf(err, es, "cannot open %s: %s", path, strerror(errno));
		return r;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", path, de->d_name) < 0)
			return -ENOMEM;
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if ((r = add_file(s, p, err, es)) < 0)
			return r;
	}
	if (s->count == before) {
		snprintf(err, es, "%s holds no certificate", path);
		return -EBADMSG;
	}
	return 0;
}

int ekc_der_length(const uint8_t *buf, size_t len, size_t *der_len)
{
	const uint8_t *p = buf;
	_cleanup_(X509_freep) X509 *x = NULL;

	if (len > EKC_MAX_DER * 4)
		len = EKC_MAX_DER * 4;
	x = d2i_X509(NULL, &p, (long)len);
	ERR_clear_error();
	if (!x || (size_t)(p - buf) > EKC_MAX_DER)
		return -EBADMSG;
	*der_len = (size_t)(p - buf);
	return 0;
}

static void name_str(const X509_NAME *n, char *out, size_t size)
{
	_cleanup_(BIO_freep) BIO *b = BIO_new(BIO_s_mem());
	int l;

	snprintf(out, size, "(unprintable)");
	if (!b || X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) < 0)
		return;
	l = BIO_read(b, out, (int)size - 1);
	out[l > 0 ? l : 0] = '\0';
	if (l <= 0)
		snprintf(out, size, "(empty)");
}

static void time_str(const ASN1_TIME *t, char *out, size_t size)
{
	_cleanup_(BIO_freep) BIO *b = BIO_new(BIO_s_mem());
	int l;

	snprintf(out, size, "?");
	if (!b || ASN1_TIME_print(b, t) != 1)
		return;
	l = BIO_read(b, out, (int)size - 1);
	out[l > 0 ? l : 0] = '\0';
}

/* First 8 bytes of sha256(SubjectPublicKeyInfo), hex. */
static void key_fpr(EVP_PKEY *k, char out[17])
{
	uint8_t *der = NULL, md[32];
	int l = i2d_PUBKEY(k, &der);

	snprintf(out, 17, "?");
	if (l > 0 && EVP_Digest(der, (size_t)l, md, NULL, EVP_sha256(), NULL) == 1)
		hex_encode(md, 8, out);
	OPENSSL_free(der);
}

int ekc_check(const struct ekc_store *s, const uint8_t *der, size_t len, const TPMT_PUBLIC *ek, char *msg,
	      size_t ms)
{
	const uint8_t *p = der;
	_cleanup_(X509_freep) X509 *x = NULL;
	_cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = NULL;
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *ekk = NULL;
	EVP_PKEY *ck;
	char subj[256], iss[256];
	int r, e;

	if (len == 0 || len > EKC_MAX_DER || !(x = d2i_X509(NULL, &p, (long)len)) || p != der + len) {
		ERR_clear_error();
		snprintf(msg, ms, "the EK certificate (%zu bytes) is not one DER X.509 certificate", len);
		return -EBADMSG;
	}
	name_str(X509_get_subject_name(x), subj, sizeof(subj));
	name_str(X509_get_issuer_name(x), iss, sizeof(iss));
	ctx = X509_STORE_CTX_new();
	if (!ctx || X509_STORE_CTX_init(ctx, s->store, x, NULL) != 1)
		return -ENOMEM;
	if (s->has_time)
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), s->time);
	r = X509_verify_cert(ctx);
	e = X509_STORE_CTX_get_error(ctx);
	ERR_clear_error();
	if (r != 1) {
		char when[64];

		switch (e) {
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
			snprintf(msg, ms,
				 "the EK certificate (subject %s) is issued by \"%s\", which does not chain to the "
				 "TPM manufacturer CAs of the trust store (%s)",
				 subj, iss, X509_verify_cert_error_string(e));
			break;
		case X509_V_ERR_CERT_HAS_EXPIRED:
			time_str(X509_get0_notAfter(x), when, sizeof(when));
			snprintf(msg, ms, "the EK certificate (issuer \"%s\") expired on %s", iss, when);
			break;
		case X509_V_ERR_CERT_NOT_YET_VALID:
			time_str(X509_get0_notBefore(x), when, sizeof(when));
			snprintf(msg, ms, "the EK certificate (issuer \"%s\") is not valid before %s", iss, when);
			break;
		default:
			snprintf(msg, ms, "the EK certificate (issuer \"%s\") does not verify: %s (depth %d)", iss,
				 X509_verify_cert_error_string(e), X509_STORE_CTX_get_error_depth(ctx));
			break;
		}
		return -EKEYREJECTED;
	}
	if ((r = tc_pkey(ek, &ekk)) < 0) {
		snprintf(msg, ms, "the EK public area is not a usable key");
		return -EBADMSG;
	}
	ck = X509_get0_pubkey(x);
	if (!ck || EVP_PKEY_eq(ck, ekk) != 1) {
		char a[17] = "?", b[17];

		ERR_clear_error();
		if (ck)
			key_fpr(ck, a);
		key_fpr(ekk, b);
		snprintf(msg, ms,
			 "the EK certificate (issuer \"%s\") certifies another key (sha256 %s…) than this EK (%s…)",
			 iss, a, b);
		return -EKEYREJECTED;
	}
	snprintf(msg, ms, "subject %s, issuer \"%s\"", subj, iss);
	return 0;
}
