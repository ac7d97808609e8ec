/* SPDX-License-Identifier: GPL-2.0-or-later */
/* user.*: regular user accounts. The image's /etc is read-only, so the
 * accounts admind creates are systemd user and group records
 * (userdb_dir/NAME.user, UID.user -> NAME.user, NAME.group, GID.group),
 * which nss-systemd resolves once /etc/userdb points at userdb_dir
 * (docs/admin.md). SSH keys of users live in auth_dir/users/NAME/
 * (authorized_keys, or authorized_keys.locked while the account is
 * locked); the system roles' store auth_dir/system/ is never written here. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admind.h"
#include "cleanup.h"
#include "conf.h"
#include "fileio.h"
#include "parse.h"

#define REGULAR_UID_MIN 1000
#define REGULAR_UID_MAX 59999

static bool nss_user_exists(const char *name)
{
	struct passwd pw, *res = NULL;
	char buf[16384];

	return getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res;
}

static bool nss_group_exists(const char *name)
{
	struct group gr, *res = NULL;
	char buf[16384];

	return getgrnam_r(name, &gr, buf, sizeof(buf), &res) == 0 && res;
}

static bool id_taken(struct admind *d, uid_t id)
{
	struct passwd pw, *pres = NULL;
	struct group gr, *gres = NULL;
	char buf[16384], path[600];

	if (getpwuid_r(id, &pw, buf, sizeof(buf), &pres) == 0 && pres)
		return true;
	if (getgrgid_r(id, &gr, buf, sizeof(buf), &gres) == 0 && gres)
		return true;
	snprintf(path, sizeof(path), "%s/%u.user", d->userdb_dir, (unsigned)id);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/%u.group", d->userdb_dir, (unsigned)id);
	return access(path, F_OK) == 0;
}

/* Reads admind's own record of name (admind_dir/users/NAME.conf: uid,
 * locked): 1 (managed) with uid and locked, 0 if none. */
static int record_read(struct admind *d, const char *name, uid_t *uid, bool *locked)
{
	char path[600];
	struct conf c;
	const char *u, *l;
	uint64_t v;
	int r;

	snprintf(path, sizeof(path), "%s/users/%s.conf", d->admind_dir, name);
	r = conf_load(path, &c);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	u = conf_get(&c, "uid");
	l = conf_get(&c, "locked");
	r = u && l && parse_u64_range(u, 1, 0x7ffffffe, &v) == 0 ? 1 : -EBADMSG;
	if (r == 1) {
		*uid = (uid_t)v;
		*locked = !strcmp(l, "yes");
	}
	conf_free(&c);
	return r;
}

static int record_write(struct admind *d, const char *name, uid_t uid, bool locked)
{
	char dir[600], path[700], text[96];

	snprintf(dir, sizeof(dir), "%s/users", d->admind_dir);
	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	snprintf(text, sizeof(text), "uid = %u\nlocked = %s\n", (unsigned)uid, locked ? "yes" : "no");
	int r = mkdir_p(dir, 0700);

	return r < 0 ? r : write_file_atomic(path, text, strlen(text), 0600);
}

static void record_remove(struct admind *d, const char *name)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/users/%s.conf", d->admind_dir, name);
	unlink(path);
}

static int write_json(const char *path, void (*fill)(struct json *j, const void *ud), const void *ud)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;
	int r;

	if (!f)
		return -ENOMEM;
	json_init(&j, f, true);
	fill(&j, ud);
	r = json_end(&j);
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	if (r < 0)
		return r;
	return write_file_atomic(path, buf, len, 0644);
}

struct rec {
	const char *name;
	uid_t uid;
	bool locked;
	const char *home;
};

