/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "parse.h"
#include "profile.h"

int cage_cgroup_mount(char *out, size_t outsize)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		char mnt[PATH_MAX], fstype[64];

		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2") != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (strlen(mnt) + 1 > outsize)
			return -ENAMETOOLONG;
		strcpy(out, mnt);
		return 0;
	}
	return -ENOENT;
}

void cage_cgroup_needed(const struct cage_profile *p, char *out, size_t outsize)
{
	snprintf(out, outsize, "%s%s%s", p->memory_max ? "memory " : "", p->pids_max ? "pids " : "",
		 p->cpu_weight ? "cpu " : "");
	if (out[0])
		out[strlen(out) - 1] = '\0';
}

static int write_at(int dirfd, const char *file, const char *value)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		return -errno;
	return 0;
}

static int read_at(int dirfd, const char *file, char *buf, size_t n)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t l;

	if (fd < 0)
		return -errno;
	l = read(fd, buf, n - 1);
	if (l < 0)
		return -errno;
	buf[l] = '\0';
	if (l > 0 && buf[l - 1] == '\n')
		buf[l - 1] = '\0';
	return 0;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* mkdir -p of rel below root, enabling ctrls in each level's subtree_control
 * on the way down (cgroup v2 requires every ancestor to delegate them). */
static int descend(int rootfd, const char *rel, const char *ctrls, int *outfd, struct cage_err *e, const char *root)
{
	_cleanup_free_ char *copy = strdup(rel);
	_cleanup_close_ int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	if (cur < 0)
		return -errno;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;

		if (ctrls[0]) {
			_cleanup_free_ char *enable = NULL;
			char w[32];
			const char *s = ctrls;
			int n;

			/* "+memory +pids" */
			enable = calloc(1, strlen(ctrls) * 2 + 4);
			if (!enable)
				return -ENOMEM;
			while (sscanf(s, "%31s%n", w, &n) == 1) {
				strcat(enable, "+");
				strcat(enable, w);
				strcat(enable, " ");
				s += n;
			}
			int r = write_at(cur, "cgroup.subtree_control", enable);
			if (r < 0)
				return cage_err_set(e, r,
						    "cannot enable cgroup controllers '%s' below %s (%s); a cgroup "
						    "with processes cannot delegate them: run the cage from a "
						    "delegated unit (Delegate=yes) or an empty parent",
						    ctrls, root, strerror(-r));
		}
		if (mkdirat(cur, c, 0755) < 0 && errno != EEXIST)
			return cage_err_set(e, -errno, "cannot create cgroup %s/%s: %s", root, rel, strerror(errno));
		next = openat(cur, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (next < 0)
			return -errno;
		closep(&cur);
		cur = next;
	}
	*outfd = TAKE_FD(cur);
	return 0;
}

static int own_cgroup(char *out, size_t n)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line + 3) + 1 > n)
			return -ENAMETOOLONG;
		strcpy(out, line + 3);
		return 0;
	}
	return -ENOENT;
}

/* Cage cgroups of launchers that died without cleaning up (SIGKILL):
 * "<name>.<pid>" whose pid is gone. rmdir fails on a populated cgroup,
 * so one still in use is never touched. */
