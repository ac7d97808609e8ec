/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "hex.h"
#include "manifest.h"
#include "uuid.h"


__attribute__((format(printf, 2, 3))) static int fail(char err[UM_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, UM_ERR_MAX, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

bool um_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > UM_NAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

bool um_version_valid(const char *s)
{
	int comps = 0;
	size_t n = strlen(s);

	if (n == 0 || n > UM_VERSION_MAX)
		return false;
	while (*s) {
		size_t d = 0;

		while (s[d] >= '0' && s[d] <= '9')
			d++;
		if (d == 0 || d > 9 || (d > 1 && s[0] == '0'))
			return false;
		if (++comps > 8)
			return false;
		s += d;
		if (*s == '.') {
			s++;
			if (!*s)
				return false;
		} else if (*s) {
			return false;
		}
	}
	return true;
}

int um_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long x = 0, y = 0;

		while (*a >= '0' && *a <= '9')
			x = x * 10 + (unsigned long)(*a++ - '0');
		while (*b >= '0' && *b <= '9')
			y = y * 10 + (unsigned long)(*b++ - '0');
		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

bool um_filename_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool is_lower_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* ---- strict JSON walking ---------------------------------------------- */

static int only_keys(json_t *obj, const char *where, const char *const *keys, char err[UM_ERR_MAX])
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return fail(err, "%s: not a JSON object", where);
	json_object_foreach(obj, k, v) {
		bool known = false;

		for (const char *const *p = keys; *p; p++)
			if (strcmp(*p, k) == 0)
				known = true;
		if (!known)
			return fail(err, "%s: unknown field \"%.64s\"", where, k);
	}
	return 0;
}

static int get_str(json_t *obj, const char *key, const char *where, char *out, size_t outsize,
		   char err[UM_ERR_MAX])
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n;

	if (!v)
		return fail(err, "%s: missing field \"%s\"", where, key);
	if (!json_is_string(v))
		return fail(err, "%s.%s: not a string", where, key);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n != strlen(s))
		return fail(err, "%s.%s: contains a NUL character", where, key);
	if (n >= outsize)
		return fail(err, "%s.%s: longer than %zu characters", where, key, outsize - 1);
	memcpy(out, s, n + 1);
	return 0;
}

