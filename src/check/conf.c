/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "cleanup.h"

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int strv_pushn(struct strv *s, const char *str, size_t n)
{
	char *d;

	if (s->n + 1 >= s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		char **nv = realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	d = strndup(str, n);
	if (!d)
		return -ENOMEM;
	s->v[s->n++] = d;
	s->v[s->n] = NULL;
	return 0;
}

int strv_push(struct strv *s, const char *str)
{
	return strv_pushn(s, str, strlen(str));
}

/* Iterates over lines: sets *l and *ll to the next line without '\n'. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **l, size_t *ll)
{
	size_t e = *pos;

	if (*pos >= len)
		return false;
	while (e < len && text[e] != '\n')
		e++;
	*l = text + *pos;
	*ll = e - *pos;
	*pos = e + 1;
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static bool has_nul_or_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return true;
	return false;
}

int conf_parse_cmdline_file(const char *text, size_t len, struct strv *out)
{
	size_t pos = 0, ll;
	const char *l;

	while (next_line(text, len, &pos, &l, &ll)) {
		const char *h = memchr(l, '#', ll);
		int r;

		if (h)
			ll = (size_t)(h - l);
		trim(&l, &ll);
		if (!ll)
			continue;
		if (has_nul_or_ctl(l, ll) || memchr(l, ' ', ll) || memchr(l, '\t', ll) || l[0] == '=')
			return -EINVAL;
		r = strv_pushn(out, l, ll);
		if (r < 0)
			return r;
	}
	return 0;
}

int cmdline_split(const char *text, size_t len, struct strv *out)
{
	size_t i = 0;

	while (i < len) {
		char buf[4096];
		size_t b = 0;
		bool quoted = false;
		int r;

		while (i < len && (isspace((unsigned char)text[i]) || text[i] == '\0'))
			i++;
		if (i >= len)
			break;
		while (i < len && text[i] != '\0' && (quoted || !isspace((unsigned char)text[i]))) {
			if (text[i] == '"')
				quoted = !quoted;
			else if (b < sizeof(buf) - 1)
				buf[b++] = text[i];
			i++;
		}
		r = strv_pushn(out, buf, b);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool key_eq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

const char *cmdline_get(const struct strv *tokens, const char *key)
{
	const char *val = NULL;
	size_t kl = strlen(key);

	for (size_t i = 0; i < tokens->n; i++) {
		const char *t = tokens->v[i], *eq = strchr(t, '=');
		size_t tl = eq ? (size_t)(eq - t) : strlen(t);

		if (strcmp(t, "--") == 0)
			break; /* the rest goes to init */
		if (key_eq(t, tl, key, kl))
			val = eq ? eq + 1 : t + tl;
	}
	return val;
}

const char *cmdline_roothash(const struct strv *tokens)
{
	const char *v = cmdline_get(tokens, "roothash");

	return v ? v : cmdline_get(tokens, "rempart.roothash");
}

bool cmdline_satisfies(const struct strv *tokens, const char *want, const char **found)
{
	const char *eq = strchr(want, '=');
	_cleanup_free_ char *key = strndup(want, eq ? (size_t)(eq - want) : strlen(want));
	const char *v;

	*found = NULL;
	if (!key)
		return false;
	v = cmdline_get(tokens, key);
	*found = v;
	if (!v)
		return false;
	if (!eq)
		return true; /* a flag: present (a value, if any, is accepted) */
	return strcmp(v, eq + 1) == 0;
}

void sysctl_set_free(struct sysctl_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].value);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

char *sysctl_normalize(const char *value, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	bool space = false;

	if (!out)
		return NULL;
	trim(&value, &len);
	for (size_t i = 0; i < len; i++) {
		if (isspace((unsigned char)value[i])) {
			space = true;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = false;
		*o++ = value[i];
	}
	*o = '\0';
	return out;
}

char *sysctl_key_to_path(const char *key)
{
	char *p;
	size_t n = strlen(key);

	if (!n || key[0] == '.' || key[n - 1] == '.' || strstr(key, "..") || strchr(key, '/') ||
	    has_nul_or_ctl(key, n) || strchr(key, ' '))
		return NULL;
	p = strdup(key);
	if (!p)
		return NULL;
	for (char *c = p; *c; c++)
		if (*c == '.')
			*c = '/';
	return p;
}

static struct sysctl_entry *sysctl_find(struct sysctl_set *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].key, key) == 0)
			return &s->v[i];
	return NULL;
}

const struct sysctl_entry *sysctl_get(const struct sysctl_set *s, const char *key)
{
	return sysctl_find((struct sysctl_set *)s, key);
}

