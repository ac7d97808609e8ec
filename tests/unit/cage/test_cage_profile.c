/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter.h"
#include "net.h"
#include "profile.h"

static const char base[] = "name = low\nuid = 60100\ngid = 60100\nsyscalls = @basic\n";

static int parse(const char *text, struct cage_profile *p, struct cage_parse_error *e)
{
	return cage_profile_parse(text, strlen(text), p, e);
}

/* base + extra must fail with a message containing want, on line want_line. */
static void expect_fail(const char *extra, const char *want, unsigned want_line)
{
	char buf[8192];
	struct cage_profile p;
	struct cage_parse_error e;

	snprintf(buf, sizeof(buf), "%s%s", base, extra);
	assert_int_equal(parse(buf, &p, &e), -EINVAL);
	if (!strstr(e.msg, want))
		fail_msg("message '%s' lacks '%s'", e.msg, want);
	if (want_line)
		assert_int_equal(e.line, want_line);
	cage_profile_free(&p);
}

static void test_full_profile(void **state)
{
	const char *text = "# low level\n"
			   "name = low\n"
			   "uid = 60100\n"
			   "gid = 60101\n"
			   "hostname = low-box\n"
			   "ro = /usr\n"
			   "ro = /etc/ssl /etc/ssl optional\n"
			   "symlink = usr/bin /bin\n"
			   "home = /var/lib/rempart/levels/low/home /home/user\n"
			   "tmpfs = /tmp\n"
			   "cwd = /home/user\n"
			   "proc = full\n"
			   "  syscalls = @basic @network   \n"
			   "syscalls = read\n"
			   "seccomp-default = kill\n"
			   "landlock = required\n"
			   "memory-max = 512M\n"
			   "pids-max = 256\n"
			   "cpu-weight = 50\n"
			   "rlimit-nofile = 1024\n"
			   "rlimit-as = infinity\n"
			   "env = LANG=C.UTF-8\n"
			   "network = level\n"
			   "net-level = low\n"
			   "net-address = 10.77.1.2/24\n"
			   "net-peer = 10.77.1.1/24\n"
			   "net-gateway = 10.77.1.1\n"
			   "nft = ip daddr 10.77.1.1 tcp dport 3128 accept\n"
			   "uplink = 10.77.0.1/30 10.77.0.2/30\n"
			   "uplink-allow = tcp 80 443\n"
			   "uplink-allow = udp 53\n"
			   "uplink-deny = 10.0.0.0/8 172.16.0.0/12\n";
	struct cage_profile p;
	struct cage_parse_error e;
	char *rules;

	assert_int_equal(parse(text, &p, &e), 0);
	assert_string_equal(p.name, "low");
	assert_int_equal(p.uid, 60100);
	assert_int_equal(p.gid, 60101);
	assert_string_equal(p.hostname, "low-box");
	assert_int_equal(p.n_mounts, 5);
	assert_int_equal(p.mounts[1].kind, CAGE_MOUNT_RO);
	assert_true(p.mounts[1].optional);
	assert_int_equal(p.mounts[2].kind, CAGE_MOUNT_SYMLINK);
	assert_string_equal(p.mounts[2].src, "usr/bin");
	assert_string_equal(p.mounts[3].dst, "/home/user");
	assert_int_equal(p.mounts[3].kind, CAGE_MOUNT_HOME);
	assert_true(p.proc_full);
	assert_int_equal(p.seccomp_default, CAGE_SECCOMP_KILL);
	assert_int_equal(p.landlock, CAGE_LANDLOCK_REQUIRED);
	assert_int_equal(p.memory_max, 512ull << 20);
	assert_int_equal(p.pids_max, 256);
	assert_int_equal(p.cpu_weight, 50);
	assert_true(p.rlimit_set[CAGE_RL_NOFILE]);
	assert_int_equal(p.rlimit[CAGE_RL_AS], UINT64_MAX);
	assert_int_equal(p.net, CAGE_NET_LEVEL);
	assert_string_equal(p.uplink_outer, "10.77.0.1/30");
	assert_string_equal(p.uplink_inner, "10.77.0.2/30");
	assert_int_equal(p.n_uplink_allow, 3);
	assert_false(p.uplink_allow[1].udp);
	assert_int_equal(p.uplink_allow[1].port, 443);
	assert_true(p.uplink_allow[2].udp);
	assert_int_equal(p.uplink_allow[2].port, 53);
	assert_int_equal(p.n_uplink_deny, 2);
	assert_string_equal(p.uplink_deny[1], "172.16.0.0/12");
	assert_int_equal(p.n_env, 1);
	/* read was already in @basic: no duplicate */
	for (size_t i = 0; i < p.n_syscalls; i++)
		for (size_t j = i + 1; j < p.n_syscalls; j++)
			assert_int_not_equal(p.syscalls[i], p.syscalls[j]);
	assert_true(p.n_syscalls > 150);
	rules = cage_net_ruleset(&p);
	assert_non_null(rules);
	assert_non_null(strstr(rules, "policy drop;"));
	assert_non_null(strstr(rules, "\t\tip daddr 10.77.1.1 tcp dport 3128 accept\n"));
	free(rules);
	cage_profile_free(&p);
}

