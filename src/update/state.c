/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"
#include "state.h"

static int path_of(const char *dir, char **out)
{
	return asprintf(out, "%s/state.json", dir) < 0 ? -ENOMEM : 0;
}

static int u64_of(json_t *o, const char *k, uint64_t *out)
{
	json_t *v = json_object_get(o, k);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -EBADMSG;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int str_of(json_t *o, const char *k, char *out, size_t size)
{
	json_t *v = json_object_get(o, k);

	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= size)
		return -EBADMSG;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int us_load(const char *dir, struct us_state *s)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	json_auto_t *root = NULL;
	json_t *rels, *r;
	size_t len, i;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = path_of(dir, &path)) < 0)
		return rc;
	rc = read_file(path, 256 * 1024, &buf, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root))
		return -EBADMSG;
	if ((rc = u64_of(root, "newest_issued_at", &s->newest_issued_at)) < 0 ||
	    (rc = u64_of(root, "security_version_floor", &s->sv_floor)) < 0 ||
	    (rc = u64_of(root, "last_refusal_at", &s->last_refusal_at)) < 0 ||
	    (rc = str_of(root, "last_refusal", s->last_refusal, sizeof(s->last_refusal))) < 0)
		return rc;
	rels = json_object_get(root, "releases");
	if (rels && !json_is_array(rels))
		return -EBADMSG;
	json_array_foreach(rels, i, r) {
		struct us_release *x;

		if (s->n_releases == US_MAX_RELEASES)
			break;
		x = &s->releases[s->n_releases];
		if (!json_is_object(r) || (rc = str_of(r, "version", x->version, sizeof(x->version))) < 0 ||
		    (rc = u64_of(r, "security_version", &x->security_version)) < 0 ||
		    (rc = str_of(r, "roothash", x->roothash, sizeof(x->roothash))) < 0)
			return -EBADMSG;
		if (!um_version_valid(x->version))
			return -EBADMSG;
		s->n_releases++;
	}
	return 0;
}

int us_save(const char *dir, const struct us_state *s)
{
	_cleanup_free_ char *path = NULL;
	json_auto_t *root = NULL;
	json_t *rels;
	char *text;
	int r;

	if ((r = path_of(dir, &path)) < 0)
		return r;
	rels = json_array();
	root = json_pack("{s:I, s:I, s:I, s:s, s:o}", "newest_issued_at", (json_int_t)s->newest_issued_at,
			 "security_version_floor", (json_int_t)s->sv_floor, "last_refusal_at",
			 (json_int_t)s->last_refusal_at, "last_refusal", s->last_refusal, "releases", rels);
	if (!root)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_releases; i++) {
		const struct us_release *x = &s->releases[i];

		if (json_array_append_new(rels, json_pack("{s:s, s:I, s:s}", "version", x->version, "security_version",
							  (json_int_t)x->security_version, "roothash", x->roothash)) < 0)
			return -ENOMEM;
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	r = write_file_atomic(path, text, strlen(text), 0600);
	free(text);
	return r;
}

const struct us_release *us_find(const struct us_state *s, const char *version)
{
	for (size_t i = 0; i < s->n_releases; i++)
		if (strcmp(s->releases[i].version, version) == 0)
			return &s->releases[i];
	return NULL;
}

void us_remember(struct us_state *s, const char *version, uint64_t sv, const char *roothash_hex)
{
	struct us_release *x = NULL;

	for (size_t i = 0; i < s->n_releases; i++)
		if (strcmp(s->releases[i].version, version) == 0)
			x = &s->releases[i];
	if (!x) {
		if (s->n_releases == US_MAX_RELEASES) {
			memmove(&s->releases[0], &s->releases[1], sizeof(s->releases[0]) * (US_MAX_RELEASES - 1));
			s->n_releases--;
		}
		x = &s->releases[s->n_releases++];
	}
	snprintf(x->version, sizeof(x->version), "%s", version);
	x->security_version = sv;
	snprintf(x->roothash, sizeof(x->roothash), "%s", roothash_hex);
}
