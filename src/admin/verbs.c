/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "verbs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"
#include "validate.h"

#define A ROLE_ADMIN
#define U ROLE_AUDIT
#define ALL (ROLE_ADMIN | ROLE_AUDIT | ROLE_USER)
#define PEM_MAX (64u * 1024u)

static bool v_mode(const char *s)
{
	return !strcmp(s, "dhcp") || !strcmp(s, "static");
}

static bool v_levels(const char *s)
{
	return !strcmp(s, "ipsec") || !strcmp(s, "clear");
}

/* PEM text is checked by OpenSSL in the handler; here only its shape. */
static bool v_pem(const char *s)
{
	return strncmp(s, "-----BEGIN ", 11) == 0;
}

const struct verb_spec verb_table[] = {
	{ "status", ALL, verb_status, { { 0 } } },
	/* admin: network profile */
	{ "network.get", A, verb_network_get, { { 0 } } },
	{ "network.set", A, verb_network_set, {
		{ "mode", REQ_STR, true, v_mode, 6, false },
		{ "address", REQ_STR, false, v_ipv4_cidr_host, 18, false },
		{ "gateway", REQ_STR, false, v_ipv4_host, 15, false },
		{ "dns", REQ_STR, false, v_dns_list, 63, false },
		{ "interface", REQ_STR, false, v_ifname, 15, false },
		{ "levels", REQ_STR, false, v_levels, 5, false },
	} },
	/* admin: IPsec gateway and credentials */
	{ "ipsec.get", A, verb_ipsec_get, { { 0 } } },
	{ "ipsec.set", A, verb_ipsec_set, {
		{ "gateway", REQ_STR, true, v_ipv4_host, 15, false },
		{ "remote_id", REQ_STR, true, v_ike_id, V_ID_MAX, false },
		{ "local_id", REQ_STR, false, v_ike_id, V_ID_MAX, false },
		{ "remote_ts", REQ_STR, true, v_cidr_list, 16 * 50, false },
		{ "virtual_ip", REQ_STR, false, v_yesno, 3, false },
	} },
	{ "ipsec.credentials", A, verb_ipsec_credentials, {
		{ "cert", REQ_STR, true, v_pem, PEM_MAX, false },
		{ "key", REQ_STR, true, v_pem, PEM_MAX, true },
		{ "ca", REQ_STR, true, v_pem, PEM_MAX, false },
	} },
	/* admin: update server and channel (never the signing key), updates */
	{ "update.get", A, verb_update_get, { { 0 } } },
	{ "update.set", A, verb_update_set, {
		{ "server", REQ_STR, false, v_url_https, V_URL_MAX, false },
		{ "channel", REQ_STR, false, v_channel, V_NAME_MAX, false },
	} },
	{ "update.trigger", A, verb_update_trigger, { { 0 } } },
	{ "update.status", A, verb_update_status, { { 0 } } },
	/* admin: regular user accounts */
	{ "user.list", A, verb_user_list, { { 0 } } },
	{ "user.add", A, verb_user_add, {
		{ "name", REQ_STR, true, v_username, V_USER_MAX, false },
		{ "ssh_key", REQ_STR, false, v_ssh_pubkey, V_SSH_KEY_MAX, false },
	} },
	{ "user.remove", A, verb_user_remove, { { "name", REQ_STR, true, v_username, V_USER_MAX, false } } },
	{ "user.lock", A, verb_user_lock, { { "name", REQ_STR, true, v_username, V_USER_MAX, false } } },
	{ "user.unlock", A, verb_user_unlock, { { "name", REQ_STR, true, v_username, V_USER_MAX, false } } },
	{ "user.setkey", A, verb_user_setkey, {
		{ "name", REQ_STR, true, v_username, V_USER_MAX, false },
		{ "ssh_key", REQ_STR, true, v_ssh_pubkey, V_SSH_KEY_MAX, false },
	} },
	/* admin: recovery escrow blob */
	{ "escrow.collect", A, verb_escrow_collect, { { 0 } } },
	{ "escrow.delete", A, verb_escrow_delete, { { "sha256", REQ_STR, true, v_sha256_hex, 64, false } } },
	/* audit */
	{ "logs.read", U, verb_logs_read, {
		{ "since", REQ_UINT, false, NULL, UINT64_MAX >> 11, false },
		{ "max", REQ_UINT, false, NULL, 1000, false },
	} },
	{ "check.run", U, verb_check_run, { { 0 } } },
	{ "attest.quote", U, verb_attest_quote, { { "nonce", REQ_STR, true, v_nonce_hex, 128, false } } },
};
const size_t verb_count = ARRAY_SIZE(verb_table);

const char *verb_outcome_name(enum verb_outcome o)
{
	switch (o) {
	case OUT_OK: return "ok";
	case OUT_DENIED: return "denied";
	case OUT_INVALID: return "invalid";
	case OUT_FAILED: return "failed";
	}
	return "?";
}

const struct verb_spec *verb_find(const char *name)
{
	for (size_t i = 0; i < verb_count; i++)
		if (!strcmp(verb_table[i].name, name))
			return &verb_table[i];
	return NULL;
}

int verb_fail(char *msg, size_t msglen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EIO;
}

