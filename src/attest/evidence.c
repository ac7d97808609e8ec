/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cleanup.h"
#include "evidence.h"
#include "hex.h"
#include "parse.h"

void ev_evidence_free(struct ev_evidence *e)
{
	free(e->ak_public);
	free(e->attest);
	free(e->sig);
	free(e->log);
	free(e->check_output);
	free(e);
}

/* hex string field into a fresh buffer (at most max bytes) */
static int hex_field(json_t *o, const char *key, size_t max, uint8_t **out, size_t *len, char *err, size_t es)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t n = 0, sl;
	uint8_t *b;

	if (!json_is_string(v)) {
		snprintf(err, es, "%s: missing or not a string", key);
		return -EBADMSG;
	}
	s = json_string_value(v);
	sl = strlen(s);
	if (sl / 2 > max) {
		snprintf(err, es, "%s: longer than %zu bytes", key, max);
		return -EBADMSG;
	}
	b = malloc(sl / 2 + 1);
	if (!b)
		return -ENOMEM;
	if (hex_decode(s, b, sl / 2 + 1, &n) < 0) {
		free(b);
		snprintf(err, es, "%s: not hex", key);
		return -EBADMSG;
	}
	*out = b;
	*len = n;
	return 0;
}

static int hex_fixed(json_t *o, const char *key, uint8_t *out, size_t max, size_t *len, char *err, size_t es)
{
	_cleanup_free_ uint8_t *b = NULL;
	size_t n = 0;
	int r = hex_field(o, key, max, &b, &n, err, es);

	if (r < 0)
		return r;
	memcpy(out, b, n);
	*len = n;
	return 0;
}

static void str_field(json_t *o, const char *key, char *out, size_t size)
{
	json_t *v = o ? json_object_get(o, key) : NULL;

	if (json_is_string(v))
		snprintf(out, size, "%s", json_string_value(v));
}

int ev_parse(const uint8_t *buf, size_t len, struct ev_evidence **out, char *err, size_t es)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_(ev_evidence_freep) struct ev_evidence *e = NULL;
	json_t *v, *q, *p, *vals;
	json_error_t jerr;
	const char *k;
	int r;

	if (len > EV_MAX_SIZE) {
		snprintf(err, es, "document of %zu bytes", len);
		return -EBADMSG;
	}
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, es, "not JSON: %s (line %d)", jerr.text, jerr.line);
		return -EBADMSG;
	}
	v = json_object_get(root, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), EV_FORMAT) != 0) {
		snprintf(err, es, "format: not \"%s\"", EV_FORMAT);
		return -EBADMSG;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if ((r = hex_fixed(root, "nonce", e->nonce, sizeof(e->nonce), &e->nonce_len, err, es)) < 0 ||
	    (r = hex_fixed(root, "ak_name", e->ak_name, sizeof(e->ak_name), &e->ak_name_len, err, es)) < 0)
		return r;
	hex_encode(e->ak_name, e->ak_name_len, e->ak_name_hex);
	if (json_object_get(root, "ak_public") &&
	    (r = hex_field(root, "ak_public", 4096, &e->ak_public, &e->ak_public_len, err, es)) < 0)
		return r;
	q = json_object_get(root, "quote");
	if (!json_is_object(q)) {
		snprintf(err, es, "quote: missing");
		return -EBADMSG;
	}
	if ((r = hex_field(q, "attest", 4096, &e->attest, &e->attest_len, err, es)) < 0 ||
	    (r = hex_field(q, "signature", 4096, &e->sig, &e->sig_len, err, es)) < 0)
		return r;
	p = json_object_get(root, "pcrs");
	if (!json_is_object(p) || !json_is_string(json_object_get(p, "bank")) ||
	    strcmp(json_string_value(json_object_get(p, "bank")), "sha256") != 0 ||
	    !json_is_object(vals = json_object_get(p, "values"))) {
		snprintf(err, es, "pcrs: missing, or not {\"bank\": \"sha256\", \"values\": {...}}");
		return -EBADMSG;
	}
	json_object_foreach(vals, k, v) {
		uint32_t idx;
		size_t n = 0;

		if (parse_u32(k, &idx) < 0 || idx >= 24 || !json_is_string(v) ||
		    hex_decode(json_string_value(v), e->pcrs[idx], 32, &n) < 0 || n != 32) {
			snprintf(err, es, "pcrs.values.%.8s: not a PCR number with a sha256 value", k);
			return -EBADMSG;
		}
		e->pcr_mask |= 1u << idx;
	}
	v = json_object_get(root, "event_log");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v)) {
			snprintf(err, es, "event_log: not an object");
			return -EBADMSG;
		}
		if ((r = hex_field(v, "data", EV_MAX_SIZE / 2, &e->log, &e->log_len, err, es)) < 0)
			return r;
		str_field(v, "path", e->log_path, sizeof(e->log_path));
	}
	v = json_object_get(root, "os_release");
	if (v && json_is_object(v)) {
		str_field(v, "IMAGE_VERSION", e->os_version, sizeof(e->os_version));
		str_field(v, "ID", e->os_id, sizeof(e->os_id));
	}
	v = json_object_get(root, "check");
	if (v && json_is_object(v)) {
		json_t *st = json_object_get(v, "exit_status"), *o = json_object_get(v, "output");

		if (!json_is_integer(st)) {
			snprintf(err, es, "check.exit_status: not an integer");
			return -EBADMSG;
		}
		e->has_check = true;
		e->check_status = (int)json_integer_value(st);
		if (json_is_string(o) && !(e->check_output = strdup(json_string_value(o))))
			return -ENOMEM;
	}
	*out = TAKE_PTR(e);
	return 0;
}

