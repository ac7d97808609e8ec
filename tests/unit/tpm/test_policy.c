/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Policy digests, names and PCR 11 prediction against known answers.
 * Every expected value below was computed independently of this code:
 * policy digests and names by tpm2-tools 5.4 trial sessions on swtpm 0.7.1
 * (tpm2_loadexternal -G ecc256:ecdsa-sha256:null -a "sign|userwithauth",
 * tpm2_policyauthorize, tpm2_policypcr, tpm2_policynv, tpm2_policycommandcode,
 * tpm2_nvdefine -a "nt=counter|ownerwrite|policywrite|authread|ownerread|no_da"
 * + tpm2_nvincrement + tpm2_nvreadpublic), PCR 11 by systemd 252's
 * systemd-measure calculate. tests/host/tpm.sh recomputes them live. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hex.h"
#include "pcr11.h"
#include "policy.h"

static const char KEY_X[] = "b12602ba9deb23427e03579d3b60e467508b0874911df893b082dcd1581276f9";
static const char KEY_Y[] = "98828afba267aa71d42f6608c57e4f6b92ced6c97593f23a673a04697a555511";
static const char PCR7[] = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
static const char PCR11[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void unhex(const char *s, uint8_t *out, size_t n)
{
	size_t len = 0;

	assert_int_equal(hex_decode(s, out, n, &len), 0);
	assert_int_equal(len, n);
}

static void assert_hex(const uint8_t *b, size_t n, const char *want)
{
	char got[2 * 68 + 1];

	hex_encode(b, n, got);
	assert_string_equal(got, want);
}

static void key_name(TPM2B_NAME *n)
{
	uint8_t x[32], y[32];
	TPM2B_PUBLIC pub;

	unhex(KEY_X, x, 32);
	unhex(KEY_Y, y, 32);
	tp_policy_key_public(x, y, &pub);
	assert_int_equal(tp_object_name(&pub.publicArea, n), 0);
}

static void nv_name(TPM2B_NAME *out, bool written)
{
	TPM2B_NAME k;
	TPM2B_NV_PUBLIC nv;

	key_name(&k);
	assert_int_equal(tp_nv_counter_public(TP_NV_INDEX_DEFAULT, &k, written, &nv), 0);
	assert_int_equal(tp_nv_name(&nv.nvPublic, out), 0);
}

static void test_key_name(void **state)
{
	TPM2B_NAME n;

	key_name(&n);
	assert_int_equal(n.size, TP_NAME_SIZE);
	assert_hex(n.name, n.size, "000b7c63b88ea5d3dcb0d469577158774e32795ed8d250dd39c1b167a4c6826336fb");
}

static void test_sealed_policy(void **state)
{
	TPM2B_NAME k;
	uint8_t pcr7[32], d[32];

	key_name(&k);
	unhex(PCR7, pcr7, 32);
	assert_int_equal(tp_profile_sealed_policy(&k, pcr7, d), 0);
	assert_hex(d, 32, "9a139ddc8c2192f6420428097cec5af6d28dd9bac06dba8d70a3fe6d2ee50893");
	/* One bit of PCR 7 changes the policy. */
	pcr7[31] ^= 1;
	assert_int_equal(tp_profile_sealed_policy(&k, pcr7, d), 0);
	char h[65];
	hex_encode(d, 32, h);
	assert_string_not_equal(h, "9a139ddc8c2192f6420428097cec5af6d28dd9bac06dba8d70a3fe6d2ee50893");
}

static void test_release_policy(void **state)
{
	uint8_t pcr11[32], d[32];
	TPM2B_NAME nv;

	unhex(PCR11, pcr11, 32);
	assert_int_equal(tp_profile_release_policy(pcr11, NULL, 0, d), 0);
	assert_hex(d, 32, "d3940ed96e13091c7b95ed4e6fbde8b8c23f6b4b0e12baec9a84992701138e56");
	nv_name(&nv, true);
	assert_int_equal(tp_profile_release_policy(pcr11, &nv, 7, d), 0);
	assert_hex(d, 32, "e08327fe5622fea8ff0a4cc8400bcd25fe7be87e84f2431b1eb0da8a2181f3d8");
}

static void test_nv(void **state)
{
	TPM2B_NAME k, nv, nvu;
	uint8_t d[32];

	key_name(&k);
	assert_int_equal(tp_profile_nv_policy(&k, d), 0);
	assert_hex(d, 32, "6788194ddaab54bc15676ba102a75813e3051e0f4ceac3fbbf5f53cfad294aba");
	nv_name(&nv, true);
	assert_hex(nv.name, nv.size, "000be1b87ae739668dfb1b79dbd6d1ec929f3b9177edd2724737f465a3e4329f70b4");
	nv_name(&nvu, false);
	assert_memory_not_equal(nv.name, nvu.name, nv.size); /* TPMA_NV_WRITTEN is part of the name */
	assert_int_equal(tp_profile_increment_policy(&nv, 7, d), 0);
	assert_hex(d, 32, "5fe27bb6a20d61f8f82231bfb0f644096a87b0a89eb5cc606a50f74260466082");
}

static void test_bad_args(void **state)
{
	struct tp_policy p;
	TPM2B_NAME empty = { 0 };
	TPM2B_NV_PUBLIC nv;
	uint8_t z[32] = { 0 };

	tp_policy_reset(&p);
	assert_int_equal(tp_policy_pcr(&p, 0, z), -EINVAL);
	assert_int_equal(tp_policy_pcr(&p, 1u << 24, z), -EINVAL);
	assert_int_equal(tp_policy_authorize(&p, &empty, NULL, 0), -EINVAL);
	assert_int_equal(tp_nv_counter_public(0x81000001, &empty, true, &nv), -EINVAL);
}

static char *write_tmp(const char *content)
{
	char *path = strdup("/tmp/rempart-test-pcr11.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

static void test_pcr11(void **state)
{
	const char *paths[UKI_SECTION_MAX] = { 0 };
	char *l = write_tmp("LINUX"), *o = write_tmp("ID=rempart\n"), *c = write_tmp("quiet"),
	     *i = write_tmp("INITRD");
	uint8_t pcr[32];

	/* systemd-measure prints the value after its "enter-initrd" phase. */
	paths[UKI_LINUX] = l;
	assert_int_equal(pcr11_predict_files(paths, pcr), 0);
	assert_int_equal(pcr_extend_sw(pcr, "enter-initrd", 12), 0);
	assert_hex(pcr, 32, "81376ea40b6a17afc5a734618b5aac6ff57d7dda397768f6e7b48993debaa0fd");
	paths[UKI_OSREL] = o;
	paths[UKI_CMDLINE] = c;
	paths[UKI_INITRD] = i;
	assert_int_equal(pcr11_predict_files(paths, pcr), 0);
	assert_int_equal(pcr_extend_sw(pcr, "enter-initrd", 12), 0);
	assert_hex(pcr, 32, "6051ff85c048493b496c21e9c5b8054a1f03646a034976a5cb85932c98d96909");
	paths[UKI_LINUX] = NULL;
	assert_int_equal(pcr11_predict_files(paths, pcr), -EINVAL);
	paths[UKI_LINUX] = "/nonexistent/rempart";
	assert_int_equal(pcr11_predict_files(paths, pcr), -ENOENT);
	for (char *const *p = (char *const[]){ l, o, c, i, NULL }; *p; p++) {
		unlink(*p);
		free(*p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_name),   cmocka_unit_test(test_sealed_policy),
		cmocka_unit_test(test_release_policy), cmocka_unit_test(test_nv),
		cmocka_unit_test(test_bad_args),   cmocka_unit_test(test_pcr11),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
