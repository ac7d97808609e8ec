/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libcryptsetup.h>
#include <sodium.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "blob.h"
#include "cleanup.h"
#include "escrow.h"
#include "fileio.h"
#include "parts.h"
#include "policy.h"
#include "signer.h"
#include "tpm.h"
#include "treecopy.h"

#define GPT_VAR "4d21b016-b534-45c2-a9fb-5c16e091fd2d"
#define EFIVARS "/sys/firmware/efi/efivars"
#define GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define APPROVAL_PATH "/.extra/tpm2-pcr-signature.json"
#define POLICY_PUB "/etc/rempart/tpm-policy.pub"
#define ESCROW_PUB "/etc/rempart/escrow.pub"
#define STATE_DM "state"
#define INIT_DM "state-init"
#define SECRET_LEN 32
#define STATE_LAYOUT_VERSION "rempart-state-v1"
#define RECOVERY_PROMPT_FLAG "/etc/rempart/recovery-prompt"
#define RECOVERY_TRIES 3
#define RECOVERY_TIMEOUT_MS (10 * 60 * 1000)

extern char **environ;

static int fail(struct state_result *res, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct state_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EIO;
}

static int efivar_byte(const char *name, int *v)
{
	char path[256];
	uint8_t buf[5];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), EFIVARS "/%s-" GLOBAL_GUID, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, buf, sizeof(buf)) != 5)
		return -EIO;
	*v = buf[4];
	return 0;
}

static int read_approval(struct tpm_approval *a, const uint8_t key_x[32], const uint8_t key_y[32],
			 struct state_result *res)
{
	int r = tpm_approval_load(APPROVAL_PATH, a);

	if (r == -EBADMSG)
		return fail(res, r, "the UKI's PCR 11 approval is malformed");
	if (r < 0)
		return fail(res, r, "the UKI carries no PCR 11 approval (.pcrsig section, %s): %s", APPROVAL_PATH,
			    strerror(-r));
	r = signer_verify(a, key_x, key_y);
	if (r < 0)
		return fail(res, r, "the UKI's PCR 11 approval is not signed by this product's TPM policy key");
	return 0;
}