int sysctl_parse(const char *text, size_t len, struct sysctl_set *out, unsigned *line)
{
	size_t pos = 0, ll;
	const char *l;
	unsigned ln = 0;

	while (next_line(text, len, &pos, &l, &ll)) {
		const char *eq, *k, *v;
		size_t kl, vl;
		bool optional = false;
		_cleanup_free_ char *key = NULL, *val = NULL;
		struct sysctl_entry *e;

		ln++;
		if (line)
			*line = ln;
		trim(&l, &ll);
		if (!ll || l[0] == '#' || l[0] == ';')
			continue;
		if (has_nul_or_ctl(l, ll))
			return -EINVAL;
		eq = memchr(l, '=', ll);
		if (!eq)
			return -EINVAL;
		k = l;
		kl = (size_t)(eq - l);
		v = eq + 1;
		vl = ll - kl - 1;
		trim(&k, &kl);
		if (kl && k[0] == '-') {
			optional = true;
			k++;
			kl--;
		}
		if (!kl)
			return -EINVAL;
		key = strndup(k, kl);
		val = sysctl_normalize(v, vl);
		if (!key || !val)
			return -ENOMEM;
		for (char *c = key; *c; c++)
			if (*c == '/')
				*c = '.';
		{
			char *path = sysctl_key_to_path(key);

			if (!path)
				return -EINVAL;
			free(path);
		}
		e = sysctl_find(out, key);
		if (e) {
			free(e->value);
			e->value = TAKE_PTR(val);
			e->optional = optional;
			continue;
		}
		if (out->n == out->cap) {
			size_t ncap = out->cap ? out->cap * 2 : 32;
			struct sysctl_entry *nv = realloc(out->v, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			out->v = nv;
			out->cap = ncap;
		}
		out->v[out->n].key = TAKE_PTR(key);
		out->v[out->n].value = TAKE_PTR(val);
		out->v[out->n].optional = optional;
		out->n++;
	}
	return 0;
}

void cap_list_free(struct cap_list *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].reason);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