static void fill_user(struct json *j, const void *ud)
{
	const struct rec *r = ud;

	json_obj_begin(j);
	json_kv_str(j, "userName", r->name);
	json_kv_u64(j, "uid", r->uid);
	json_kv_u64(j, "gid", r->uid);
	json_kv_str(j, "disposition", "regular");
	json_kv_str(j, "homeDirectory", r->home);
	json_kv_str(j, "shell", "/bin/sh");
	json_kv_bool(j, "locked", r->locked);
	json_kv_str(j, "service", "rempart-admind");
	json_obj_end(j);
}

static void fill_group(struct json *j, const void *ud)
{
	const struct rec *r = ud;

	json_obj_begin(j);
	json_kv_str(j, "groupName", r->name);
	json_kv_u64(j, "gid", r->uid);
	json_kv_str(j, "disposition", "regular");
	json_kv_str(j, "service", "rempart-admind");
	json_obj_end(j);
}

static int write_records(struct admind *d, const struct rec *r, bool group_too)
{
	char path[600], link[600], target[64];
	int ret;

	ret = mkdir_p(d->userdb_dir, 0755);
	if (ret < 0)
		return ret;
	if (group_too) {
		snprintf(path, sizeof(path), "%s/%s.group", d->userdb_dir, r->name);
		ret = write_json(path, fill_group, r);
		if (ret < 0)
			return ret;
		snprintf(link, sizeof(link), "%s/%u.group", d->userdb_dir, (unsigned)r->uid);
		snprintf(target, sizeof(target), "%s.group", r->name);
		unlink(link);
		if (symlink(target, link) < 0)
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/%s.user", d->userdb_dir, r->name);
	ret = write_json(path, fill_user, r);
	if (ret < 0)
		return ret;
	if (group_too) {
		snprintf(link, sizeof(link), "%s/%u.user", d->userdb_dir, (unsigned)r->uid);
		snprintf(target, sizeof(target), "%s.user", r->name);
		unlink(link);
		if (symlink(target, link) < 0)
			return -errno;
	}
	return fsync_parent_dir(path);
}

static int keydir(struct admind *d, const char *name, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s/users/%s", d->auth_dir, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int write_key(struct admind *d, const char *name, const char *key, bool locked)
{
	char dir[600], path[700];
	_cleanup_free_ char *line = NULL;
	int r;

	r = keydir(d, name, dir, sizeof(dir));
	if (r == 0)
		r = mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	if (asprintf(&line, "%s\n", key) < 0)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dir, locked ? "authorized_keys.locked" : "authorized_keys");
	return write_file_atomic(path, line, strlen(line), 0644);
}

/* A regular account that admind may lock or give a key: one of its
 * records, or an image account with a regular uid whose role is user. */
static int target_account(struct admind *d, const char *name, bool *managed, uid_t *uid, bool *locked, char *msg,
			  size_t msglen)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	bool conflict;
	int r;

	*locked = false;
	r = record_read(d, name, uid, locked);
	if (r < 0)
		return verb_fail(msg, msglen, r, "the user record of %s is unreadable", name);
	*managed = r == 1;
	if (*managed)
		return 0;
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return verb_fail(msg, msglen, -ENOENT, "no user account named %s", name);
	if (res->pw_uid < REGULAR_UID_MIN || res->pw_uid > REGULAR_UID_MAX ||
	    role_resolve(res->pw_uid, &d->groups, &conflict) != ROLE_USER || conflict)
		return verb_fail(msg, msglen, -EPERM, "%s is not a regular user account (system account or role)",
				 name);
	*uid = res->pw_uid;
	{
		char dir[600], path[700];

		keydir(d, name, dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s/authorized_keys.locked", dir);
		*locked = access(path, F_OK) == 0;
	}
	return 0;
}

int verb_user_add(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	const char *name = req_get(req, "name")->str;
	const struct req_field *key = req_get(req, "ssh_key");
	char home[600], path[600];
	struct rec rec = { .name = name };
	uid_t uid;
	int r;

	snprintf(path, sizeof(path), "%s/%s.user", d->userdb_dir, name);
	{
		uid_t u0;
		bool l0;

		if (record_read(d, name, &u0, &l0) != 0)
			return verb_fail(msg, msglen, -EEXIST, "user.add: %s already exists", name);
	}
	if (nss_user_exists(name) || nss_group_exists(name) || access(path, F_OK) == 0)
		return verb_fail(msg, msglen, -EEXIST, "user.add: an account or group named %s already exists", name);
	for (uid = d->uid_min; uid <= d->uid_max; uid++)
		if (!id_taken(d, uid))
			break;
	if (uid > d->uid_max)
		return verb_fail(msg, msglen, -ENOSPC, "user.add: no free uid in %u..%u", (unsigned)d->uid_min,
				 (unsigned)d->uid_max);
	if ((size_t)snprintf(home, sizeof(home), "%s/%s", d->home_dir, name) >= sizeof(home))
		return verb_fail(msg, msglen, -ENAMETOOLONG, "home path too long");
	rec.uid = uid;
	rec.home = home;
	r = record_write(d, name, uid, false);
	if (r == 0)
		r = write_records(d, &rec, true);
	if (r < 0)
		return verb_fail(msg, msglen, r, "user.add: cannot write the user record in %s: %s", d->userdb_dir,
				 strerror(-r));
	if (mkdir(home, 0700) < 0 && errno != EEXIST)
		return verb_fail(msg, msglen, -errno, "user.add: cannot create %s: %m", home);
	if (d->chown_homes) {
		/* never through a symlink planted where the home goes */
		_cleanup_close_ int hfd = open(home, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (hfd < 0 || fchown(hfd, uid, uid) < 0)
			return verb_fail(msg, msglen, -errno, "user.add: cannot give %s to uid %u: %m", home,
					 (unsigned)uid);
	}
	if (key) {
		r = write_key(d, name, key->str, false);
		if (r < 0)
			return verb_fail(msg, msglen, r, "user.add: cannot write the SSH key of %s: %s", name,
					 strerror(-r));
	}
	json_kv_str(out, "name", name);
	json_kv_u64(out, "uid", uid);
	json_kv_str(out, "home", home);
	json_kv_bool(out, "ssh_key", key != NULL);
	return 0;
}

static void rm_keys(struct admind *d, const char *name)
{
	char dir[600], path[700];

	if (keydir(d, name, dir, sizeof(dir)) < 0)
		return;
	snprintf(path, sizeof(path), "%s/authorized_keys", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/authorized_keys.locked", dir);
	unlink(path);
	rmdir(dir);
}

int verb_user_remove(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	const char *name = req_get(req, "name")->str;
	char path[600];
	uid_t uid;
	bool locked;
	int r;

	r = record_read(d, name, &uid, &locked);
	if (r < 0)
		return verb_fail(msg, msglen, r, "user.remove: the user record of %s is unreadable", name);
	if (r == 0)
		return verb_fail(msg, msglen, -ENOENT,
				 "user.remove: %s is not an account created through rempart-admind", name);
	/* keys first: from here on the account cannot authenticate */
	rm_keys(d, name);
	snprintf(path, sizeof(path), "%s/%u.user", d->userdb_dir, (unsigned)uid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.user", d->userdb_dir, name);
	if (unlink(path) < 0)
		return verb_fail(msg, msglen, -errno, "user.remove: cannot remove %s: %m", path);
	snprintf(path, sizeof(path), "%s/%u.group", d->userdb_dir, (unsigned)uid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.group", d->userdb_dir, name);
	unlink(path);
	fsync_parent_dir(path);
	record_remove(d, name);
	json_kv_str(out, "name", name);
	json_kv_u64(out, "uid", uid);
	json_kv_str(out, "home", "kept");
	return 0;
}

static int set_lock(struct admind *d, const struct request *req, bool lock, struct json *out, char *msg,
		    size_t msglen)
{
	const char *name = req_get(req, "name")->str;
	char dir[600], from[700], to[700], home[600];
	bool managed, locked;
	uid_t uid;
	int r;

	r = target_account(d, name, &managed, &uid, &locked, msg, msglen);
	if (r < 0)
		return r;
	keydir(d, name, dir, sizeof(dir));
	snprintf(from, sizeof(from), "%s/%s", dir, lock ? "authorized_keys" : "authorized_keys.locked");
	snprintf(to, sizeof(to), "%s/%s", dir, lock ? "authorized_keys.locked" : "authorized_keys");
	if (rename(from, to) < 0 && errno != ENOENT)
		return verb_fail(msg, msglen, -errno, "cannot rename %s: %m", from);
	if (managed) {
		struct rec rec = { .name = name, .uid = uid, .locked = lock, .home = home };

		snprintf(home, sizeof(home), "%s/%s", d->home_dir, name);
		r = record_write(d, name, uid, lock);
		if (r == 0)
			r = write_records(d, &rec, false);
		if (r < 0)
			return verb_fail(msg, msglen, r, "cannot rewrite the user record of %s: %s", name,
					 strerror(-r));
	} else if (lock) {
		/* an image account: no key file at all means a placeholder marks the lock */
		if (access(to, F_OK) < 0) {
			r = mkdir_p(dir, 0755);
			if (r == 0)
				r = write_file_atomic(to, "", 0, 0644);
			if (r < 0)
				return verb_fail(msg, msglen, r, "cannot mark %s locked: %s", name, strerror(-r));
		}
	}
	json_kv_str(out, "name", name);
	json_kv_bool(out, "locked", lock);
	json_kv_bool(out, "was_locked", locked);
	return 0;
}

int verb_user_lock(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	return set_lock(d, req, true, out, msg, msglen);
}

int verb_user_unlock(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	return set_lock(d, req, false, out, msg, msglen);
}

int verb_user_setkey(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	const char *name = req_get(req, "name")->str;
	bool managed, locked;
	uid_t uid;
	int r;

	r = target_account(d, name, &managed, &uid, &locked, msg, msglen);
	if (r < 0)
		return r;
	r = write_key(d, name, req_get(req, "ssh_key")->str, locked);
	if (r < 0)
		return verb_fail(msg, msglen, r, "cannot write the SSH key of %s: %s", name, strerror(-r));
	json_kv_str(out, "name", name);
	json_kv_bool(out, "locked", locked);
	return 0;
}

int verb_user_list(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	DIR *dir;
	struct dirent *de;

	(void)req;
	json_key(out, "users");
	json_arr_begin(out);
	{
		char udir[600];

		snprintf(udir, sizeof(udir), "%s/users", d->admind_dir);
		dir = opendir(udir);
		if (!dir && errno != ENOENT) {
			json_arr_end(out);
			return verb_fail(msg, msglen, -errno, "cannot read %s: %m", udir);
		}
	}
	while (dir && (de = readdir(dir))) {
		char name[64], kpath[700];
		size_t l = strlen(de->d_name);
		uid_t uid;
		bool locked;

		if (l < 6 || l - 5 >= sizeof(name) || strcmp(de->d_name + l - 5, ".conf"))
			continue;
		memcpy(name, de->d_name, l - 5);
		name[l - 5] = '\0';
		if (record_read(d, name, &uid, &locked) != 1)
			continue;
		json_obj_begin(out);
		json_kv_str(out, "name", name);
		json_kv_u64(out, "uid", uid);
		json_kv_bool(out, "locked", locked);
		snprintf(kpath, sizeof(kpath), "%s/users/%s/%s", d->auth_dir, name,
			 locked ? "authorized_keys.locked" : "authorized_keys");
		json_kv_bool(out, "ssh_key", access(kpath, F_OK) == 0);
		json_obj_end(out);
	}
	if (dir)
		closedir(dir);
	json_arr_end(out);
	return 0;
}
