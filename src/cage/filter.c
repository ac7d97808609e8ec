/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "filter.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "profile.h"

#define CLONE_NS_FLAGS                                                                          \
	((unsigned long)(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
			 CLONE_NEWNET | CLONE_NEWCGROUP | 0x00000080 /* CLONE_NEWTIME */))

/* The fixed deny set. ENOSYS where glibc or a runtime must fall back to an
 * older interface (clone3 -> clone, new mount API -> mount, which is then
 * refused), EPERM for the rest. */
static const struct cage_deny fixed_set[] = {
	{ "clone3", ENOSYS },
	{ "fsopen", ENOSYS },
	{ "fsconfig", ENOSYS },
	{ "fsmount", ENOSYS },
	{ "fspick", ENOSYS },
	{ "open_tree", ENOSYS },
	{ "move_mount", ENOSYS },
	{ "mount_setattr", ENOSYS },
	{ "mount", EPERM },
	{ "umount2", EPERM },
	{ "pivot_root", EPERM },
	{ "chroot", EPERM },
	{ "unshare", EPERM },
	{ "setns", EPERM },
	{ "keyctl", EPERM },
	{ "add_key", EPERM },
	{ "request_key", EPERM },
	{ "bpf", EPERM },
	{ "perf_event_open", EPERM },
	{ "userfaultfd", EPERM },
	{ "ptrace", EPERM },
	{ "process_vm_readv", EPERM },
	{ "process_vm_writev", EPERM },
	{ "kcmp", EPERM },
	{ "pidfd_getfd", EPERM },
	{ "kexec_load", EPERM },
	{ "kexec_file_load", EPERM },
	{ "init_module", EPERM },
	{ "finit_module", EPERM },
	{ "delete_module", EPERM },
	{ "io_uring_setup", EPERM },
	{ "io_uring_enter", EPERM },
	{ "io_uring_register", EPERM },
	{ "reboot", EPERM },
	{ "swapon", EPERM },
	{ "swapoff", EPERM },
	{ "acct", EPERM },
	{ "quotactl", EPERM },
	{ "syslog", EPERM },
	{ "uselib", EPERM },
	{ "open_by_handle_at", EPERM },
	{ "name_to_handle_at", EPERM },
	{ "fanotify_init", EPERM },
	{ "lookup_dcookie", EPERM },
	{ "vhangup", EPERM },
	{ "iopl", EPERM },
	{ "ioperm", EPERM },
	{ "settimeofday", EPERM },
	{ "clock_settime", EPERM },
	{ "clock_adjtime", EPERM },
	{ "adjtimex", EPERM },
	{ "sethostname", EPERM },
	{ "setdomainname", EPERM },
	{ NULL, 0 },
};

/* Refused by argument, on top of the set above. */
static const unsigned long denied_ioctls[] = { TIOCSTI, TIOCLINUX };