int cap_list_parse(const char *text, size_t len, struct cap_list *out, unsigned *line)
{
	size_t pos = 0, ll;
	const char *l;
	unsigned ln = 0;

	while (next_line(text, len, &pos, &l, &ll)) {
		_cleanup_free_ char *s = NULL, *lower = NULL;
		char name[64], verb[16];
		int off = 0;
		cap_value_t cv;
		const char *reason;

		ln++;
		if (line)
			*line = ln;
		trim(&l, &ll);
		if (!ll || l[0] == '#')
			continue;
		if (has_nul_or_ctl(l, ll))
			return -EINVAL;
		s = strndup(l, ll);
		if (!s)
			return -ENOMEM;
		if (sscanf(s, "%63s %15s %n", name, verb, &off) < 2)
			return -EINVAL;
		reason = s + off;
		lower = strdup(name);
		if (!lower)
			return -ENOMEM;
		for (char *c = lower; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strncmp(lower, "cap_", 4) != 0 || cap_from_name(lower, &cv) < 0)
			return -EINVAL;
		if (strcmp(verb, "keep") && strcmp(verb, "drop"))
			return -EINVAL;
		for (size_t i = 0; i < out->n; i++)
			if (out->v[i].number == cv)
				return -EINVAL; /* decided twice */
		if (out->n == out->cap) {
			size_t ncap = out->cap ? out->cap * 2 : 48;
			struct cap_entry *nv = realloc(out->v, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			out->v = nv;
			out->cap = ncap;
		}
		for (char *c = name; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		out->v[out->n].name = strdup(name);
		out->v[out->n].reason = strdup(reason);
		if (!out->v[out->n].name || !out->v[out->n].reason) {
			free(out->v[out->n].name);
			free(out->v[out->n].reason);
			return -ENOMEM;
		}
		out->v[out->n].number = cv;
		out->v[out->n].decision = strcmp(verb, "drop") == 0 ? CAP_DROP : CAP_KEEP;
		out->n++;
	}
	return 0;
}

char *status_get(const char *text, size_t len, const char *key)
{
	size_t pos = 0, ll, kl = strlen(key);
	const char *l;

	while (next_line(text, len, &pos, &l, &ll)) {
		if (ll > kl && memcmp(l, key, kl) == 0 && l[kl] == ':') {
			const char *v = l + kl + 1;
			size_t vl = ll - kl - 1;

			trim(&v, &vl);
			return strndup(v, vl);
		}
	}
	return NULL;
}

void mount_table_free(struct mount_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].mountpoint);
		free(t->v[i].fstype);
		free(t->v[i].source);
		free(t->v[i].options);
		free(t->v[i].super);
		free(t->v[i].majmin);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Decodes the \ooo escapes of mountinfo and fstab fields. */
static char *unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
		    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static int fields(const char *l, size_t ll, const char **f, size_t *fl, int max)
{
	int n = 0;
	size_t i = 0;

	while (i < ll && n < max) {
		while (i < ll && isspace((unsigned char)l[i]))
			i++;
		if (i >= ll)
			break;
		f[n] = l + i;
		while (i < ll && !isspace((unsigned char)l[i]))
			i++;
		fl[n] = (size_t)(l + i - f[n]);
		n++;
	}
	return n;
}

static int mount_push(struct mount_table *t, const char *mp, size_t mpl, const char *type, size_t tl,
		      const char *src, size_t sl, const char *opts, size_t ol, const char *sup, size_t supl,
		      const char *mm, size_t mml)
{
	struct mount_entry *e;

	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;
		struct mount_entry *nv = realloc(t->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = ncap;
	}
	e = &t->v[t->n];
	e->mountpoint = unescape(mp, mpl);
	e->fstype = unescape(type, tl);
	e->source = unescape(src, sl);
	e->options = strndup(opts, ol);
	e->super = strndup(sup, supl);
	e->majmin = strndup(mm, mml);
	if (!e->mountpoint || !e->fstype || !e->source || !e->options || !e->super || !e->majmin) {
		free(e->majmin);
		free(e->mountpoint);
		free(e->fstype);
		free(e->source);
		free(e->options);
		free(e->super);
		return -ENOMEM;
	}
	t->n++;
	return 0;
}

int mountinfo_parse(const char *text, size_t len, struct mount_table *out)
{
	size_t pos = 0, ll;
	const char *l;

	while (next_line(text, len, &pos, &l, &ll)) {
		const char *f[32];
		size_t fl[32];
		int n = fields(l, ll, f, fl, 32), sep = -1, r;

		if (n == 0)
			continue;
		for (int i = 6; i < n; i++)
			if (fl[i] == 1 && f[i][0] == '-') {
				sep = i;
				break;
			}
		if (sep < 0 || sep + 2 >= n)
			return -EINVAL;
		r = mount_push(out, f[4], fl[4], f[sep + 1], fl[sep + 1], f[sep + 2], fl[sep + 2], f[5], fl[5],
			       sep + 3 < n ? f[sep + 3] : "", sep + 3 < n ? fl[sep + 3] : 0, f[2], fl[2]);
		if (r < 0)
			return r;
	}
	return 0;
}

int fstab_parse(const char *text, size_t len, struct mount_table *out)
{
	size_t pos = 0, ll;
	const char *l;

	while (next_line(text, len, &pos, &l, &ll)) {
		const char *f[8];
		size_t fl[8];
		int n, r;

		trim(&l, &ll);
		if (!ll || l[0] == '#')
			continue;
		n = fields(l, ll, f, fl, 8);
		if (n < 3)
			return -EINVAL;
		r = mount_push(out, f[1], fl[1], f[2], fl[2], f[0], fl[0], n > 3 ? f[3] : "defaults",
			       n > 3 ? fl[3] : 8, "", 0, "", 0);
		if (r < 0)
			return r;
	}
	return 0;
}

bool opt_has(const char *opts, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = opts; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == n && memcmp(p, opt, n) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* Not filesystems that can hold a program or a device node: swap, autofs
 * triggers (the mount they trigger is judged itself), namespace files. */
static const char *const pseudo_skip[] = { "swap", "none", "autofs", "nsfs" };

enum mount_verdict mount_judge(const struct mount_entry *m, char *missing, size_t size)
{
	bool ro = opt_has(m->options, "ro") || opt_has(m->super, "ro");
	bool dev_fs = strcmp(m->fstype, "devtmpfs") == 0 || strcmp(m->fstype, "devpts") == 0;
	const char *need[3];
	size_t nn = 0, w = 0;

	if (size)
		missing[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(pseudo_skip); i++)
		if (strcmp(m->fstype, pseudo_skip[i]) == 0 || strcmp(m->mountpoint, pseudo_skip[i]) == 0)
			return MOUNT_NOT_APPLICABLE;
	if (strcmp(m->mountpoint, "/") == 0)
		return ro ? MOUNT_OK : MOUNT_ROOT_RW;
	need[nn++] = "nosuid";
	if (!dev_fs)
		need[nn++] = "nodev";
	if (!ro)
		need[nn++] = "noexec";
	for (size_t i = 0; i < nn; i++) {
		if (opt_has(m->options, need[i]))
			continue;
		int k = snprintf(missing + w, size > w ? size - w : 0, "%s%s", w ? "," : "", need[i]);

		if (k > 0)
			w += (size_t)k;
	}
	return w ? MOUNT_MISSING : MOUNT_OK;
}
