/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cage.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <linux/securebits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "landlock.h"
#include "net.h"
#include "filter.h"

extern char **environ;

/* What a failing child tells the launcher through the report pipe. */
struct report {
	int err;   /* positive errno */
	int stage; /* CAGE_EXIT_* */
	char msg[320];
};

static __attribute__((noreturn, format(printf, 4, 5))) void child_fail(int fd, int stage, int err,
									const char *fmt, ...)
{
	struct report rep = { .err = err, .stage = stage };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep.msg, sizeof(rep.msg), fmt, ap);
	va_end(ap);
	if (fd >= 0)
		(void)!write(fd, &rep, sizeof(rep));
	_exit(stage);
}

/* mkdir -p of a path relative to the current directory (the new root). */
static int mkdir_p(const char *rel, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(rel);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, rel, n + 1);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Creates the mount point rel (a directory, or an empty file when the
 * source is not a directory). */
static int make_mountpoint(const char *rel, bool dir)
{
	char parent[PATH_MAX];
	char *slash;
	int fd;

	if (dir)
		return mkdir_p(rel, 0755);
	snprintf(parent, sizeof(parent), "%s", rel);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		int r = mkdir_p(parent, 0755);
		if (r < 0)
			return r;
	}
	fd = open(rel, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* src may be a /proc/self/fd/N of an O_PATH descriptor. */
static int bind_mount(const char *src, const char *rel, unsigned long flags, bool dir_ok)
{
	struct stat st;
	int r;

	if (stat(src, &st) < 0)
		return -errno;
	if (!dir_ok && S_ISDIR(st.st_mode))
		return -EISDIR;
	r = make_mountpoint(rel, S_ISDIR(st.st_mode));
	if (r < 0)
		return r;
	/* Non-recursive: submounts of the source stay outside the cage. */
	if (mount(src, rel, NULL, MS_BIND, NULL) < 0)
		return -errno;
	if (mount(NULL, rel, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
		return -errno;
	return 0;
}

static void setup_dev(int rfd)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "dev/fd" },	       { "/proc/self/fd/0", "dev/stdin" },
		{ "/proc/self/fd/1", "dev/stdout" }, { "/proc/self/fd/2", "dev/stderr" },
		{ "pts/ptmx", "dev/ptmx" },
	};
	char src[64], dst[64];
	int r;

	if (mkdir("dev", 0755) < 0 && errno != EEXIST)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot create /dev in the new root");
	if (mount("cage-dev", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot mount the /dev tmpfs");
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		snprintf(dst, sizeof(dst), "dev/%s", nodes[i]);
		r = bind_mount(src, dst, MS_NOSUID | MS_NOEXEC, false);
		if (r < 0 && strcmp(nodes[i], "tty") != 0)
			child_fail(rfd, CAGE_EXIT_SETUP, -r, "cannot bind %s into the cage", src);
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot create %s", links[i][1]);
	if (mkdir("dev/pts", 0755) < 0 || mkdir("dev/shm", 01777) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot create /dev/pts or /dev/shm");
	if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620") < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot mount a private devpts");
	if (mount("cage-shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=16m") < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot mount /dev/shm");
	if (mount(NULL, "dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot make /dev read-only");
}

static void setup_root(const struct cage_profile *p, int rfd)
{
	char opts[64];
	int r;

	int srcfd[CAGE_MAX_MOUNTS];
	char fdpath[64];

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot make the mount namespace private");
	/* Pin every source before the new root hides /tmp; binds then come
	 * from /proc/self/fd/N, so a path swapped meanwhile changes nothing. */
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct cage_mount *m = &p->mounts[i];

		srcfd[i] = -1;
		if (m->kind != CAGE_MOUNT_RO && m->kind != CAGE_MOUNT_HOME)
			continue;
		/* The home's last component belongs to the level's tree: never
		 * follow a symlink there. */
		srcfd[i] = open(m->src, O_PATH | O_CLOEXEC |
						(m->kind == CAGE_MOUNT_HOME ? O_NOFOLLOW | O_DIRECTORY : 0));
		if (srcfd[i] < 0 && !(m->optional && errno == ENOENT))
			child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot open the source %s of %s%s", m->src, m->dst,
				   m->kind == CAGE_MOUNT_HOME ? " (a home must be a directory, not a symbolic link)" : "");
	}
	/* The new root: an empty tmpfs, mounted over /tmp of this namespace only. */
	if (mount("cage-root", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot mount the root tmpfs");
	if (chdir("/tmp") < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot enter the new root");

	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct cage_mount *m = &p->mounts[i];
		const char *rel = m->dst + 1;

		switch (m->kind) {
		case CAGE_MOUNT_RO:
			if (srcfd[i] < 0)
				continue;
			snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", srcfd[i]);
			r = bind_mount(fdpath, rel, MS_RDONLY | MS_NOSUID | MS_NODEV, true);
			if (r < 0)
				child_fail(rfd, CAGE_EXIT_SETUP, -r, "cannot bind %s read-only on %s", m->src, m->dst);
			break;
		case CAGE_MOUNT_HOME:
			snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", srcfd[i]);
			r = bind_mount(fdpath, rel, MS_NOSUID | MS_NODEV | MS_NOEXEC, true);
			if (r < 0)
				child_fail(rfd, CAGE_EXIT_SETUP, -r, "cannot bind home %s on %s", m->src, m->dst);
			break;
		case CAGE_MOUNT_TMPFS:
			r = mkdir_p(rel, 0755);
			snprintf(opts, sizeof(opts), "mode=1777,size=%llu",
				 (unsigned long long)(p->tmpfs_size ? p->tmpfs_size : 64ull << 20));
			if (r < 0 || mount("cage-tmp", rel, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
				child_fail(rfd, CAGE_EXIT_SETUP, r < 0 ? -r : errno, "cannot mount a tmpfs on %s",
					   m->dst);
			break;
		case CAGE_MOUNT_SYMLINK: {
			char parent[PATH_MAX];
			char *slash;

			snprintf(parent, sizeof(parent), "%s", rel);
			slash = strrchr(parent, '/');
			if (slash) {
				*slash = '\0';
				if (mkdir_p(parent, 0755) < 0)
					child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot create %s", parent);
			}
			if (symlink(m->src, rel) < 0)
				child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot create symlink %s", m->dst);
			break;
		}
		}
	}

	for (size_t i = 0; i < p->n_mounts; i++)
		if (srcfd[i] >= 0)
			close(srcfd[i]);
	setup_dev(rfd);

	if (mkdir("proc", 0555) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot create /proc in the new root");
	/* A new procfs for the new pid namespace: other users' processes
	 * invisible, and (pid-only) no /proc/sys, /proc/sysrq-trigger, kcore... */
	if (mount("proc", "proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  p->proc_full ? "hidepid=invisible" : "hidepid=invisible,subset=pid") < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot mount /proc (hidepid=invisible%s)",
			   p->proc_full ? "" : ",subset=pid");

	/* pivot_root(".", "."): the old root ends up on top, detach it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "pivot_root into the new root failed");
	if (umount2(".", MNT_DETACH) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot detach the old root");
	if (chdir("/") < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "chdir /");
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot make the new root read-only");
}

static void apply_rlimits(const struct cage_profile *p, int rfd)
{
	struct rlimit core0 = { 0, 0 };

	for (int i = 0; i < CAGE_RL_COUNT; i++) {
		struct rlimit rl;

		if (!p->rlimit_set[i])
			continue;
		rl.rlim_cur = rl.rlim_max = p->rlimit[i] == UINT64_MAX ? RLIM_INFINITY : (rlim_t)p->rlimit[i];
		if (setrlimit(cage_rlimit_resource(i), &rl) < 0)
			child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot set rlimit-%s", cage_rlimit_name(i));
	}
	if (!p->rlimit_set[CAGE_RL_CORE] && setrlimit(RLIMIT_CORE, &core0) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot disable core dumps");
}

/* Closes every descriptor but 0-2, the named ones and the report pipe. */
static void close_fds(const struct cage_run *run, int rfd, int gofd)
{
	_cleanup_free_ int *keep = NULL;
	size_t n = 0;
	int lo = 3;

	keep = calloc(run->n_keep_fds + 2, sizeof(int));
	if (!keep)
		child_fail(rfd, CAGE_EXIT_SETUP, ENOMEM, "out of memory");
	for (size_t i = 0; i < run->n_keep_fds; i++)
		keep[n++] = run->keep_fds[i];
	keep[n++] = rfd;
	keep[n++] = gofd;
	/* Sort (insertion sort, at most 18 entries). */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] > lo && syscall(SYS_close_range, lo, keep[i] - 1, 0) < 0)
			child_fail(rfd, CAGE_EXIT_SETUP, errno, "close_range");
		if (keep[i] >= lo)
			lo = keep[i] + 1;
	}
	if (syscall(SYS_close_range, lo, ~0U, 0) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "close_range");
	for (size_t i = 0; i < run->n_keep_fds; i++)
		if (fcntl(run->keep_fds[i], F_SETFD, 0) < 0)
			child_fail(rfd, CAGE_EXIT_SETUP, errno, "named descriptor %d is not open", run->keep_fds[i]);
}

static void drop_privileges(const struct cage_profile *p, int rfd)
{
	cap_t none;
	int last = (int)cap_max_bits();

	/* Lock root semantics away before changing uid. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
					     SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
					     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot set securebits");
	for (int c = 0; c < last; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot drop capability %d from the bounding set", c);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot clear ambient capabilities");
	if (setgroups(0, NULL) < 0 || setresgid(p->gid, p->gid, p->gid) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot switch to gid %u", (unsigned)p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot switch to uid %u", (unsigned)p->uid);
	none = cap_init();
	if (!none || cap_set_proc(none) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot clear capability sets");
	cap_free(none);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot set no_new_privs");
	/* Verify rather than trust: back to root must be impossible. */
	if (setresuid(0, 0, 0) == 0 || getuid() == 0 || geteuid() == 0)
		child_fail(rfd, CAGE_EXIT_SETUP, EPERM, "privileges were not dropped (uid 0 still reachable)");
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0)
		child_fail(rfd, CAGE_EXIT_SETUP, EPERM, "CAP_SYS_ADMIN still in the bounding set");
}

static void build_env(const struct cage_profile *p, char **envp, size_t max)
{
	size_t n = 0;
	static char home[PATH_MAX + 8];

	envp[n++] = (char *)"PATH=/usr/local/bin:/usr/bin:/bin";
	snprintf(home, sizeof(home), "HOME=%s", p->cwd ? p->cwd : "/");
	envp[n++] = home;
	for (size_t i = 0; i < p->n_env && n + 1 < max; i++)
		envp[n++] = p->env[i];
	envp[n] = NULL;
}

static pid_t payload_pid;

static void forward_signal(int sig)
{
	if (payload_pid > 0)
		kill(payload_pid, sig);
}

static struct cage_bpf bpf_fixed, bpf_profile;

static __attribute__((noreturn)) void child_main(const struct cage_run *run, int gofd, int rfd)
{
	const struct cage_profile *p = run->profile;
	char go;
	char *envp[CAGE_MAX_ENV + 4];
	struct cage_err e = { { 0 } };
	int r, status;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "PR_SET_PDEATHSIG");
	/* With a network, wait for the launcher to plug the veth in; EOF
	 * means it died. Without one there is nothing to wait for. */
	if (p->net == CAGE_NET_LEVEL && read(gofd, &go, 1) != 1)
		_exit(CAGE_EXIT_SETUP);

	if (sethostname(p->hostname, strlen(p->hostname)) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "sethostname");
	r = cage_net_child_setup(p, &e);
	if (r < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, -r, "network: %s", e.msg);
	setup_root(p, rfd);
	if (setsid() < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "setsid");
	apply_rlimits(p, rfd);
	close_fds(run, rfd, gofd);
	drop_privileges(p, rfd);
	/* A credential change clears the parent-death signal: set it again,
	 * then make sure the launcher did not die in between (its end of the
	 * go pipe stays open for as long as it lives). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "PR_SET_PDEATHSIG");
	{
		struct pollfd pf = { .fd = gofd, .events = POLLIN };

		if (poll(&pf, 1, 0) != 0)
			_exit(CAGE_EXIT_SETUP);
		close(gofd);
	}
	r = cage_landlock_apply(p, &e);
	if (r < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, -r, "%s", e.msg);
	if (p->cwd && chdir(p->cwd) < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "cannot enter %s", p->cwd);
	build_env(p, envp, ARRAY_SIZE(envp));

	payload_pid = fork();
	if (payload_pid < 0)
		child_fail(rfd, CAGE_EXIT_SETUP, errno, "fork");
	if (payload_pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			child_fail(rfd, CAGE_EXIT_SETUP, errno, "PR_SET_PDEATHSIG");
		r = cage_seccomp_load(&bpf_profile);
		if (r < 0)
			child_fail(rfd, CAGE_EXIT_SETUP, -r, "cannot install the profile's seccomp filter");
		/* Installed last: its errno wins for the fixed set (filter.h). */
		r = cage_seccomp_load(&bpf_fixed);
		if (r < 0)
			child_fail(rfd, CAGE_EXIT_SETUP, -r, "cannot install the fixed seccomp filter");
		environ = envp;
		execvp(run->argv[0], run->argv);
		child_fail(rfd, errno == ENOENT ? CAGE_EXIT_NOTFOUND : CAGE_EXIT_NOEXEC, errno,
			   "cannot execute %s in the cage", run->argv[0]);
	}
	close(rfd);
	/* pid 1 itself: the fixed set too (after the fork, so that the
	 * program carries two filters, not three). */
	if (cage_seccomp_load(&bpf_fixed) < 0) {
		kill(payload_pid, SIGKILL);
		_exit(CAGE_EXIT_SETUP);
	}

	struct sigaction sa = { .sa_handler = forward_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* pid 1 of the cage: reap everything, leave with the program. */
	for (;;) {
		pid_t w = waitpid(-1, &status, 0);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			_exit(CAGE_EXIT_SETUP);
		if (w == payload_pid)
			break;
	}
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

static volatile sig_atomic_t got_signal;
static pid_t cage_pid;

static void launcher_signal(int sig)
{
	got_signal = sig;
	if (cage_pid > 0)
		kill(cage_pid, sig);
}

int cage_run(const struct cage_run *run, int *status, int *stage, struct cage_err *e)
{
	struct cage_cgroup cg = CAGE_CGROUP_INIT;
	int gopipe[2] = { -1, -1 }, rpipe[2] = { -1, -1 };
	struct clone_args ca = { 0 };
	struct report rep;
	ssize_t n;
	pid_t pid = -1;
	int r;

	*stage = CAGE_EXIT_SETUP;
	/* Compile the filters before anything exists: a failure costs nothing. */
	r = cage_seccomp_compile_fixed_cached(run->bpf_cache, &bpf_fixed);
	if (r == 0)
		r = cage_seccomp_compile_profile_cached(run->profile, run->bpf_cache, &bpf_profile);
	if (r < 0) {
		cage_bpf_free(&bpf_fixed);
		return cage_err_set(e, r, "cannot compile the seccomp filters: %s", strerror(-r));
	}
	r = cage_cgroup_create(run->profile, run->cgroup_parent, run->cgroup_delegated, &cg, e);
	if (r < 0)
		goto out;
	if (pipe2(gopipe, O_CLOEXEC) < 0 || pipe2(rpipe, O_CLOEXEC) < 0) {
		r = cage_err_set(e, -errno, "pipe: %s", strerror(errno));
		goto out;
	}
	ca.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWCGROUP |
		   CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (uint64_t)cg.fd;
	/* clone3 with CLONE_INTO_CGROUP: the cage never runs outside its
	 * cgroup, and its cgroup namespace is rooted there. */
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		r = cage_err_set(e, -errno, "cannot create the cage's namespaces (clone3 into %s): %s; a kernel "
				 ">= 5.7 and root (or CAP_SYS_ADMIN) are needed",
				 cg.path, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(gopipe[1]);
		close(rpipe[0]);
		child_main(run, gopipe[0], rpipe[1]);
	}
	cage_pid = pid;
	close(gopipe[0]);
	close(rpipe[1]);
	gopipe[0] = rpipe[1] = -1;

	struct sigaction sa = { .sa_handler = launcher_signal }, old_term, old_int, old_hup;
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGHUP, &sa, &old_hup);

	r = cage_net_parent_setup(run->profile, pid, e);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto restore;
	}
	if (run->profile->net == CAGE_NET_LEVEL && write(gopipe[1], "g", 1) != 1) {
		r = cage_err_set(e, -errno, "cannot start the cage: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto restore;
	}
	do
		n = read(rpipe[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			r = cage_err_set(e, -errno, "waitpid: %s", strerror(errno));
			goto restore;
		}
	if (n == (ssize_t)sizeof(rep)) {
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		*stage = rep.stage;
		r = cage_err_set(e, -(rep.err ? rep.err : EIO), "%s: %s", rep.msg, strerror(rep.err));
	} else {
		r = 0;
	}
restore:
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	cage_pid = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (gopipe[i] >= 0)
			close(gopipe[i]);
		if (rpipe[i] >= 0)
			close(rpipe[i]);
	}
	cage_cgroup_destroy(&cg);
	cage_bpf_free(&bpf_fixed);
	cage_bpf_free(&bpf_profile);
	return r;
}
