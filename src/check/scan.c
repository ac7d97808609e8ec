/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "scan.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "conf.h"
#include "elfqa.h"

#define ELF_MAX_SIZE (1024ull << 20)

struct prop_acc {
	uint64_t applicable, failing, allowed;
	struct strv paths; /* first failing paths */
};

struct scan_state {
	const struct scan_opts *o;
	const struct profile *profile;
	uint64_t files, elf_files, unreadable;
	struct prop_acc elf[ELFQA_NPROPS];
	struct prop_acc malformed, suid, interp;
};

static const char *const interpreters[] = {
	"sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "csh", "tcsh", "fish", "busybox", "rbash",
	"perl", "python", "python2", "python3", "pypy", "pypy3", "ruby", "irb", "lua", "luajit", "tclsh", "wish",
	"expect", "node", "nodejs", "php", "guile", "gawk", "mawk", "nawk", "awk", "gdb", "java", "jshell",
	"rhino", "jjs", "pwsh", "R", "Rscript", "julia", "ghci", "runghc", "ocaml", "sbcl", "clisp", "emacs",
	"vim", "vi", "nvim", "ed", "busybox.static", "osascript", "qjs", "rc", "es", "yash", "posh",
};

bool scan_is_interpreter(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(interpreters); i++) {
		size_t l = strlen(interpreters[i]);

		if (n < l || memcmp(name, interpreters[i], l) != 0)
			continue;
		/* exact, or a versioned name: perl5.36.0, python3.11, lua5.4, and
		 * Debian's arch-qualified copies such as perl5.36-x86_64-linux-gnu */
		if (name[l] == '\0' || isdigit((unsigned char)name[l]) || name[l] == '.')
			return true;
	}
	return false;
}

static bool in_bin_dir(const char *path)
{
	static const char *const dirs[] = { "/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/",
					     "/usr/local/sbin/", "/usr/games/" };
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		size_t l = strlen(dirs[i]);

		if (strncmp(path, dirs[i], l) == 0 && !strchr(path + l, '/'))
			return true;
	}
	return false;
}

static int acc_fail(struct scan_state *s, struct prop_acc *a, const char *id, const char *path, const char *what)
{
	const char *reason;

	if (profile_allows(s->profile, id, path, &reason)) {
		a->allowed++;
		return 0;
	}
	a->failing++;
	if (a->paths.n < REPORT_MAX_DETAILS) {
		_cleanup_free_ char *d = NULL;

		if (asprintf(&d, "%s%s%s", path, what ? " " : "", what ? what : "") < 0)
			return -ENOMEM;
		return strv_push(&a->paths, d);
	}
	return 0;
}

