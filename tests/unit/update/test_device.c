/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device-side modules: configuration, ESP entry names, state file, GPT
 * slots through libfdisk (on an image made by sfdisk), verity checks of a
 * slot inside a disk image (data_area_offset). */
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
#include <openssl/evp.h>

#include "disk.h"
#include "esp.h"
#include "fileio.h"
#include "state.h"
#include "update_config.h"
#include "uuid.h"
#include "verity.h"
#include "wpipe.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/rempart-upd-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int load_conf(const char *text, struct update_config *c, unsigned *line, char err[256])
{
	char path[128];

	snprintf(path, sizeof(path), "%s/u.conf", dir);
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0600), 0);
	return update_config_load(path, c, line, err);
}

#define BASE "product = rempart\nchannel = stable\nserver = https://u.example/repo/\nca = /ca.pem\n" \
	     "pubkey = /k.pub\ndisk = /dev/vda\nesp = /efi\nstate_dir = /var/lib/u\n"

static void test_config(void **state)
{
	struct update_config c;
	unsigned line;
	char err[256];

	(void)state;
	assert_int_equal(load_conf("# comment\n\n" BASE "  timeout = 30  \napi = v1\n", &c, &line, err), 0);
	assert_string_equal(c.server, "https://u.example/repo");
	assert_int_equal(c.timeout, 30);
	assert_true(c.api_v1);
	assert_int_equal(c.sv_store, SV_STORE_TPM);
	assert_int_equal(c.boot_tries, 3);
	assert_int_equal(load_conf(BASE "\ncolour = blue\n", &c, &line, err), -EINVAL);
	assert_int_equal(line, 10);
	assert_non_null(strstr(err, "unknown key"));
	assert_int_equal(load_conf(BASE "channel = beta\n", &c, &line, err), -EINVAL);
	assert_non_null(strstr(err, "duplicate"));
	assert_int_equal(load_conf("product = rempart\n", &c, &line, err), -EINVAL);
	assert_non_null(strstr(err, "missing required key"));
	assert_int_equal(load_conf(BASE "esp = efi\n", &c, &line, err), -EINVAL);
	assert_int_equal(load_conf("server = http://x\n", &c, &line, err), -EINVAL);
	assert_non_null(strstr(err, "https://"));
	assert_int_equal(load_conf(BASE "security_version_store = file\n", &c, &line, err), -EINVAL);
	assert_int_equal(load_conf(BASE "no equals sign\n", &c, &line, err), -EINVAL);
}

static void test_esp_names(void **state)
{
	struct esp_entry e;

	(void)state;
	assert_true(esp_parse_name("rempart_1.2.0+3.efi", &e));
	assert_true(e.counting);
	assert_int_equal(e.left, 3);
	assert_string_equal(e.version, "1.2.0");
	assert_true(esp_parse_name("rempart_1.2.0+0-3.efi", &e));
	assert_int_equal(e.left, 0);
	assert_int_equal(e.done, 3);
	assert_true(esp_parse_name("rempart_10.0.efi", &e));
	assert_false(e.counting);
	assert_false(esp_parse_name("rempart_.efi", &e));
	assert_false(esp_parse_name("rempart_1.2.0+x.efi", &e));
	assert_false(esp_parse_name("rempart_1.2.0+3.EFI", &e));
	assert_false(esp_parse_name(".#rempart_1.2.0+3.efi.1234abcd", &e));
	assert_false(esp_parse_name("linux.efi", &e));
}