static int get_u64(json_t *obj, const char *key, const char *where, uint64_t max, uint64_t *out,
		   char err[UM_ERR_MAX])
{
	json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!v)
		return fail(err, "%s: missing field \"%s\"", where, key);
	if (!json_is_integer(v))
		return fail(err, "%s.%s: not an integer", where, key);
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return fail(err, "%s.%s: %lld out of range 0..%llu", where, key, (long long)i,
			    (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

static int get_hex(json_t *obj, const char *key, const char *where, uint8_t *out, size_t maxlen, size_t *len,
		   char err[UM_ERR_MAX])
{
	char buf[2 * UM_MAX_SALT + 2];
	int r = get_str(obj, key, where, buf, sizeof(buf), err);

	if (r < 0)
		return r;
	if (!is_lower_hex(buf) || hex_decode(buf, out, maxlen, len) < 0)
		return fail(err, "%s.%s: not lowercase hex of at most %zu bytes", where, key, maxlen);
	return 0;
}

static const char *const artifact_keys[] = { "path", "size", "sha256", NULL };

static int parse_artifact(json_t *obj, const char *where, const char *version, struct um_artifact *a,
			  char err[UM_ERR_MAX])
{
	char prefix[UM_PATH_MAX + 1];
	size_t len;
	int r;

	r = only_keys(obj, where, artifact_keys, err);
	if (r < 0)
		return r;
	r = get_str(obj, "path", where, a->path, sizeof(a->path), err);
	if (r < 0)
		return r;
	snprintf(prefix, sizeof(prefix), "releases/%s/", version);
	if (strncmp(a->path, prefix, strlen(prefix)) != 0 || !um_filename_valid(a->path + strlen(prefix)))
		return fail(err, "%s.path: \"%.80s\" is not %s<file> of this release", where, a->path, prefix);
	r = get_u64(obj, "size", where, UINT64_C(1) << 50, &a->size, err);
	if (r < 0)
		return r;
	r = get_hex(obj, "sha256", where, a->sha256, sizeof(a->sha256), &len, err);
	if (r < 0)
		return r;
	if (len != 32)
		return fail(err, "%s.sha256: not 32 bytes", where);
	return 0;
}

static const char *const verity_keys[] = { "roothash", "salt", "hash", "data_block_size", "hash_block_size",
					   "data_blocks", "superblock", "uuid", NULL };

static bool block_size_ok(uint64_t v)
{
	return v >= 512 && v <= 512 * 1024 && (v & (v - 1)) == 0;
}

static int parse_verity(json_t *obj, const char *where, struct um_verity *v, char err[UM_ERR_MAX])
{
	uint64_t u;
	json_t *sb, *uuid;
	int r;

	r = only_keys(obj, where, verity_keys, err);
	if (r < 0)
		return r;
	r = get_hex(obj, "roothash", where, v->roothash, sizeof(v->roothash), &v->roothash_len, err);
	if (r < 0)
		return r;
	if (v->roothash_len < 32)
		return fail(err, "%s.roothash: %zu bytes, at least 32 needed", where, v->roothash_len);
	r = get_hex(obj, "salt", where, v->salt, sizeof(v->salt), &v->salt_len, err);
	if (r < 0)
		return r;
	r = get_str(obj, "hash", where, v->hash, sizeof(v->hash), err);
	if (r < 0)
		return r;
	if (strcmp(v->hash, "sha256") != 0 && strcmp(v->hash, "sha512") != 0)
		return fail(err, "%s.hash: \"%s\" is not sha256 or sha512", where, v->hash);
	r = get_u64(obj, "data_block_size", where, UINT32_MAX, &u, err);
	if (r < 0)
		return r;
	if (!block_size_ok(u))
		return fail(err, "%s.data_block_size: %llu is not a power of two in 512..524288", where,
			    (unsigned long long)u);
	v->data_block_size = (uint32_t)u;
	r = get_u64(obj, "hash_block_size", where, UINT32_MAX, &u, err);
	if (r < 0)
		return r;
	if (!block_size_ok(u))
		return fail(err, "%s.hash_block_size: %llu is not a power of two in 512..524288", where,
			    (unsigned long long)u);
	v->hash_block_size = (uint32_t)u;
	r = get_u64(obj, "data_blocks", where, UINT64_C(1) << 40, &v->data_blocks, err);
	if (r < 0)
		return r;
	if (v->data_blocks == 0)
		return fail(err, "%s.data_blocks: zero", where);
	sb = json_object_get(obj, "superblock");
	if (!sb || !json_is_boolean(sb))
		return fail(err, "%s.superblock: missing or not a boolean", where);
	v->superblock = json_is_true(sb);
	uuid = json_object_get(obj, "uuid");
	v->has_uuid = uuid != NULL;
	if (uuid) {
		char s[UUID_STR_LEN + 1];

		r = get_str(obj, "uuid", where, s, sizeof(s), err);
		if (r < 0)
			return r;
		if (uuid_parse(s, v->uuid) < 0)
			return fail(err, "%s.uuid: not a UUID", where);
	}
	return 0;
}

static const char *const top_keys[] = { "format", "product", "channel", "version", "security_version",
					"issued_at", "expires", "rollout_percent", "source_date_epoch",
					"artifacts", "verity", "pcr11", "environments", "reference", NULL };
static const char *const ref_keys[] = { "pcr11", "authenticode", "secure_boot", "db_authority", "db_certificates",
					NULL };
static const char *const ref_ac_keys[] = { "systemd_boot", "uki", NULL };
static const char *const ref_sb_keys[] = { "SecureBoot", "PK", "KEK", "db", NULL };
static const char *const artifacts_keys[] = { "root", "verity", "uki", NULL };
static const char *const pcr_keys[] = { "value", "signature", "policy_key_fingerprint", NULL };
static const char *const env_keys[] = { "image", "hash", "verity", NULL };

static bool sig_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '+' || *s == '/' || *s == '='))
			return false;
	return true;
}

