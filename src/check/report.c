/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"
#include "json.h"

#define PROFILE_MAX_DEPTH 4

void profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
}

void profile_free(struct profile *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->rules[i].pattern);
		free(p->rules[i].path);
		free(p->rules[i].reason);
	}
	free(p->rules);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

static int profile_push(struct profile *p, enum profile_action a, const char *pat, const char *path,
			const char *reason)
{
	struct profile_rule *r;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct profile_rule *nv = realloc(p->rules, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		p->rules = nv;
		p->cap = ncap;
	}
	r = &p->rules[p->n];
	r->action = a;
	r->pattern = strdup(pat);
	r->path = path ? strdup(path) : NULL;
	r->reason = strdup(reason ? reason : "");
	if (!r->pattern || !r->reason || (path && !r->path)) {
		free(r->pattern);
		free(r->path);
		free(r->reason);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

/* Splits off the next blank-separated word; returns NULL at end. */
static char *next_word(char **s)
{
	char *w = *s, *e;

	while (*w == ' ' || *w == '\t')
		w++;
	if (!*w)
		return NULL;
	e = w;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (*e)
		*e++ = '\0';
	*s = e;
	return w;
}

static bool valid_token(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

int profile_parse(struct profile *p, const char *text, size_t len, const char *dir, int depth, unsigned *line)
{
	size_t pos = 0;
	unsigned ln = 0;

	if (depth > PROFILE_MAX_DEPTH)
		return -ELOOP;
	while (pos < len) {
		size_t end = pos;
		_cleanup_free_ char *l = NULL;
		char *s, *verb, *pat, *path = NULL, *reason, *hash;
		int r;

		while (end < len && text[end] != '\n')
			end++;
		ln++;
		if (line)
			*line = ln;
		l = strndup(text + pos, end - pos);
		pos = end + 1;
		if (!l)
			return -ENOMEM;
		hash = strchr(l, '#');
		if (hash)
			*hash = '\0';
		s = l;
		verb = next_word(&s);
		if (!verb)
			continue;
		pat = next_word(&s);
		if (!pat || !valid_token(pat))
			return -EINVAL;
		if (strcmp(verb, "include") == 0) {
			_cleanup_free_ char *full = NULL;
			_cleanup_free_ uint8_t *buf = NULL;
			size_t blen;

			if (!dir || next_word(&s) || strchr(pat, '/') || pat[0] == '.')
				return -EINVAL;
			if (asprintf(&full, "%s/%s", dir, pat) < 0)
				return -ENOMEM;
			r = read_file(full, 1 << 20, &buf, &blen);
			if (r < 0)
				return r;
			r = profile_parse(p, (const char *)buf, blen, dir, depth + 1, NULL);
			if (r < 0)
				return r;
			continue;
		}
		if (strcmp(verb, "allow") == 0 || strcmp(verb, "enforce") == 0) {
			path = next_word(&s);
			if (!path || !valid_token(path))
				return -EINVAL;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		reason = s;
		for (char *e = reason + strlen(reason); e > reason && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r');)
			*--e = '\0';
		if (strcmp(verb, "na") == 0)
			r = profile_push(p, PROFILE_NA, pat, NULL, reason);
		else if (strcmp(verb, "advisory") == 0)
			r = profile_push(p, PROFILE_ADVISORY, pat, NULL, reason);
		else if (strcmp(verb, "required") == 0)
			r = profile_push(p, PROFILE_REQUIRED, pat, NULL, reason);
		else if (strcmp(verb, "allow") == 0)
			r = profile_push(p, PROFILE_ALLOW, pat, path, reason);
		else if (strcmp(verb, "enforce") == 0)
			r = profile_push(p, PROFILE_ENFORCE, pat, path, reason);
		else
			return -EINVAL;
		if (r < 0)
			return r;
		if ((p->rules[p->n - 1].action == PROFILE_NA || p->rules[p->n - 1].action == PROFILE_ALLOW) &&
		    !*reason)
			return -EINVAL; /* a check is never waived without saying why */
	}
	return 0;
}

int profile_load(struct profile *p, const char *path, char **bad, unsigned *line)
{
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_free_ char *dir = strdup(path);
	size_t len;
	char *slash;
	int r;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	*line = 0;
	r = read_file(path, 1 << 20, &buf, &len);
	if (r < 0) {
		*bad = strdup(path);
		return r;
	}
	r = profile_parse(p, (const char *)buf, len, dir, 0, line);
	if (r < 0) {
		*bad = strdup(path);
		return r;
	}
	free(p->name);
	p->name = strdup(path);
	return 0;
}

const struct profile_rule *profile_lookup(const struct profile *p, const char *id)
{
	const struct profile_rule *found = NULL;

	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n; i++)
		if (p->rules[i].action != PROFILE_ALLOW && p->rules[i].action != PROFILE_ENFORCE &&
		    fnmatch(p->rules[i].pattern, id, 0) == 0)
			found = &p->rules[i];
	return found;
}

bool profile_allows(const struct profile *p, const char *id, const char *path, const char **reason)
{
	if (!p)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		const struct profile_rule *r = &p->rules[i];

		if (r->action == PROFILE_ENFORCE && fnmatch(r->pattern, id, 0) == 0 &&
		    fnmatch(r->path, path, FNM_PATHNAME | FNM_LEADING_DIR) == 0)
			return false;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct profile_rule *r = &p->rules[i];

		if (r->action == PROFILE_ALLOW && fnmatch(r->pattern, id, 0) == 0 &&
		    fnmatch(r->path, path, FNM_PATHNAME | FNM_LEADING_DIR) == 0) {
			if (reason)
				*reason = r->reason;
			return true;
		}
	}
	return false;
}

void report_init(struct report *r, const struct profile *profile)
{
	memset(r, 0, sizeof(*r));
	r->profile = profile;
}

static void check_free(struct check *c)
{
	free(c->id);
	free(c->objective);
	free(c->expected);
	free(c->found);
	free(c->note);
	for (size_t i = 0; i < c->n_details; i++)
		free(c->details[i]);
	free(c->details);
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->n; i++)
		check_free(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

bool report_wants(const struct report *r, const char *id)
{
	if (!r->only)
		return true;
	for (const char **o = r->only; *o; o++) {
		size_t n = strlen(*o);

		if (strncmp(id, *o, n) == 0 && (id[n] == '\0' || id[n] == '.' || id[n] == ':'))
			return true;
	}
	return false;
}

bool report_wants_group(const struct report *r, const char *group)
{
	size_t n = strlen(group);

	if (report_wants(r, group))
		return true;
	for (const char **o = r->only; o && *o; o++)
		if (strncmp(*o, group, n) == 0 && ((*o)[n] == '.' || (*o)[n] == ':'))
			return true;
	return false;
}

struct check *report_add(struct report *r, const char *id, const char *objective, enum check_status st,
			 const char *expected, const char *found_fmt, ...)
{
	const struct profile_rule *rule;
	struct check *c;
	va_list ap;
	int n;

	if (!report_wants(r, id))
		return NULL;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		struct check *nv = realloc(r->v, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		r->v = nv;
		r->cap = ncap;
	}
	c = &r->v[r->n];
	memset(c, 0, sizeof(*c));
	c->id = strdup(id);
	c->objective = strdup(objective);
	c->expected = strdup(expected ? expected : "");
	va_start(ap, found_fmt);
	n = vasprintf(&c->found, found_fmt, ap);
	va_end(ap);
	if (n < 0)
		c->found = NULL;
	if (!c->id || !c->objective || !c->expected || !c->found) {
		check_free(c);
		return NULL;
	}
	c->status = st;
	c->required = true;
	rule = profile_lookup(r->profile, id);
	if (rule) {
		switch (rule->action) {
		case PROFILE_NA:
			c->status = CHECK_NA;
			c->note = strdup(rule->reason);
			break;
		case PROFILE_ADVISORY:
			c->required = false;
			if (*rule->reason)
				c->note = strdup(rule->reason);
			break;
		default:
			break;
		}
	}
	r->n++;
	return c;
}

int check_add_detail(struct check *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (!c)
		return 0;
	c->total_details++;
	if (c->n_details >= REPORT_MAX_DETAILS)
		return 0;
	if (!c->details) {
		c->details = calloc(REPORT_MAX_DETAILS, sizeof(char *));
		if (!c->details)
			return -ENOMEM;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	c->details[c->n_details++] = s;
	return 0;
}

struct check *report_find(struct report *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].id, id) == 0)
			return &r->v[i];
	return NULL;
}

size_t report_failures(const struct report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].required && r->v[i].status == CHECK_FAIL)
			n++;
	return n;
}