static void test_defaults(void **state)
{
	struct cage_profile p;

	assert_int_equal(parse(base, &p, NULL), 0);
	assert_string_equal(p.hostname, "low"); /* defaults to the name */
	assert_int_equal(p.net, CAGE_NET_NONE);
	assert_false(p.proc_full);
	assert_int_equal(p.seccomp_default, CAGE_SECCOMP_ERRNO);
	assert_int_equal(p.landlock, CAGE_LANDLOCK_BEST_EFFORT);
	cage_profile_free(&p);
}

static void test_errors(void **state)
{
	expect_fail("uid = 0\n", "never root", 5);
	expect_fail("gid = 65534\n", "never root", 5);
	expect_fail("bogus = 1\n", "unknown key", 5);
	expect_fail("ro = usr\n", "canonical absolute path", 5);
	expect_fail("ro = /usr/../etc\n", "canonical", 5);
	expect_fail("ro = /usr/\n", "canonical", 5);
	expect_fail("ro = //usr\n", "canonical", 5);
	expect_fail("ro = /usr/./bin\n", "canonical", 5);
	expect_fail("ro = /usr /\n", "reserved", 5);
	expect_fail("ro = /usr /proc/sys\n", "reserved", 5);
	expect_fail("ro = /dev /dev\n", "reserved", 5);
	expect_fail("ro = /usr\nro = /opt /usr\n", "given twice", 6);
	expect_fail("ro = /usr /a/b\nro = /usr /a\n", "must be listed after", 0);
	expect_fail("symlink = usr/bin /bin\nro = /usr /bin/x\n", "below the symlink", 0);
	expect_fail("symlink = ../../etc /x\n", "invalid symlink target", 5);
	expect_fail("syscalls = not_a_syscall\n", "unknown system call", 5);
	expect_fail("syscalls = @nonsense\n", "unknown system call group", 5);
	expect_fail("name = second\n", "given twice", 5);
	expect_fail("name = Bad\n", "name must match", 0);
	expect_fail("network = level\n", "needs net-level", 0);
	expect_fail("net-level = low\n", "need network = level", 0);
	expect_fail("network = level\nnet-level = low\nnet-address = 10.0.0.1/24\nnet-peer = 10.0.0.300/24\n",
		    "IPv4", 8);
	expect_fail("network = level\nnft = accept; flush ruleset\n", "one statement", 6);
	expect_fail("uplink = 10.0.0.1/30 10.0.0.2/30\n", "need network = level", 0);
	expect_fail("network = level\nuplink = 10.0.0.1/30\n", "two IPv4 CIDRs", 6);
	expect_fail("network = level\nuplink = 10.0.0.1/30 10.0.0.1/30\n", "two IPv4 CIDRs", 6);
	expect_fail("network = level\nuplink = 10.0.0.1/30 10.0.0.2/29\n", "two IPv4 CIDRs", 6);
	expect_fail("network = level\nuplink-allow = sctp 80\n", "tcp|udp PORT", 6);
	expect_fail("network = level\nuplink-allow = tcp\n", "tcp|udp PORT", 6);
	expect_fail("network = level\nuplink-allow = tcp 0\n", "1..65535", 6);
	expect_fail("network = level\nuplink-allow = udp 65536\n", "1..65535", 6);
	expect_fail("network = level\nuplink-deny = 10.0.0.0/33\n", "not an IPv4 CIDR", 6);
	expect_fail("network = level\nnet-level = low\nnet-address = 10.0.0.1/24\nnet-peer = 10.0.0.2/24\n"
		    "uplink-allow = tcp 443\n", "need uplink", 0);
	expect_fail("network = level\nnft = include \"/etc/x\"\n", "one statement", 6);
	expect_fail("memory-max = 12Q\n", "memory-max", 5);
	expect_fail("memory-max = 1000\n", "at least 1M", 5);
	expect_fail("cpu-weight = 0\n", "1..10000", 5);
	expect_fail("rlimit-bogus = 1\n", "unknown rlimit", 5);
	expect_fail("tmpfs = /tmp /x\n", "one path", 5);
	expect_fail("cwd\n", "key = value", 5);
	expect_fail(" = x\n", "empty key", 5);
	expect_fail("cwd =\n", "has no value", 5);
	expect_fail("hostname = a b\n", "exactly one value", 5);
	expect_fail("env = 1X=2 3\n", "NAME=value", 5);
	expect_fail("proc = \xc3\xa9\n", "non-ASCII", 5);
	expect_fail("proc = a\rb\n", "control character", 5);
}