static int ref_digest(json_t *obj, const char *key, const char *where, uint8_t out[32], char err[UM_ERR_MAX])
{
	size_t n = 0;
	json_t *v = json_object_get(obj, key);
	int r;

	if (json_is_string(v) && !is_lower_hex(json_string_value(v)))
		return fail(err, "%s.%s: not lowercase hex", where, key);
	r = get_hex(obj, key, where, out, 32, &n, err);
	if (r < 0)
		return r;
	if (n != 32)
		return fail(err, "%s.%s: not a sha256 digest", where, key);
	return 0;
}

static int ref_list(json_t *obj, const char *key, uint8_t out[][32], size_t *n, char err[UM_ERR_MAX])
{
	json_t *a = json_object_get(obj, key), *v;
	size_t i;

	if (!a)
		return fail(err, "reference: missing field \"%s\"", key);
	if (!json_is_array(a) || json_array_size(a) > UM_REF_MAX)
		return fail(err, "reference.%s: not an array of at most %d digests", key, UM_REF_MAX);
	*n = 0;
	json_array_foreach(a, i, v) {
		size_t len = 0;
		const char *s = json_string_value(v);

		if (!json_is_string(v) || strlen(s) != 64 || !is_lower_hex(s) || hex_decode(s, out[i], 32, &len) < 0)
			return fail(err, "reference.%s[%zu]: not a lowercase sha256 digest", key, i);
		(*n)++;
	}
	return 0;
}

int um_parse_reference(json_t *obj, struct um_reference *ref, char err[UM_ERR_MAX])
{
	json_t *ac, *sb;
	int r;

	memset(ref, 0, sizeof(*ref));
	if ((r = only_keys(obj, "reference", ref_keys, err)) < 0)
		return r;
	if ((r = ref_digest(obj, "pcr11", "reference", ref->pcr11, err)) < 0)
		return r;
	ac = json_object_get(obj, "authenticode");
	if (!ac)
		return fail(err, "reference: missing field \"authenticode\"");
	if ((r = only_keys(ac, "reference.authenticode", ref_ac_keys, err)) < 0 ||
	    (r = ref_digest(ac, "systemd_boot", "reference.authenticode", ref->systemd_boot, err)) < 0 ||
	    (r = ref_digest(ac, "uki", "reference.authenticode", ref->uki, err)) < 0)
		return r;
	sb = json_object_get(obj, "secure_boot");
	if (!sb)
		return fail(err, "reference: missing field \"secure_boot\"");
	if ((r = only_keys(sb, "reference.secure_boot", ref_sb_keys, err)) < 0)
		return r;
	for (int i = 0; i < UM_SB_VARS; i++)
		if ((r = ref_digest(sb, ref_sb_keys[i], "reference.secure_boot", ref->secure_boot[i], err)) < 0)
			return r;
	if ((r = ref_list(obj, "db_authority", ref->authority, &ref->n_authority, err)) < 0 ||
	    (r = ref_list(obj, "db_certificates", ref->dbcert, &ref->n_dbcert, err)) < 0)
		return r;
	ref->present = true;
	return 0;
}

static int parse_envs(json_t *obj, struct um_manifest *m, char err[UM_ERR_MAX])
{
	const char *name;
	json_t *e;
	int r;

	if (!json_is_object(obj))
		return fail(err, "environments: not a JSON object");
	if (json_object_size(obj) > UM_MAX_ENVS)
		return fail(err, "environments: more than %d", UM_MAX_ENVS);
	json_object_foreach(obj, name, e) {
		struct um_environment *env = &m->envs[m->n_envs];
		char where[UM_NAME_MAX + 32];

		if (!um_name_valid(name))
			return fail(err, "environments: invalid name \"%.64s\"", name);
		snprintf(env->name, sizeof(env->name), "%s", name);
		snprintf(where, sizeof(where), "environments.%s", name);
		r = only_keys(e, where, env_keys, err);
		if (r < 0)
			return r;
		r = parse_artifact(json_object_get(e, "image"), "environment image", m->version, &env->image, err);
		if (r < 0)
			return r;
		r = parse_artifact(json_object_get(e, "hash"), "environment hash", m->version, &env->hash, err);
		if (r < 0)
			return r;
		r = parse_verity(json_object_get(e, "verity"), "environment verity", &env->verity, err);
		if (r < 0)
			return r;
		m->n_envs++;
	}
	return 0;
}

