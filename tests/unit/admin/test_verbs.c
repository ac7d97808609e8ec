/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verb table against the specification (role x verb), schema
 * enforcement, and each verb's effect on a temporary state directory. */
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

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "admind.h"
#include "fileio.h"
#include "store.h"
#include "verbs.h"

static char dir[64];
static struct admind d;

/* The specification (issue 9), written independently of the table. */
static const struct {
	const char *verb;
	unsigned roles;
} spec[] = {
	{ "status", ROLE_ADMIN | ROLE_AUDIT | ROLE_USER },
	{ "network.get", ROLE_ADMIN }, { "network.set", ROLE_ADMIN },
	{ "ipsec.get", ROLE_ADMIN }, { "ipsec.set", ROLE_ADMIN }, { "ipsec.credentials", ROLE_ADMIN },
	{ "update.get", ROLE_ADMIN }, { "update.set", ROLE_ADMIN }, { "update.trigger", ROLE_ADMIN },
	{ "update.status", ROLE_ADMIN },
	{ "user.list", ROLE_ADMIN }, { "user.add", ROLE_ADMIN }, { "user.remove", ROLE_ADMIN },
	{ "user.lock", ROLE_ADMIN }, { "user.unlock", ROLE_ADMIN }, { "user.setkey", ROLE_ADMIN },
	{ "escrow.collect", ROLE_ADMIN }, { "escrow.delete", ROLE_ADMIN },
	{ "logs.read", ROLE_AUDIT }, { "check.run", ROLE_AUDIT }, { "attest.quote", ROLE_AUDIT },
};

#define ED25519_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa"

