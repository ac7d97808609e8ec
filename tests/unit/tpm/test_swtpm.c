/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The library API against a real software TPM: this test starts swtpm in
 * socket mode in a temporary directory and stops it (skipped, not passed,
 * when swtpm is not installed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "signer.h"
#include "tpm.h"

extern char **environ;

struct env {
	char dir[64], sock[128], tcti[160], priv[128], pub[128], opriv[128], opub[128];
	pid_t pid;
	uint8_t x[32], y[32];
};

static int swtpm_start(struct env *e)
{
	char state[100], srv[200], ctrl[200], log[200];
	char *argv[] = { "swtpm", "socket", "--tpm2", "--tpmstate", state, "--server", srv, "--ctrl", ctrl,
			 "--flags", "not-need-init,startup-clear", "--log", log, NULL };
	struct stat st;

	snprintf(state, sizeof(state), "dir=%s", e->dir);
	snprintf(srv, sizeof(srv), "type=unixio,path=%s", e->sock);
	snprintf(ctrl, sizeof(ctrl), "type=unixio,path=%s.ctrl", e->sock);
	snprintf(log, sizeof(log), "file=%s/swtpm.log", e->dir);
	unlink(e->sock);
	if (posix_spawnp(&e->pid, "swtpm", NULL, NULL, argv, environ) != 0)
		return -1;
	for (int i = 0; i < 200; i++) {
		if (stat(e->sock, &st) == 0)
			return 0;
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
	return -1;
}

static void swtpm_stop(struct env *e)
{
	if (e->pid > 0) {
		kill(e->pid, SIGTERM);
		waitpid(e->pid, NULL, 0);
		e->pid = 0;
	}
}

static bool have_swtpm(void)
{
	const char *path = getenv("PATH");
	char buf[512];

	if (!path)
		path = "/usr/bin:/bin";
	for (const char *p = path; *p;) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/swtpm", (int)n, p);
		if (access(buf, X_OK) == 0)
			return true;
		p += n + (end ? 1 : 0);
	}
	return false;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	strcpy(e->dir, "/tmp/rempart-test-swtpm.XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	snprintf(e->sock, sizeof(e->sock), "%s/sock", e->dir);
	snprintf(e->tcti, sizeof(e->tcti), "swtpm:path=%s", e->sock);
	snprintf(e->priv, sizeof(e->priv), "%s/p.pem", e->dir);
	snprintf(e->pub, sizeof(e->pub), "%s/p.pub", e->dir);
	snprintf(e->opriv, sizeof(e->opriv), "%s/o.pem", e->dir);
	snprintf(e->opub, sizeof(e->opub), "%s/o.pub", e->dir);
	if (signer_keygen(e->priv, e->pub) < 0 || signer_keygen(e->opriv, e->opub) < 0 ||
	    signer_load_public(e->pub, e->x, e->y) < 0)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[128];

	swtpm_stop(e);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		return -1;
	free(e);
	return 0;
}

static void digest_of(const char *s, uint8_t d[32])
{
	assert_int_equal(EVP_Digest(s, strlen(s), d, NULL, EVP_sha256(), NULL), 1);
}

static void test_seal_unseal(void **state)
{
	struct env *e = *state;
	struct tpm_ctx *t = NULL;
	struct tpm_auth empty = { 0 }, owner, lockout;
	struct tpm_sealed s;
	struct tpm_approval a, a2, evil, sv1, sv2;
	struct tpm_explain ex;
	struct tpm_da_status da;
	enum tpm_unseal_why why;
	uint8_t secret[TPM_SECRET_MAX], got[TPM_SECRET_MAX], pcr11[32], d[32];
	size_t len = 0;
	char msg[512];
	uint64_t v;

	if (!have_swtpm())
		skip();
	assert_int_equal(swtpm_start(e), 0);
	assert_int_equal(tpm_open(e->tcti, &t), 0);
	assert_int_equal(tpm_srk_ensure(t, &empty), 0);
	assert_int_equal(tpm_srk_ensure(t, &empty), 0); /* idempotent */

	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(tpm_seal(t, secret, 0, NULL, e->x, e->y, &s), -EINVAL);
	assert_int_equal(tpm_seal(t, secret, 129, NULL, e->x, e->y, &s), -EINVAL);
	assert_int_equal(tpm_seal(t, secret, sizeof(secret), NULL, e->x, e->y, &s), 0);

	assert_int_equal(tpm_pcr_read(t, 11, pcr11), 0);
	assert_int_equal(signer_approve(e->priv, pcr11, false, 0, 0, &a), 0);
	assert_int_equal(tpm_unseal(t, &s, &a, got, &len, &why), 0);
	assert_int_equal(why, TPM_WHY_NONE);
	assert_int_equal(len, sizeof(secret));
	assert_memory_equal(got, secret, len);
	/* Many unseals in a row: no transient object or session leaks
	 * (swtpm has 3 object slots and no resource manager here). */
	for (int i = 0; i < 9; i++)
		assert_int_equal(tpm_unseal(t, &s, &a, got, &len, NULL), 0);

	/* Another key's approval. */
	assert_int_equal(signer_approve(e->opriv, pcr11, false, 0, 0, &evil), 0);
	assert_int_equal(tpm_unseal(t, &s, &evil, got, &len, &why), -EACCES);
	assert_int_equal(why, TPM_WHY_KEY);

	/* PCR 11 moves: refused, explained; a new approval opens. */
	digest_of("next UKI", d);
	assert_int_equal(tpm_pcr_extend(t, 11, d), 0);
	assert_int_equal(tpm_unseal(t, &s, &a, got, &len, &why), -EACCES);
	assert_int_equal(why, TPM_WHY_PCR11);
	assert_int_equal(tpm_explain(t, &s, &a, &ex), 0);
	assert_true(ex.pcr11_differs);
	assert_false(ex.pcr7_differs);
	assert_int_equal(tpm_explain_format(&ex, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "PCR 11"));
	assert_int_equal(tpm_pcr_read(t, 11, pcr11), 0);
	assert_int_equal(signer_approve(e->priv, pcr11, false, 0, 0, &a2), 0);
	assert_int_equal(tpm_unseal(t, &s, &a2, got, &len, &why), 0);

	/* Security version. */
	assert_int_equal(tpm_nv_define(t, &empty, TP_NV_INDEX_DEFAULT, e->x, e->y, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(signer_approve(e->priv, pcr11, true, 1, TP_NV_INDEX_DEFAULT, &sv1), 0);
	assert_int_equal(signer_approve(e->priv, pcr11, true, 2, TP_NV_INDEX_DEFAULT, &sv2), 0);
	assert_int_equal(tpm_unseal(t, &s, &sv1, got, &len, &why), 0);
	assert_int_equal(tpm_nv_increment_to(t, TP_NV_INDEX_DEFAULT, 2, &sv1, NULL), -EPERM);
	assert_int_equal(tpm_nv_increment_to(t, TP_NV_INDEX_DEFAULT, 2, &sv2, NULL), 0);
	assert_int_equal(tpm_nv_read(t, TP_NV_INDEX_DEFAULT, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(tpm_unseal(t, &s, &sv1, got, &len, &why), -EACCES);
	assert_int_equal(why, TPM_WHY_NV);
	assert_int_equal(tpm_explain(t, &s, &sv1, &ex), 0);
	assert_true(ex.nv_above);
	assert_int_equal(tpm_unseal(t, &s, &sv2, got, &len, &why), 0);
	assert_int_equal(tpm_nv_increment_to(t, TP_NV_INDEX_DEFAULT, 1, &sv2, NULL), -ERANGE);

	/* A signed approval whose svn field was raised: the TPM refuses the signature. */
	sv1.svn = 5;
	assert_int_equal(tpm_unseal(t, &s, &sv1, got, &len, &why), -EACCES);
	assert_int_equal(why, TPM_WHY_SIGNATURE);

	/* Leaving the initramfs: the booted system cannot unseal any more. */
	assert_int_equal(tpm_pcr11_leave_initramfs(t), 0);
	assert_int_equal(tpm_unseal(t, &s, &sv2, got, &len, &why), -EACCES);
	assert_int_equal(why, TPM_WHY_PCR11);
	assert_int_equal(tpm_pcr_read(t, 11, pcr11), 0);
	assert_int_equal(signer_approve(e->priv, pcr11, true, 2, TP_NV_INDEX_DEFAULT, &sv2), 0);
	assert_int_equal(tpm_unseal(t, &s, &sv2, got, &len, &why), 0);

	/* PCR 7 moves. */
	digest_of("secure boot off", d);
	assert_int_equal(tpm_pcr_extend(t, 7, d), 0);
	assert_int_equal(tpm_unseal(t, &s, &sv2, got, &len, &why), -EACCES);
	assert_int_equal(why, TPM_WHY_PCR7);
	assert_int_equal(tpm_explain(t, &s, &sv2, &ex), 0);
	assert_true(ex.pcr7_differs);
	tpm_explain_format(&ex, msg, sizeof(msg));
	assert_non_null(strstr(msg, "PCR 7 (Secure Boot policy) differs"));

	/* Provisioning. */
	assert_int_equal(tpm_provision_auth(t, &empty, &empty, &owner, &lockout), 0);
	assert_int_equal(owner.len, 32);
	assert_memory_not_equal(owner.b, lockout.b, 32);
	assert_int_equal(tpm_da_status(t, &da), 0);
	assert_true(da.owner_auth_set);
	assert_true(da.lockout_auth_set);
	assert_true(da.max_tries > 0);
	/* The old (empty) owner auth no longer works; the new one does. */
	assert_int_equal(tpm_nv_increment_to(t, TP_NV_INDEX_DEFAULT, 3, NULL, &empty), -EPERM);
	assert_int_equal(tpm_nv_increment_to(t, TP_NV_INDEX_DEFAULT, 3, NULL, &owner), 0);

	tpm_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seal_unseal, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
