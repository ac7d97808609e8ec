/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Offline pieces: roothash -> partition UUIDs, UKI selection, the directory
 * and squashfs root filesystem readers, the scans and configuration checks. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "expect.h"
#include "image.h"
#include "rootfs.h"
#include "scan.h"

static void test_roothash_uuids(void **state)
{
	char d[37], h[37];

	assert_int_equal(roothash_uuids("00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef", d, h), 0);
	assert_string_equal(d, "00112233-4455-6677-8899-aabbccddeeff");
	assert_string_equal(h, "01234567-89ab-cdef-0123-456789abcdef");
	assert_int_equal(roothash_uuids("0011", d, h), -EINVAL);
	assert_int_equal(roothash_uuids("zz112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef", d, h), -EINVAL);
	assert_int_equal(roothash_uuids(NULL, d, h), -EINVAL);
}

static void test_uki_newest(void **state)
{
	char *p[] = { (char *)"/EFI/Linux/rempart_1.9+3.efi", (char *)"/EFI/Linux/rempart_1.10+0-3.efi",
		      (char *)"/EFI/Linux/other.efi", (char *)"/EFI/Linux/rempart_1.2.EFI" };

	assert_string_equal(uki_newest(p, 4), "/EFI/Linux/rempart_1.10+0-3.efi");
	assert_string_equal(uki_newest(p, 1), "/EFI/Linux/rempart_1.9+3.efi");
	assert_null(uki_newest(p + 2, 1));
}

static char root[64];

