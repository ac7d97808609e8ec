/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp filters, installed for real in forked children. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "filter.h"
#include "landlock.h"
#include "profile.h"

/* Child exit codes: 0 all as expected, 10+n check n failed. */
#define CHECK(n, expr, want)                     \
	do {                                     \
		errno = 0;                       \
		if ((expr) != -1 || errno != (want)) \
			_exit(10 + (n));         \
	} while (0)

static int in_child(void (*fn)(void))
{
	int status;
	pid_t p = fork();

	if (p == 0) {
		fn();
		_exit(0);
	}
	assert_true(p > 0);
	assert_int_equal(waitpid(p, &status, 0), p);
	return status;
}

static void fixed_only(void)
{
	struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	char c = 'x';

	if (cage_seccomp_install_fixed() < 0)
		_exit(2);
	CHECK(1, syscall(SYS_clone3, &ca, sizeof(ca)), ENOSYS);
	CHECK(2, syscall(SYS_fsopen, "tmpfs", 0), ENOSYS);
	CHECK(3, mount("x", "/tmp", "tmpfs", 0, NULL), EPERM);
	CHECK(4, ioctl(0, TIOCSTI, &c), EPERM);
	CHECK(5, syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, &c), EPERM);
	CHECK(6, unshare(CLONE_NEWUSER), EPERM);
	CHECK(7, syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0), EPERM);
	CHECK(8, syscall(SYS_keyctl, 0, -3, 0), EPERM);
	/* Allowed: ordinary calls, fork, ioctl with other commands. */
	if (getpid() <= 0)
		_exit(20);
	if (ioctl(0, FIONBIO + 0x7fff0000u) == -1 && errno == EPERM)
		_exit(21); /* a foreign ioctl command must reach the kernel, not the filter */
}

static void test_fixed(void **state)
{
	int st = in_child(fixed_only);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void stacked(void)
{
	struct cage_profile p;
	struct cage_parse_error e;
	const char *text = "name = t\nuid = 1000\ngid = 1000\nsyscalls = @basic\n";
	struct clone_args ca = { .flags = CLONE_NEWNS, .exit_signal = SIGCHLD };

	if (cage_profile_parse(text, strlen(text), &p, &e) < 0)
		_exit(2);
	if (cage_seccomp_install_profile(&p) < 0 || cage_seccomp_install_fixed() < 0)
		_exit(3);
	cage_profile_free(&p);
	/* Not on the allow-list (no @network): default EPERM. */
	CHECK(1, socket(AF_INET, SOCK_STREAM, 0), EPERM);
	/* Fixed set: its errno wins over the profile's default. */
	CHECK(2, syscall(SYS_clone3, &ca, sizeof(ca)), ENOSYS);
	CHECK(3, syscall(SYS_open_tree, -100, "/", 1), ENOSYS);
	CHECK(4, syscall(SYS_bpf, 0, NULL, 0), EPERM);
	if (getppid() <= 0)
		_exit(20);
}

static void test_stacked(void **state)
{
	int st = in_child(stacked);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void kill_default(void)
{
	struct cage_profile p;
	struct cage_parse_error e;
	const char *text = "name = t\nuid = 1000\ngid = 1000\nsyscalls = @basic\nseccomp-default = kill\n";

	if (cage_profile_parse(text, strlen(text), &p, &e) < 0)
		_exit(2);
	if (cage_seccomp_install_profile(&p) < 0)
		_exit(3);
	socket(AF_INET, SOCK_STREAM, 0);
	_exit(4);
}

static void test_kill_default(void **state)
{
	int st = in_child(kill_default);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void landlock_child(void)
{
	struct cage_profile p;
	struct cage_parse_error e;
	struct cage_err ce;
	/* Only /usr readable: /etc/hostname must become unreadable. */
	const char *text = "name = t\nuid = 1000\ngid = 1000\nsyscalls = @all\nro = /usr\nlandlock = required\n";
	int r;

	if (cage_profile_parse(text, strlen(text), &p, &e) < 0)
		_exit(2);
	r = cage_landlock_apply(&p, &ce);
	if (r < 0)
		_exit(3);
	CHECK(1, open("/etc/passwd", O_RDONLY), EACCES);
	if (open("/usr/bin/env", O_RDONLY) < 0)
		_exit(20);
	cage_profile_free(&p);
}

static void test_landlock(void **state)
{
	int st;

	if (cage_landlock_abi() < 1)
		skip();
	st = in_child(landlock_child);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_cache(void **state)
{
	char dir[] = "/tmp/rempart-bpf-cache.XXXXXX", cmd[128];
	const char *text = "name = t\nuid = 1000\ngid = 1000\nsyscalls = @basic\n";
	struct cage_profile p;
	struct cage_parse_error e;
	struct cage_bpf direct, first, again;
	int files;
	FILE *f;

	if (geteuid() != 0)
		skip(); /* the cache only trusts root-owned files */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(cage_profile_parse(text, strlen(text), &p, &e), 0);
	assert_int_equal(cage_seccomp_compile_profile(&p, &direct), 0);
	assert_int_equal(cage_seccomp_compile_profile_cached(&p, dir, &first), 0);
	assert_int_equal(first.len, direct.len);
	assert_memory_equal(first.insns, direct.insns, direct.len * 8u);
	/* A hit returns the same program. */
	assert_int_equal(cage_seccomp_compile_profile_cached(&p, dir, &again), 0);
	assert_int_equal(again.len, direct.len);
	assert_memory_equal(again.insns, direct.insns, direct.len * 8u);
	cage_bpf_free(&again);
	/* Cache files whose recorded parameters were overwritten no longer
	 * match: a miss, the filter is compiled again. */
	snprintf(cmd, sizeof(cmd), "for f in %s/*.bpf; do printf 'XXXX' | dd of=$f conv=notrunc 2>/dev/null; done", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(cage_seccomp_compile_profile_cached(&p, dir, &again), 0);
	assert_memory_equal(again.insns, direct.insns, direct.len * 8u);
	cage_bpf_free(&again);
	/* A group/world-accessible cache directory is not used at all. */
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(cmd, sizeof(cmd), "rm -f %s/*.bpf", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(cage_seccomp_compile_profile_cached(&p, dir, &again), 0);
	assert_memory_equal(again.insns, direct.insns, direct.len * 8u);
	cage_bpf_free(&again);
	snprintf(cmd, sizeof(cmd), "ls %s | wc -l", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &files), 1);
	pclose(f);
	assert_int_equal(files, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	cage_bpf_free(&direct);
	cage_bpf_free(&first);
	cage_profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_stacked),
		cmocka_unit_test(test_kill_default),
		cmocka_unit_test(test_landlock),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
