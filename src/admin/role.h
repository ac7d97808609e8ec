/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Caller roles. The role of a connection comes from the kernel's
 * SO_PEERCRED uid only, looked up in the account database: a member of
 * the admin group (primary or supplementary, from the database, never
 * from the caller's process credentials) is ADMIN, of the audit group
 * AUDIT, anyone else USER. Decisions (docs/admin.md):
 *  - uid 0 is never ADMIN or AUDIT: root gets USER (status only); the
 *    roles are the mediated path, root is not trusted with them;
 *  - a uid in both groups gets USER (the roles are exclusive; a database
 *    that breaks this is a misconfiguration, refused closed);
 *  - a uid without a database entry gets USER. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum role {
	ROLE_USER = 1u << 0,
	ROLE_AUDIT = 1u << 1,
	ROLE_ADMIN = 1u << 2,
};

struct role_groups {
	const char *admin;   /* default "rempart-admin" */
	const char *audit;   /* default "rempart-audit" */
};

const char *role_name(enum role r);

/* Pure decision from a uid and its group list (tests). */
enum role role_decide(uid_t uid, const gid_t *groups, size_t n, bool have_admin, gid_t admin_gid,
		      bool have_audit, gid_t audit_gid, bool *conflict);

/* Looks uid up (getpwuid_r, getgrnam_r, getgrouplist). *conflict is set
 * when the uid is in both groups (or is root in a role group), so the
 * caller can log it. Never fails: any lookup failure yields ROLE_USER. */
enum role role_resolve(uid_t uid, const struct role_groups *g, bool *conflict);