const char *check_status_str(enum check_status s)
{
	switch (s) {
	case CHECK_OK:
		return "OK";
	case CHECK_FAIL:
		return "FAIL";
	default:
		return "N/A";
	}
}

/* Prints s in a column of width w (truncated with "~" unless wide). */
static void col(FILE *f, const char *s, int w, bool wide)
{
	int len = (int)strlen(s);

	if (wide || len <= w)
		fprintf(f, "%-*s ", w, s);
	else
		fprintf(f, "%.*s~ ", w - 1, s);
}

void report_print_table(const struct report *r, FILE *f, bool color, bool verbose)
{
	size_t ok = 0, fail = 0, adv = 0, na = 0;
	int wid = 5, wobj = 9, wexp = 8;

	for (size_t i = 0; i < r->n; i++) {
		int l = (int)strlen(r->v[i].id);

		if (l > wid)
			wid = l;
		l = (int)strlen(r->v[i].objective);
		if (l > wobj)
			wobj = l;
		l = (int)strlen(r->v[i].expected);
		if (l > wexp)
			wexp = l;
	}
	if (wid > 36)
		wid = 36;
	if (wobj > 28)
		wobj = 28;
	if (wexp > 28)
		wexp = 28;
	col(f, "CHECK", wid, false);
	col(f, "OBJECTIVE", wobj, false);
	col(f, "EXPECTED", wexp, false);
	col(f, "FOUND", 40, false);
	fputs("RESULT\n", f);
	for (size_t i = 0; i < r->n; i++) {
		const struct check *c = &r->v[i];
		const char *st = check_status_str(c->status);
		const char *on = "", *off = "";

		if (color) {
			off = "\033[0m";
			on = c->status == CHECK_OK ? "\033[32m" : c->status == CHECK_NA ? "\033[2m" :
			     c->required ? "\033[1;31m" : "\033[33m";
		}
		col(f, c->id, wid, verbose);
		col(f, c->objective, wobj, verbose);
		col(f, c->expected, wexp, verbose);
		col(f, c->found, 40, verbose);
		fprintf(f, "%s%s%s%s", on, st, c->status == CHECK_FAIL && !c->required ? " (advisory)" : "", off);
		if (c->note && *c->note && (verbose || c->status == CHECK_NA))
			fprintf(f, "  [%s]", c->note);
		fputc('\n', f);
		if (verbose || c->status == CHECK_FAIL)
			for (size_t d = 0; d < c->n_details && (verbose || d < 5); d++)
				fprintf(f, "    - %s\n", c->details[d]);
		if (c->status == CHECK_FAIL && !verbose && c->total_details > 5)
			fprintf(f, "    ... %zu more (--verbose or --json)\n", c->total_details - 5);
		if (c->status == CHECK_OK)
			ok++;
		else if (c->status == CHECK_NA)
			na++;
		else if (c->required)
			fail++;
		else
			adv++;
	}
	fprintf(f, "\n%zu checks: %zu OK, %zu FAIL, %zu advisory FAIL, %zu N/A%s%s\n", r->n, ok, fail, adv, na,
		r->profile && r->profile->name ? "; profile " : "", r->profile && r->profile->name ? r->profile->name : "");
}