/* A reasonable base for dynamically linked programs and shells. */
static const char *const group_basic[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
	"pwritev2", "open", "openat", "openat2", "close", "close_range", "stat", "fstat", "lstat",
	"newfstatat", "statx", "statfs", "fstatfs", "lseek", "mmap", "mprotect", "munmap", "mremap",
	"madvise", "msync", "mincore", "mlock", "munlock", "brk", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "rt_sigsuspend", "rt_sigpending", "rt_sigtimedwait", "rt_sigqueueinfo",
	"sigaltstack", "ioctl", "access", "faccessat", "faccessat2", "pipe", "pipe2", "select",
	"pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create",
	"timerfd_settime", "timerfd_gettime", "sched_yield", "sched_getaffinity", "sched_setaffinity",
	"sched_getparam", "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min",
	"dup", "dup2", "dup3", "nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres",
	"gettimeofday", "time", "getitimer", "setitimer", "alarm", "getpid", "getppid", "gettid",
	"getpgrp", "getpgid", "setpgid", "getsid", "setsid", "getuid", "geteuid", "getgid", "getegid",
	"getresuid", "getresgid", "getgroups", "clone", "clone3", "fork", "vfork", "execve", "execveat",
	"exit", "exit_group", "wait4", "waitid", "kill", "tgkill", "tkill", "uname", "fcntl", "flock",
	"fsync", "fdatasync", "truncate", "ftruncate", "getdents", "getdents64", "getcwd", "chdir",
	"fchdir", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "creat", "link",
	"linkat", "unlink", "unlinkat", "symlink", "symlinkat", "readlink", "readlinkat", "chmod",
	"fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat", "umask", "getrlimit",
	"setrlimit", "prlimit64", "getrusage", "sysinfo", "times", "prctl", "arch_prctl",
	"set_tid_address", "set_robust_list", "get_robust_list", "futex", "futex_waitv", "rseq",
	"getrandom", "memfd_create", "copy_file_range", "sendfile", "splice", "tee", "fadvise64",
	"fallocate", "utime", "utimes", "utimensat", "futimesat", "getxattr", "lgetxattr", "fgetxattr",
	"listxattr", "llistxattr", "flistxattr", "inotify_init", "inotify_init1", "inotify_add_watch",
	"inotify_rm_watch", "pidfd_open", "pidfd_send_signal", "membarrier", "getcpu", "mknod",
	"mknodat", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
	"capget", "capset", "socketpair", NULL,
};

static const char *const group_network[] = {
	"socket", "connect", "bind", "listen", "accept", "accept4", "sendto", "recvfrom", "sendmsg",
	"recvmsg", "sendmmsg", "recvmmsg", "getsockname", "getpeername", "setsockopt", "getsockopt",
	"shutdown", "socketpair", NULL,
};

int cage_seccomp_resolve(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	return nr == __NR_SCMP_ERROR || nr < 0 ? -1 : nr;
}

const char *const *cage_seccomp_group(const char *name)
{
	if (strcmp(name, "@basic") == 0)
		return group_basic;
	if (strcmp(name, "@network") == 0)
		return group_network;
	return NULL;
}

const struct cage_deny *cage_seccomp_fixed_set(void)
{
	return fixed_set;
}

bool cage_seccomp_in_fixed_set(int nr)
{
	for (const struct cage_deny *d = fixed_set; d->name; d++)
		if (cage_seccomp_resolve(d->name) == nr)
			return true;
	return nr == cage_seccomp_resolve("ioctl") || nr == cage_seccomp_resolve("clone");
}

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static scmp_filter_ctx new_filter(uint32_t def)
{
	scmp_filter_ctx ctx = seccomp_init(def);

	if (!ctx)
		return NULL;
	/* Only the native architecture: a foreign one (i386, x32) kills. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	/* A binary tree rather than a linear list: long allow-lists stay cheap per call. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 1) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

static int build_fixed(scmp_filter_ctx ctx)
{
	int r;

	for (const struct cage_deny *d = fixed_set; d->name; d++) {
		int nr = cage_seccomp_resolve(d->name);

		if (nr < 0)
			continue; /* not on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t)d->err), nr, 0);
		if (r < 0)
			return r;
	}
	/* The command is an unsigned int in the kernel: compare the low 32
	 * bits so that high garbage bits cannot slip TIOCSTI through. */
	for (size_t i = 0; i < sizeof(denied_ioctls) / sizeof(denied_ioctls[0]); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, denied_ioctls[i]));
		if (r < 0)
			return r;
	}
	/* clone with any namespace flag: a new namespace is never allowed.
	 * One rule per flag (rules are OR'ed): (flags & bit) == bit. */
	for (unsigned bit = 0; bit < 64; bit++) {
		unsigned long f = 1UL << bit;

		if (!(CLONE_NS_FLAGS & f))
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, f, f));
		if (r < 0)
			return r;
	}
	return 0;
}

