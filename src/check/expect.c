/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "expect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define CONF_MAX (1u << 20)

void expect_free(struct expect *e)
{
	strv_free(&e->cmdline);
	sysctl_set_free(&e->sysctl);
	cap_list_free(&e->caps);
	free(e->source);
	memset(e, 0, sizeof(*e));
}

static int load_one(struct rootfs *fs, const char *dir, const char *name, struct rootfs_blob *b, char **bad)
{
	_cleanup_free_ char *p = NULL;
	int r;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	r = rootfs_read(fs, p, CONF_MAX, b);
	if (r < 0 && r != -ENOENT)
		*bad = TAKE_PTR(p);
	return r;
}

int expect_load(struct rootfs *fs, const char *dir, struct expect *e, char **bad)
{
	struct rootfs_blob b;
	unsigned line = 0;
	int r;

	*bad = NULL;
	e->source = strdup(dir);
	if (!e->source)
		return -ENOMEM;
	r = load_one(fs, dir, "cmdline", &b, bad);
	if (r == 0) {
		r = conf_parse_cmdline_file((const char *)b.data, b.len, &e->cmdline);
		rootfs_blob_free(&b);
		if (r < 0) {
			if (asprintf(bad, "%s/cmdline", dir) < 0)
				*bad = NULL;
			return r;
		}
		e->have_cmdline = true;
	} else if (r != -ENOENT) {
		return r;
	}
	r = load_one(fs, dir, "sysctl.conf", &b, bad);
	if (r == 0) {
		r = sysctl_parse((const char *)b.data, b.len, &e->sysctl, &line);
		rootfs_blob_free(&b);
		if (r < 0) {
			if (asprintf(bad, "%s/sysctl.conf line %u", dir, line) < 0)
				*bad = NULL;
			return r;
		}
		e->have_sysctl = true;
	} else if (r != -ENOENT) {
		return r;
	}
	r = load_one(fs, dir, "capabilities", &b, bad);
	if (r == 0) {
		r = cap_list_parse((const char *)b.data, b.len, &e->caps, &line);
		rootfs_blob_free(&b);
		if (r < 0) {
			if (asprintf(bad, "%s/capabilities line %u", dir, line) < 0)
				*bad = NULL;
			return r;
		}
		e->have_caps = true;
	} else if (r != -ENOENT) {
		return r;
	}
	return 0;
}

void expect_report(const struct expect *e, struct report *r)
{
	bool all = e->have_cmdline && e->have_sysctl && e->have_caps;

	report_add(r, "expect.files", "hardening configuration shipped", all ? CHECK_OK : CHECK_FAIL,
		   "cmdline, sysctl.conf, capabilities", "%s%s%s%s in %s", all ? "all present" : "missing:",
		   e->have_cmdline ? "" : " cmdline", e->have_sysctl ? "" : " sysctl.conf",
		   e->have_caps ? "" : " capabilities", e->source ? e->source : "?");
}

void check_cmdline(const struct strv *tokens, const struct expect *e, struct report *r, const char *where)
{
	const char *rh = cmdline_roothash(tokens);
	bool rh_ok = rh && strlen(rh) >= 64 && strspn(rh, "0123456789abcdef") == strlen(rh);

	report_add(r, "cmdline.roothash", "verified root (dm-verity)", rh_ok ? CHECK_OK : CHECK_FAIL,
		   "(rempart.)roothash=<hex>", "%s%s", rh ? rh : "absent", rh && !rh_ok ? " (not a hex digest)" : "");
	for (size_t i = 0; i < e->cmdline.n; i++) {
		const char *want = e->cmdline.v[i], *found;
		_cleanup_free_ char *id = NULL;
		bool ok = cmdline_satisfies(tokens, want, &found);
		const char *eq = strchr(want, '=');

		if (asprintf(&id, "cmdline:%.*s", eq ? (int)(eq - want) : (int)strlen(want), want) < 0)
			return;
		if (!found)
			report_add(r, id, "kernel hardening (command line)", CHECK_FAIL, want, "absent from %s", where);
		else if (eq)
			report_add(r, id, "kernel hardening (command line)", ok ? CHECK_OK : CHECK_FAIL, want, "%.*s=%s",
				   (int)(eq - want), want, found);
		else
			report_add(r, id, "kernel hardening (command line)", CHECK_OK, want, "%s%s%s", want,
				   *found ? "=" : "", found);
	}
}

enum check_status sysctl_judge(const struct sysctl_entry *want, const char *found, bool live)
{
	_cleanup_free_ char *norm = NULL;

	if (!found)
		return want->optional && live ? CHECK_NA : CHECK_FAIL;
	norm = sysctl_normalize(found, strlen(found));
	if (!norm)
		return CHECK_FAIL;
	return strcmp(norm, want->value) == 0 ? CHECK_OK : CHECK_FAIL;
}

struct conf_file {
	char *name;
	char *path;
	int prio; /* lower wins for the same name */
};

static int cmp_conf(const void *a, const void *b)
{
	const struct conf_file *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->prio - y->prio;
}

