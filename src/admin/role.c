/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "role.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_ADMIN: return "admin";
	case ROLE_AUDIT: return "audit";
	case ROLE_USER: return "user";
	}
	return "?";
}

enum role role_decide(uid_t uid, const gid_t *groups, size_t n, bool have_admin, gid_t admin_gid,
		      bool have_audit, gid_t audit_gid, bool *conflict)
{
	bool admin = false, audit = false;

	*conflict = false;
	for (size_t i = 0; i < n; i++) {
		if (have_admin && groups[i] == admin_gid)
			admin = true;
		if (have_audit && groups[i] == audit_gid)
			audit = true;
	}
	if (uid == 0) {
		*conflict = admin || audit;
		return ROLE_USER;
	}
	if (admin && audit) {
		*conflict = true;
		return ROLE_USER;
	}
	return admin ? ROLE_ADMIN : audit ? ROLE_AUDIT : ROLE_USER;
}

static bool group_gid(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[16384];

	if (!name || getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || !res)
		return false;
	*gid = res->gr_gid;
	return true;
}

enum role role_resolve(uid_t uid, const struct role_groups *g, bool *conflict)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	_cleanup_free_ gid_t *groups = NULL;
	int ngroups = 64;
	gid_t admin_gid = 0, audit_gid = 0;
	bool have_admin, have_audit;

	*conflict = false;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return ROLE_USER;
	have_admin = group_gid(g->admin, &admin_gid);
	have_audit = group_gid(g->audit, &audit_gid);
	for (int tries = 0; tries < 4; tries++) {
		gid_t *ng = realloc(groups, (size_t)ngroups * sizeof(gid_t));
		int want = ngroups;

		if (!ng)
			return ROLE_USER;
		groups = ng;
		if (getgrouplist(res->pw_name, res->pw_gid, groups, &want) >= 0) {
			ngroups = want;
			return role_decide(uid, groups, (size_t)ngroups, have_admin, admin_gid, have_audit,
					   audit_gid, conflict);
		}
		if (want <= ngroups || want > 65536)
			return ROLE_USER;
		ngroups = want;
	}
	return ROLE_USER;
}