static void put(const char *rel, const char *data, mode_t mode)
{
	char path[512], *s;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void link_(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int make_tree(void **state)
{
	strcpy(root, "/tmp/rempart-tree-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	put("usr/bin/suidprog", "x", 04755);
	put("usr/bin/sgidprog", "x", 02755);
	put("usr/bin/python3.11", "not python", 0755);
	link_("python3.11", "usr/bin/python3");
	put("usr/bin/ok", "#!/bin/false\n", 0755);
	put("usr/lib/sysctl.d/99-rempart.conf", "kernel.kptr_restrict = 2\nkernel.sysrq = 0\nfs.suid_dumpable = 0\n", 0644);
	put("usr/lib/sysctl.d/60-masked.conf", "fs.suid_dumpable = 2\n", 0644);
	put("etc/sysctl.d/60-masked.conf", "# masks the /usr/lib one of the same name\n", 0644);
	put("etc/sysctl.d/99-zz-late.conf", "kernel.sysrq = 1\n", 0644);
	put("etc/fstab", "/dev/disk/by-partlabel/state /var ext4 nosuid,nodev,noexec 0 2\n"
			 "tmpfs /data tmpfs rw,nosuid,nodev 0 0\n", 0644);
	put("usr/share/rempart/hardening/cmdline", "lockdown=confidentiality\n", 0644);
	put("usr/share/rempart/hardening/sysctl.conf",
	    "kernel.kptr_restrict = 2\nkernel.sysrq = 0\nfs.suid_dumpable = 0\nkernel.dmesg_restrict = 1\n", 0644);
	put("usr/share/rempart/hardening/capabilities", "CAP_SYS_MODULE drop x\n", 0644);
	link_("/usr/share/rempart/hardening/cmdline", "etc/abs-link");
	*state = root;
	return 0;
}

static int rm_tree(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct check *row(const struct report *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].id, id) == 0)
			return &r->v[i];
	fail_msg("no row %s", id);
	return NULL;
}

static bool has_detail(const struct check *c, const char *needle)
{
	for (size_t i = 0; i < c->n_details; i++)
		if (strstr(c->details[i], needle))
			return true;
	return false;
}

static void check_rows(const struct report *r)
{
	const struct check *c = row(r, "suid.none");

	assert_int_equal(c->status, CHECK_FAIL);
	assert_true(has_detail(c, "/usr/bin/suidprog (setuid"));
	assert_true(has_detail(c, "/usr/bin/sgidprog (setgid"));
	assert_int_equal(c->total_details, 2);
	c = row(r, "interp.none");
	assert_int_equal(c->status, CHECK_FAIL);
	assert_true(has_detail(c, "/usr/bin/python3.11"));
	assert_true(has_detail(c, "/usr/bin/python3 -> python3.11"));
	assert_int_equal(row(r, "sysctl:kernel.kptr_restrict")->status, CHECK_OK);
	assert_int_equal(row(r, "sysctl:kernel.sysrq")->status, CHECK_FAIL);      /* overridden by 99-zz-late */
	assert_int_equal(row(r, "sysctl:fs.suid_dumpable")->status, CHECK_OK);    /* 60- masked by /etc */
	assert_int_equal(row(r, "sysctl:kernel.dmesg_restrict")->status, CHECK_FAIL); /* missing sysctl */
	assert_int_equal(row(r, "mount:/var")->status, CHECK_OK);
	assert_int_equal(row(r, "mount:/data")->status, CHECK_FAIL);
	assert_non_null(strstr(row(r, "mount:/data")->found, "lacks noexec"));
}

static void test_tree(void **state)
{
	struct report r;
	struct tree_opts o = { .dir = root, .scan = true };

	report_init(&r, NULL);
	assert_int_equal(tree_run(&r, &o), 0);
	check_rows(&r);
	report_free(&r);
}

static void test_tree_profile_allow(void **state)
{
	struct profile p;
	struct report r;
	struct tree_opts o = { .dir = root, .scan = true };
	const char *only[] = { "suid", "interp", NULL };
	const char *txt = "allow suid.none /usr/bin/sgidprog legacy\nallow interp.none /usr/bin/python3* test\n";
	unsigned line;

	profile_init(&p);
	assert_int_equal(profile_parse(&p, txt, strlen(txt), NULL, 0, &line), 0);
	report_init(&r, &p);
	r.only = only;
	assert_int_equal(tree_run(&r, &o), 0);
	assert_int_equal(r.n, 2); /* --only: nothing else */
	assert_int_equal(row(&r, "suid.none")->total_details, 1);
	assert_int_equal(row(&r, "interp.none")->status, CHECK_OK);
	report_free(&r);
	profile_free(&p);
}

static void test_squashfs_reader(void **state)
{
	char img[96], cmd[1024];
	struct rootfs *fs = NULL;
	struct rootfs_blob b;
	struct report r;
	struct expect e = { 0 };
	char **names = NULL, *bad = NULL;
	int fd;
	size_t n = 0;

	snprintf(img, sizeof(img), "%s.sqfs", root);
	/* at an offset inside a bigger file, as in a disk image */
	snprintf(cmd, sizeof(cmd), "mksquashfs %s %s.raw -quiet -no-progress -comp gzip >/dev/null && "
		 "{ head -c 8192 /dev/zero; cat %s.raw; head -c 4096 /dev/zero; } > %s && rm -f %s.raw",
		 root, img, img, img, img);
	assert_int_equal(system(cmd), 0);
	fd = open(img, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(rootfs_open_sqfs_fd(fd, 8192, (uint64_t)lseek(fd, 0, SEEK_END) - 8192 - 4096, &fs), 0);
	close(fd);
	assert_int_equal(rootfs_read(fs, "/etc/abs-link", 1 << 20, &b), 0); /* absolute symlink, resolved inside */
	assert_memory_equal(b.data, "lockdown=confidentiality\n", b.len);
	rootfs_blob_free(&b);
	assert_int_equal(rootfs_read(fs, "/usr/bin/../share/rempart/./hardening/cmdline", 1 << 20, &b), 0);
	rootfs_blob_free(&b);
	assert_int_equal(rootfs_read(fs, "/nope", 1 << 20, &b), -ENOENT);
	assert_int_equal(rootfs_read(fs, "/usr", 1 << 20, &b), -EISDIR);
	assert_int_equal(rootfs_read(fs, "/etc/fstab", 4, &b), -EFBIG);
	assert_int_equal(rootfs_list(fs, "/etc/sysctl.d", &names), 0);
	for (char **p = names; *p; p++)
		n++;
	assert_int_equal(n, 2);
	strv_free_array(names);
	assert_int_equal(expect_load(fs, HARDENING_DIR, &e, &bad), 0);
	assert_true(e.have_cmdline && e.have_sysctl && e.have_caps);
	expect_free(&e);
	rootfs_close(fs);

	/* the same checks through the image's squashfs give the same rows */
	fd = open(img, O_RDONLY);
	assert_int_equal(rootfs_open_sqfs_fd(fd, 8192, (uint64_t)lseek(fd, 0, SEEK_END) - 8192 - 4096, &fs), 0);
	close(fd);
	report_init(&r, NULL);
	{
		struct scan_opts so = { .what = SCAN_SUID | SCAN_ELF | SCAN_INTERP };

		assert_int_equal(expect_load(fs, HARDENING_DIR, &e, &bad), 0);
		assert_int_equal(check_sysctl_config(fs, &e, &r), 0);
		assert_int_equal(check_fstab(fs, &r), 0);
		assert_int_equal(scan_rootfs(fs, &r, &so), 0);
		expect_free(&e);
	}
	check_rows(&r);
	report_free(&r);
	rootfs_close(fs);
	/* not a squashfs */
	fd = open(img, O_RDONLY);
	assert_int_equal(rootfs_open_sqfs_fd(fd, 0, 8192, &fs), -EBADMSG);
	close(fd);
	unlink(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roothash_uuids),
		cmocka_unit_test(test_uki_newest),
		cmocka_unit_test_setup_teardown(test_tree, make_tree, rm_tree),
		cmocka_unit_test_setup_teardown(test_tree_profile_allow, make_tree, rm_tree),
		cmocka_unit_test_setup_teardown(test_squashfs_reader, make_tree, rm_tree),
	};

	return cmocka_run_group_tests_name("check-image", tests, NULL, NULL);
}