int um_parse(const uint8_t *buf, size_t len, struct um_manifest *m, char err[UM_ERR_MAX])
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	json_error_t jerr;
	json_t *a, *p, *envs;
	uint64_t u;
	int r;

	memset(m, 0, sizeof(*m));
	if (err)
		err[0] = '\0';
	if (len > UM_MAX_SIZE) {
		fail(err, "document of %zu bytes exceeds the %u-byte limit", len, UM_MAX_SIZE);
		return -E2BIG;
	}
	if (len == 0)
		return fail(err, "empty document");
	/* Default flags reject trailing data; duplicates are refused too. */
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, "JSON: %s at line %d column %d", jerr.text, jerr.line, jerr.column);
	r = only_keys(root, "manifest", top_keys, err);
	if (r < 0)
		return r;
	r = get_u64(root, "format", "manifest", UINT32_MAX, &u, err);
	if (r < 0)
		return r;
	if (u != UM_FORMAT)
		return fail(err, "manifest.format: %llu is not %d", (unsigned long long)u, UM_FORMAT);
	r = get_str(root, "product", "manifest", m->product, sizeof(m->product), err);
	if (r < 0)
		return r;
	r = get_str(root, "channel", "manifest", m->channel, sizeof(m->channel), err);
	if (r < 0)
		return r;
	r = get_str(root, "version", "manifest", m->version, sizeof(m->version), err);
	if (r < 0)
		return r;
	if (!um_name_valid(m->product))
		return fail(err, "manifest.product: invalid name");
	if (!um_name_valid(m->channel))
		return fail(err, "manifest.channel: invalid name");
	if (!um_version_valid(m->version))
		return fail(err, "manifest.version: \"%s\" is not dotted decimal", m->version);
	r = get_u64(root, "security_version", "manifest", UINT32_MAX, &m->security_version, err);
	if (r < 0)
		return r;
	r = get_u64(root, "issued_at", "manifest", INT64_MAX, &m->issued_at, err);
	if (r < 0)
		return r;
	r = get_u64(root, "expires", "manifest", INT64_MAX, &m->expires, err);
	if (r < 0)
		return r;
	if (m->expires <= m->issued_at)
		return fail(err, "manifest.expires: not after issued_at");
	r = get_u64(root, "rollout_percent", "manifest", 100, &u, err);
	if (r < 0)
		return r;
	m->rollout_percent = (uint32_t)u;
	r = get_u64(root, "source_date_epoch", "manifest", INT64_MAX, &m->source_date_epoch, err);
	if (r < 0)
		return r;

	a = json_object_get(root, "artifacts");
	if (!a)
		return fail(err, "manifest: missing field \"artifacts\"");
	r = only_keys(a, "artifacts", artifacts_keys, err);
	if (r < 0)
		return r;
	r = parse_artifact(json_object_get(a, "root"), "artifacts.root", m->version, &m->root, err);
	if (r < 0)
		return r;
	r = parse_artifact(json_object_get(a, "verity"), "artifacts.verity", m->version, &m->verity_tree, err);
	if (r < 0)
		return r;
	r = parse_artifact(json_object_get(a, "uki"), "artifacts.uki", m->version, &m->uki, err);
	if (r < 0)
		return r;
	r = parse_verity(json_object_get(root, "verity"), "verity", &m->verity, err);
	if (r < 0)
		return r;

	p = json_object_get(root, "pcr11");
	if (!p)
		return fail(err, "manifest: missing field \"pcr11\"");
	r = only_keys(p, "pcr11", pcr_keys, err);
	if (r < 0)
		return r;
	r = get_str(p, "value", "pcr11", m->pcr11_value, sizeof(m->pcr11_value), err);
	if (r < 0)
		return r;
	r = get_str(p, "signature", "pcr11", m->pcr11_signature, sizeof(m->pcr11_signature), err);
	if (r < 0)
		return r;
	r = get_str(p, "policy_key_fingerprint", "pcr11", m->pcr11_key_fpr, sizeof(m->pcr11_key_fpr), err);
	if (r < 0)
		return r;
	envs = json_object_get(root, "environments");
	if (envs) {
		r = parse_envs(envs, m, err);
		if (r < 0)
			return r;
	}
	if (json_object_get(root, "reference")) {
		r = um_parse_reference(json_object_get(root, "reference"), &m->reference, err);
		if (r < 0)
			return r;
	}
	return um_validate(m, err);
}