static void test_missing(void **state)
{
	struct cage_profile p;
	struct cage_parse_error e;

	assert_int_equal(parse("uid = 1000\ngid = 1000\nsyscalls = @all\n", &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "missing 'name'"));
	cage_profile_free(&p);
	assert_int_equal(parse("name = a\nuid = 1000\ngid = 1000\n", &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "missing 'syscalls'"));
	cage_profile_free(&p);
	assert_int_equal(parse("name = a\nuid = 1000\ngid = 1000\nsyscalls = @all\n", &p, &e), 0);
	assert_true(p.allow_all_syscalls);
	cage_profile_free(&p);
}

static void test_limits(void **state)
{
	struct cage_profile p;
	struct cage_parse_error e;
	size_t n = CAGE_PROFILE_MAX_SIZE + 1;
	char *big = malloc(n + 1);
	char line[CAGE_PROFILE_MAX_LINE + 16];

	assert_non_null(big);
	memset(big, '#', n);
	big[n] = '\0';
	assert_int_equal(cage_profile_parse(big, n, &p, &e), -EFBIG);
	cage_profile_free(&p);
	free(big);

	memset(line, 'a', sizeof(line));
	memcpy(line, "cwd = /", 7);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(parse(line, &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "longer than"));
	cage_profile_free(&p);

	/* An embedded NUL is an error, not a silent end of line. */
	assert_int_equal(cage_profile_parse("name = a\0b\n", 11, &p, &e), -EINVAL);
	cage_profile_free(&p);

	/* 129 mounts */
	{
		size_t cap = 200 * 64, off = 0;
		char *buf = malloc(cap);

		assert_non_null(buf);
		off += (size_t)snprintf(buf + off, cap - off, "%s", base);
		for (int i = 0; i <= (int)CAGE_MAX_MOUNTS; i++)
			off += (size_t)snprintf(buf + off, cap - off, "tmpfs = /t%d\n", i);
		assert_int_equal(parse(buf, &p, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "more than"));
		cage_profile_free(&p);
		free(buf);
	}
}

static void test_paths(void **state)
{
	assert_true(cage_path_valid("/"));
	assert_true(cage_path_valid("/usr/lib/x86_64-linux-gnu"));
	assert_true(cage_path_valid("/a/..b/c."));
	assert_false(cage_path_valid(""));
	assert_false(cage_path_valid("a"));
	assert_false(cage_path_valid("/a//b"));
	assert_false(cage_path_valid("/a/../b"));
	assert_false(cage_path_valid("/a/."));
	assert_false(cage_path_valid("/a b"));
	assert_false(cage_path_valid("/a\nb"));
	assert_true(cage_name_valid("low"));
	assert_true(cage_name_valid("0-a_b"));
	assert_false(cage_name_valid("-a"));
	assert_false(cage_name_valid("a.b"));
	assert_false(cage_name_valid("abcdefghijabcdefghijabcdefghijabc"));
}

static void test_fixed_set(void **state)
{
	const struct cage_deny *d = cage_seccomp_fixed_set();
	bool clone3 = false, mount = false, fsopen = false;

	for (; d->name; d++) {
		if (strcmp(d->name, "clone3") == 0)
			clone3 = d->err == ENOSYS;
		if (strcmp(d->name, "fsopen") == 0)
			fsopen = d->err == ENOSYS;
		if (strcmp(d->name, "mount") == 0)
			mount = d->err == EPERM;
	}
	assert_true(clone3 && fsopen && mount);
	assert_true(cage_seccomp_in_fixed_set(cage_seccomp_resolve("ptrace")));
	assert_true(cage_seccomp_in_fixed_set(cage_seccomp_resolve("ioctl")));
	assert_false(cage_seccomp_in_fixed_set(cage_seccomp_resolve("read")));
	assert_int_equal(cage_seccomp_resolve("no_such_call"), -1);
	assert_null(cage_seccomp_group("@nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_profile), cmocka_unit_test(test_defaults), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing),	     cmocka_unit_test(test_limits),   cmocka_unit_test(test_paths),
		cmocka_unit_test(test_fixed_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
