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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "diode.h"

static void test_names(void **state)
{
	char out[DIODE_NAME_MAX + 1], longname[300];

	assert_int_equal(diode_name_sanitize("report.pdf", out, sizeof(out)), 0);
	assert_string_equal(out, "report.pdf");
	assert_int_equal(diode_name_sanitize(".bashrc", out, sizeof(out)), 0);
	assert_string_equal(out, "_bashrc");
	assert_int_equal(diode_name_sanitize("-rf", out, sizeof(out)), 0);
	assert_string_equal(out, "_rf");
	assert_int_equal(diode_name_sanitize("a b/c\n\xc3\xa9", out, sizeof(out)), 0);
	assert_string_equal(out, "a_b_c___");
	assert_int_equal(diode_name_sanitize("..", out, sizeof(out)), -EINVAL);
	assert_int_equal(diode_name_sanitize(".", out, sizeof(out)), -EINVAL);
	assert_int_equal(diode_name_sanitize("", out, sizeof(out)), -EINVAL);
	assert_int_equal(diode_name_sanitize("...", out, sizeof(out)), 0);
	assert_string_equal(out, "_..");
	memset(longname, 'a', 200);
	longname[200] = '\0';
	assert_int_equal(diode_name_sanitize(longname, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), DIODE_NAME_MAX);
	memset(longname, 'a', 299);
	longname[299] = '\0';
	assert_int_equal(diode_name_sanitize(longname, out, sizeof(out)), -EINVAL);
	assert_int_equal(diode_name_sanitize("x", out, 8), -ENOBUFS);
}

