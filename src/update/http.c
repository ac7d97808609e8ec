/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/x509_vfy.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "http.h"

struct http {
	CURL *curl;
	struct curl_slist *headers;
	struct http_config cfg;
	char errbuf[CURL_ERROR_SIZE];
};

struct sink_ctx {
	/* memory mode */
	uint8_t *buf;
	size_t len, cap, max;
	/* stream mode */
	http_sink_fn sink;
	void *userdata;
	uint64_t size, got;
	int sink_error;
	bool too_large;
};

static int global_init(void)
{
	static bool done;

	if (!done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -EIO;
		done = true;
	}
	return 0;
}

int http_new(const struct http_config *cfg, struct http **out)
{
	_cleanup_free_ struct http *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	r = global_init();
	if (r < 0)
		return r;
	h->cfg = *cfg;
	h->curl = curl_easy_init();
	if (!h->curl)
		return -ENOMEM;
	if (cfg->client_id) {
		char hdr[160];

		snprintf(hdr, sizeof(hdr), "X-Rempart-Client: %s", cfg->client_id);
		h->headers = curl_slist_append(NULL, hdr);
		if (!h->headers) {
			curl_easy_cleanup(h->curl);
			return -ENOMEM;
		}
	}
	*out = TAKE_PTR(h);
	return 0;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	curl_slist_free_all(h->headers);
	curl_easy_cleanup(h->curl);
	free(h);
}

static size_t write_cb(char *data, size_t one, size_t n, void *ud)
{
	struct sink_ctx *s = ud;

	(void)one;
	if (s->sink) {
		size_t take = n;

		if (s->got + n > s->size) {
			/* Endless data: never write past the declared size. */
			s->too_large = true;
			take = (size_t)(s->size - s->got);
		}
		if (take) {
			int r = s->sink(s->userdata, (const uint8_t *)data, take);

			if (r < 0) {
				s->sink_error = r;
				return 0;
			}
			s->got += take;
		}
		return s->too_large ? 0 : n;
	}
	if (s->len + n > s->max) {
		s->too_large = true;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16384;
		uint8_t *nb;

		while (ncap < s->len + n + 1)
			ncap *= 2;
		nb = realloc(s->buf, ncap);
		if (!nb) {
			s->sink_error = -ENOMEM;
			return 0;
		}
		s->buf = nb;
		s->cap = ncap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

static const char *verify_reason(long v)
{
	switch (v) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "the server certificate has expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "the server certificate is not yet valid";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return "the server certificate is not issued by the pinned CA";
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return "the server certificate does not name this host";
	case X509_V_ERR_CERT_REVOKED:
		return "the server certificate is revoked";
	default:
		return NULL;
	}
}

static int setup(struct http *h, const char *url, struct sink_ctx *s, curl_off_t max)
{
	CURL *c = h->curl;
	CURLcode e = CURLE_OK;

	curl_easy_reset(c);
	h->errbuf[0] = '\0';
#define SET(opt, val) do { if (e == CURLE_OK) e = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, h->errbuf);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* Exactly the pinned CA: no default bundle, no CA directory. */
	SET(CURLOPT_CAINFO, h->cfg.ca);
	SET(CURLOPT_CAPATH, NULL);
	if (h->cfg.pin && h->cfg.pin[0])
		SET(CURLOPT_PINNEDPUBLICKEY, h->cfg.pin);
	SET(CURLOPT_CONNECTTIMEOUT, 30L);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, h->cfg.timeout > 0 ? h->cfg.timeout : 120L);
	SET(CURLOPT_MAXFILESIZE_LARGE, max);
	SET(CURLOPT_ACCEPT_ENCODING, NULL);
	SET(CURLOPT_USERAGENT, "rempart-update");
	if (h->headers)
		SET(CURLOPT_HTTPHEADER, h->headers);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, s);
	SET(CURLOPT_BUFFERSIZE, 512L * 1024L);
