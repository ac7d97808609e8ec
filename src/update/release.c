/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "hex.h"
#include "release.h"
#include "uuid.h"

DEFINE_POINTER_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)

__attribute__((format(printf, 2, 3))) static int fail(char err[UM_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, UM_ERR_MAX, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int str(json_t *o, const char *key, const char *where, char *out, size_t size, char err[UM_ERR_MAX])
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return fail(err, "%s.%s: missing or not a string", where, key);
	if (json_string_length(v) >= size || strlen(json_string_value(v)) != json_string_length(v))
		return fail(err, "%s.%s: too long", where, key);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int u64(json_t *o, const char *key, const char *where, uint64_t *out, char err[UM_ERR_MAX])
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fail(err, "%s.%s: missing or not a non-negative integer", where, key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int hexfield(json_t *o, const char *key, const char *where, uint8_t *out, size_t max, size_t *len,
		    char err[UM_ERR_MAX])
{
	char buf[2 * UM_MAX_SALT + 2];
	int r = str(o, key, where, buf, sizeof(buf), err);

	if (r < 0)
		return r;
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	if (hex_decode(buf, out, max, len) < 0)
		return fail(err, "%s.%s: not hex of at most %zu bytes", where, key, max);
	return 0;
}

static int artifact(json_t *arts, const char *key, const char *version, struct um_artifact *a, char *file,
		    char err[UM_ERR_MAX])
{
	json_t *o = json_object_get(arts, key);
	char where[64];
	size_t len;
	int r;

	snprintf(where, sizeof(where), "artifacts.%s", key);
	if (!json_is_object(o))
		return fail(err, "%s: missing", where);
	if ((r = str(o, "file", where, file, 129, err)) < 0)
		return r;
	if (!um_filename_valid(file))
		return fail(err, "%s.file: \"%s\" is not a plain file name", where, file);
	if ((r = u64(o, "size", where, &a->size, err)) < 0)
		return r;
	if ((r = hexfield(o, "sha256", where, a->sha256, 32, &len, err)) < 0)
		return r;
	if (len != 32)
		return fail(err, "%s.sha256: not 32 bytes", where);
	snprintf(a->path, sizeof(a->path), "releases/%s/%s", version, file);
	return 0;
}

static int verity(json_t *o, const char *where, struct um_verity *v, char err[UM_ERR_MAX])
{
	uint64_t u = 0;
	json_t *uuid;
	int r;

	if (!json_is_object(o))
		return fail(err, "%s: missing", where);
	if ((r = hexfield(o, "roothash", where, v->roothash, sizeof(v->roothash), &v->roothash_len, err)) < 0 ||
	    (r = hexfield(o, "salt", where, v->salt, sizeof(v->salt), &v->salt_len, err)) < 0 ||
	    (r = str(o, "hash", where, v->hash, sizeof(v->hash), err)) < 0 ||
	    (r = u64(o, "data_blocks", where, &v->data_blocks, err)) < 0)
		return r;
	if ((r = u64(o, "data_block_size", where, &u, err)) < 0)
		return r;
	if (u > UINT32_MAX)
		return fail(err, "%s.data_block_size: out of range", where);
	v->data_block_size = (uint32_t)u;
	if ((r = u64(o, "hash_block_size", where, &u, err)) < 0)
		return r;
	if (u > UINT32_MAX)
		return fail(err, "%s.hash_block_size: out of range", where);
	v->hash_block_size = (uint32_t)u;
	uuid = json_object_get(o, "uuid");
	if (json_is_string(uuid) && uuid_parse(json_string_value(uuid), v->uuid) == 0)
		v->has_uuid = true;
	return 0;
}

int ur_load(const char *dir, struct um_manifest *m, struct ur_files *f, char err[UM_ERR_MAX])
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_free_ char *path = NULL;
	json_error_t jerr;
	json_t *arts, *pcr, *envs;
	int r;

	memset(m, 0, sizeof(*m));
	memset(f, 0, sizeof(*f));
	if (asprintf(&path, "%s/release.json", dir) < 0)
		return -ENOMEM;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (access(path, R_OK) < 0)
			return -errno;
		return fail(err, "%s: %s at line %d", path, jerr.text, jerr.line);
	}
	if (!json_is_object(root))
		return fail(err, "%s: not a JSON object", path);
	if ((r = str(root, "product", "release", m->product, sizeof(m->product), err)) < 0 ||
	    (r = str(root, "version", "release", m->version, sizeof(m->version), err)) < 0 ||
	    (r = u64(root, "security_version", "release", &m->security_version, err)) < 0)
		return r;
	if (!um_name_valid(m->product))
		return fail(err, "release.product: \"%s\" is not a valid name", m->product);
	if (!um_version_valid(m->version))
		return fail(err, "release.version: \"%s\" is not dotted decimal", m->version);
	if (json_object_get(root, "source_date_epoch") &&
	    (r = u64(root, "source_date_epoch", "release", &m->source_date_epoch, err)) < 0)
		return r;
	arts = json_object_get(root, "artifacts");
	if ((r = artifact(arts, "root", m->version, &m->root, f->root, err)) < 0 ||
	    (r = artifact(arts, "verity", m->version, &m->verity_tree, f->verity, err)) < 0 ||
	    (r = artifact(arts, "uki", m->version, &m->uki, f->uki, err)) < 0)
		return r;
	if ((r = verity(json_object_get(root, "verity"), "verity", &m->verity, err)) < 0)
		return r;
	pcr = json_object_get(root, "pcr11");
	if (!json_is_object(pcr))
		return fail(err, "release.pcr11: missing");
	if ((r = str(pcr, "value", "pcr11", m->pcr11_value, sizeof(m->pcr11_value), err)) < 0 ||
	    (r = str(pcr, "signature", "pcr11", m->pcr11_signature, sizeof(m->pcr11_signature), err)) < 0 ||
	    (r = str(pcr, "policy_key_fingerprint", "pcr11", m->pcr11_key_fpr, sizeof(m->pcr11_key_fpr), err)) < 0)
		return r;
	for (char *p = m->pcr11_value; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	for (char *p = m->pcr11_key_fpr; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	if (json_object_get(root, "reference") &&
	    (r = um_parse_reference(json_object_get(root, "reference"), &m->reference, err)) < 0)
		return r;
	envs = json_object_get(root, "environments");
	if (envs) {
		const char *name;
		json_t *e;

		if (!json_is_object(envs) || json_object_size(envs) > UM_MAX_ENVS)
			return fail(err, "release.environments: not an object of at most %d", UM_MAX_ENVS);
		json_object_foreach(envs, name, e) {
			size_t i = m->n_envs;
			struct um_environment *env = &m->envs[i];
			json_t *ea = json_object_get(e, "artifacts");

			if (!um_name_valid(name))
				return fail(err, "release.environments: invalid name \"%.64s\"", name);
			snprintf(env->name, sizeof(env->name), "%s", name);
			if ((r = artifact(ea, "image", m->version, &env->image, f->env_image[i], err)) < 0 ||
			    (r = artifact(ea, "verity", m->version, &env->hash, f->env_hash[i], err)) < 0 ||
			    (r = verity(json_object_get(e, "verity"), "environment verity", &env->verity, err)) < 0)
				return r;
			m->n_envs++;
		}
	}
	return 0;
}

int ur_sha256_file(const char *path, uint8_t out[32], uint64_t *size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	_cleanup_free_ uint8_t *buf = malloc(1 << 20);
	uint64_t total = 0;

	if (fd < 0)
		return -errno;
	if (!ctx || !buf)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		return -EIO;
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			return -EIO;
	}
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		return -EIO;
	if (size)
		*size = total;
	return 0;
}

int ur_check_file(const char *dir, const char *file, const struct um_artifact *a, char err[UM_ERR_MAX])
{
	_cleanup_free_ char *path = NULL;
	uint8_t h[32];
	uint64_t size;
	int r;

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	r = ur_sha256_file(path, h, &size);
	if (r < 0)
		return r;
	if (size != a->size)
		return fail(err, "%s: %llu bytes, release.json says %llu", path, (unsigned long long)size,
			    (unsigned long long)a->size);
	if (memcmp(h, a->sha256, 32) != 0)
		return fail(err, "%s: sha256 differs from release.json", path);
	return 0;
}