static void test_esp_install(void **state)
{
	char esp[96], src[96];
	struct esp_entry e[4];
	size_t n;

	(void)state;
	snprintf(esp, sizeof(esp), "%s/esp", dir);
	snprintf(src, sizeof(src), "%s/uki", dir);
	assert_int_equal(esp_list(esp, e, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(write_file_atomic(src, "UKI", 3, 0600), 0);
	assert_int_equal(esp_install_uki(esp, src, "2.0", 3), 0);
	assert_int_equal(esp_list(esp, e, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].file, "rempart_2.0+3.efi");
	assert_int_equal(esp_remove(esp, e[0].file), 0);
	assert_int_equal(esp_list(esp, e, 4, &n), 0);
	assert_int_equal(n, 0);
}

static void test_state(void **state)
{
	struct us_state s, t;

	(void)state;
	assert_int_equal(us_load(dir, &s), 0);
	assert_int_equal(s.newest_issued_at, 0);
	s.newest_issued_at = 1234;
	s.sv_floor = 7;
	for (int i = 0; i < US_MAX_RELEASES + 3; i++) {
		char v[16];

		snprintf(v, sizeof(v), "1.%d", i);
		us_remember(&s, v, (uint64_t)i, "abcd");
	}
	us_remember(&s, "1.5", 55, "ef");
	assert_int_equal(s.n_releases, US_MAX_RELEASES);
	assert_int_equal(us_save(dir, &s), 0);
	assert_int_equal(us_load(dir, &t), 0);
	assert_int_equal(t.newest_issued_at, 1234);
	assert_int_equal(t.sv_floor, 7);
	assert_null(us_find(&t, "1.0"));
	assert_int_equal(us_find(&t, "1.5")->security_version, 55);
	assert_non_null(us_find(&t, "1.10"));
}

static void test_disk(void **state)
{
	char img[96], cmd[512];
	struct disk_layout l;
	uint8_t rh[32], ru[16], vu[16];

	(void)state;
	snprintf(img, sizeof(img), "%s/disk.img", dir);
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 24M %s && printf 'label: gpt\\nsize=4M, name=esp\\nsize=4M, name=root-a\\n"
		 "size=1M, name=root-a-verity\\nsize=4M, name=root-b\\nsize=1M, name=root-b-verity\\n"
		 "size=2M, name=state\\n' | sfdisk -q %s",
		 img, img);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(disk_read_layout(img, &l), 0);
	assert_true(l.esp.present);
	assert_int_equal(l.root[1].size, 4u << 20);
	assert_int_equal(l.verity[0].size, 1u << 20);
	assert_true(l.root[1].offset > l.verity[0].offset);
	for (int i = 0; i < 32; i++)
		rh[i] = (uint8_t)(i * 7);
	assert_int_equal(disk_slot_of_roothash(&l, rh, 32), -ENOENT);
	disk_roothash_uuids(rh, 32, ru, vu);
	assert_int_equal(disk_set_slot_uuids(img, &l, 1, ru, vu), 0);
	assert_int_equal(disk_read_layout(img, &l), 0);
	assert_int_equal(disk_slot_of_roothash(&l, rh, 32), 1);
	/* sfdisk reads the same UUID back (text = first 16 bytes of the hash). */
	{
		char u[UUID_STR_LEN], out[128] = { 0 };
		FILE *p;

		snprintf(cmd, sizeof(cmd), "sfdisk --part-uuid %s 4", img);
		p = popen(cmd, "r");
		assert_non_null(p);
		assert_non_null(fgets(out, sizeof(out), p));
		pclose(p);
		uuid_format(ru, u);
		for (char *c = out; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c == '\n' ? 0 : *c);
		assert_string_equal(out, u);
	}
	/* Not GPT; a label missing. */
	snprintf(cmd, sizeof(cmd), "truncate -s 4M %s/plain.img", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(img, sizeof(img), "%s/plain.img", dir);
	assert_int_not_equal(disk_read_layout(img, &l), 0);
	snprintf(img, sizeof(img), "%s/small.img", dir);
	snprintf(cmd, sizeof(cmd), "truncate -s 8M %s && printf 'label: gpt\\nsize=2M, name=root-a\\n' | sfdisk -q %s",
		 img, img);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(disk_read_layout(img, &l), -ENOENT);
}

/* The verity library reads a slot at an offset inside a disk image. */
static void test_verity_offset(void **state)
{
	char data[96], hash[96], disk[96];
	struct rv_params p;
	struct rv_report rep;
	uint8_t root[64], buf[4096];
	size_t rl;
	int fd, dfd;
	const uint64_t off_data = 1 << 20, off_hash = 3 << 20;

	(void)state;
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(hash, sizeof(hash), "%s/hash", dir);
	snprintf(disk, sizeof(disk), "%s/slot.img", dir);
	fd = open(data, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; i < 100; i++) {
		memset(buf, i, sizeof(buf));
		assert_int_equal(write_full(fd, buf, sizeof(buf)), 0);
	}
	close(fd);
	rv_params_default(&p);
	p.salt_size = 4;
	memset(p.salt, 9, 4);
	assert_int_equal(rv_format(data, hash, &p, root, &rl, NULL, NULL), 0);
	/* Lay both at offsets in one file, with junk around. */
	dfd = open(disk, O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(buf, 0xee, sizeof(buf));
	for (int i = 0; i < 1024; i++)
		assert_int_equal(write_full(dfd, buf, sizeof(buf)), 0);
	{
		uint8_t *d = NULL, *h = NULL;
		size_t dl, hl;

		assert_int_equal(read_file(data, 1 << 22, &d, &dl), 0);
		assert_int_equal(read_file(hash, 1 << 22, &h, &hl), 0);
		assert_int_equal(pwrite_full(dfd, d, dl, (off_t)off_data), 0);
		assert_int_equal(pwrite_full(dfd, h, hl, (off_t)off_hash), 0);
		free(d);
		free(h);
	}
	rv_params_default(&p);
	p.superblock = true;
	p.data_area_offset = off_data;
	p.hash_area_offset = off_hash;
	assert_int_equal(rv_verify_fd(dfd, dfd, &p, root, rl, &rep, NULL, NULL), 0);
	assert_int_equal(p.data_blocks, 100);
	buf[0] = 0;
	assert_int_equal(pwrite_full(dfd, buf, 1, (off_t)(off_data + 4096 * 42 + 5)), 0);
	rv_params_default(&p);
	p.superblock = true;
	p.data_area_offset = off_data;
	p.hash_area_offset = off_hash;
	assert_int_equal(rv_verify_fd(dfd, dfd, &p, root, rl, &rep, NULL, NULL), -EBADMSG);
	assert_int_equal(rep.problem, RV_DATA_CORRUPT);
	assert_int_equal(rep.block, 42);
	close(dfd);
}

struct check_state {
	EVP_MD_CTX *ctx;
	size_t seen, fail_after;
};

static int check_digest(void *ud, const uint8_t *buf, size_t len)
{
	struct check_state *c = ud;

	c->seen += len;
	if (c->seen > c->fail_after)
		return -EBADMSG;
	return EVP_DigestUpdate(c->ctx, buf, len) == 1 ? 0 : -EIO;
}

/* The write pipeline writes everything in order at base+offset and
 * digests exactly the bytes pushed, in odd-sized pieces; its checker
 * thread sees the same bytes in the same order. */
static void test_wpipe(void **state)
{
	char path[96];
	const size_t total = 3 * WPIPE_BUF + 12345, base = 777;
	uint8_t *data = malloc(total), *back = NULL, d1[32], d2[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct check_state chk = { .ctx = EVP_MD_CTX_new(), .fail_after = SIZE_MAX };
	struct wpipe *p;
	size_t off = 0, step = 1, len;
	int fd;

	(void)state;
	for (size_t i = 0; i < total; i++)
		data[i] = (uint8_t)(i * 31 + (i >> 13));
	snprintf(path, sizeof(path), "%s/wpipe", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestInit_ex(chk.ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(wpipe_start(fd, base, ctx, check_digest, &chk, &p), 0);
	while (off < total) {
		size_t n = step < total - off ? step : total - off;

		assert_int_equal(wpipe_push(p, data + off, n), 0);
		off += n;
		step = step * 3 + 1;
		if (step > 700000)
			step = 5;
	}
	assert_int_equal(wpipe_finish(p), 0);
	assert_int_equal(EVP_DigestFinal_ex(ctx, d1, NULL), 1);
	assert_int_equal(EVP_Digest(data, total, d2, NULL, EVP_sha256(), NULL), 1);
	assert_memory_equal(d1, d2, 32);
	/* the checker thread saw the same bytes in the same order */
	assert_int_equal(chk.seen, total);
	assert_int_equal(EVP_DigestFinal_ex(chk.ctx, d1, NULL), 1);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(read_file(path, total + base + 1, &back, &len), 0);
	assert_int_equal(len, total + base);
	assert_memory_equal(back + base, data, total);
	free(back);
	close(fd);
	/* A write error reaches the producer. */
	assert_int_equal(wpipe_start(-1, 0, NULL, NULL, NULL, &p), 0);
	for (int i = 0; i < 2 * WPIPE_SLOTS; i++)
		(void)wpipe_push(p, data, WPIPE_BUF);
	assert_int_equal(wpipe_finish(p), -EBADF);
	/* So does a checker's refusal, and it stops the stream: the producer
	 * sees it while pushing, not only at the end. */
	fd = open(path, O_RDWR | O_TRUNC, 0600);
	assert_true(fd >= 0);
	chk.seen = 0;
	chk.fail_after = 2 * WPIPE_BUF;
	assert_int_equal(wpipe_start(fd, 0, NULL, check_digest, &chk, &p), 0);
	{
		int r = 0, pushes = 0;

		while (r == 0 && pushes < 100) {
			r = wpipe_push(p, data, WPIPE_BUF);
			pushes++;
		}
		assert_int_equal(r, -EBADMSG);
		assert_true(pushes < 100);
	}
	assert_int_equal(wpipe_finish(p), -EBADMSG);
	close(fd);
	EVP_MD_CTX_free(chk.ctx);
	EVP_MD_CTX_free(ctx);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_esp_names),
		cmocka_unit_test(test_esp_install),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_disk),
		cmocka_unit_test(test_verity_offset),
		cmocka_unit_test(test_wpipe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