#undef SET
	return e == CURLE_OK ? 0 : -EINVAL;
}

static int perform(struct http *h, const char *url, struct sink_ctx *s, curl_off_t max, struct uc_result *res)
{
	CURLcode e;
	long status = 0, vr = 0;
	const char *why;
	int r;

	r = setup(h, url, s, max);
	if (r < 0)
		return r;
	e = curl_easy_perform(h->curl);
	if (s->sink_error)
		return s->sink_error;
	if (s->too_large || e == CURLE_FILESIZE_EXCEEDED)
		return uc_refuse(res, UC_SIZE, "%s: the server sent more than the %llu bytes declared (endless data "
				 "refused)", url, (unsigned long long)(s->sink ? s->size : s->max));
	switch (e) {
	case CURLE_OK:
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		curl_easy_getinfo(h->curl, CURLINFO_SSL_VERIFYRESULT, &vr);
		why = verify_reason(vr);
		if (!why && strstr(h->errbuf, "subject name"))
			why = "the server certificate does not name this host";
		uc_refuse(res, UC_TRANSPORT, "TLS: %s (%s; pinned CA %s): %s", why ? why : "certificate verification failed",
			  X509_verify_cert_error_string(vr), h->cfg.ca, url);
		return -EPROTO;
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		uc_refuse(res, UC_TRANSPORT, "TLS: the server public key does not match the SPKI pin: %s", url);
		return -EPROTO;
	case CURLE_SSL_CONNECT_ERROR:
		if (strstr(h->errbuf, "protocol version") || strstr(h->errbuf, "unsupported protocol") ||
		    strstr(h->errbuf, "no protocols available") || strstr(h->errbuf, "wrong version number"))
			uc_refuse(res, UC_TRANSPORT, "TLS: the server does not offer TLS 1.2 or later (%s): %s", h->errbuf,
				  url);
		else
			uc_refuse(res, UC_TRANSPORT, "TLS handshake failed (%s): %s", h->errbuf, url);
		return -EPROTO;
	case CURLE_SSL_CACERT_BADFILE:
		uc_refuse(res, UC_TRANSPORT, "TLS: cannot load the pinned CA file %s", h->cfg.ca);
		return -EPROTO;
	case CURLE_UNSUPPORTED_PROTOCOL:
		uc_refuse(res, UC_TRANSPORT, "only https:// is allowed: %s", url);
		return -EPROTO;
	default:
		uc_refuse(res, UC_TRANSPORT, "%s: %s", curl_easy_strerror(e), h->errbuf[0] ? h->errbuf : url);
		return -EPROTO;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		uc_refuse(res, UC_TRANSPORT, "HTTP status %ld for %s", status, url);
		return -EPROTO;
	}
	return 0;
}

int http_get_mem(struct http *h, const char *url, size_t max, uint8_t **out, size_t *len, struct uc_result *res)
{
	struct sink_ctx s = { .max = max };
	int r;

	memset(res, 0, sizeof(*res));
	r = perform(h, url, &s, (curl_off_t)max, res);
	if (r < 0) {
		free(s.buf);
		return r;
	}
	if (!s.buf) {
		s.buf = malloc(1);
		if (!s.buf)
			return -ENOMEM;
	}
	s.buf[s.len] = '\0';
	*out = s.buf;
	*len = s.len;
	return 0;
}

int http_get_stream(struct http *h, const char *url, uint64_t size, http_sink_fn sink, void *userdata,
		    struct uc_result *res)
{
	struct sink_ctx s = { .sink = sink, .userdata = userdata, .size = size };
	int r;

	memset(res, 0, sizeof(*res));
	r = perform(h, url, &s, (curl_off_t)size, res);
	if (r < 0)
		return r;
	if (s.got != size)
		return uc_refuse(res, UC_SIZE, "%s: truncated: received %llu of the %llu bytes declared", url,
				 (unsigned long long)s.got, (unsigned long long)size);
	return 0;
}
