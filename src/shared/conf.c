/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "conf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"

#define CONF_MAX (1u << 20)

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

int conf_parse(const char *text, size_t len, struct conf *c)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	memset(c, 0, sizeof(*c));
	if (len > CONF_MAX)
		return -EFBIG;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p, *e = le, *eq, *ks, *ke, *vs, *ve;
		struct conf_entry *nv;

		line++;
		p = nl ? nl + 1 : end;
		if (memchr(s, '\0', (size_t)(e - s)))
			goto bad;
		trim(&s, &e);
		if (s == e || *s == '#')
			continue;
		eq = memchr(s, '=', (size_t)(e - s));
		if (!eq)
			goto bad;
		ks = s;
		ke = eq;
		vs = eq + 1;
		ve = e;
		trim(&ks, &ke);
		trim(&vs, &ve);
		if (ks == ke)
			goto bad;
		for (const char *k = ks; k < ke; k++)
			if (!key_char(*k))
				goto bad;
		for (size_t i = 0; i < c->n; i++)
			if (strlen(c->v[i].key) == (size_t)(ke - ks) && memcmp(c->v[i].key, ks, (size_t)(ke - ks)) == 0)
				goto bad;
		nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
		if (!nv) {
			conf_free(c);
			return -ENOMEM;
		}
		c->v = nv;
		c->v[c->n].key = strndup(ks, (size_t)(ke - ks));
		c->v[c->n].value = strndup(vs, (size_t)(ve - vs));
		c->v[c->n].line = line;
		c->n++;
		if (!c->v[c->n - 1].key || !c->v[c->n - 1].value) {
			conf_free(c);
			return -ENOMEM;
		}
		continue;
bad:
		conf_free(c);
		c->error_line = line;
		return -EBADMSG;
	}
	return 0;
}

int conf_load(const char *path, struct conf *c)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r;

	memset(c, 0, sizeof(*c));
	r = read_file(path, CONF_MAX, &buf, &len);
	if (r < 0)
		return r;
	return conf_parse((const char *)buf, len, c);
}

const char *conf_get(const struct conf *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].key, key) == 0)
			return c->v[i].value;
	return NULL;
}

const char *conf_unknown_key(const struct conf *c, const char *const *allowed)
{
	for (size_t i = 0; i < c->n; i++) {
		bool ok = false;

		for (size_t j = 0; allowed[j]; j++)
			if (strcmp(c->v[i].key, allowed[j]) == 0)
				ok = true;
		if (!ok)
			return c->v[i].key;
	}
	return NULL;
}

void conf_free(struct conf *c)
{
	unsigned el = c->error_line;

	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].key);
		free(c->v[i].value);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
	c->error_line = el;
}

int list_load(const char *path, char ***items, size_t *n)
{
	_cleanup_free_ uint8_t *buf = NULL;
	char **v = NULL;
	size_t len, count = 0;
	char *p, *save = NULL;
	int r;

	r = read_file(path, CONF_MAX, &buf, &len);
	if (r < 0)
		return r;
	for (p = strtok_r((char *)buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		const char *s = p, *e = p + strlen(p);
		char *hash = memchr(p, '#', strlen(p));
		char **nv;

		if (hash)
			e = hash;
		trim(&s, &e);
		if (s == e)
			continue;
		nv = realloc(v, (count + 1) * sizeof(*nv));
		if (!nv || !(nv[count] = strndup(s, (size_t)(e - s)))) {
			list_free(nv ? nv : v, count);
			return -ENOMEM;
		}
		v = nv;
		count++;
	}
	*items = v;
	*n = count;
	return 0;
}

void list_free(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}