int verb_check_schema(const struct verb_spec *v, const struct request *req, char *msg, size_t msglen)
{
	for (size_t i = 0; i < req->n; i++) {
		const struct req_field *f = &req->f[i];
		const struct field_spec *s = NULL;

		if (!strcmp(f->key, "verb"))
			continue;
		for (size_t k = 0; k < VERB_MAX_FIELDS && v->fields[k].name; k++)
			if (!strcmp(v->fields[k].name, f->key))
				s = &v->fields[k];
		if (!s)
			return verb_fail(msg, msglen, -EINVAL, "%s: unknown field \"%s\"", v->name, f->key);
		if (f->type != s->type)
			return verb_fail(msg, msglen, -EINVAL, "%s: field \"%s\" must be %s", v->name, f->key,
					 req_type_name(s->type));
		if (s->type == REQ_STR) {
			if (f->len == 0 || f->len > s->max)
				return verb_fail(msg, msglen, -EINVAL, "%s: field \"%s\" must be 1 to %zu bytes long",
						 v->name, f->key, s->max);
			if (strlen(f->str) != f->len || (s->valid && !s->valid(f->str)))
				return verb_fail(msg, msglen, -EINVAL, "%s: field \"%s\" has an invalid value%s",
						 v->name, f->key, s->secret ? "" : " (see docs/admin.md for its format)");
		} else if (s->type == REQ_UINT && f->u > s->max) {
			return verb_fail(msg, msglen, -EINVAL, "%s: field \"%s\" must be at most %zu", v->name,
					 f->key, s->max);
		}
	}
	for (size_t k = 0; k < VERB_MAX_FIELDS && v->fields[k].name; k++)
		if (v->fields[k].required && !req_get(req, v->fields[k].name))
			return verb_fail(msg, msglen, -EINVAL, "%s: missing required field \"%s\"", v->name,
					 v->fields[k].name);
	return 0;
}

/* The complete response document: status, verb, role, then either the
 * handler's result or the error message. */
static int respond(enum verb_outcome o, const char *verb, enum role role, const char *result, size_t result_len,
		   const char *error, char **resp, size_t *resplen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;
	int r;

	if (!f)
		return -ENOMEM;
	json_init(&j, f, false);
	json_obj_begin(&j);
	json_kv_str(&j, "status", verb_outcome_name(o));
	json_kv_str(&j, "verb", verb);
	json_kv_str(&j, "role", role_name(role));
	if (error)
		json_kv_str(&j, "error", error);
	if (result) {
		/* splice the handler's object (already a complete JSON value) */
		json_key(&j, "result");
		r = j.error;
		while (result_len && result[result_len - 1] == '\n')
			result_len--;
		if (r == 0) {
			fwrite(result, 1, result_len, f);
			fputs("}\n", f);
		}
	} else {
		json_obj_end(&j);
		r = json_end(&j);
	}
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r < 0) {
		free(buf);
		return r;
	}
	*resp = buf;
	*resplen = len;
	return 0;
}

enum verb_outcome verb_dispatch(struct admind *d, enum role role, uid_t uid, const uint8_t *body, size_t len,
				char **resp, size_t *resplen, char *verb_name, size_t verb_len, char *msg,
				size_t msglen)
{
	struct request req;
	const struct req_field *vf;
	const struct verb_spec *v;
	char perr[160];
	enum verb_outcome o = OUT_INVALID;
	char *rbuf = NULL;
	size_t rlen = 0;
	int r;

	(void)uid;
	*resp = NULL;
	snprintf(verb_name, verb_len, "-");
	msg[0] = '\0';
	r = req_parse(body, len, &req, perr, sizeof(perr));
	if (r < 0) {
		if (r == -ENOMEM)
			verb_fail(msg, msglen, r, "out of memory");
		else
			verb_fail(msg, msglen, r, "malformed request: %s", perr);
		o = r == -ENOMEM ? OUT_FAILED : OUT_INVALID;
		goto out;
	}
	vf = req_get(&req, "verb");
	if (!vf || vf->type != REQ_STR) {
		verb_fail(msg, msglen, -EINVAL, "the request has no \"verb\" string");
		goto out;
	}
	v = verb_find(vf->str);
	if (!v) {
		verb_fail(msg, msglen, -EINVAL, "unknown verb");
		goto out;
	}
	snprintf(verb_name, verb_len, "%s", v->name);
	if (!(v->roles & role)) {
		verb_fail(msg, msglen, -EPERM, "role %s may not call %s", role_name(role), v->name);
		o = OUT_DENIED;
		goto out;
	}
	r = verb_check_schema(v, &req, msg, msglen);
	if (r < 0)
		goto out;
	{
		FILE *f = open_memstream(&rbuf, &rlen);
		struct json j;

		if (!f) {
			verb_fail(msg, msglen, -ENOMEM, "out of memory");
			o = OUT_FAILED;
			goto out;
		}
		json_init(&j, f, false);
		json_obj_begin(&j);
		r = v->fn(d, &req, &j, msg, msglen);
		json_obj_end(&j);
		if (r == 0) {
			r = json_end(&j);
			if (r < 0)
				verb_fail(msg, msglen, r, "cannot format the result");
		}
		if (fclose(f) != 0 && r == 0)
			r = verb_fail(msg, msglen, -errno, "cannot format the result");
		if (r < 0) {
			if (rbuf)
				secure_wipe(rbuf, rlen);
			free(rbuf);
			rbuf = NULL;
			o = r == -EINVAL ? OUT_INVALID : OUT_FAILED;
			if (!msg[0])
				verb_fail(msg, msglen, r, "%s failed: %s", v->name, strerror(-r));
			goto out;
		}
		o = OUT_OK;
	}
out:
	req_free(&req);
	if (respond(o, verb_name, role, o == OUT_OK ? rbuf : NULL, rlen, o == OUT_OK ? NULL : msg, resp, resplen) < 0) {
		*resp = NULL;
		o = OUT_FAILED;
	}
	if (rbuf) {
		secure_wipe(rbuf, rlen);
		free(rbuf);
	}
	return o;
}