static int setup(void **state)
{
	char p[128];

	(void)state;
	strcpy(dir, "/tmp/rempart-admin-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	admind_defaults(&d);
	admind_set_state_dir(&d, dir);
	snprintf(d.home_dir, sizeof(d.home_dir), "%s/home", dir);
	snprintf(d.escrow_path, sizeof(d.escrow_path), "%s/esp/escrow.bin", dir);
	snprintf(d.log_store, sizeof(d.log_store), "%s/logs", dir);
	snprintf(d.attest_prog, sizeof(d.attest_prog), "%s/no-such-rempart-attest", dir);
	d.apply = false;
	d.chown_homes = false;
	d.groups.admin = "rempart-test-no-admin-group";
	d.groups.audit = "rempart-test-no-audit-group";
	snprintf(p, sizeof(p), "%s/home", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/esp", dir);
	mkdir(p, 0755);
	return 0;
}

static int teardown(void **state)
{
	char cmd[192];

	(void)state;
	snprintf(cmd, sizeof(cmd), "chattr -R -i -a %s 2>/dev/null; rm -rf %s", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Sends one request as role; returns the outcome, the response in resp. */
static enum verb_outcome call(enum role role, const char *json, char **resp)
{
	char verb[64], msg[1024];
	size_t len;
	char *r = NULL;
	enum verb_outcome o;

	o = verb_dispatch(&d, role, 1000, (const uint8_t *)json, strlen(json), &r, &len, verb, sizeof(verb), msg,
			  sizeof(msg));
	assert_non_null(r);
	assert_int_equal(strlen(r), len);
	if (resp)
		*resp = r;
	else
		free(r);
	return o;
}

static void expect(enum role role, const char *json, enum verb_outcome want, const char *in_resp)
{
	char *resp;
	enum verb_outcome o = call(role, json, &resp);

	if (o != want || (in_resp && !strstr(resp, in_resp)))
		fail_msg("%s as %s: got %s, wanted %s with \"%s\": %s", json, role_name(role), verb_outcome_name(o),
			 verb_outcome_name(want), in_resp ? in_resp : "", resp);
	free(resp);
}

static char *slurp(const char *rel)
{
	char path[256];
	uint8_t *buf = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (read_file(path, 1 << 20, &buf, &len) < 0)
		return NULL;
	return (char *)buf;
}

static void test_table_is_the_spec(void **state)
{
	(void)state;
	assert_int_equal(verb_count, sizeof(spec) / sizeof(spec[0]));
	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		const struct verb_spec *v = verb_find(spec[i].verb);

		assert_non_null(v);
		if (v->roles != spec[i].roles)
			fail_msg("%s: roles 0x%x, specified 0x%x", spec[i].verb, v->roles, spec[i].roles);
	}
}

/* Every role x verb: a refusal exactly when the specification says so,
 * reported as "denied" with the reason, before any validation. */
static void test_matrix(void **state)
{
	static const enum role roles[] = { ROLE_ADMIN, ROLE_AUDIT, ROLE_USER };

	(void)state;
	for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++)
		for (size_t k = 0; k < 3; k++) {
			char json[128], *resp;
			enum verb_outcome o;

			/* no arguments at all: allowed verbs answer (ok or invalid), refused ones "denied" */
			snprintf(json, sizeof(json), "{\"verb\":\"%s\"}", spec[i].verb);
			o = call(roles[k], json, &resp);
			if (spec[i].roles & roles[k]) {
				if (o == OUT_DENIED)
					fail_msg("%s refused to %s: %s", spec[i].verb, role_name(roles[k]), resp);
			} else {
				if (o != OUT_DENIED || !strstr(resp, "may not call"))
					fail_msg("%s not refused to %s: %s", spec[i].verb, role_name(roles[k]), resp);
			}
			free(resp);
		}
}

static void test_schema(void **state)
{
	(void)state;
	expect(ROLE_ADMIN, "{\"verb\":\"reboot\"}", OUT_INVALID, "unknown verb");
	expect(ROLE_USER, "{\"verb\":\"reboot\"}", OUT_INVALID, "unknown verb");
	expect(ROLE_ADMIN, "{\"mode\":\"dhcp\"}", OUT_INVALID, "no \\\"verb\\\"");
	expect(ROLE_ADMIN, "{\"verb\":1}", OUT_INVALID, "no \\\"verb\\\"");
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":\"dhcp\",\"colour\":\"blue\"}", OUT_INVALID,
	       "unknown field");
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":\"dhcp\",\"mode\":\"static\"}", OUT_INVALID,
	       "duplicate");
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":1}", OUT_INVALID, "must be a string");
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\"}", OUT_INVALID, "missing required field");
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":\"auto\"}", OUT_INVALID, "invalid value");
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":\"dhcp\",\"interface\":\"../../etc\"}", OUT_INVALID,
	       "interface");
	expect(ROLE_ADMIN, "{\"verb\":\"status\",\"x\":true}", OUT_INVALID, "unknown field");
	expect(ROLE_AUDIT, "{\"verb\":\"logs.read\",\"max\":1001}", OUT_INVALID, "at most 1000");
	expect(ROLE_AUDIT, "{\"verb\":\"logs.read\",\"max\":\"10\"}", OUT_INVALID, "must be an integer");
	expect(ROLE_AUDIT, "{\"verb\":\"attest.quote\",\"nonce\":\"0011; reboot\"}", OUT_INVALID, "nonce");
	/* the update signing key cannot even be named */
	expect(ROLE_ADMIN, "{\"verb\":\"update.set\",\"pubkey\":\"/tmp/k.pub\"}", OUT_INVALID, "unknown field");
	expect(ROLE_ADMIN, "{\"verb\":\"update.set\",\"server\":\"http://u.example\"}", OUT_INVALID, "server");
	expect(ROLE_ADMIN, "not json", OUT_INVALID, "malformed request");
	/* the response names the role */
	expect(ROLE_AUDIT, "{\"verb\":\"status\"}", OUT_OK, "\"role\":\"audit\"");
}

