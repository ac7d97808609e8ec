/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MakeCredential in software against a real software TPM (swtpm, started
 * here in a temporary directory): the TPM's ActivateCredential recovers
 * what we protected, exactly as it recovers what Esys_MakeCredential
 * protected; quotes parse and verify, alterations do not. Skipped (not
 * passed) without swtpm. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "common.h"
#include "credential.h"
#include "device.h"
#include "ekcert.h"
#include "eventlog.h"
#include "quote.h"

extern char **environ;

struct env {
	char dir[64], sock[128], tcti[160];
	pid_t pid;
	struct ad_ctx *t;
};

static bool have_swtpm(void)
{
	return access("/usr/bin/swtpm", X_OK) == 0 || access("/usr/local/bin/swtpm", X_OK) == 0;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	char st[100], srv[200], ctrl[200];
	char *argv[] = { "swtpm", "socket", "--tpm2", "--tpmstate", st, "--server", srv, "--ctrl", ctrl,
			 "--flags", "not-need-init,startup-clear", NULL };
	struct stat sb;

	if (!have_swtpm()) {
		free(e);
		*state = NULL;
		return 0;
	}
	strcpy(e->dir, "/tmp/rempart-test-attest.XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	snprintf(e->sock, sizeof(e->sock), "%s/sock", e->dir);
	snprintf(e->tcti, sizeof(e->tcti), "swtpm:path=%s", e->sock);
	snprintf(st, sizeof(st), "dir=%s", e->dir);
	snprintf(srv, sizeof(srv), "type=unixio,path=%s", e->sock);
	snprintf(ctrl, sizeof(ctrl), "type=unixio,path=%s.ctrl", e->sock);
	if (posix_spawnp(&e->pid, "swtpm", NULL, NULL, argv, environ) != 0)
		return -1;
	for (int i = 0; i < 200 && stat(e->sock, &sb) < 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	if (ad_open(e->tcti, &e->t) < 0)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[128];

	if (!e)
		return 0;
	ad_close(e->t);
	kill(e->pid, SIGTERM);
	waitpid(e->pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		return -1;
	free(e);
	return 0;
}

static void credential_round(struct env *e, bool ek_ecc, bool ak_ecc)
{
	TPM2B_PUBLIC ek, ak;
	TPM2B_NAME name, other;
	TPM2B_ID_OBJECT blob, tblob;
	TPM2B_ENCRYPTED_SECRET sec, tsec;
	uint8_t secret[32], out[64];
	size_t outlen = 0;

	assert_int_equal(ad_load_ek(e->t, ek_ecc, &ek), 0);
	assert_int_equal(ad_load_ak(e->t, ak_ecc, &ak), 0);
	assert_int_equal(tc_name(&ak.publicArea, &name), 0);
	for (int i = 0; i < 32; i++)
		secret[i] = (uint8_t)(i * 7 + (ek_ecc ? 1 : 2));
	/* ours, activated by the TPM */
	assert_int_equal(tc_make_credential(&ek.publicArea, secret, 32, &name, &blob, &sec), 0);
	if (ad_activate(e->t, &blob, &sec, out, &outlen) != 0)
		fail_msg("ActivateCredential of a software credential: %s", ad_last_error(e->t));
	assert_int_equal(outlen, 32);
	assert_memory_equal(out, secret, 32);
	/* the TPM's own MakeCredential has the same structure and sizes */
	assert_int_equal(ad_tpm_make_credential(e->t, secret, 32, &name, &tblob, &tsec), 0);
	assert_int_equal(tblob.size, blob.size);
	assert_int_equal(tsec.size, sec.size);
	outlen = 0;
	assert_int_equal(ad_activate(e->t, &tblob, &tsec, out, &outlen), 0);
	assert_memory_equal(out, secret, 32);
	/* made for another object name: the TPM refuses (integrity check) */
	other = name;
	other.name[5] ^= 1;
	assert_int_equal(tc_make_credential(&ek.publicArea, secret, 32, &other, &blob, &sec), 0);
	assert_int_not_equal(ad_activate(e->t, &blob, &sec, out, &outlen), 0);
	/* an altered blob: refused */
	assert_int_equal(tc_make_credential(&ek.publicArea, secret, 32, &name, &blob, &sec), 0);
	blob.credential[blob.size - 1] ^= 1;
	assert_int_not_equal(ad_activate(e->t, &blob, &sec, out, &outlen), 0);
}

static void test_credential_rsa_ek(void **state)
{
	if (!*state)
		skip();
	credential_round(*state, false, true);
	credential_round(*state, false, false);
}

static void test_credential_ecc_ek(void **state)
{
	if (!*state)
		skip();
	credential_round(*state, true, true);
}

/* An unmanufactured swtpm has no EK certificate: the indices of the TCG EK
 * Credential Profile are reported as not defined (the host suite reads
 * real ones from swtpm_setup-manufactured TPMs). */
static void test_nv_missing(void **state)
{
	struct env *e = *state;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (!e)
		skip();
	assert_int_equal(ad_nv_read(e->t, EKC_NV_RSA2048, 8192, &buf, &len), -ENOENT);
	assert_non_null(strstr(ad_last_error(e->t), "0x01c00002 is not defined"));
	assert_int_equal(ad_nv_read(e->t, EKC_NV_ECCP256, 8192, &buf, &len), -ENOENT);
	assert_null(buf);
}

static void test_kdfa_known(void **state)
{
	/* KDFa is deterministic: two derivations of different lengths share a prefix */
	uint8_t k[32] = { 1 }, a[64], b[16];

	(void)state;
	assert_int_equal(tc_kdfa(TPM2_ALG_SHA256, k, 32, "STORAGE", NULL, 0, NULL, 0, a, 64), 0);
	assert_int_equal(tc_kdfa(TPM2_ALG_SHA256, k, 32, "STORAGE", NULL, 0, NULL, 0, b, 16), 0);
	/* the output length is part of the input: prefixes differ */
	assert_memory_not_equal(a, b, 16);
}

static void quote_round(struct env *e, bool ak_ecc)
{
	TPM2B_PUBLIC ak;
	uint8_t nonce[32], attest[2048], sig[1024], pcrs[24][32], digest[32];
	size_t alen = sizeof(attest), slen = sizeof(sig);
	uint32_t mask = 0xff | 1u << 11;
	struct qt_quote q;
	char err[QT_ERR_MAX];

	for (int i = 0; i < 32; i++)
		nonce[i] = (uint8_t)i;
	assert_int_equal(ad_load_ak(e->t, ak_ecc, &ak), 0);
	assert_int_equal(ad_quote(e->t, nonce, 32, mask, attest, &alen, sig, &slen), 0);
	assert_int_equal(qt_parse(attest, alen, &q, err), 0);
	assert_int_equal(q.pcr_mask, mask);
	assert_int_equal(q.attest.extraData.size, 32);
	assert_memory_equal(q.attest.extraData.buffer, nonce, 32);
	assert_int_equal(ad_pcr_read(e->t, mask, pcrs), 0);
	assert_int_equal(qt_pcr_digest(pcrs, mask, digest), 0);
	assert_memory_equal(digest, q.pcr_digest, 32);
	assert_int_equal(qt_verify_signature(&ak.publicArea, attest, alen, sig, slen, err), 0);
	/* altered attest bytes: the signature no longer verifies */
	attest[alen - 1] ^= 1;
	assert_int_equal(qt_verify_signature(&ak.publicArea, attest, alen, sig, slen, err), -EKEYREJECTED);
	attest[alen - 1] ^= 1;
	/* trailing garbage in the structure */
	assert_int_equal(qt_parse(attest, alen + 1, &q, err), -EBADMSG);
	/* the other AK type's key does not verify it */
	{
		TPM2B_PUBLIC other;

		assert_int_equal(ad_load_ak(e->t, !ak_ecc, &other), 0);
		assert_int_not_equal(qt_verify_signature(&other.publicArea, attest, alen, sig, slen, err), 0);
	}
}

static void test_quote(void **state)
{
	struct env *e = *state;
	size_t len;
	uint8_t *buf, vm[24][32], pcrs[24][32];
	struct el_log log;
	char err[EL_ERR_MAX];

	if (!e)
		skip();
	/* replay the captured log into the TPM: PCRs 0-7 become the VM's */
	buf = load_data("ovmf-sb.log", &len);
	load_pcrs(vm);
	assert_int_equal(el_parse(buf, len, &log, err), 0);
	for (size_t i = 1; i < log.n; i++)
		if (log.ev[i].type != EV_NO_ACTION && log.ev[i].pcr < 8)
			assert_int_equal(ad_pcr_extend(e->t, log.ev[i].pcr,
						       el_event_digest(&log.ev[i], EL_ALG_SHA256)->d), 0);
	assert_int_equal(ad_pcr_read(e->t, 0xff, pcrs), 0);
	for (int p = 0; p < 8; p++)
		assert_memory_equal(pcrs[p], vm[p], 32);
	el_free(&log);
	free(buf);
	quote_round(e, true);
	quote_round(e, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdfa_known),
		cmocka_unit_test(test_credential_rsa_ek),
		cmocka_unit_test(test_credential_ecc_ek),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_nv_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
