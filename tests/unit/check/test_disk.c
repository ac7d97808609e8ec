/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GPT (libfdisk) and ESP (mtools) readers on images made by sfdisk and
 * mkfs.vfat + mtools. */
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

#include "esp.h"
#include "fileio.h"
#include "gpt.h"

static char dir[64];

static int mk(void **state)
{
	strcpy(dir, "/tmp/rempart-disk-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void test_gpt(void **state)
{
	char img[128];
	struct gpt_table t;
	const struct gpt_part *p;
	uint64_t size;
	int fd;

	snprintf(img, sizeof(img), "%s/disk.img", dir);
	assert_int_equal(sh("truncate -s 8M %s && printf 'label: gpt\\n"
			    "start=2048, size=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"esp\"\\n"
			    "size=4096, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, "
			    "uuid=00112233-4455-6677-8899-AABBCCDDEEFF, name=\"root-a\"\\n' | sfdisk -q %s >/dev/null 2>&1",
			    img, img), 0);
	fd = open(img, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fd_get_size(fd, &size), 0);
	assert_int_equal(gpt_read_fd(fd, size, &t), 0);
	assert_int_equal(t.n, 2);
	p = gpt_find(&t, "esp");
	assert_non_null(p);
	assert_int_equal(p->partno, 1);
	assert_string_equal(p->type, GPT_TYPE_ESP);
	assert_int_equal(p->offset, 2048 * 512);
	assert_int_equal(p->size, 2048 * 512);
	p = gpt_find(&t, "root-a");
	assert_string_equal(p->type, GPT_TYPE_ROOT_X86_64);
	assert_string_equal(p->uuid, "00112233-4455-6677-8899-aabbccddeeff");
	assert_int_equal(p->offset, 4096 * 512);
	assert_null(gpt_find(&t, "state"));
	gpt_table_free(&t);
	/* a partition beyond the (claimed) end of the image is refused */
	assert_int_equal(gpt_read_fd(fd, 3 << 20, &t), -ERANGE);
	close(fd);
	/* no partition table at all */
	assert_int_equal(sh("head -c 1048576 /dev/zero > %s", img), 0);
	fd = open(img, O_RDONLY);
	assert_int_equal(gpt_read_fd(fd, 1 << 20, &t), -ENOMEDIUM);
	close(fd);
}

static void test_esp(void **state)
{
	char img[128];
	struct esp e;
	struct strv l = { 0 };
	uint8_t *buf = NULL;
	size_t len;

	snprintf(img, sizeof(img), "%s/esp.img", dir);
	assert_int_equal(sh("cd %s && mkfs.vfat -C -F 16 fat 16384 >/dev/null && printf 'editor no\\n' > loader.conf && "
			    "head -c 70000 /dev/urandom > uki && export MTOOLS_SKIP_CHECK=1 && "
			    "mmd -i fat ::/loader ::/EFI ::/EFI/Linux && mcopy -i fat loader.conf ::/loader/loader.conf && "
			    "mcopy -i fat uki ::/EFI/Linux/rempart_1+3.efi && mcopy -i fat uki ::/EFI/Linux/rempart_2.efi && "
			    "{ head -c 1048576 /dev/zero; cat fat; } > esp.img", dir), 0);
	e.image = img;
	e.offset = 1048576; /* the FAT starts 1 MiB into the file, as in a disk image */
	assert_int_equal(esp_read(&e, "/loader/loader.conf", 4096, &buf, &len), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(buf, "editor no\n", 10);
	free(buf);
	assert_int_equal(esp_read(&e, "/EFI/Linux/rempart_2.efi", 1 << 20, &buf, &len), 0);
	assert_int_equal(len, 70000); /* binary content intact */
	free(buf);
	assert_int_equal(esp_read(&e, "/EFI/Linux/rempart_2.efi", 1000, &buf, &len), -EFBIG);
	assert_int_equal(esp_read(&e, "/nope.conf", 4096, &buf, &len), -ENOENT);
	assert_int_equal(esp_read(&e, "/../etc/passwd", 4096, &buf, &len), -EINVAL);
	assert_int_equal(esp_read(&e, "/a;b", 4096, &buf, &len), -EINVAL);
	assert_int_equal(esp_list(&e, "/EFI/Linux", &l), 0);
	assert_int_equal(l.n, 2);
	assert_non_null(strstr(l.v[0], "/EFI/Linux/rempart_"));
	strv_free(&l);
	assert_int_equal(esp_list(&e, "/EFI/Nope", &l), -ENOENT);
	strv_free(&l);
	e.offset = 0; /* no FAT there */
	assert_int_equal(esp_read(&e, "/loader/loader.conf", 4096, &buf, &len), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gpt, mk, rm),
		cmocka_unit_test_setup_teardown(test_esp, mk, rm),
	};

	return cmocka_run_group_tests_name("check-disk", tests, NULL, NULL);
}