static void test_network(void **state)
{
	char *f;

	(void)state;
	expect(ROLE_ADMIN, "{\"verb\":\"network.get\"}", OUT_OK, "\"configured\":false");
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":\"static\",\"address\":\"10.1.0.5/24\","
	       "\"gateway\":\"10.1.0.1\",\"dns\":\"9.9.9.9 1.1.1.1\",\"interface\":\"enp1s0\"}", OUT_OK,
	       "\"applied\":\"no (--no-apply)\"");
	f = slurp("config/network.conf");
	assert_non_null(f);
	assert_non_null(strstr(f, "\nmode = static\naddress = 10.1.0.5/24\ngateway = 10.1.0.1\ndns = 9.9.9.9 1.1.1.1\n"
				  "interface = enp1s0\n"));
	free(f);
	expect(ROLE_ADMIN, "{\"verb\":\"network.get\"}", OUT_OK, "\"gateway\":\"10.1.0.1\"");
	expect(ROLE_USER, "{\"verb\":\"status\"}", OUT_OK, "\"network\":\"static\"");
	/* cross-field rules; the file is left as it was */
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":\"static\",\"address\":\"10.1.0.5/24\"}", OUT_INVALID,
	       "needs address and gateway");
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":\"static\",\"address\":\"10.1.0.5/24\","
	       "\"gateway\":\"10.2.0.1\"}", OUT_INVALID, "subnet");
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":\"dhcp\",\"gateway\":\"10.2.0.1\"}", OUT_INVALID,
	       "static mode only");
	f = slurp("config/network.conf");
	assert_non_null(strstr(f, "address = 10.1.0.5/24"));
	free(f);
	expect(ROLE_ADMIN, "{\"verb\":\"network.set\",\"mode\":\"dhcp\"}", OUT_OK, NULL);
	f = slurp("config/network.conf");
	assert_non_null(strstr(f, "\nmode = dhcp\n"));
	assert_null(strstr(f, "address"));
	free(f);
}

static void test_ipsec_update(void **state)
{
	char *f;

	(void)state;
	expect(ROLE_ADMIN, "{\"verb\":\"ipsec.set\",\"gateway\":\"192.0.2.1\",\"remote_id\":\"C=FR, O=Ex, CN=gw\","
	       "\"local_id\":\"ws1.example\",\"remote_ts\":\"10.0.0.0/8,fd00::/8\",\"virtual_ip\":\"yes\"}", OUT_OK, NULL);
	f = slurp("config/ipsec.conf");
	assert_non_null(f);
	assert_non_null(strstr(f, "\ngateway = 192.0.2.1\nremote_id = C=FR, O=Ex, CN=gw\nlocal_id = ws1.example\n"
				  "remote_ts = 10.0.0.0/8,fd00::/8\nvirtual_ip = yes\n"));
	free(f);
	expect(ROLE_ADMIN, "{\"verb\":\"ipsec.set\",\"gateway\":\"192.0.2.1\",\"remote_id\":\"gw\\ninclude x\","
	       "\"remote_ts\":\"10.0.0.0/8\"}", OUT_INVALID, "remote_id");
	expect(ROLE_ADMIN, "{\"verb\":\"update.get\"}", OUT_OK, "\"configured\":false");
	expect(ROLE_ADMIN, "{\"verb\":\"update.set\"}", OUT_INVALID, "give server, channel or both");
	expect(ROLE_ADMIN, "{\"verb\":\"update.set\",\"server\":\"https://mirror.example:8443/r\",\"channel\":\"beta\"}",
	       OUT_OK, NULL);
	f = slurp("config/update.conf");
	assert_non_null(strstr(f, "\nserver = https://mirror.example:8443/r\nchannel = beta\n"));
	free(f);
	expect(ROLE_ADMIN, "{\"verb\":\"update.get\"}", OUT_OK, "\"channel\":\"beta\"");
	expect(ROLE_ADMIN, "{\"verb\":\"update.trigger\"}", OUT_OK, "--no-apply");
}