int report_print_json(const struct report *r, FILE *f, const char *mode, const char *target)
{
	struct json j;

	json_init(&j, f, false);
	json_obj_begin(&j);
	json_kv_str(&j, "mode", mode);
	if (target)
		json_kv_str(&j, "target", target);
	if (r->profile && r->profile->name)
		json_kv_str(&j, "profile", r->profile->name);
	json_kv_bool(&j, "passed", report_failures(r) == 0);
	json_kv_u64(&j, "failures", report_failures(r));
	json_key(&j, "checks");
	json_arr_begin(&j);
	for (size_t i = 0; i < r->n; i++) {
		const struct check *c = &r->v[i];

		json_obj_begin(&j);
		json_kv_str(&j, "id", c->id);
		json_kv_str(&j, "objective", c->objective);
		json_kv_str(&j, "expected", c->expected);
		json_kv_str(&j, "found", c->found);
		json_kv_str(&j, "status", check_status_str(c->status));
		json_kv_bool(&j, "required", c->required);
		if (c->note)
			json_kv_str(&j, "note", c->note);
		if (c->total_details) {
			json_key(&j, "details");
			json_arr_begin(&j);
			for (size_t d = 0; d < c->n_details; d++)
				json_str(&j, c->details[d]);
			json_arr_end(&j);
			json_kv_u64(&j, "details_total", c->total_details);
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	return json_end(&j);
}
