/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
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

#include "escrow.h"

struct ctx {
	char dir[64], sec[96], pub[96], sec2[96], pub2[96];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	strcpy(c->dir, "/tmp/rempart-test-escrow.XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->sec, sizeof(c->sec), "%s/a.sec", c->dir);
	snprintf(c->pub, sizeof(c->pub), "%s/a.pub", c->dir);
	snprintf(c->sec2, sizeof(c->sec2), "%s/b.sec", c->dir);
	snprintf(c->pub2, sizeof(c->pub2), "%s/b.pub", c->dir);
	if (escrow_keygen(c->sec, c->pub) < 0 || escrow_keygen(c->sec2, c->pub2) < 0)
		return -1;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	unlink(c->sec);
	unlink(c->pub);
	unlink(c->sec2);
	unlink(c->pub2);
	rmdir(c->dir);
	free(c);
	return 0;
}

static void test_roundtrip(void **state)
{
	struct ctx *c = *state;
	uint8_t pk[32], pk2[32], sk[32], sk2[32], pkd[32], secret[32], got[32], blob[ESCROW_BLOB_BYTES];
	struct stat st;
	char pass[ESCROW_PASSPHRASE_LEN + 1];

	assert_int_equal(stat(c->sec, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(escrow_load_public(c->pub, pk), 0);
	assert_int_equal(escrow_load_secret(c->sec, pkd, sk), 0);
	assert_memory_equal(pk, pkd, 32); /* the public key derives from the secret one */
	assert_int_equal(escrow_load_secret(c->sec2, pk2, sk2), 0);
	/* A public key file is not a secret key file and vice versa. */
	assert_int_equal(escrow_load_secret(c->pub, pkd, sk2), -EBADMSG);
	assert_int_equal(escrow_load_public(c->sec, pkd), -EBADMSG);

	assert_int_equal(escrow_secret_generate(secret), 0);
	assert_int_equal(escrow_seal(pk, secret, blob), 0);
	assert_memory_equal(blob, "RMPE\x01", 5);
	assert_int_equal(escrow_open(pk, sk, blob, sizeof(blob), got), 0);
	assert_memory_equal(got, secret, 32);
	escrow_passphrase(got, pass);
	assert_int_equal(strlen(pass), 64);

	assert_int_equal(escrow_open(pk2, sk2, blob, sizeof(blob), got), -ENOKEY);
	/* Right key id but another secret key: authentication fails. */
	assert_int_equal(escrow_open(pk, sk2, blob, sizeof(blob), got), -EKEYREJECTED);
	for (size_t i = 0; i < sizeof(blob); i++) {
		blob[i] ^= 0x80;
		assert_int_not_equal(escrow_open(pk, sk, blob, sizeof(blob), got), 0);
		blob[i] ^= 0x80;
	}
	assert_int_equal(escrow_open(pk, sk, blob, sizeof(blob) - 1, got), -EBADMSG);
}

static void test_key_line(void **state)
{
	uint8_t k[32];
	const char *tag = "rempart-escrow-public-v1";

	assert_int_equal(escrow_parse_key_line("rempart-escrow-public-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
					       69, tag, k), 0);
	assert_int_equal(escrow_parse_key_line("rempart-escrow-public-v1 AAAA\n", 30, tag, k), -EBADMSG);
	assert_int_equal(escrow_parse_key_line("rempart-escrow-public-v1", 24, tag, k), -EBADMSG);
	assert_int_equal(escrow_parse_key_line("rempart-escrow-public-v1\tAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
					       68, tag, k), -EBADMSG);
	assert_int_equal(escrow_parse_key_line("", 0, tag, k), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test(test_key_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