static int validate_artifact(const struct um_artifact *a, const char *where, const char *version,
			     char err[UM_ERR_MAX])
{
	char prefix[UM_PATH_MAX + 1];

	snprintf(prefix, sizeof(prefix), "releases/%s/", version);
	if (strncmp(a->path, prefix, strlen(prefix)) != 0 || !um_filename_valid(a->path + strlen(prefix)))
		return fail(err, "%s.path: \"%.80s\" is not %s<file>", where, a->path, prefix);
	if (a->size == 0)
		return fail(err, "%s.size: zero", where);
	return 0;
}

static int validate_verity(const struct um_verity *v, const struct um_artifact *data, const char *where,
			   char err[UM_ERR_MAX])
{
	unsigned dsz = strcmp(v->hash, "sha512") == 0 ? 64 : 32;

	if (v->roothash_len != dsz)
		return fail(err, "%s.roothash: %zu bytes, %s needs %u", where, v->roothash_len, v->hash, dsz);
	if ((uint64_t)v->data_blocks * v->data_block_size > data->size)
		return fail(err, "%s.data_blocks: %llu blocks of %u bytes exceed the %llu-byte image", where,
			    (unsigned long long)v->data_blocks, v->data_block_size,
			    (unsigned long long)data->size);
	return 0;
}

int um_validate(const struct um_manifest *m, char err[UM_ERR_MAX])
{
	int r;

	if (!um_name_valid(m->product) || !um_name_valid(m->channel))
		return fail(err, "manifest: invalid product or channel name");
	if (!um_version_valid(m->version))
		return fail(err, "manifest.version: \"%s\" is not dotted decimal", m->version);
	if (m->expires <= m->issued_at)
		return fail(err, "manifest.expires: not after issued_at");
	if (m->rollout_percent > 100)
		return fail(err, "manifest.rollout_percent: above 100");
	if ((r = validate_artifact(&m->root, "artifacts.root", m->version, err)) < 0 ||
	    (r = validate_artifact(&m->verity_tree, "artifacts.verity", m->version, err)) < 0 ||
	    (r = validate_artifact(&m->uki, "artifacts.uki", m->version, err)) < 0)
		return r;
	r = validate_verity(&m->verity, &m->root, "verity", err);
	if (r < 0)
		return r;
	if (!m->pcr11_value[0] || !is_lower_hex(m->pcr11_value) || strlen(m->pcr11_value) % 2)
		return fail(err, "pcr11.value: not lowercase hex");
	if (!m->pcr11_key_fpr[0] || !is_lower_hex(m->pcr11_key_fpr) || strlen(m->pcr11_key_fpr) % 2)
		return fail(err, "pcr11.policy_key_fingerprint: not lowercase hex");
	if (!m->pcr11_signature[0] || !sig_chars_ok(m->pcr11_signature))
		return fail(err, "pcr11.signature: not base64 or hex");
	for (size_t i = 0; i < m->n_envs; i++) {
		const struct um_environment *e = &m->envs[i];

		if (!um_name_valid(e->name))
			return fail(err, "environments: invalid name");
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->envs[j].name, e->name) == 0)
				return fail(err, "environments: duplicate \"%s\"", e->name);
		if ((r = validate_artifact(&e->image, "environment image", m->version, err)) < 0 ||
		    (r = validate_artifact(&e->hash, "environment hash", m->version, err)) < 0 ||
		    (r = validate_verity(&e->verity, &e->image, "environment verity", err)) < 0)
			return r;
	}
	return 0;
}

/* ---- writer ------------------------------------------------------------ */

static json_t *hex_json(const uint8_t *b, size_t n)
{
	_cleanup_free_ char *s = hex_encode_alloc(b, n);

	return s ? json_string(s) : NULL;
}

static json_t *artifact_json(const struct um_artifact *a)
{
	return json_pack("{s:s, s:I, s:o}", "path", a->path, "size", (json_int_t)a->size, "sha256",
			 hex_json(a->sha256, 32));
}