static void reap_stale(int parentfd)
{
	int fd = fcntl(parentfd, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		uint32_t pid;

		if (de->d_type != DT_DIR || !dot || dot == de->d_name || parse_u32(dot + 1, &pid) < 0 || pid == 0)
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			(void)unlinkat(parentfd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

int cage_cgroup_create(const struct cage_profile *p, const char *parent, bool delegated, struct cage_cgroup *cg,
		       struct cage_err *e)
{
	char root[PATH_MAX], avail[512], need[64], rel[PATH_MAX], leaf[64], num[32];
	_cleanup_close_ int rootfd = -1, parentfd = -1, fd = -1;
	int r;

	r = cage_cgroup_mount(root, sizeof(root));
	if (r < 0)
		return cage_err_set(e, r, "no cgroup2 file system is mounted (checked /proc/self/mountinfo); "
				    "a cage needs a writable cgroup v2 hierarchy: boot with systemd's unified "
				    "hierarchy or mount cgroup2");
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cage_err_set(e, -errno, "cannot open cgroup2 mount %s: %s", root, strerror(errno));
	if (faccessat(rootfd, "cgroup.procs", W_OK, AT_EACCESS) < 0)
		return cage_err_set(e, -EACCES, "cgroup2 at %s is not writable; run rempart-cage as root or "
				    "from a unit with Delegate=yes", root);
	cage_cgroup_needed(p, need, sizeof(need));
	r = read_at(rootfd, "cgroup.controllers", avail, sizeof(avail));
	if (r < 0)
		return cage_err_set(e, r, "cannot read %s/cgroup.controllers: %s", root, strerror(-r));
	if (need[0]) {
		char w[32];
		const char *s = need;
		int n;

		while (sscanf(s, "%31s%n", w, &n) == 1) {
			if (!word_in(avail, w))
				return cage_err_set(e, -EOPNOTSUPP,
						    "the profile sets a %s limit but the cgroup2 hierarchy at %s "
						    "offers only '%s' (the controller is bound to cgroup v1 here); "
						    "boot with systemd.unified_cgroup_hierarchy=1 or remove the limit",
						    w, root, avail);
			s += n;
		}
	}

	if (delegated) {
		char own[PATH_MAX];
		_cleanup_close_ int sup = -1;
		char pid[32];

		r = own_cgroup(own, sizeof(own));
		if (r < 0)
			return cage_err_set(e, r, "cannot find own cgroup in /proc/self/cgroup: %s", strerror(-r));
		snprintf(rel, sizeof(rel), "%s", own[1] ? own + 1 : "");
		parentfd = rel[0] ? openat(rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : dup(rootfd);
		if (parentfd < 0)
			return cage_err_set(e, -errno, "cannot open own cgroup %s%s", root, own);
		/* No internal processes: move ourselves below, then delegate. */
		if (mkdirat(parentfd, "supervisor", 0755) < 0 && errno != EEXIST)
			return cage_err_set(e, -errno, "cannot create %s%s/supervisor: %s", root, own, strerror(errno));
		sup = openat(parentfd, "supervisor", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sup < 0)
			return -errno;
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		r = write_at(sup, "cgroup.procs", pid);
		if (r < 0)
			return cage_err_set(e, r, "cannot move the launcher into %s%s/supervisor: %s", root, own,
					    strerror(-r));
		if (need[0]) {
			int tmp = -1;

			r = descend(parentfd, ".", need, &tmp, e, root);
			if (r < 0)
				return r;
			close(tmp);
		}
	} else {
		snprintf(rel, sizeof(rel), "%s", parent ? parent : "rempart.slice");
		r = descend(rootfd, rel, need, &parentfd, e, root);
		if (r < 0)
			return r;
		if (need[0]) {
			/* descend enabled controllers down to rel's parent; enable in rel too. */
			int tmp = -1;

			r = descend(parentfd, ".", need, &tmp, e, root);
			if (r < 0)
				return r;
			close(tmp);
		}
	}

	reap_stale(parentfd);
	snprintf(leaf, sizeof(leaf), "%s.%d", p->name, (int)getpid());
	if (mkdirat(parentfd, leaf, 0755) < 0)
		return cage_err_set(e, -errno, "cannot create cgroup %s/%s/%s: %s", root, rel, leaf, strerror(errno));
	fd = openat(parentfd, leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (asprintf(&cg->path, "%s%s%s/%s", root, rel[0] ? "/" : "", rel, leaf) < 0) {
		cg->path = NULL;
		unlinkat(parentfd, leaf, AT_REMOVEDIR);
		return -ENOMEM;
	}
	cg->fd = TAKE_FD(fd);

	/* Swap is not an escape hatch from memory.max: none at all. */
	struct {
		bool set;
		uint64_t v;
		const char *file;
	} limits[] = {
		{ p->memory_max != 0, p->memory_max, "memory.max" },
		{ p->memory_max != 0, 0, "memory.swap.max" },
		{ p->pids_max != 0, p->pids_max, "pids.max" },
		{ p->cpu_weight != 0, p->cpu_weight, "cpu.weight" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		if (!limits[i].set)
			continue;
		if (limits[i].v == UINT64_MAX)
			snprintf(num, sizeof(num), "max");
		else
			snprintf(num, sizeof(num), "%" PRIu64, limits[i].v);
		r = write_at(cg->fd, limits[i].file, num);
		/* Without swap accounting there is no memory.swap.max; memory.max still holds. */
		if (r < 0 && !(r == -ENOENT && strcmp(limits[i].file, "memory.swap.max") == 0)) {
			cage_err_set(e, r, "cannot write %s to %s/%s: %s", num, cg->path, limits[i].file,
				     strerror(-r));
			cage_cgroup_destroy(cg);
			return r;
		}
	}
	return 0;
}

void cage_cgroup_destroy(struct cage_cgroup *cg)
{
	if (cg->path) {
		for (int i = 0; i < 200; i++) {
			if (rmdir(cg->path) == 0 || errno != EBUSY)
				break;
			/* Still populated: make sure nothing of the cage survives
			 * (cgroup.kill, Linux 5.14+), then wait for the kernel. */
			if (i == 0 && cg->fd >= 0)
				(void)write_at(cg->fd, "cgroup.kill", "1");
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		}
	}
	closep(&cg->fd);
	cg->fd = -1;
	free(cg->path);
	cg->path = NULL;
}