static int scan_elf(struct rootfs *fs, struct scan_state *s, const struct rootfs_entry *e)
{
	struct rootfs_blob b;
	struct elfqa q;
	uint8_t head[4];
	int r;

	if (e->size < 52)
		return 0;
	r = fs->ops->read_head(fs, e, head, sizeof(head));
	if (r < 4) {
		if (r < 0)
			s->unreadable++;
		return 0;
	}
	if (!elfqa_is_elf(head, sizeof(head)))
		return 0;
	r = fs->ops->read_entry(fs, e, ELF_MAX_SIZE, &b);
	if (r < 0) {
		s->unreadable++;
		return r == -ENOMEM ? r : 0;
	}
	r = elfqa_analyze(b.data, b.len, &q);
	rootfs_blob_free(&b);
	if (r == -ENOMEM)
		return r;
	s->elf_files++;
	if (r < 0) {
		s->malformed.applicable++;
		return acc_fail(s, &s->malformed, "elf.parse", e->path, "(malformed ELF)");
	}
	s->malformed.applicable++;
	for (int p = 0; p < ELFQA_NPROPS; p++) {
		enum elfqa_verdict v = elfqa_judge(&q, (enum elfqa_prop)p);

		if (v == ELFQA_NOT_APPLICABLE)
			continue;
		s->elf[p].applicable++;
		if (v == ELFQA_FAILS) {
			r = acc_fail(s, &s->elf[p], elfqa_prop_id((enum elfqa_prop)p), e->path, NULL);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int scan_cb(struct rootfs *fs, const struct rootfs_entry *e, void *ud)
{
	struct scan_state *s = ud;
	unsigned what = s->o->what;
	const char *base;

	if (s->o->exclude)
		for (const char *const *x = s->o->exclude; *x; x++) {
			size_t l = strlen(*x);

			if (strncmp(e->path, *x, l) == 0 && (e->path[l] == '\0' || e->path[l] == '/' || (*x)[l - 1] == '/'))
				return 1; /* prune */
		}
	s->files++;
	base = strrchr(e->path, '/');
	base = base ? base + 1 : e->path;
	if ((what & SCAN_INTERP) && (S_ISREG(e->mode) || S_ISLNK(e->mode)) && in_bin_dir(e->path) &&
	    scan_is_interpreter(base)) {
		_cleanup_free_ char *d = NULL;

		s->interp.applicable++;
		if (asprintf(&d, "%s%s", e->link ? "-> " : "", e->link ? e->link : "") < 0)
			return -ENOMEM;
		int r = acc_fail(s, &s->interp, "interp.none", e->path, e->link ? d : NULL);
		if (r < 0)
			return r;
	}
	if (!S_ISREG(e->mode))
		return 0;
	if ((what & SCAN_SUID)) {
		s->suid.applicable++;
		if (e->mode & (S_ISUID | S_ISGID)) {
			char what_s[64];

			snprintf(what_s, sizeof(what_s), "(%s%s%s, uid %u gid %u, mode %04o)",
				 e->mode & S_ISUID ? "setuid" : "", (e->mode & S_ISUID) && (e->mode & S_ISGID) ? "+" : "",
				 e->mode & S_ISGID ? "setgid" : "", e->uid, e->gid, e->mode & 07777);
			int r = acc_fail(s, &s->suid, "suid.none", e->path, what_s);
			if (r < 0)
				return r;
		}
	}
	if (what & SCAN_ELF)
		return scan_elf(fs, s, e);
	return 0;
}

static void add_details(struct check *c, const struct prop_acc *a)
{
	for (size_t i = 0; i < a->paths.n; i++)
		check_add_detail(c, "%s", a->paths.v[i]);
	if (c)
		c->total_details = a->failing;
}

static void emit(struct report *r, struct prop_acc *a, const char *id, const char *objective,
		 const char *expected, const char *unit, bool advisory_default)
{
	struct check *c;
	char allowed[96] = "";

	if (a->allowed)
		snprintf(allowed, sizeof(allowed), ", %llu allowed by profile", (unsigned long long)a->allowed);
	if (a->failing)
		c = report_add(r, id, objective, CHECK_FAIL, expected, "%llu of %llu %s fail%s",
			       (unsigned long long)a->failing, (unsigned long long)a->applicable, unit, allowed);
	else
		c = report_add(r, id, objective, CHECK_OK, expected, "%llu %s pass%s", (unsigned long long)a->applicable,
			       unit, allowed);
	if (!c)
		return;
	if (advisory_default) {
		const struct profile_rule *rule = profile_lookup(r->profile, id);

		if (!rule || rule->action != PROFILE_REQUIRED)
			c->required = false;
	}
	add_details(c, a);
}

int scan_rootfs(struct rootfs *fs, struct report *rep, const struct scan_opts *o)
{
	struct scan_state s = { .o = o, .profile = rep->profile };
	int r;

	r = rootfs_walk(fs, scan_cb, &s);
	if (r >= 0) {
		if (o->what & SCAN_SUID) {
			struct check *c;

			if (s.suid.failing)
				c = report_add(rep, "suid.none", "no privilege elevation", CHECK_FAIL,
					       "no setuid/setgid file", "%llu setuid/setgid files",
					       (unsigned long long)s.suid.failing);
			else
				c = report_add(rep, "suid.none", "no privilege elevation", CHECK_OK,
					       "no setuid/setgid file", "none in %llu files%s", (unsigned long long)s.files,
					       s.suid.allowed ? " (some allowed by profile)" : "");
			add_details(c, &s.suid);
		}
		if (o->what & SCAN_ELF) {
			static const char *const objective = "hardened binaries, W^X";

			for (int p = 0; p < ELFQA_NPROPS; p++)
				emit(rep, &s.elf[p], elfqa_prop_id((enum elfqa_prop)p), objective,
				     elfqa_prop_expected((enum elfqa_prop)p), "ELF files",
				     p == ELFQA_SSP || p == ELFQA_FORTIFY);
			emit(rep, &s.malformed, "elf.parse", objective, "well-formed ELF", "ELF files", false);
		}
		if (o->what & SCAN_INTERP) {
			struct check *c;

			if (s.interp.failing)
				c = report_add(rep, "interp.none", "interpreters and writable code", CHECK_FAIL,
					       "no interpreter", "%llu interpreters%s", (unsigned long long)s.interp.failing,
					       s.interp.allowed ? " (others allowed by profile)" : "");
			else
				c = report_add(rep, "interp.none", "interpreters and writable code", CHECK_OK,
					       "no interpreter", "none%s", s.interp.allowed ? " beyond those allowed" : "");
			add_details(c, &s.interp);
		}
	}
	for (int p = 0; p < ELFQA_NPROPS; p++)
		strv_free(&s.elf[p].paths);
	strv_free(&s.malformed.paths);
	strv_free(&s.suid.paths);
	strv_free(&s.interp.paths);
	return r;
}