int check_sysctl_config(struct rootfs *fs, const struct expect *e, struct report *r)
{
	/* systemd-sysctl: same-named files in earlier directories mask later ones;
	 * files apply in name order; the last assignment wins. */
	static const char *const dirs[] = { "/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
					    "/usr/lib/sysctl.d", "/lib/sysctl.d" };
	struct conf_file files[512];
	size_t n = 0;
	struct sysctl_set merged = { 0 };
	int ret = 0;

	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		char **names = NULL;

		if (rootfs_list(fs, dirs[d], &names) < 0)
			continue;
		for (char **p = names; *p && n < ARRAY_SIZE(files); p++) {
			size_t l = strlen(*p);

			if (l < 6 || strcmp(*p + l - 5, ".conf") != 0)
				continue;
			files[n].name = strdup(*p);
			if (asprintf(&files[n].path, "%s/%s", dirs[d], *p) < 0)
				files[n].path = NULL;
			files[n].prio = (int)d;
			if (!files[n].name || !files[n].path) {
				free(files[n].name);
				free(files[n].path);
				continue;
			}
			n++;
		}
		strv_free_array(names);
	}
	qsort(files, n, sizeof(files[0]), cmp_conf);
	for (size_t i = 0; i < n; i++) {
		struct rootfs_blob b;
		unsigned line;

		if (i > 0 && strcmp(files[i].name, files[i - 1].name) == 0)
			continue; /* masked */
		if (rootfs_read(fs, files[i].path, CONF_MAX, &b) < 0)
			continue; /* e.g. a link to /dev/null masks it */
		if (sysctl_parse((const char *)b.data, b.len, &merged, &line) < 0)
			report_add(r, "sysctl.syntax", "kernel hardening (sysctl)", CHECK_FAIL, "valid sysctl.d files",
				   "%s line %u is malformed", files[i].path, line);
		rootfs_blob_free(&b);
	}
	for (size_t i = 0; i < e->sysctl.n; i++) {
		const struct sysctl_entry *want = &e->sysctl.v[i];
		const struct sysctl_entry *got = sysctl_get(&merged, want->key);
		_cleanup_free_ char *id = NULL, *exp = NULL;

		if (asprintf(&id, "sysctl:%s", want->key) < 0 || asprintf(&exp, "%s = %s", want->key, want->value) < 0) {
			ret = -ENOMEM;
			break;
		}
		if (!got)
			report_add(r, id, "kernel hardening (sysctl)", CHECK_FAIL, exp, "not set by any sysctl.d file");
		else
			report_add(r, id, "kernel hardening (sysctl)", sysctl_judge(want, got->value, false), exp,
				   "%s = %s", got->key, got->value);
	}
	sysctl_set_free(&merged);
	for (size_t i = 0; i < n; i++) {
		free(files[i].name);
		free(files[i].path);
	}
	return ret;
}

void check_mount_entry(const struct mount_entry *m, struct report *r, const char *where)
{
	char missing[64];
	_cleanup_free_ char *id = NULL;
	enum mount_verdict v = mount_judge(m, missing, sizeof(missing));

	if (v == MOUNT_NOT_APPLICABLE)
		return;
	if (asprintf(&id, "mount:%s", m->mountpoint) < 0)
		return;
	switch (v) {
	case MOUNT_OK:
		report_add(r, id, "writable mounts nosuid,nodev,noexec", CHECK_OK,
			   strcmp(m->mountpoint, "/") == 0 ? "ro" : "nosuid,nodev,noexec if writable", "%s %s (%s)",
			   m->fstype, m->options, where);
		break;
	case MOUNT_ROOT_RW:
		report_add(r, id, "limited trust in root: read-only /", CHECK_FAIL, "ro", "%s %s (%s): writable",
			   m->fstype, m->options, where);
		break;
	default:
		report_add(r, id, "writable mounts nosuid,nodev,noexec", CHECK_FAIL, "nosuid,nodev,noexec if writable",
			   "%s %s (%s): lacks %s", m->fstype, m->options, where, missing);
		break;
	}
}

int check_fstab(struct rootfs *fs, struct report *r)
{
	struct rootfs_blob b;
	struct mount_table t = { 0 };
	int ret;

	ret = rootfs_read(fs, "/etc/fstab", CONF_MAX, &b);
	if (ret == -ENOENT) {
		report_add(r, "mount.fstab", "writable mounts nosuid,nodev,noexec", CHECK_OK, "valid /etc/fstab",
			   "no /etc/fstab (nothing declared)");
		return 0;
	}
	if (ret < 0) {
		report_add(r, "mount.fstab", "writable mounts nosuid,nodev,noexec", CHECK_FAIL, "valid /etc/fstab",
			   "cannot read /etc/fstab: %s", strerror(-ret));
		return ret == -ENOMEM ? ret : 0;
	}
	ret = fstab_parse((const char *)b.data, b.len, &t);
	rootfs_blob_free(&b);
	if (ret < 0) {
		report_add(r, "mount.fstab", "writable mounts nosuid,nodev,noexec", CHECK_FAIL, "valid /etc/fstab",
			   "malformed /etc/fstab");
		mount_table_free(&t);
		return 0;
	}
	report_add(r, "mount.fstab", "writable mounts nosuid,nodev,noexec", CHECK_OK, "valid /etc/fstab",
		   "%zu entries", t.n);
	for (size_t i = 0; i < t.n; i++)
		check_mount_entry(&t.v[i], r, "fstab");
	mount_table_free(&t);
	return 0;
}
