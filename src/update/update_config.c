/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "conf.h"
#include "update_config.h"
#include "fileio.h"
#include "parse.h"

enum kind { K_STR, K_NAME, K_PATH, K_BOOL, K_U32, K_URL, K_API, K_STORE };

struct key {
	const char *name;
	enum kind kind;
	size_t off, size;
	bool required;
};

#define F(field) offsetof(struct update_config, field), sizeof(((struct update_config *)0)->field)
static const struct key keys[] = {
	{ "product", K_NAME, F(product), true },
	{ "channel", K_NAME, F(channel), true },
	{ "server", K_URL, F(server), true },
	{ "api", K_API, F(api_v1), false },
	{ "ca", K_PATH, F(ca), true },
	{ "pin", K_STR, F(pin), false },
	{ "pubkey", K_PATH, F(pubkey), true },
	{ "disk", K_PATH, F(disk), true },
	{ "esp", K_PATH, F(esp), true },
	{ "state_dir", K_PATH, F(state_dir), true },
	{ "environments_dir", K_PATH, F(environments_dir), false },
	{ "cmdline", K_PATH, F(cmdline), false },
	{ "os_release", K_PATH, F(os_release), false },
	{ "machine_id", K_PATH, F(machine_id), false },
	{ "security_version_store", K_STORE, F(sv_store), false },
	{ "tpm_approval", K_PATH, F(tpm_approval), false },
	{ "tpm_tcti", K_STR, F(tpm_tcti), false },
	{ "boot_tries", K_U32, F(boot_tries), false },
	{ "timeout", K_U32, F(timeout), false },
	{ "health_failed_units", K_BOOL, F(health_failed_units), false },
	{ "override", K_PATH, F(override), false },
};

__attribute__((format(printf, 2, 3))) static int bad(char err[256], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, 256, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int set(struct update_config *c, const struct key *k, const char *v, char err[256])
{
	char *field = (char *)c + k->off;
	uint64_t u;

	switch (k->kind) {
	case K_NAME:
		if (!um_name_valid(v))
			return bad(err, "%s: \"%s\" is not a name ([a-z0-9-])", k->name, v);
		break;
	case K_PATH:
		if (v[0] != '/')
			return bad(err, "%s: \"%s\" is not an absolute path", k->name, v);
		break;
	case K_URL:
		if (strncmp(v, "https://", 8) != 0 || strlen(v) < 9)
			return bad(err, "%s: \"%s\" is not an https:// URL (plain HTTP is never used)", k->name, v);
		break;
	case K_BOOL:
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return bad(err, "%s: \"%s\" is not yes or no", k->name, v);
		*(bool *)field = strcmp(v, "yes") == 0;
		return 0;
	case K_U32:
		if (parse_u64_range(v, 1, 86400, &u) < 0)
			return bad(err, "%s: \"%s\" is not an integer in 1..86400", k->name, v);
		*(uint32_t *)field = (uint32_t)u;
		return 0;
	case K_API:
		if (strcmp(v, "static") && strcmp(v, "v1"))
			return bad(err, "%s: \"%s\" is not static or v1", k->name, v);
		*(bool *)field = strcmp(v, "v1") == 0;
		return 0;
	case K_STORE:
		if (strcmp(v, "tpm") && strcmp(v, "state"))
			return bad(err, "%s: \"%s\" is not tpm or state", k->name, v);
		*(enum sv_store *)field = strcmp(v, "tpm") == 0 ? SV_STORE_TPM : SV_STORE_STATE;
		return 0;
	case K_STR:
		break;
	}
	if (strlen(v) >= k->size)
		return bad(err, "%s: value too long", k->name);
	memcpy(field, v, strlen(v) + 1);
	return 0;
}

/* The administrator's override (rempart-admind's update.conf): only
 * server and channel, validated exactly like the main file's. */
static int apply_override(struct update_config *c, char err[256])
{
	static const char *const allowed[] = { "server", "channel", NULL };
	struct conf o;
	const char *unknown;
	int r;

	r = conf_load(c->override, &o);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADMSG || r == -EINVAL)
		return bad(err, "override %s: malformed line %u (expected key = value, no duplicates)", c->override,
			   o.error_line);
	if (r < 0)
		return bad(err, "override %s: cannot read it: %s", c->override, strerror(-r)), r;
	unknown = conf_unknown_key(&o, allowed);
	if (unknown) {
		r = bad(err, "override %s: key \"%.64s\" is not allowed there (only server and channel)", c->override,
			unknown);
		conf_free(&o);
		return r;
	}
	for (size_t i = 0; i < o.n && r >= 0; i++) {
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			char sub[256];

			if (strcmp(keys[k].name, o.v[i].key))
				continue;
			r = set(c, &keys[k], o.v[i].value, sub);
			if (r < 0)
				bad(err, "override %s line %u: %s", c->override, o.v[i].line, sub);
		}
	}
	conf_free(&o);
	return r < 0 ? r : 0;
}

int update_config_load(const char *path, struct update_config *c, unsigned *lineno, char err[256])
{
	_cleanup_free_ uint8_t *buf = NULL;
	bool seen[ARRAY_SIZE(keys)] = { false };
	char *line, *next;
	size_t len;
	int r;

	memset(c, 0, sizeof(*c));
	snprintf(c->cmdline, sizeof(c->cmdline), "/proc/cmdline");
	snprintf(c->os_release, sizeof(c->os_release), "/etc/os-release");
	snprintf(c->machine_id, sizeof(c->machine_id), "/etc/machine-id");
	snprintf(c->environments_dir, sizeof(c->environments_dir), "/var/lib/rempart/environments");
	c->sv_store = SV_STORE_TPM;
	snprintf(c->tpm_approval, sizeof(c->tpm_approval), "/run/rempart/approval.b64");
	c->boot_tries = 3;
	c->timeout = 120;
	c->health_failed_units = true;
	*lineno = 0;
	r = read_file(path, 64 * 1024, &buf, &len);
	if (r < 0)
		return r;
	if (memchr(buf, '\0', len))
		return bad(err, "NUL byte in the file");
	for (line = (char *)buf; line; line = next) {
		char *eq, *k, *v;
		size_t i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		(*lineno)++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq)
			return bad(err, "expected key = value: \"%.80s\"", line);
		*eq = '\0';
		k = trim(line);
		v = trim(eq + 1);
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (strcmp(keys[i].name, k) == 0)
				break;
		if (i == ARRAY_SIZE(keys))
			return bad(err, "unknown key \"%.64s\"", k);
		if (seen[i])
			return bad(err, "duplicate key \"%s\"", k);
		seen[i] = true;
		r = set(c, &keys[i], v, err);
		if (r < 0)
			return r;
	}
	*lineno = 0;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].required && !seen[i])
			return bad(err, "missing required key \"%s\"", keys[i].name);
	if (c->override[0]) {
		r = apply_override(c, err);
		if (r < 0)
			return r;
	}
	/* No trailing slash on the server base. */
	len = strlen(c->server);
	while (len > 8 && c->server[len - 1] == '/')
		c->server[--len] = '\0';
	return 0;
}