/* libseccomp 2.5 exports only to a descriptor: go through a memfd. */
static int export(scmp_filter_ctx ctx, struct cage_bpf *out)
{
	int fd = (int)memfd_create("cage-bpf", MFD_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r == 0 && (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
		       st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS))
		r = -E2BIG;
	if (r == 0) {
		out->insns = malloc((size_t)st.st_size);
		if (!out->insns)
			r = -ENOMEM;
		else if (pread(fd, out->insns, (size_t)st.st_size, 0) != st.st_size)
			r = -EIO;
		out->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	}
	close(fd);
	if (r < 0)
		cage_bpf_free(out);
	return r;
}

int cage_seccomp_compile_fixed(struct cage_bpf *out)
{
	__attribute__((cleanup(ctx_releasep))) scmp_filter_ctx ctx = new_filter(SCMP_ACT_ALLOW);
	int r;

	memset(out, 0, sizeof(*out));
	if (!ctx)
		return -ENOMEM;
	r = build_fixed(ctx);
	return r < 0 ? r : export(ctx, out);
}

int cage_seccomp_export_fixed(int fd)
{
	__attribute__((cleanup(ctx_releasep))) scmp_filter_ctx ctx = new_filter(SCMP_ACT_ALLOW);
	int r;

	if (!ctx)
		return -ENOMEM;
	r = build_fixed(ctx);
	return r < 0 ? r : seccomp_export_bpf(ctx, fd);
}

int cage_seccomp_compile_profile(const struct cage_profile *p, struct cage_bpf *out)
{
	__attribute__((cleanup(ctx_releasep))) scmp_filter_ctx ctx = NULL;
	uint32_t def = p->seccomp_default == CAGE_SECCOMP_KILL ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
	int r;

	memset(out, 0, sizeof(*out));
	if (p->allow_all_syscalls)
		return 0; /* only the fixed filter applies */
	ctx = new_filter(def);
	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_syscalls; i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, p->syscalls[i], 0);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	/* seccomp() itself: the fixed filter is installed after this one,
	 * and a program may always restrict itself further. */
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(seccomp), 0);
	if (r < 0 && r != -EEXIST)
		return r;
	/* Let the fixed set through to the fixed filter, which answers with
	 * the errno documented for each (see the header). */
	for (const struct cage_deny *d = fixed_set; d->name; d++) {
		int nr = cage_seccomp_resolve(d->name);

		if (nr < 0)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return export(ctx, out);
}

