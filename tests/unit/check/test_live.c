/* SPDX-License-Identifier: GPL-2.0-or-later */
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

#include "efisig.h"
#include "live.h"

static void test_verity_judge(void **state)
{
	struct verity_state v = { 0 };
	char found[512];
	const char *rh = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	assert_int_equal(verity_judge(&v, rh, found, sizeof(found)), CHECK_FAIL);
	assert_non_null(strstr(found, "not a device-mapper"));
	v.is_dm = true;
	strcpy(v.name, "root");
	assert_int_equal(verity_judge(&v, rh, found, sizeof(found)), CHECK_FAIL);
	assert_non_null(strstr(found, "not dm-verity"));
	v.is_verity = true;
	assert_int_equal(verity_judge(&v, rh, found, sizeof(found)), CHECK_FAIL);
	assert_non_null(strstr(found, "status unknown"));
	v.status_known = true;
	v.corrupted = true;
	assert_int_equal(verity_judge(&v, rh, found, sizeof(found)), CHECK_FAIL);
	assert_non_null(strstr(found, "corrupted"));
	v.corrupted = false;
	assert_int_equal(verity_judge(&v, rh, found, sizeof(found)), CHECK_FAIL); /* device hash unknown */
	strcpy(v.roothash, "ff23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_int_equal(verity_judge(&v, rh, found, sizeof(found)), CHECK_FAIL);
	assert_non_null(strstr(found, "differs"));
	assert_int_equal(verity_judge(&v, NULL, found, sizeof(found)), CHECK_FAIL);
	strcpy(v.roothash, rh);
	assert_int_equal(verity_judge(&v, rh, found, sizeof(found)), CHECK_OK);
}

static void test_capbnd_judge(void **state)
{
	struct cap_list c = { 0 };
	const char *txt = "CAP_SYS_MODULE drop a\nCAP_SYS_RAWIO drop b\nCAP_SYS_BOOT keep c\n";
	unsigned line;
	char found[256];

	assert_int_equal(cap_list_parse(txt, strlen(txt), &c, &line), 0);
	/* all 41 capabilities: both dropped ones still there */
	assert_int_equal(capbnd_judge("000001ffffffffff", &c, found, sizeof(found)), CHECK_FAIL);
	assert_string_equal(found, "still has CAP_SYS_MODULE,CAP_SYS_RAWIO");
	/* bits 16 (SYS_MODULE) and 17 (SYS_RAWIO) cleared */
	assert_int_equal(capbnd_judge("000001fffffcffff", &c, found, sizeof(found)), CHECK_OK);
	assert_int_equal(capbnd_judge("zz", &c, found, sizeof(found)), CHECK_FAIL);
	assert_int_equal(capbnd_judge(NULL, &c, found, sizeof(found)), CHECK_FAIL);
	cap_list_free(&c);
}

static void test_small_judges(void **state)
{
	char buf[64];
	const char *ci = "processor\t: 0\nwp\t\t: yes\nflags\t\t: fpu nx smepx smap\n\nprocessor\t: 1\n";

	{
		const char *k = "6,1,0,-;NX (Execute Disable) protection: active\n6,2,5,-;x86/mm: Checked W+X mappings: passed, "
				"no W+X pages found.\nno-semicolon line\n";

		assert_true(kmsg_find(k, strlen(k), "Checked W+X mappings: passed", buf, sizeof(buf)));
		assert_string_equal(buf, "x86/mm: Checked W+X mappings: passed, no W+X pages found.");
		assert_true(kmsg_find(k, strlen(k), "no-semicolon", NULL, 0));
		assert_false(kmsg_find(k, strlen(k), "Write protecting", buf, sizeof(buf)));
		assert_false(kmsg_find(k, 10, "NX (Execute", buf, sizeof(buf))); /* bounded by len */
	}
	assert_int_equal(vuln_judge("Not affected"), CHECK_OK);
	assert_int_equal(vuln_judge("Mitigation: PTI"), CHECK_OK);
	assert_int_equal(vuln_judge("Vulnerable: Clear CPU buffers attempted, no microcode"), CHECK_FAIL);
	assert_int_equal(vuln_judge("Unknown: Dependent on hypervisor status"), CHECK_FAIL);
	assert_string_equal(lockdown_mode("none integrity [confidentiality]", buf, sizeof(buf)), "confidentiality");
	assert_string_equal(lockdown_mode("[none] integrity confidentiality", buf, sizeof(buf)), "none");
	assert_null(lockdown_mode("none", buf, sizeof(buf)));
	assert_true(cpuinfo_has_flag(ci, "nx"));
	assert_true(cpuinfo_has_flag(ci, "smap"));
	assert_false(cpuinfo_has_flag(ci, "smep")); /* "smepx" is another flag */
	assert_true(cpuinfo_value(ci, "wp", buf, sizeof(buf)));
	assert_string_equal(buf, "yes");
}

/* ---- a whole live run over a fixture tree ---- */

static char root[64];

static void put(const char *rel, const void *data, size_t n)
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
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

#define PUTS(rel, s) put(rel, s, strlen(s))
#define RH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct check *row(const struct report *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].id, id) == 0)
			return &r->v[i];
	fail_msg("no row %s", id);
	return NULL;
}

