/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"

#define S(x) x, strlen(x)

static void test_cmdline_file(void **state)
{
	struct strv v = { 0 };

	assert_int_equal(conf_parse_cmdline_file(S("# c\n\nlockdown=confidentiality\n  slab_nomerge  # flag\nmds=full,nosmt"), &v), 0);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.v[0], "lockdown=confidentiality");
	assert_string_equal(v.v[1], "slab_nomerge");
	assert_string_equal(v.v[2], "mds=full,nosmt");
	strv_free(&v);
	assert_int_equal(conf_parse_cmdline_file(S("two options\n"), &v), -EINVAL);
	strv_free(&v);
	assert_int_equal(conf_parse_cmdline_file(S("=x\n"), &v), -EINVAL);
	strv_free(&v);
}

static void test_cmdline_split_and_match(void **state)
{
	struct strv t = { 0 };
	const char *found;

	assert_int_equal(cmdline_split(S("BOOT_IMAGE=/x  roothash=ab \"quoted=a b\" pti=off pti=on mds=full slab-nomerge -- init=x\n"), &t), 0);
	assert_int_equal(t.n, 9);
	assert_string_equal(t.v[2], "quoted=a b");
	assert_true(cmdline_satisfies(&t, "pti=on", &found)); /* last one wins */
	assert_string_equal(found, "on");
	assert_false(cmdline_satisfies(&t, "mds=full,nosmt", &found));
	assert_string_equal(found, "full");
	assert_true(cmdline_satisfies(&t, "slab_nomerge", &found)); /* '-' and '_' are equal */
	assert_false(cmdline_satisfies(&t, "init=x", &found));      /* after "--": for init, not the kernel */
	assert_null(found);
	assert_false(cmdline_satisfies(&t, "debugfs=off", &found));
	assert_null(found);
	assert_string_equal(cmdline_get(&t, "roothash"), "ab");
	strv_free(&t);
}

static void test_sysctl(void **state)
{
	struct sysctl_set s = { 0 };
	const struct sysctl_entry *e;
	unsigned line = 0;

	assert_int_equal(sysctl_parse(S("# x\n; y\nkernel.kptr_restrict = 1\n-kernel.yama.ptrace_scope=3\n"
					"kernel/printk =  3   4\t1 7 \nkernel.kptr_restrict = 2\n"), &s, &line), 0);
	assert_int_equal(s.n, 3);
	e = sysctl_get(&s, "kernel.kptr_restrict");
	assert_non_null(e);
	assert_string_equal(e->value, "2"); /* later assignment wins */
	e = sysctl_get(&s, "kernel.yama.ptrace_scope");
	assert_true(e->optional);
	e = sysctl_get(&s, "kernel.printk");
	assert_string_equal(e->value, "3 4 1 7");
	sysctl_set_free(&s);
	assert_int_equal(sysctl_parse(S("ok = 1\nno equals sign\n"), &s, &line), -EINVAL);
	assert_int_equal(line, 2);
	sysctl_set_free(&s);
	assert_int_equal(sysctl_parse(S("kernel..x = 1\n"), &s, &line), -EINVAL);
	sysctl_set_free(&s);
	assert_null(sysctl_key_to_path("a..b"));
	assert_null(sysctl_key_to_path(".a"));
	char *p = sysctl_key_to_path("net.ipv4.conf.all.rp_filter");
	assert_string_equal(p, "net/ipv4/conf/all/rp_filter");
	free(p);
}

static void test_caps(void **state)
{
	struct cap_list c = { 0 };
	unsigned line;

	assert_int_equal(cap_list_parse(S("# x\nCAP_SYS_MODULE drop  modules\ncap_sys_time keep clock\n"), &c, &line), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0].name, "CAP_SYS_MODULE");
	assert_int_equal(c.v[0].number, 16);
	assert_int_equal(c.v[0].decision, CAP_DROP);
	assert_string_equal(c.v[0].reason, "modules");
	assert_string_equal(c.v[1].name, "CAP_SYS_TIME");
	assert_int_equal(c.v[1].decision, CAP_KEEP);
	cap_list_free(&c);
	assert_int_equal(cap_list_parse(S("CAP_NOPE drop x\n"), &c, &line), -EINVAL);
	cap_list_free(&c);
	assert_int_equal(cap_list_parse(S("CAP_SYS_BOOT maybe x\n"), &c, &line), -EINVAL);
	cap_list_free(&c);
	assert_int_equal(cap_list_parse(S("CAP_SYS_BOOT keep\nCAP_SYS_BOOT drop\n"), &c, &line), -EINVAL);
	assert_int_equal(line, 2);
	cap_list_free(&c);
}

