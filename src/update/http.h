/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HTTPS through libcurl, locked down: https only, TLS 1.2 minimum, the
 * server certificate must chain to exactly the pinned CA file (the system
 * store is never used), optional SPKI pin, no redirects, no proxy from
 * the environment, size-bounded bodies. Failures fill a uc_result
 * (check "transport", or "size" for a body larger or smaller than
 * declared) with a specific message: certificate from another CA,
 * expired certificate, server without TLS 1.2+, pin mismatch, HTTP status.
 *
 * Library rules: 0 or a negative errno, no printing above debug level. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "checks.h"

struct http_config {
	const char *ca;         /* PEM file: the only trust anchor(s) */
	const char *pin;        /* NULL or "sha256//BASE64[;sha256//...]" */
	const char *client_id;  /* NULL or value of the X-Rempart-Client header */
	long timeout;           /* seconds without progress before giving up */
};

struct http;

int http_new(const struct http_config *cfg, struct http **out);
void http_free(struct http *h);

/* GET url into a malloc'd buffer of at most max bytes (NUL added).
 * -EPROTO transport failure, -EBADMSG body over max; res says which. */
int http_get_mem(struct http *h, const char *url, size_t max, uint8_t **out, size_t *len, struct uc_result *res);

/* Receives the body in order; returns 0 or a negative errno to abort. */
typedef int (*http_sink_fn)(void *userdata, const uint8_t *buf, size_t len);

/* GET url streaming the body to sink; the body must be exactly `size`
 * bytes: more is cut off at size+1 and refused (endless data), less is
 * refused as truncated (-EBADMSG, check "size"). A sink error is returned
 * as is. */
int http_get_stream(struct http *h, const char *url, uint64_t size, http_sink_fn sink, void *userdata,
		    struct uc_result *res);