static void test_live_fixture(void **state)
{
	uint8_t esl[28 + 16 + 4] = { 0 };
	struct report r;
	struct live_opts o = { 0 };
	char path[512];

	strcpy(root, "/tmp/rempart-live-XXXXXX");
	assert_non_null(mkdtemp(root));
	put("sys/firmware/efi/efivars/SecureBoot-" EFI_GLOBAL_GUID, "\x06\0\0\0\x01", 5);
	put("sys/firmware/efi/efivars/SetupMode-" EFI_GLOBAL_GUID, "\x06\0\0\0\x01", 5); /* still in setup mode */
	/* one X.509-typed entry (a5c059a1-94e4-4aa7-87b5-ab155c2bf072) owned by Microsoft in KEK */
	memcpy(esl + 4, "\xa1\x59\xc0\xa5\xe4\x94\xa7\x4a\x87\xb5\xab\x15\x5c\x2b\xf0\x72", 16);
	esl[20] = 28 + 16 + 0;
	esl[28] = 16;
	memcpy(esl + 32, "\xbd\x9a\xfa\x77\x59\x03\x32\x4d\xbd\x60\x28\xf4\xe7\x8f\x78\x4b", 16);
	put("sys/firmware/efi/efivars/KEK-" EFI_GLOBAL_GUID, esl, sizeof(esl));
	memcpy(esl + 32, "\xde\xc0\xad\x0b\x34\x12\x67\x45\x89\xab\xcd\xef\x01\x23\x45\x67", 16);
	put("sys/firmware/efi/efivars/db-" EFI_IMAGE_SECURITY_DATABASE_GUID, esl, sizeof(esl));
	PUTS("sys/class/tpm/tpm0/tpm_version_major", "2\n");
	PUTS("proc/self/mountinfo", "22 1 253:0 / / ro,relatime - squashfs /dev/mapper/root ro\n"
				    "23 22 0:5 / /var rw,nosuid,nodev,noexec - ext4 /dev/mapper/state rw\n"
				    "24 22 0:6 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw\n");
	PUTS("sys/dev/block/253:0/dm/name", "root\n");
	PUTS("sys/dev/block/253:0/dm/uuid", "CRYPT-VERITY-0123-root\n");
	PUTS("sys/kernel/security/lockdown", "none integrity [confidentiality]\n");
	PUTS("usr/share/rempart/hardening/cmdline", "lockdown=confidentiality\npti=on\nmds=full,nosmt\n");
	PUTS("usr/share/rempart/hardening/sysctl.conf",
	     "kernel.kptr_restrict = 2\n-kernel.yama.ptrace_scope = 3\nfs.protected_fifos = 2\nkernel.sysrq = 0\n");
	PUTS("usr/share/rempart/hardening/capabilities", "CAP_SYS_MODULE drop x\nCAP_SYS_BOOT keep y\n");
	PUTS("proc/sys/kernel/kptr_restrict", "2\n");
	PUTS("proc/sys/fs/protected_fifos", "1\n");
	PUTS("proc/sys/kernel/modules_disabled", "1\n");
	PUTS("proc/cmdline", "roothash=" RH " lockdown=confidentiality pti=on mds=full\n");
	PUTS("proc/1/status", "Name:\tsystemd\nNoNewPrivs:\t1\nCapBnd:\t000001fffffeffff\n");
	PUTS("proc/cpuinfo", "processor\t: 0\nwp\t\t: yes\nflags\t\t: fpu nx smap\n");
	PUTS("sys/devices/system/cpu/vulnerabilities/meltdown", "Not affected\n");
	PUTS("sys/devices/system/cpu/vulnerabilities/mds", "Vulnerable\n");
	PUTS("dev/kmsg", "6,100,1000,-;Write protecting the kernel read-only data: 32768k\n"
			 "4,101,1001,-;x86/mm: Checked W+X mappings: FAILED, 3 W+X pages found.\n");
	PUTS("usr/bin/su", "not really su\n");
	snprintf(path, sizeof(path), "%s/usr/bin/su", root);
	assert_int_equal(chmod(path, 04755), 0);
	snprintf(path, sizeof(path), "%s/sys/class/iommu", root);
	mkdir(path, 0755);

	report_init(&r, NULL);
	o.sysroot = root;
	o.scan = true;
	assert_int_equal(live_run(&r, &o), 0);
	assert_int_equal(row(&r, "expect.files")->status, CHECK_OK);
	assert_int_equal(row(&r, "boot.secureboot")->status, CHECK_OK);
	assert_int_equal(row(&r, "boot.setupmode")->status, CHECK_FAIL);
	assert_int_equal(row(&r, "boot.keys.kek")->status, CHECK_FAIL); /* Microsoft owner */
	assert_int_equal(row(&r, "boot.keys.db")->status, CHECK_OK);
	assert_int_equal(row(&r, "boot.keys.pk")->status, CHECK_FAIL);  /* not enrolled */
	assert_int_equal(row(&r, "tpm.present")->status, CHECK_OK);
	assert_int_equal(row(&r, "mount:/")->status, CHECK_OK);
	assert_int_equal(row(&r, "mount:/var")->status, CHECK_OK);
	assert_int_equal(row(&r, "mount:/tmp")->status, CHECK_FAIL);  /* executable writable mount */
	assert_non_null(strstr(row(&r, "mount:/tmp")->found, "lacks noexec"));
	assert_int_equal(row(&r, "root.verity")->status, CHECK_FAIL); /* no device-mapper to ask in a fixture */
	assert_non_null(strstr(row(&r, "root.verity")->found, "dm-verity root"));
	assert_int_equal(row(&r, "kernel.lockdown")->status, CHECK_OK);
	assert_int_equal(row(&r, "sysctl:kernel.kptr_restrict")->status, CHECK_OK);
	assert_int_equal(row(&r, "sysctl:kernel.yama.ptrace_scope")->status, CHECK_NA); /* '-' and absent */
	assert_int_equal(row(&r, "sysctl:fs.protected_fifos")->status, CHECK_FAIL);
	assert_int_equal(row(&r, "sysctl:kernel.sysrq")->status, CHECK_FAIL); /* missing sysctl */
	assert_int_equal(row(&r, "kernel.modules_disabled")->status, CHECK_OK);
	assert_int_equal(row(&r, "cmdline.roothash")->status, CHECK_OK);
	assert_int_equal(row(&r, "cmdline:lockdown")->status, CHECK_OK);
	assert_int_equal(row(&r, "cmdline:mds")->status, CHECK_FAIL);
	assert_int_equal(row(&r, "pid1.nonewprivs")->status, CHECK_OK);
	assert_int_equal(row(&r, "pid1.capbnd")->status, CHECK_OK);
	assert_int_equal(row(&r, "cpu.nx")->status, CHECK_OK);
	assert_int_equal(row(&r, "cpu.smep")->status, CHECK_FAIL);
	assert_int_equal(row(&r, "cpu.wp")->status, CHECK_OK);
	assert_int_equal(row(&r, "cpu.vuln:mds")->status, CHECK_FAIL);
	assert_int_equal(row(&r, "cpu.vuln:meltdown")->status, CHECK_OK);
	assert_int_equal(row(&r, "platform.iommu")->status, CHECK_FAIL); /* empty /sys/class/iommu */
	assert_int_equal(row(&r, "suid.none")->status, CHECK_FAIL);
	assert_int_equal(row(&r, "kernel.rodata")->status, CHECK_OK);
	assert_int_equal(row(&r, "kernel.wx")->status, CHECK_FAIL);
	assert_non_null(strstr(row(&r, "kernel.wx")->found, "3 W+X pages"));
	assert_int_equal(row(&r, "kernel.nx")->status, CHECK_FAIL);
	assert_non_null(strstr(row(&r, "suid.none")->details[0], "/usr/bin/su (setuid"));
	assert_true(report_failures(&r) > 0);
	report_free(&r);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verity_judge), cmocka_unit_test(test_capbnd_judge),
		cmocka_unit_test(test_small_judges), cmocka_unit_test(test_live_fixture),
	};

	return cmocka_run_group_tests_name("check-live", tests, NULL, NULL);
}