/* A self-signed P-256 certificate and its key, PEM. */
static void make_cert(char **cert, char **key)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	BIO *b;
	char *p;
	long n;

	assert_non_null(k);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"ws1", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	*cert = strndup(p, (size_t)n);
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	*key = strndup(p, (size_t)n);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* JSON string escaping of PEM text (newlines only). */
static char *esc(const char *s)
{
	char *o = malloc(strlen(s) * 2 + 1), *w = o;

	for (; *s; s++) {
		if (*s == '\n') {
			*w++ = '\\';
			*w++ = 'n';
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return o;
}

static void test_credentials(void **state)
{
	char *c1, *k1, *c2, *k2, *req, path[256], link[64];
	struct stat st;
	ssize_t n;

	(void)state;
	make_cert(&c1, &k1);
	make_cert(&c2, &k2);
	{
		char *ec = esc(c1), *ek = esc(k1), *eca = esc(c2);

		assert_true(asprintf(&req, "{\"verb\":\"ipsec.credentials\",\"cert\":\"%s\",\"key\":\"%s\",\"ca\":\"%s\"}",
				     ec, ek, eca) > 0);
		expect(ROLE_ADMIN, req, OUT_OK, "\"cert_subject\":\"/CN=ws1\"");
		free(req);
		/* a key that is not the certificate's: refused, the installed set unchanged */
		free(ek);
		ek = esc(k2);
		assert_true(asprintf(&req, "{\"verb\":\"ipsec.credentials\",\"cert\":\"%s\",\"key\":\"%s\",\"ca\":\"%s\"}",
				     ec, ek, eca) > 0);
		expect(ROLE_ADMIN, req, OUT_INVALID, "does not match");
		free(req);
		/* garbage CA */
		free(ek);
		ek = esc(k1);
		assert_true(asprintf(&req, "{\"verb\":\"ipsec.credentials\",\"cert\":\"%s\",\"key\":\"%s\","
				     "\"ca\":\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n\"}", ec, ek) > 0);
		expect(ROLE_ADMIN, req, OUT_INVALID, "ca holds no parsable");
		free(req);
		free(ec);
		free(ek);
		free(eca);
	}
	snprintf(path, sizeof(path), "%s/config/ipsec", dir);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 7);
	link[n] = '\0';
	assert_memory_equal(link, ".ipsec-", 7);
	snprintf(path, sizeof(path), "%s/config/ipsec/key.pem", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	{
		char *k = slurp("config/ipsec/key.pem"), *c = slurp("config/ipsec/cert.pem"), *ca = slurp("config/ipsec/ca.pem");

		assert_string_equal(k, k1);
		assert_string_equal(c, c1);
		assert_string_equal(ca, c2);
		free(k);
		free(c);
		free(ca);
	}
	expect(ROLE_ADMIN, "{\"verb\":\"ipsec.get\"}", OUT_OK, "\"key_present\":true");
	/* the private key never appears in an answer */
	{
		char *resp;

		call(ROLE_ADMIN, "{\"verb\":\"ipsec.get\"}", &resp);
		assert_null(strstr(resp, "PRIVATE KEY"));
		free(resp);
	}
	free(c1);
	free(k1);
	free(c2);
	free(k2);
}

static void test_users(void **state)
{
	char *f, path[256];
	struct stat st;

	(void)state;
	expect(ROLE_ADMIN, "{\"verb\":\"user.add\",\"name\":\"rtest-alice\",\"ssh_key\":\"" ED25519_KEY " alice@x\"}",
	       OUT_OK, "\"uid\":20000");
	f = slurp("userdb/rtest-alice.user");
	assert_non_null(f);
	assert_non_null(strstr(f, "\"userName\": \"rtest-alice\""));
	assert_non_null(strstr(f, "\"uid\": 20000"));
	assert_non_null(strstr(f, "\"locked\": false"));
	free(f);
	snprintf(path, sizeof(path), "%s/userdb/20000.user", dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	f = slurp("auth/users/rtest-alice/authorized_keys");
	assert_string_equal(f, ED25519_KEY " alice@x\n");
	free(f);
	snprintf(path, sizeof(path), "%s/home/rtest-alice", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* existing names: ours, and the system's */
	expect(ROLE_ADMIN, "{\"verb\":\"user.add\",\"name\":\"rtest-alice\"}", OUT_FAILED, "already exists");
	expect(ROLE_ADMIN, "{\"verb\":\"user.add\",\"name\":\"root\"}", OUT_FAILED, "already exists");
	expect(ROLE_ADMIN, "{\"verb\":\"user.add\",\"name\":\"Root\"}", OUT_INVALID, "name");
	expect(ROLE_ADMIN, "{\"verb\":\"user.add\",\"name\":\"rtest-bob\",\"ssh_key\":\"ssh-rsa AAAAB3NzaC1yc2E\"}",
	       OUT_INVALID, "ssh_key");
	expect(ROLE_ADMIN, "{\"verb\":\"user.add\",\"name\":\"rtest-bob\"}", OUT_OK, "\"uid\":20001");
	expect(ROLE_ADMIN, "{\"verb\":\"user.list\"}", OUT_OK, "\"name\":\"rtest-bob\",\"uid\":20001,\"locked\":false,"
	       "\"ssh_key\":false");
	/* lock: the key moves aside, the record says locked */
	expect(ROLE_ADMIN, "{\"verb\":\"user.lock\",\"name\":\"rtest-alice\"}", OUT_OK, "\"locked\":true");
	snprintf(path, sizeof(path), "%s/auth/users/rtest-alice/authorized_keys", dir);
	assert_int_equal(access(path, F_OK), -1);
	f = slurp("userdb/rtest-alice.user");
	assert_non_null(strstr(f, "\"locked\": true"));
	free(f);
	/* a new key while locked stays locked */
	expect(ROLE_ADMIN, "{\"verb\":\"user.setkey\",\"name\":\"rtest-alice\",\"ssh_key\":\"" ED25519_KEY "\"}",
	       OUT_OK, "\"locked\":true");
	assert_int_equal(access(path, F_OK), -1);
	f = slurp("auth/users/rtest-alice/authorized_keys.locked");
	assert_string_equal(f, ED25519_KEY "\n");
	free(f);
	expect(ROLE_ADMIN, "{\"verb\":\"user.unlock\",\"name\":\"rtest-alice\"}", OUT_OK, "\"locked\":false");
	f = slurp("auth/users/rtest-alice/authorized_keys");
	assert_string_equal(f, ED25519_KEY "\n");
	free(f);
	/* system accounts are not users to manage */
	expect(ROLE_ADMIN, "{\"verb\":\"user.lock\",\"name\":\"daemon\"}", OUT_FAILED, "not a regular user");
	expect(ROLE_ADMIN, "{\"verb\":\"user.setkey\",\"name\":\"root\",\"ssh_key\":\"" ED25519_KEY "\"}", OUT_FAILED,
	       "not a regular user");
	expect(ROLE_ADMIN, "{\"verb\":\"user.remove\",\"name\":\"root\"}", OUT_FAILED, "not an account created");
	expect(ROLE_ADMIN, "{\"verb\":\"user.setkey\",\"name\":\"rtest-nobody\",\"ssh_key\":\"" ED25519_KEY "\"}",
	       OUT_FAILED, "no user account");
	/* remove: records and keys gone, the home directory kept */
	expect(ROLE_ADMIN, "{\"verb\":\"user.remove\",\"name\":\"rtest-alice\"}", OUT_OK, "\"home\":\"kept\"");
	snprintf(path, sizeof(path), "%s/userdb/rtest-alice.user", dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/userdb/20000.user", dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/auth/users/rtest-alice", dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/home/rtest-alice", dir);
	assert_int_equal(access(path, F_OK), 0);
	expect(ROLE_ADMIN, "{\"verb\":\"user.remove\",\"name\":\"rtest-alice\"}", OUT_FAILED, "not an account created");
	/* the system roles' store is never written */
	snprintf(path, sizeof(path), "%s/auth/system", dir);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_escrow(void **state)
{
	static const uint8_t blob[] = "RMPE\x01 not really an escrow blob, but bytes";
	const char *sum = "8b3a5e3d2d1bd6b57bb07d1f0db8d4c3b6a72e4ee0a7da9f3bc9b7a5f3b6f0d1";
	char *resp, got[65], req[160];
	const char *p;

	(void)state;
	expect(ROLE_ADMIN, "{\"verb\":\"escrow.collect\"}", OUT_FAILED, "no escrow blob");
	assert_int_equal(write_file_atomic(d.escrow_path, blob, sizeof(blob) - 1, 0600), 0);
	/* delete before collect: refused */
	snprintf(req, sizeof(req), "{\"verb\":\"escrow.delete\",\"sha256\":\"%s\"}", sum);
	expect(ROLE_ADMIN, req, OUT_FAILED, "never collected");
	assert_int_equal(call(ROLE_ADMIN, "{\"verb\":\"escrow.collect\"}", &resp), OUT_OK);
	assert_non_null(strstr(resp, "\"blob_hex\":\"524d504501"));
	p = strstr(resp, "\"sha256\":\"");
	assert_non_null(p);
	memcpy(got, p + 10, 64);
	got[64] = '\0';
	free(resp);
	/* the wrong confirmation: refused, blob still there */
	expect(ROLE_ADMIN, req, OUT_INVALID, "is not the collected blob");
	assert_int_equal(access(d.escrow_path, F_OK), 0);
	snprintf(req, sizeof(req), "{\"verb\":\"escrow.delete\",\"sha256\":\"%s\"}", got);
	expect(ROLE_ADMIN, req, OUT_OK, "\"deleted\"");
	assert_int_equal(access(d.escrow_path, F_OK), -1);
	expect(ROLE_ADMIN, req, OUT_FAILED, "no escrow blob");
	/* a blob replaced after collection cannot be deleted with the old mark */
	assert_int_equal(write_file_atomic(d.escrow_path, blob, sizeof(blob) - 1, 0600), 0);
	assert_int_equal(call(ROLE_ADMIN, "{\"verb\":\"escrow.collect\"}", &resp), OUT_OK);
	free(resp);
	assert_int_equal(write_file_atomic(d.escrow_path, "other", 5, 0600), 0);
	expect(ROLE_ADMIN, req, OUT_FAILED, "changed since it was collected");
}

static void test_logs_and_tools(void **state)
{
	static const uint8_t mid[LS_ID_LEN] = { 1, 2, 3 };
	char vkey[SEAL_VKEY_STRLEN + 1], msg[256], *resp;
	struct logstore *s;
	struct ls_options o;

	(void)state;
	expect(ROLE_AUDIT, "{\"verb\":\"logs.read\"}", OUT_FAILED, "cannot open the log store");
	assert_int_equal(ls_create(d.log_store, mid, false, false, vkey), 0);
	ls_options_default(&o);
	assert_int_equal(ls_open(&s, d.log_store, &o, msg, sizeof(msg)), 0);
	for (int i = 0; i < 30; i++) {
		char text[64];
		struct lf_entry e = { .priority = 6, .pid = 42, .ident = "sshd", .ident_len = 4 };

		snprintf(text, sizeof(text), "line %d", i);
		e.msg = (const uint8_t *)text;
		e.msg_len = strlen(text);
		assert_int_equal(ls_append_entry(s, &e, 1700000000000000ull + (uint64_t)i), 0);
	}
	assert_int_equal(ls_close(s), 0);
	/* the last entries by default */
	assert_int_equal(call(ROLE_AUDIT, "{\"verb\":\"logs.read\",\"max\":3}", &resp), OUT_OK);
	assert_non_null(strstr(resp, "\"matching\":30"));
	assert_non_null(strstr(resp, "\"message\":\"line 27\""));
	assert_non_null(strstr(resp, "\"message\":\"line 29\""));
	assert_null(strstr(resp, "\"message\":\"line 26\""));
	free(resp);
	/* forward from a sequence number */
	assert_int_equal(call(ROLE_AUDIT, "{\"verb\":\"logs.read\",\"since\":10,\"max\":2}", &resp), OUT_OK);
	assert_non_null(strstr(resp, "\"seq\":10,"));
	assert_non_null(strstr(resp, "\"seq\":11,"));
	assert_null(strstr(resp, "\"seq\":12,"));
	free(resp);
	/* rempart-attest missing: a clear failure */
	expect(ROLE_AUDIT, "{\"verb\":\"attest.quote\",\"nonce\":\"00112233445566778899aabbccddeeff\"}", OUT_FAILED,
	       "is not installed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_the_spec),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_ipsec_update),
		cmocka_unit_test(test_credentials),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_escrow),
		cmocka_unit_test(test_logs_and_tools),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