int cage_seccomp_load(const struct cage_bpf *b)
{
	struct sock_fprog prog = { .len = b->len, .filter = b->insns };

	if (!b->insns || b->len == 0)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

void cage_bpf_free(struct cage_bpf *b)
{
	free(b->insns);
	b->insns = NULL;
	b->len = 0;
}

int cage_seccomp_install_fixed(void)
{
	struct cage_bpf b;
	int r = cage_seccomp_compile_fixed(&b);

	if (r == 0)
		r = cage_seccomp_load(&b);
	cage_bpf_free(&b);
	return r;
}

int cage_seccomp_install_profile(const struct cage_profile *p)
{
	struct cage_bpf b;
	int r = cage_seccomp_compile_profile(p, &b);

	if (r == 0)
		r = cage_seccomp_load(&b);
	cage_bpf_free(&b);
	return r;
}

/* Cache of compiled filters. libseccomp needs ~2 ms of CPU to compile a
 * 250-call allow-list; the result depends only on the parameters below
 * (the list, the default action, libseccomp's version and ours). A cache
 * file holds those parameters in full, then the BPF: a hit requires an
 * exact match, so the file name (a 64-bit FNV-1a of the parameters) only
 * has to spread files, not to resist collisions. The directory is root's
 * (0700, on a tmpfs such as /run); a file with the wrong owner, mode or
 * shape is ignored and the filter compiled again, never trusted. */
struct cache_params {
	char tag[32];
	int32_t kind, major, minor, micro, def, n;
	int32_t syscalls[CAGE_MAX_SYSCALLS];
};

static void cache_params(const struct cage_profile *p, int kind, struct cache_params *cp)
{
	const struct scmp_version *v = seccomp_version();

	memset(cp, 0, sizeof(*cp));
	snprintf(cp->tag, sizeof(cp->tag), "rempart-bpf1 %s", REMPART_VERSION);
	cp->kind = kind;
	cp->major = v ? (int32_t)v->major : 0;
	cp->minor = v ? (int32_t)v->minor : 0;
	cp->micro = v ? (int32_t)v->micro : 0;
	if (p) {
		cp->def = (int32_t)p->seccomp_default;
		cp->n = (int32_t)p->n_syscalls;
		for (size_t i = 0; i < p->n_syscalls; i++)
			cp->syscalls[i] = p->syscalls[i];
	}
}

static uint64_t fnv1a(const void *buf, size_t n)
{
	const uint8_t *b = buf;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static int cache_dir_ok(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

static void cache_path(const char *dir, const struct cache_params *cp, char *path, size_t n)
{
	snprintf(path, n, "%s/%016llx.bpf", dir, (unsigned long long)fnv1a(cp, sizeof(*cp)));
}

static int cache_get(const char *dir, const struct cache_params *cp, struct cage_bpf *out)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct cache_params *have = NULL;
	struct stat st;
	off_t body;

	if (cache_dir_ok(dir) < 0)
		return -ENOENT;
	cache_path(dir, cp, path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -ENOENT;
	body = st.st_size - (off_t)sizeof(*cp);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) || body <= 0 ||
	    body % (off_t)sizeof(struct sock_filter) != 0 || body / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -EINVAL;
	have = malloc(sizeof(*have));
	if (!have)
		return -ENOMEM;
	if (pread(fd, have, sizeof(*have), 0) != (ssize_t)sizeof(*have) || memcmp(have, cp, sizeof(*cp)) != 0)
		return -ESTALE;
	out->insns = malloc((size_t)body);
	if (!out->insns)
		return -ENOMEM;
	if (pread(fd, out->insns, (size_t)body, sizeof(*cp)) != body) {
		cage_bpf_free(out);
		return -EIO;
	}
	out->len = (unsigned short)(body / (off_t)sizeof(struct sock_filter));
	return 0;
}

static void cache_put(const char *dir, const struct cache_params *cp, const struct cage_bpf *b)
{
	char path[PATH_MAX];
	size_t blen = (size_t)b->len * sizeof(struct sock_filter);
	_cleanup_free_ uint8_t *buf = malloc(sizeof(*cp) + blen);

	if (!buf || (mkdir(dir, 0700) < 0 && errno != EEXIST) || cache_dir_ok(dir) < 0)
		return;
	memcpy(buf, cp, sizeof(*cp));
	memcpy(buf + sizeof(*cp), b->insns, blen);
	cache_path(dir, cp, path, sizeof(path));
	(void)write_file_atomic(path, buf, sizeof(*cp) + blen, 0600);
}

static int compile_cached(const struct cage_profile *p, const char *dir, struct cage_bpf *out)
{
	_cleanup_free_ struct cache_params *cp = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (p && p->allow_all_syscalls)
		return 0;
	cp = dir ? malloc(sizeof(*cp)) : NULL;
	if (!cp)
		return p ? cage_seccomp_compile_profile(p, out) : cage_seccomp_compile_fixed(out);
	cache_params(p, p ? 2 : 1, cp);
	if (cache_get(dir, cp, out) == 0)
		return 0;
	r = p ? cage_seccomp_compile_profile(p, out) : cage_seccomp_compile_fixed(out);
	if (r == 0)
		cache_put(dir, cp, out);
	return r;
}

int cage_seccomp_compile_fixed_cached(const char *cachedir, struct cage_bpf *out)
{
	return compile_cached(NULL, cachedir, out);
}

int cage_seccomp_compile_profile_cached(const struct cage_profile *p, const char *cachedir, struct cage_bpf *out)
{
	return compile_cached(p, cachedir, out);
}