static json_t *verity_json(const struct um_verity *v)
{
	json_t *o = json_pack("{s:o, s:o, s:s, s:I, s:I, s:I, s:b}", "roothash", hex_json(v->roothash, v->roothash_len),
			      "salt", hex_json(v->salt, v->salt_len), "hash", v->hash, "data_block_size",
			      (json_int_t)v->data_block_size, "hash_block_size", (json_int_t)v->hash_block_size,
			      "data_blocks", (json_int_t)v->data_blocks, "superblock", v->superblock);

	if (o && v->has_uuid) {
		char u[UUID_STR_LEN];

		uuid_format(v->uuid, u);
		if (json_object_set_new(o, "uuid", json_string(u)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int um_serialize(const struct um_manifest *m, char **out)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	char *s;

	root = json_pack("{s:i, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:{s:o, s:o, s:o}, s:o, s:{s:s, s:s, s:s}}",
			 "format", UM_FORMAT, "product", m->product, "channel", m->channel, "version", m->version,
			 "security_version", (json_int_t)m->security_version, "issued_at", (json_int_t)m->issued_at,
			 "expires", (json_int_t)m->expires, "rollout_percent", (json_int_t)m->rollout_percent,
			 "source_date_epoch", (json_int_t)m->source_date_epoch, "artifacts", "root",
			 artifact_json(&m->root), "verity", artifact_json(&m->verity_tree), "uki",
			 artifact_json(&m->uki), "verity", verity_json(&m->verity), "pcr11", "value",
			 m->pcr11_value, "signature", m->pcr11_signature, "policy_key_fingerprint",
			 m->pcr11_key_fpr);
	if (!root)
		return -ENOMEM;
	if (m->n_envs) {
		json_t *envs = json_object();

		if (!envs || json_object_set_new(root, "environments", envs) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < m->n_envs; i++) {
			const struct um_environment *e = &m->envs[i];
			json_t *o = json_pack("{s:o, s:o, s:o}", "image", artifact_json(&e->image), "hash",
					      artifact_json(&e->hash), "verity", verity_json(&e->verity));

			if (!o || json_object_set_new(envs, e->name, o) < 0)
				return -ENOMEM;
		}
	}
	if (m->reference.present) {
		const struct um_reference *rf = &m->reference;
		json_t *auth = json_array(), *certs = json_array(), *o;

		if (!auth || !certs) {
			json_decref(auth);
			json_decref(certs);
			return -ENOMEM;
		}
		for (size_t i = 0; i < rf->n_authority; i++)
			json_array_append_new(auth, hex_json(rf->authority[i], 32));
		for (size_t i = 0; i < rf->n_dbcert; i++)
			json_array_append_new(certs, hex_json(rf->dbcert[i], 32));
		o = json_pack("{s:o, s:{s:o, s:o}, s:{s:o, s:o, s:o, s:o}, s:o, s:o}", "pcr11", hex_json(rf->pcr11, 32),
			      "authenticode", "systemd_boot", hex_json(rf->systemd_boot, 32), "uki",
			      hex_json(rf->uki, 32), "secure_boot", "SecureBoot",
			      hex_json(rf->secure_boot[UM_SB_SECUREBOOT], 32), "PK", hex_json(rf->secure_boot[UM_SB_PK], 32),
			      "KEK", hex_json(rf->secure_boot[UM_SB_KEK], 32), "db",
			      hex_json(rf->secure_boot[UM_SB_DB], 32), "db_authority", auth, "db_certificates", certs);
		if (!o || json_object_set_new(root, "reference", o) < 0)
			return -ENOMEM;
	}
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		return -ENOMEM;
	/* Append the final newline. */
	{
		size_t n = strlen(s);
		char *t = realloc(s, n + 2);

		if (!t) {
			free(s);
			return -ENOMEM;
		}
		t[n] = '\n';
		t[n + 1] = '\0';
		*out = t;
	}
	return 0;
}

int um_trusted_comment(const struct um_manifest *m, char **out)
{
	if (asprintf(out, "rempart-manifest product=%s channel=%s version=%s security_version=%llu issued_at=%llu "
		     "expires=%llu",
		     m->product, m->channel, m->version, (unsigned long long)m->security_version,
		     (unsigned long long)m->issued_at, (unsigned long long)m->expires) < 0)
		return -ENOMEM;
	return 0;
}