static int run_mkfs(const char *dev)
{
	char *argv[] = { "/usr/sbin/mke2fs", "-q", "-F", "-t", "ext4", "-L", "rempart-state", "-E",
			 "lazy_itable_init=0,lazy_journal_init=0", (char *)dev, NULL };
	pid_t pid;
	int st;

	/* ext4 keeps its journal: dm-integrity's journal makes each sector
	 * write atomic with its tag, not the file system's multi-block
	 * updates (without it a power cut leaves doubly allocated inodes) */
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -errno;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static int write_escrow(const uint8_t secret[ESCROW_SECRET_BYTES], struct state_result *res)
{
	uint8_t pk[ESCROW_KEY_BYTES], blob[ESCROW_BLOB_BYTES];
	char esp[300];
	int r;

	r = escrow_load_public(ESCROW_PUB, pk);
	if (r < 0)
		return fail(res, r, "cannot read the escrow public key %s", ESCROW_PUB);
	r = escrow_seal(pk, secret, blob);
	if (r < 0)
		return fail(res, r, "cannot encrypt the recovery secret to the escrow key");
	r = part_find(NULL, GPT_ESP_TYPE, "esp", esp, sizeof(esp));
	if (r < 0)
		return fail(res, r, "no ESP partition named 'esp' to write the escrow blob to");
	mkdir("/run/rempart", 0755); /* public: sealed/approval copies, admind socket */
	mkdir("/run/rempart/esp", 0700);
	if (mount(esp, "/run/rempart/esp", "vfat", MS_NOSUID | MS_NODEV | MS_NOEXEC, "umask=0077") < 0)
		return fail(res, -errno, "cannot mount the ESP %s: %s", esp, strerror(errno));
	mkdir("/run/rempart/esp/rempart", 0700);
	r = write_file_atomic("/run/rempart/esp/rempart/escrow.bin", blob, sizeof(blob), 0600);
	sync();
	if (umount("/run/rempart/esp") < 0 && r == 0)
		r = -errno;
	if (r < 0)
		return fail(res, r, "cannot write rempart/escrow.bin on the ESP");
	return 0;
}

static int set_token(struct crypt_device *cd, const char *sealed_b64, const char *auth_b64)
{
	_cleanup_free_ char *json = NULL;

	if (asprintf(&json,
		     "{\"type\":\"" STATE_TOKEN_TYPE "\",\"keyslots\":[\"0\"],\"rempart-version\":1,"
		     "\"rempart-sealed\":\"%s\",\"rempart-auth-sealed\":\"%s\",\"rempart-state\":\"complete\"}",
		     sealed_b64, auth_b64 ? auth_b64 : "") < 0)
		return -ENOMEM;
	return crypt_token_json_set(cd, CRYPT_ANY_TOKEN, json);
}

/* The sealed key of a complete Rempart token, or -ENOENT. */
static int get_token(struct crypt_device *cd, struct tpm_sealed *sealed)
{
	for (int id = 0; id < 32; id++) {
		const char *json = NULL, *type = NULL;
		struct json_object *o, *v;
		int r;

		if (crypt_token_status(cd, id, &type) == CRYPT_TOKEN_INACTIVE)
			continue;
		if (!type || strcmp(type, STATE_TOKEN_TYPE) != 0 || crypt_token_json_get(cd, id, &json) < 0)
			continue;
		o = json_tokener_parse(json);
		if (!o)
			continue;
		r = -ENOENT;
		if (json_object_object_get_ex(o, "rempart-state", &v) &&
		    strcmp(json_object_get_string(v), "complete") == 0 &&
		    json_object_object_get_ex(o, "rempart-sealed", &v))
			r = tpm_sealed_from_base64(json_object_get_string(v), sealed);
		json_object_put(o);
		if (r == 0)
			return 0;
	}
	return -ENOENT;
}

static int get_sealed_any(const char *dev, struct tpm_sealed *sealed)
{
	struct crypt_device *cd = NULL;
	int r = crypt_init(&cd, dev);

	if (r == 0)
		r = crypt_load(cd, CRYPT_LUKS2, NULL);
	if (r == 0)
		r = get_token(cd, sealed);
	crypt_free(cd);
	return r;
}

static int populate(const char *image_var, struct state_result *res)
{
	_cleanup_close_ int src = -1, dst = -1;
	static const char marker[] = STATE_LAYOUT_VERSION "\n";
	static const char *const dirs[] = { STATE_MNT "/var", STATE_MNT "/home", STATE_MNT "/etc" };
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdir(dirs[i], 0755) < 0 && errno != EEXIST)
			return fail(res, -errno, "cannot create %s", dirs[i]);
	{
		/* the machine's identity is created with its state (systemd would
		 * otherwise try to commit a transient one through the bind mount) */
		uint8_t id[16];
		char hex[34];

		if (getrandom(id, sizeof(id), 0) != sizeof(id))
			return fail(res, -EIO, "no randomness for the machine ID");
		id[6] = (uint8_t)((id[6] & 0x0f) | 0x40);
		id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);
		for (size_t i = 0; i < sizeof(id); i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
		hex[32] = '\n';
		hex[33] = '\0';
		r = write_file_atomic(STATE_MNT "/etc/machine-id", hex, 33, 0444);
		if (r < 0)
			return fail(res, r, "cannot create the machine-id file of the state");
	}
	src = open(image_var, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dst = open(STATE_MNT "/var", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0 || dst < 0)
		return fail(res, -errno, "cannot open %s or the state's var", image_var);
	r = tree_copy(src, dst);
	if (r < 0)
		return fail(res, r, "cannot populate the state's /var from the image: %s", strerror(-r));
	/* the marker last: a state without it was never completed */
	r = write_file_atomic(STATE_MNT "/" STATE_MARKER, marker, sizeof(marker) - 1, 0444);
	if (r < 0)
		return fail(res, r, "cannot write the state marker");
	sync();
	return 0;
}

/* The content is checked before anything uses it. */
static int check_layout(struct state_result *res)
{
	static const char *const dirs[] = { "var", "home", "etc" };
	_cleanup_free_ uint8_t *m = NULL;
	struct stat st;
	size_t len;
	int r;

	r = read_file(STATE_MNT "/" STATE_MARKER, 256, &m, &len);
	if (r < 0 || len != strlen(STATE_LAYOUT_VERSION) + 1 || memcmp(m, STATE_LAYOUT_VERSION "\n", len) != 0)
		return fail(res, r < 0 ? r : -EBADMSG, "the state partition's marker %s is missing or is not '%s'",
			    STATE_MARKER, STATE_LAYOUT_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char p[256];

		snprintf(p, sizeof(p), STATE_MNT "/%s", dirs[i]);
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0)
			return fail(res, -EBADMSG, "the state partition's /%s is missing, not a directory or not root's",
				    dirs[i]);
	}
	if (lstat(STATE_MNT "/etc/machine-id", &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 33)
		return fail(res, -EBADMSG, "the state partition's etc/machine-id is missing, not a regular file or "
			    "not a machine ID");
	return 0;
}

static int mount_state(struct state_result *res)
{
	mkdir("/run/rempart", 0755); /* public: sealed/approval copies, admind socket */
	mkdir(STATE_MNT, 0700);
	if (mount("/dev/mapper/" STATE_DM, STATE_MNT, "ext4", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME,
		  "errors=remount-ro") < 0)
		return fail(res, -errno, "cannot mount the opened state volume: %s", strerror(errno));
	return 0;
}

static int provision(struct tpm_ctx *t, const char *dev, const uint8_t key_x[32], const uint8_t key_y[32],
		     const char *image_var, struct state_result *res)
{
	struct crypt_pbkdf_type pbkdf = {
		.type = CRYPT_KDF_PBKDF2, .hash = "sha256", .iterations = 1000, .flags = CRYPT_PBKDF_NO_BENCHMARK,
	};
	struct crypt_params_luks2 luks = {
		.pbkdf = &pbkdf, .integrity = "hmac(sha256)", .sector_size = 4096, .label = "rempart-state",
	};
	uint8_t secret[SECRET_LEN], recovery[ESCROW_SECRET_BYTES];
	char recovery_pass[ESCROW_PASSPHRASE_LEN + 1];
	struct tpm_auth empty = { 0 }, owner = { 0 }, lockout = { 0 };
	struct tpm_sealed sealed, auth_sealed;
	_cleanup_free_ char *sealed_b64 = NULL, *auth_b64 = NULL;
	struct crypt_device *cd = NULL;
	int sb = -1, setup = -1, r, r1, r2;

	/* sealing to the current PCR 7 is only meaningful in a verified boot */
	r1 = efivar_byte("SecureBoot", &sb);
	r2 = efivar_byte("SetupMode", &setup);
	if (r1 < 0 || r2 < 0 || sb != 1 || setup != 0)
		return fail(res, -EPERM, "refusing to provision the state outside a verified boot: SecureBoot=%d "
			    "SetupMode=%d (expected 1 and 0; %s)", sb, setup,
			    r1 < 0 || r2 < 0 ? strerror(-(r1 < 0 ? r1 : r2)) : "read from efivarfs");
	if (getrandom(secret, sizeof(secret), 0) != sizeof(secret) || escrow_secret_generate(recovery) < 0)
		return fail(res, -EIO, "no randomness for the state keys");
	escrow_passphrase(recovery, recovery_pass);

	r = crypt_init(&cd, dev);
	if (r < 0) {
		fail(res, r, "libcryptsetup cannot open %s", dev);
		goto out;
	}
	r = crypt_format(cd, CRYPT_LUKS2, "aes", "xts-plain64", NULL, NULL, 64 + 32, &luks);
	if (r == 0)
		r = crypt_keyslot_add_by_volume_key(cd, 0, NULL, 0, (const char *)secret, sizeof(secret));
	if (r >= 0)
		r = crypt_keyslot_add_by_volume_key(cd, 1, NULL, 0, recovery_pass, strlen(recovery_pass));
	if (r < 0) {
		fail(res, r, "cannot create the LUKS2 + dm-integrity volume on %s: %s", dev, strerror(-r));
		goto out;
	}
	/* dm-integrity tags must be initialised: wipe through a private
	 * journal-less mapping, then make the file system there */
	r = crypt_activate_by_passphrase(cd, INIT_DM, 0, (const char *)secret, sizeof(secret),
					 CRYPT_ACTIVATE_PRIVATE | CRYPT_ACTIVATE_NO_JOURNAL);
	if (r >= 0)
		r = crypt_wipe(cd, "/dev/mapper/" INIT_DM, CRYPT_WIPE_ZERO, 0, 0, 1024 * 1024, 0, NULL, NULL);
	if (r >= 0)
		r = run_mkfs("/dev/mapper/" INIT_DM);
	crypt_deactivate(cd, INIT_DM);
	if (r < 0) {
		fail(res, r, "cannot initialise the integrity tags and file system of %s", dev);
		goto out;
	}
	r = crypt_activate_by_passphrase(cd, STATE_DM, 0, (const char *)secret, sizeof(secret), 0);
	if (r < 0) {
		fail(res, r, "cannot open the new state volume");
		goto out;
	}
	r = mount_state(res);
	if (r == 0)
		r = populate(image_var, res);
	if (r < 0)
		goto out;

	/* TPM: storage key, security-version counter, the sealed key */
	r = tpm_srk_ensure(t, &empty);
	if (r < 0) {
		fail(res, r, "cannot create the TPM storage key: %s", tpm_last_error(t));
		goto out;
	}
	r = tpm_nv_define(t, &empty, TP_NV_INDEX_DEFAULT, key_x, key_y, NULL);
	if (r < 0) {
		fail(res, r, "cannot define the TPM security-version counter: %s", tpm_last_error(t));
		goto out;
	}
	r = tpm_seal(t, secret, sizeof(secret), NULL, key_x, key_y, &sealed);
	if (r == 0)
		r = tpm_sealed_to_base64(&sealed, &sealed_b64);
	if (r < 0) {
		fail(res, r, "cannot seal the state key in the TPM: %s", tpm_last_error(t));
		goto out;
	}
	r = write_escrow(recovery, res);
	if (r < 0)
		goto out;
	/* Owner and lockout authorisations: random, kept sealed with the same
	 * policy. A TPM whose auths are already set (an earlier, interrupted
	 * provisioning) keeps them. */
	if (tpm_provision_auth(t, &empty, &empty, &owner, &lockout) == 0) {
		uint8_t both[2 * TPM_AUTH_MAX];

		memcpy(both, owner.b, owner.len);
		memcpy(both + owner.len, lockout.b, lockout.len);
		r = tpm_seal(t, both, owner.len + lockout.len, NULL, key_x, key_y, &auth_sealed);
		sodium_memzero(both, sizeof(both));
		if (r == 0)
			r = tpm_sealed_to_base64(&auth_sealed, &auth_b64);
		if (r < 0) {
			fail(res, r, "cannot seal the TPM owner/lockout authorisations");
			goto out;
		}
	}
	/* the token last: until it exists the volume is not trusted and the
	 * next boot provisions again */
	r = set_token(cd, sealed_b64, auth_b64);
	if (r < 0) {
		fail(res, r, "cannot write the LUKS2 token");
		goto out;
	}
	res->provisioned = 1;
	r = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(recovery, sizeof(recovery));
	sodium_memzero(recovery_pass, sizeof(recovery_pass));
	sodium_memzero(&owner, sizeof(owner));
	sodium_memzero(&lockout, sizeof(lockout));
	crypt_free(cd);
	return r;
}

static int unlock(struct tpm_ctx *t, struct crypt_device *cd, const struct tpm_sealed *sealed,
		  const struct tpm_approval *a, struct state_result *res)
{
	uint8_t secret[TPM_SECRET_MAX];
	enum tpm_unseal_why why = TPM_WHY_NONE;
	size_t len = 0;
	int r;

	r = tpm_unseal(t, sealed, a, secret, &len, &why);
	if (r == -EACCES) {
		struct tpm_explain e;
		char what[1024] = "";

		if (tpm_explain(t, sealed, a, &e) == 0)
			tpm_explain_format(&e, what, sizeof(what));
		sodium_memzero(secret, sizeof(secret));
		return fail(res, r, "the TPM refused to unseal the state key (%s)%s%s: the firmware, the Secure Boot "
			    "keys or the boot chain differ from what the state was sealed to; boot denied. "
			    "An administrator can recover with the escrow key (docs/state.md).",
			    tpm_unseal_why_str(why), *what ? ": " : "", what);
	}
	if (r < 0) {
		sodium_memzero(secret, sizeof(secret));
		return fail(res, r, "TPM failure while unsealing the state key: %s", tpm_last_error(t));
	}
	r = crypt_activate_by_passphrase(cd, STATE_DM, 0, (const char *)secret, len, 0);
	sodium_memzero(secret, sizeof(secret));
	if (r < 0)
		return fail(res, r, "the unsealed key does not open the state volume (keyslot 0): %s", strerror(-r));
	return mount_state(res);
}

/* ---- recovery at the console (development builds) ---------------------- */

/* Reads one line from the console without echo. 0, -ETIMEDOUT, -errno. */
static int console_read_secret(int fd, char *buf, size_t size)
{
	struct termios old, raw;
	bool restore = tcgetattr(fd, &old) == 0;
	size_t n = 0;
	int r = 0;

	if (restore) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(fd, TCSANOW, &raw);
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char ch;
		ssize_t k;

		r = poll(&p, 1, RECOVERY_TIMEOUT_MS);
		if (r == 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		k = read(fd, &ch, 1);
		if (k <= 0) {
			r = k < 0 && errno == EINTR ? 0 : -EIO;
			if (r == 0)
				continue;
			break;
		}
		if (ch == '\n' || ch == '\r') {
			if (n == 0)
				continue;
			r = 0;
			break;
		}
		if (n + 1 < size)
			buf[n++] = ch;
	}
	buf[n] = '\0';
	if (restore)
		(void)tcsetattr(fd, TCSANOW, &old);
	(void)!write(fd, "\n", 1);
	return r;
}

/* A fresh TPM-sealed key in keyslot 0 and a new token, so the next boots
 * unlock unattended again (the TPM was replaced or cleared). Only in a
 * verified boot, as at provisioning. */
static int reseal(struct tpm_ctx *t, struct crypt_device *cd, const char *pass, const uint8_t key_x[32],
		  const uint8_t key_y[32], struct state_result *res)
{
	uint8_t secret[SECRET_LEN];
	struct tpm_auth empty = { 0 }, owner = { 0 }, lockout = { 0 };
	struct tpm_sealed sealed, auth_sealed;
	_cleanup_free_ char *sealed_b64 = NULL, *auth_b64 = NULL;
	int sb = -1, setup = -1, r;

	if (efivar_byte("SecureBoot", &sb) < 0 || efivar_byte("SetupMode", &setup) < 0 || sb != 1 || setup != 0)
		return fail(res, -EPERM, "not re-sealing the state key outside a verified boot (SecureBoot=%d "
			    "SetupMode=%d)", sb, setup);
	if (getrandom(secret, sizeof(secret), 0) != sizeof(secret))
		return fail(res, -EIO, "no randomness for the new state key");
	r = tpm_srk_ensure(t, &empty);
	if (r == 0)
		r = tpm_nv_define(t, &empty, TP_NV_INDEX_DEFAULT, key_x, key_y, NULL);
	if (r == 0)
		r = tpm_seal(t, secret, sizeof(secret), NULL, key_x, key_y, &sealed);
	if (r == 0)
		r = tpm_sealed_to_base64(&sealed, &sealed_b64);
	if (r < 0) {
		sodium_memzero(secret, sizeof(secret));
		return fail(res, r, "cannot seal a new state key in this TPM: %s", tpm_last_error(t));
	}
	if (tpm_provision_auth(t, &empty, &empty, &owner, &lockout) == 0) {
		uint8_t both[2 * TPM_AUTH_MAX];

		memcpy(both, owner.b, owner.len);
		memcpy(both + owner.len, lockout.b, lockout.len);
		if (tpm_seal(t, both, owner.len + lockout.len, NULL, key_x, key_y, &auth_sealed) == 0)
			(void)tpm_sealed_to_base64(&auth_sealed, &auth_b64);
		sodium_memzero(both, sizeof(both));
		sodium_memzero(&owner, sizeof(owner));
		sodium_memzero(&lockout, sizeof(lockout));
	}
	/* keyslot 0 replaced (the recovery slot 1 stays), then the token:
	 * a crash in between leaves a volume the recovery passphrase opens.
	 * PBKDF2 as at provisioning: the secret is 256 random bits, and
	 * libcryptsetup's default Argon2 runs threads whose exit needs
	 * libgcc_s, which the initramfs does not carry. */
	r = crypt_set_pbkdf_type(cd, &(struct crypt_pbkdf_type){ .type = CRYPT_KDF_PBKDF2, .hash = "sha256",
					.iterations = 1000, .flags = CRYPT_PBKDF_NO_BENCHMARK });
	if (r < 0) {
		sodium_memzero(secret, sizeof(secret));
		return fail(res, r, "cannot select PBKDF2 for the new key slot");
	}
	(void)crypt_keyslot_destroy(cd, 0);
	r = crypt_keyslot_add_by_passphrase(cd, 0, pass, strlen(pass), (const char *)secret, sizeof(secret));
	sodium_memzero(secret, sizeof(secret));
	if (r < 0)
		return fail(res, r, "cannot write the new TPM key slot: %s", strerror(-r));
	for (int id = 0; id < 32; id++) {
		const char *type = NULL;

		if (crypt_token_status(cd, id, &type) != CRYPT_TOKEN_INACTIVE && type &&
		    strcmp(type, STATE_TOKEN_TYPE) == 0)
			(void)crypt_token_json_set(cd, id, NULL);
	}
	r = set_token(cd, sealed_b64, auth_b64);
	if (r < 0)
		return fail(res, r, "cannot write the new LUKS2 token");
	return 0;
}

/* The TPM did not unseal the state (res->msg says why). Development builds
 * ask for the escrow recovery passphrase (`rempart recover
 * --print-passphrase`) on the console, open the recovery key slot and
 * re-seal to this TPM. Release builds never ask: the boot is denied. */
static int recover_at_console(struct tpm_ctx *t, struct crypt_device *cd, const uint8_t key_x[32],
			      const uint8_t key_y[32], struct state_result *res)
{
	char pass[ESCROW_PASSPHRASE_LEN + 16], why[sizeof(res->msg)];
	int fd, r = -EACCES;

	if (!cd || access(RECOVERY_PROMPT_FLAG, F_OK) < 0)
		return -ENOENT;
	fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	snprintf(why, sizeof(why), "%s", res->msg);
	dprintf(fd, "rempart-init: %s\nrempart-init: RECOVERY (development build): the state can be opened with the "
		"escrow recovery passphrase (rempart recover --escrow-key KEY --image DISK --print-passphrase).\n", why);
	for (int i = 0; i < RECOVERY_TRIES; i++) {
		dprintf(fd, "rempart-init: recovery passphrase (try %d of %d): ", i + 1, RECOVERY_TRIES);
		r = console_read_secret(fd, pass, sizeof(pass));
		if (r < 0)
			break;
		r = crypt_activate_by_passphrase(cd, NULL, 1, pass, strlen(pass), 0);
		if (r >= 0)
			break;
		dprintf(fd, "rempart-init: that passphrase does not open the recovery key slot\n");
	}
	if (r < 0) {
		sodium_memzero(pass, sizeof(pass));
		close(fd);
		return fail(res, r, "%s; recovery at the console failed (%s)", why,
			    r == -ETIMEDOUT ? "no passphrase entered" : "wrong passphrase");
	}
	r = reseal(t, cd, pass, key_x, key_y, res);
	if (r == 0)
		dprintf(fd, "rempart-init: recovered: the state key is sealed to this TPM again\n");
	else
		dprintf(fd, "rempart-init: recovered, but %s; the next boot asks again\n", res->msg);
	r = crypt_activate_by_passphrase(cd, STATE_DM, 1, pass, strlen(pass), 0);
	sodium_memzero(pass, sizeof(pass));
	close(fd);
	if (r < 0)
		return fail(res, r, "the recovery passphrase no longer opens the state volume: %s", strerror(-r));
	return mount_state(res);
}

int state_setup(const char *image_var, struct state_result *res)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	struct tpm_approval approval;
	struct tpm_sealed sealed;
	struct crypt_device *cd = NULL;
	uint8_t key_x[32], key_y[32];
	int r;

	memset(res, 0, sizeof(*res));
	if (sodium_init() < 0)
		return fail(res, -EIO, "libsodium initialisation failed");
	r = part_find(NULL, GPT_VAR, "state", res->device, sizeof(res->device));
	if (r < 0)
		return fail(res, r, "no unique partition named 'state' of the GPT type /var: %s", strerror(-r));
	for (int i = 0; i < 50 && access("/dev/tpmrm0", F_OK) < 0; i++)
		usleep(100000);
	r = tpm_open("device:/dev/tpmrm0", &t);
	if (r < 0)
		return fail(res, r, "no TPM 2.0 (/dev/tpmrm0): the state key cannot be unsealed; boot denied");
	r = signer_load_public(POLICY_PUB, key_x, key_y);
	if (r < 0) {
		fail(res, r, "cannot read the TPM policy public key %s", POLICY_PUB);
		goto out;
	}
	r = read_approval(&approval, key_x, key_y, res);
	if (r < 0)
		goto out;

	r = crypt_init(&cd, res->device);
	if (r == 0)
		r = crypt_load(cd, CRYPT_LUKS2, NULL);
	if (r == 0)
		r = get_token(cd, &sealed);
	if (r == 0) {
		r = unlock(t, cd, &sealed, &approval, res);
		if (r < 0 && access("/dev/mapper/" STATE_DM, F_OK) < 0) {
			int rr = recover_at_console(t, cd, key_x, key_y, res);

			if (rr != -ENOENT)
				r = rr;
		}
	} else {
		crypt_free(cd);
		cd = NULL;
		r = provision(t, res->device, key_x, key_y, image_var, res);
	}
	if (r == 0)
		r = check_layout(res);
	/* public copies for diagnostics and tests (rempart-tpm explain) */
	if (r == 0) {
		_cleanup_free_ char *sb64 = NULL, *ab64 = NULL;

		if (get_sealed_any(res->device, &sealed) == 0 && tpm_sealed_to_base64(&sealed, &sb64) == 0 &&
		    tpm_approval_to_base64(&approval, &ab64) == 0) {
			char line[8192];

			snprintf(line, sizeof(line), "%s\n", sb64);
			write_file_atomic("/run/rempart/sealed.b64", line, strlen(line), 0644);
			snprintf(line, sizeof(line), "%s\n", ab64);
			write_file_atomic("/run/rempart/approval.b64", line, strlen(line), 0644);
		}
	}
out:
	crypt_free(cd);
	/* from here on nothing can satisfy a release approval again this boot */
	if (t && tpm_pcr11_leave_initramfs(t) < 0 && r == 0)
		r = fail(res, -EIO, "cannot extend PCR 11 with the leave-initramfs marker: %s", tpm_last_error(t));
	return r;
}

#ifdef REMPART_BENCH_BASELINE
int state_open_with_passphrase(const char *pass, struct state_result *res)
{
	struct crypt_device *cd = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	r = part_find(NULL, GPT_VAR, "state", res->device, sizeof(res->device));
	if (r < 0)
		return fail(res, r, "no unique partition named 'state'");
	r = crypt_init(&cd, res->device);
	if (r == 0)
		r = crypt_load(cd, CRYPT_LUKS2, NULL);
	if (r == 0)
		r = crypt_activate_by_passphrase(cd, STATE_DM, CRYPT_ANY_SLOT, pass, strlen(pass), 0);
	crypt_free(cd);
	if (r < 0)
		return fail(res, r, "the passphrase does not open the state volume");
	r = mount_state(res);
	return r < 0 ? r : check_layout(res);
}
#endif