static int memfd_with(const void *buf, size_t len)
{
	int fd = memfd_create("t", MFD_CLOEXEC);

	assert_true(fd >= 0);
	if (len)
		assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void roundtrip(size_t len)
{
	uint8_t pk[32], sk[32];
	uint8_t *pt = malloc(len + 1), *back = malloc(len + 1);
	int in, ct, out;
	off_t n;

	assert_non_null(pt);
	assert_non_null(back);
	for (size_t i = 0; i < len; i++)
		pt[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(rd_keygen(pk, sk), 0);
	in = memfd_with(pt, len);
	ct = memfd_with(NULL, 0);
	assert_int_equal(rd_seal(in, len, ct, pk), 0);
	assert_int_equal(lseek(ct, 0, SEEK_SET), 0);
	out = memfd_with(NULL, 0);
	assert_int_equal(rd_unseal(ct, out, pk, sk, len), 0);
	n = lseek(out, 0, SEEK_CUR);
	assert_int_equal(n, (off_t)len);
	assert_int_equal(pread(out, back, len + 1, 0), (ssize_t)len);
	assert_memory_equal(pt, back, len);
	/* The plaintext limit is enforced on the decrypted size. */
	if (len > 0) {
		assert_int_equal(lseek(ct, 0, SEEK_SET), 0);
		assert_int_equal(rd_unseal(ct, out, pk, sk, len - 1), -EFBIG);
	}
	close(in);
	close(ct);
	close(out);
	free(pt);
	free(back);
}

static void test_seal_roundtrip(void **state)
{
	roundtrip(0);
	roundtrip(1);
	roundtrip(RD_CHUNK - 1);
	roundtrip(RD_CHUNK);
	roundtrip(RD_CHUNK + 1);
	roundtrip(3 * RD_CHUNK + 17);
}

static void test_seal_tamper(void **state)
{
	uint8_t pk[32], sk[32], pk2[32], sk2[32], derived[32];
	uint8_t pt[1000], buf[4096];
	int in, ct, out;
	ssize_t n;

	memset(pt, 0x42, sizeof(pt));
	assert_int_equal(rd_keygen(pk, sk), 0);
	assert_int_equal(rd_keygen(pk2, sk2), 0);
	assert_int_equal(rd_public_from_secret(sk, derived), 0);
	assert_memory_equal(derived, pk, 32);
	in = memfd_with(pt, sizeof(pt));
	ct = memfd_with(NULL, 0);
	assert_int_equal(rd_seal(in, sizeof(pt), ct, pk), 0);
	n = pread(ct, buf, sizeof(buf), 0);
	assert_int_equal(n, RD_HEADER_LEN + sizeof(pt) + 17);
	close(in);
	close(ct);

	/* Every single-byte flip anywhere is detected. */
	for (ssize_t i = 0; i < n; i += 37) {
		buf[i] ^= 0x01;
		in = memfd_with(buf, (size_t)n);
		out = memfd_with(NULL, 0);
		assert_int_equal(rd_unseal(in, out, pk, sk, 1 << 20), -EBADMSG);
		close(in);
		close(out);
		buf[i] ^= 0x01;
	}
	/* Truncation at any length, and extension. */
	for (ssize_t l = 0; l < n; l += 53) {
		in = memfd_with(buf, (size_t)l);
		out = memfd_with(NULL, 0);
		assert_int_equal(rd_unseal(in, out, pk, sk, 1 << 20), -EBADMSG);
		close(in);
		close(out);
	}
	buf[n] = 0;
	in = memfd_with(buf, (size_t)n + 1);
	out = memfd_with(NULL, 0);
	assert_int_equal(rd_unseal(in, out, pk, sk, 1 << 20), -EBADMSG);
	close(in);
	close(out);
	/* Another recipient cannot open it. */
	in = memfd_with(buf, (size_t)n);
	out = memfd_with(NULL, 0);
	assert_int_equal(rd_unseal(in, out, pk2, sk2, 1 << 20), -EBADMSG);
	close(in);
	close(out);
}

static void test_keys(void **state)
{
	char dir[] = "/tmp/rempart-diode-unit.XXXXXX", pub[128], sec[128];
	uint8_t pk[32], sk[32], a[32];

	assert_non_null(mkdtemp(dir));
	snprintf(pub, sizeof(pub), "%s/pk", dir);
	snprintf(sec, sizeof(sec), "%s/sk", dir);
	assert_int_equal(rd_keygen(pk, sk), 0);
	assert_int_equal(rd_key_write(pub, pk, 0), 0);
	assert_int_equal(rd_key_write(sec, sk, 1), 0);
	assert_int_equal(rd_key_read(pub, a, 0), 0);
	assert_memory_equal(a, pk, 32);
	assert_int_equal(rd_key_read(sec, a, 1), 0);
	assert_memory_equal(a, sk, 32);
	assert_int_equal(chmod(sec, 0640), 0);
	assert_int_equal(rd_key_read(sec, a, 1), -EPERM);
	assert_int_equal(truncate(pub, 10), 0);
	assert_int_equal(rd_key_read(pub, a, 0), -EINVAL);
	unlink(pub);
	unlink(sec);
	rmdir(dir);
}

struct seen {
	int delivered, refused;
	char reasons[512];
};

static void collect(void *u, const struct diode_file *f)
{
	struct seen *s = u;

	if (f->result == 0)
		s->delivered++;
	else {
		s->refused++;
		strncat(s->reasons, f->reason, sizeof(s->reasons) - strlen(s->reasons) - 2);
		strcat(s->reasons, ";");
	}
}

static void test_pass(void **state)
{
	char dir[] = "/tmp/rempart-diode-unit.XXXXXX", out[128], in[128], p[256], q[256];
	struct diode_opts o = { .max_size = 1 << 20, .max_files = 10, .owner = (uid_t)-1, .group = (gid_t)-1 };
	struct seen s = { 0 };
	const char *what = NULL;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(in, sizeof(in), "%s/in", dir);
	assert_int_equal(mkdir(out, 0755), 0);
	assert_int_equal(mkdir(in, 0755), 0);
	snprintf(p, sizeof(p), "%s/ok.txt", out);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "data", 4), 4);
	close(fd);
	snprintf(q, sizeof(q), "%s/link", out);
	assert_int_equal(symlink("/etc/passwd", q), 0);
	o.outbox = out;
	o.inbox = in;
	o.direction = DIODE_UP;
	assert_int_equal(diode_pass(&o, collect, &s, &what), 1);
	assert_int_equal(s.delivered, 1);
	assert_non_null(strstr(s.reasons, "symbolic link"));
	snprintf(p, sizeof(p), "%s/ok.txt", in);
	assert_int_equal(access(p, F_OK), 0);

	o.direction = DIODE_DOWN;
	assert_int_equal(diode_pass(&o, NULL, NULL, &what), -EPERM);
	o.direction = DIODE_UP;
	o.inbox = out;
	assert_int_equal(diode_pass(&o, NULL, NULL, &what), -EINVAL);
	assert_non_null(strstr(what, "overlap"));

	unlink(p);
	unlink(q);
	rmdir(in);
	rmdir(out);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names), cmocka_unit_test(test_seal_roundtrip), cmocka_unit_test(test_seal_tamper),
		cmocka_unit_test(test_keys), cmocka_unit_test(test_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