static void test_status(void **state)
{
	const char *st = "Name:\tsystemd\nNoNewPrivs:\t1\nCapBnd:\t000001fffffeffff\n";
	char *v = status_get(st, strlen(st), "NoNewPrivs");

	assert_string_equal(v, "1");
	free(v);
	v = status_get(st, strlen(st), "CapBnd");
	assert_string_equal(v, "000001fffffeffff");
	free(v);
	assert_null(status_get(st, strlen(st), "Seccomp"));
	assert_null(status_get(st, strlen(st), "Cap")); /* a prefix is not a key */
}

static void test_mountinfo(void **state)
{
	const char *mi = "22 1 253:0 / / ro,relatime shared:1 - squashfs /dev/mapper/root ro\n"
			 "30 22 0:25 / /my\\040dir rw,nosuid,nodev,noexec - tmpfs tmpfs rw,size=10k\n"
			 "31 22 0:26 / /dev rw,nosuid,noexec - devtmpfs udev rw\n"
			 "32 22 0:27 / /data rw,nosuid,nodev - ext4 /dev/vdb rw\n"
			 "33 22 0:28 / /proc/sys/fs/binfmt_misc rw,relatime - autofs systemd-1 rw,fd=29\n";
	struct mount_table t = { 0 };
	char missing[64];

	assert_int_equal(mountinfo_parse(mi, strlen(mi), &t), 0);
	assert_int_equal(t.n, 5);
	assert_string_equal(t.v[0].majmin, "253:0");
	assert_int_equal(mount_judge(&t.v[4], missing, sizeof(missing)), MOUNT_NOT_APPLICABLE);
	assert_string_equal(t.v[1].mountpoint, "/my dir");
	assert_int_equal(mount_judge(&t.v[0], missing, sizeof(missing)), MOUNT_OK);
	assert_int_equal(mount_judge(&t.v[1], missing, sizeof(missing)), MOUNT_OK);
	assert_int_equal(mount_judge(&t.v[2], missing, sizeof(missing)), MOUNT_OK); /* devtmpfs needs dev */
	assert_int_equal(mount_judge(&t.v[3], missing, sizeof(missing)), MOUNT_MISSING);
	assert_string_equal(missing, "noexec");
	mount_table_free(&t);
	assert_int_equal(mountinfo_parse(S("1 2 3 4\n"), &t), -EINVAL);
	mount_table_free(&t);
}

static void test_fstab(void **state)
{
	const char *f = "# fstab\n/dev/disk/by-partlabel/state /var ext4 nosuid,nodev,noexec 0 2\n"
			"tmpfs /tmp tmpfs defaults 0 0\n/dev/sda1 / ext4 rw 0 1\nLABEL=esp /efi vfat ro,nosuid,nodev,noauto 0 0\n"
			"/swap none swap sw 0 0\n";
	struct mount_table t = { 0 };
	char missing[64];

	assert_int_equal(fstab_parse(f, strlen(f), &t), 0);
	assert_int_equal(t.n, 5);
	assert_int_equal(mount_judge(&t.v[0], missing, sizeof(missing)), MOUNT_OK);
	assert_int_equal(mount_judge(&t.v[1], missing, sizeof(missing)), MOUNT_MISSING);
	assert_string_equal(missing, "nosuid,nodev,noexec");
	assert_int_equal(mount_judge(&t.v[2], missing, sizeof(missing)), MOUNT_ROOT_RW);
	assert_int_equal(mount_judge(&t.v[3], missing, sizeof(missing)), MOUNT_OK); /* read-only ESP */
	assert_int_equal(mount_judge(&t.v[4], missing, sizeof(missing)), MOUNT_NOT_APPLICABLE);
	mount_table_free(&t);
	assert_int_equal(fstab_parse(S("onlyone field\n"), &t), -EINVAL);
	mount_table_free(&t);
	assert_true(opt_has("rw,nosuid,noexec", "noexec"));
	assert_false(opt_has("rw,nosuid,noexecx", "noexec"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline_file), cmocka_unit_test(test_cmdline_split_and_match),
		cmocka_unit_test(test_sysctl),       cmocka_unit_test(test_caps),
		cmocka_unit_test(test_status),       cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_fstab),
	};

	return cmocka_run_group_tests_name("check-conf", tests, NULL, NULL);
}
