/* SPDX-License-Identifier: GPL-2.0-or-later */
/* out/build.json (content manifest: artifacts, Debian packages, every file of
 * the root filesystem with its sha256 and origin) and the release
 * description out/release/<version>/release.json read by rempart-publish. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "authenticode.h"
#include "blob.h"
#include "build.h"
#include "cleanup.h"
#include "eventlog.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "log.h"
#include "uuid.h"

struct owner {
	char *path;
	const char *pkg;
};

static struct {
	struct owner *v;
	size_t n, cap;
	char **pkgs;
	size_t npkgs;
} owners;

static int cmp_owner(const void *a, const void *b)
{
	return strcmp(((const struct owner *)a)->path, ((const struct owner *)b)->path);
}

static int load_owners(const char *rootfs)
{
	_cleanup_free_ char *dir = pathjoin(rootfs, "var/lib/dpkg/info");
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		_cleanup_free_ char *file = NULL;
		_cleanup_free_ uint8_t *buf = NULL;
		char *pkg, *save = NULL, **np;
		size_t len;

		if (l < 6 || strcmp(e->d_name + l - 5, ".list") != 0)
			continue;
		file = pathjoin(dir, e->d_name);
		if (read_file(file, 64u << 20, &buf, &len) < 0)
			continue;
		pkg = strndup(e->d_name, l - 5);
		np = realloc(owners.pkgs, (owners.npkgs + 1) * sizeof(*np));
		if (!pkg || !np) {
			closedir(d);
			return -ENOMEM;
		}
		owners.pkgs = np;
		owners.pkgs[owners.npkgs++] = pkg;
		if (strchr(pkg, ':'))
			*strchr(pkg, ':') = '\0';
		for (char *line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (owners.n == owners.cap) {
				size_t nc = owners.cap ? owners.cap * 2 : 4096;
				struct owner *nv = realloc(owners.v, nc * sizeof(*nv));

				if (!nv) {
					closedir(d);
					return -ENOMEM;
				}
				owners.v = nv;
				owners.cap = nc;
			}
			owners.v[owners.n].path = strdup(line);
			owners.v[owners.n].pkg = pkg;
			owners.n++;
		}
	}
	closedir(d);
	qsort(owners.v, owners.n, sizeof(*owners.v), cmp_owner);
	return 0;
}

static const char *owner_of(const char *path)
{
	struct owner key = { .path = (char *)path }, *f;
	static const char *const usr[] = { "/usr/bin/", "/usr/sbin/", "/usr/lib/", "/usr/lib64/" };

	f = bsearch(&key, owners.v, owners.n, sizeof(*owners.v), cmp_owner);
	if (f)
		return f->pkg;
	/* merged /usr: packages may list /bin/x for what lives in /usr/bin/x */
	for (size_t i = 0; i < ARRAY_SIZE(usr); i++)
		if (strncmp(path, usr[i], strlen(usr[i])) == 0) {
			key.path = (char *)path + 4;
			f = bsearch(&key, owners.v, owners.n, sizeof(*owners.v), cmp_owner);
			return f ? f->pkg : NULL;
		}
	return NULL;
}

static void free_owners(void)
{
	for (size_t i = 0; i < owners.n; i++)
		free(owners.v[i].path);
	for (size_t i = 0; i < owners.npkgs; i++)
		free(owners.pkgs[i]);
	free(owners.v);
	free(owners.pkgs);
	memset(&owners, 0, sizeof(owners));
}

struct file_rec {
	char *path;
	char *target; /* symlink */
	uint8_t sha[32];
	uint64_t size;
	mode_t mode;
};

static struct {
	struct file_rec *v;
	size_t n, cap;
	size_t prefix;
	int error;
} files;

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct file_rec *f;

	(void)ftw;
	if (flag != FTW_F && flag != FTW_SL)
		return 0;
	if (files.n == files.cap) {
		size_t nc = files.cap ? files.cap * 2 : 8192;
		struct file_rec *nv = realloc(files.v, nc * sizeof(*nv));

		if (!nv)
			return -1;
		files.v = nv;
		files.cap = nc;
	}
	f = &files.v[files.n];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path + files.prefix);
	f->mode = st->st_mode;
	if (S_ISLNK(st->st_mode)) {
		char t[4096];
		ssize_t n = readlink(path, t, sizeof(t) - 1);

		t[n < 0 ? 0 : n] = '\0';
		f->target = strdup(t);
	} else if (S_ISREG(st->st_mode)) {
		int r = sha256_file(path, f->sha, &f->size);

		if (r < 0) {
			files.error = r;
			return -1;
		}
	}
	files.n++;
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct file_rec *)a)->path, ((const struct file_rec *)b)->path);
}

static const char *origin(struct build_ctx *b, const char *path, char *buf, size_t size)
{
	const char *pkg = owner_of(path);
	_cleanup_free_ char *ov = NULL;

	if (pkg) {
		snprintf(buf, size, "package:%s", pkg);
		return buf;
	}
	if (asprintf(&ov, "%s/overlay%s", b->product_dir, path) >= 0 && access(ov, F_OK) == 0)
		return "product:overlay";
	if (strncmp(path, "/usr/bin/rempart-", 17) == 0)
		return "product:programs";
	if (strncmp(path, "/usr/lib/systemd/system/", 24) == 0) {
		_cleanup_free_ char *u = NULL;

		if (asprintf(&u, "%s/units/%s", b->product_dir, path + 24) >= 0 && access(u, F_OK) == 0)
			return "product:units";
	}
	if (strcmp(path, "/usr/lib/os-release") == 0)
		return "product:os-release";
	if (strcmp(path, "/etc/machine-id") == 0 || strstr(path, "serial-getty@ttyS0.service.d"))
		return "product:configure";
	if (strncmp(path, "/etc/systemd/system/", 20) == 0)
		return "product:enable";
	if (strncmp(path, "/var/lib/dpkg/", 14) == 0)
		return "dpkg:database";
	return "debian:maintainer-scripts";
}

static void artifact(struct json *j, const char *key, const char *path)
{
	uint8_t sha[32];
	char hex[65];
	uint64_t size = 0;

	if (sha256_file(path, sha, &size) < 0)
		return;
	hex_encode(sha, 32, hex);
	json_key(j, key);
	json_obj_begin(j);
	json_kv_str(j, "file", strrchr(path, '/') + 1);
	json_kv_u64(j, "size", size);
	json_kv_str(j, "sha256", hex);
	json_obj_end(j);
}

static int write_packages(struct json *j, const char *rootfs)
{
	_cleanup_free_ char *status = pathjoin(rootfs, "var/lib/dpkg/status");
	_cleanup_free_ uint8_t *buf = NULL;
	char *pkg = NULL, *ver = NULL, *save = NULL;
	bool installed = false;
	size_t len;
	int r;

	r = read_file(status, 64u << 20, &buf, &len);
	if (r < 0)
		return r;
	json_key(j, "packages");
	json_arr_begin(j);
	for (char *line = strtok_r((char *)buf, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
		if (!line || strncmp(line, "Package: ", 9) == 0) {
			if (pkg && ver && installed) {
				json_obj_begin(j);
				json_kv_str(j, "name", pkg);
				json_kv_str(j, "version", ver);
				json_obj_end(j);
			}
			if (!line)
				break;
			pkg = line + 9;
			ver = NULL;
			installed = false;
		} else if (strncmp(line, "Version: ", 9) == 0) {
			ver = line + 9;
		} else if (strncmp(line, "Status: ", 8) == 0) {
			installed = strstr(line, " installed") != NULL;
		}
	}
	json_arr_end(j);
	return 0;
}

/* ---- attestation reference values (docs/attest.md) ---------------------- */

#define REF_MAX 8

struct reference {
	uint8_t sdboot[32], uki[32], vars[4][32];
	size_t n_auth, n_cert;
	uint8_t auth[REF_MAX][32], cert[REF_MAX][32];
};

/* EFI_CERT_X509_GUID a5c059a1-94e4-4aa7-87b5-ab155c2bf072, in memory order */
static const uint8_t cert_x509_guid[16] = { 0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
					    0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72 };

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* sha256 of UEFI_VARIABLE_DATA{guid, name, data}: what the firmware extends
 * for EV_EFI_VARIABLE_DRIVER_CONFIG and EV_EFI_VARIABLE_AUTHORITY. */
static int var_digest(const uint8_t guid[16], const char *name, const uint8_t *data, size_t len, uint8_t out[32])
{
	_cleanup_free_ uint8_t *v = NULL;
	size_t vlen;
	int r = el_uefi_var_build(guid, name, data, len, &v, &vlen);

	if (r < 0)
		return r;
	return EVP_Digest(v, vlen, out, NULL, EVP_sha256(), NULL) ? 0 : -EIO;
}

/* PK, KEK, db as enrolled from KEYS/<var>.esl (the variable's content is
 * the signature list); each db entry (owner GUID + certificate) is what an
 * EV_EFI_VARIABLE_AUTHORITY records when it verifies an image. */
static int compute_reference(struct build_ctx *b, const char *sdboot, const char *uki, struct reference *ref)
{
	static const char *const names[] = { "PK", "KEK", "db" };
	const uint8_t one = 1;
	int r;

	memset(ref, 0, sizeof(*ref));
	if ((r = authenticode_sha256_file(sdboot, ref->sdboot)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot compute the Authenticode digest of %s", sdboot);
	if ((r = authenticode_sha256_file(uki, ref->uki)) < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot compute the Authenticode digest of %s", uki);
	if ((r = var_digest(el_guid_global, "SecureBoot", &one, 1, ref->vars[0])) < 0)
		return r;
	for (int i = 0; i < 3; i++) {
		_cleanup_free_ char *rel = NULL, *path = NULL;
		_cleanup_free_ uint8_t *esl = NULL;
		size_t len, off = 0;

		if (asprintf(&rel, "%s.esl", names[i]) < 0 || !(path = pathjoin(b->keys_dir, rel)))
			return -ENOMEM;
		if ((r = read_file(path, 1u << 20, &esl, &len)) < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot read %s", path);
		r = var_digest(i == 2 ? el_guid_image_security : el_guid_global, names[i], esl, len, ref->vars[i + 1]);
		if (r < 0)
			return r;
		if (i != 2)
			continue;
		/* EFI_SIGNATURE_LIST: type, list size, header size, entry size, header, entries */
		while (off + 28 <= len) {
			uint32_t lsize = le32(esl + off + 16), hsize = le32(esl + off + 20), esize = le32(esl + off + 24);

			if (lsize < 28 || lsize > len - off || esize <= 16 || hsize > lsize - 28 ||
			    (lsize - 28 - hsize) % esize != 0) {
				log_error("%s: malformed EFI signature list at offset %zu", path, off);
				return -EBADMSG;
			}
			for (size_t e = off + 28 + hsize; e + esize <= off + lsize; e += esize) {
				if (ref->n_auth == REF_MAX)
					break;
				r = var_digest(el_guid_image_security, "db", esl + e, esize, ref->auth[ref->n_auth++]);
				if (r < 0)
					return r;
				if (memcmp(esl + off, cert_x509_guid, 16) == 0 && ref->n_cert < REF_MAX &&
				    !EVP_Digest(esl + e + 16, esize - 16, ref->cert[ref->n_cert++], NULL, EVP_sha256(), NULL))
					return -EIO;
			}
			off += lsize;
		}
	}
	return 0;
}

static void kv_hex32(struct json *j, const char *key, const uint8_t d[32])
{
	char h[65];

	hex_encode(d, 32, h);
	json_kv_str(j, key, h);
}

static void write_reference(struct json *j, const struct build_ctx *b, const struct reference *ref)
{
	char h[65];

	json_key(j, "reference");
	json_obj_begin(j);
	kv_hex32(j, "pcr11", b->pcr11);
	json_key(j, "authenticode");
	json_obj_begin(j);
	kv_hex32(j, "systemd_boot", ref->sdboot);
	kv_hex32(j, "uki", ref->uki);
	json_obj_end(j);
	json_key(j, "secure_boot");
	json_obj_begin(j);
	kv_hex32(j, "SecureBoot", ref->vars[0]);
	kv_hex32(j, "PK", ref->vars[1]);
	kv_hex32(j, "KEK", ref->vars[2]);
	kv_hex32(j, "db", ref->vars[3]);
	json_obj_end(j);
	json_key(j, "db_authority");
	json_arr_begin(j);
	for (size_t i = 0; i < ref->n_auth; i++) {
		hex_encode(ref->auth[i], 32, h);
		json_str(j, h);
	}
	json_arr_end(j);
	json_key(j, "db_certificates");
	json_arr_begin(j);
	for (size_t i = 0; i < ref->n_cert; i++) {
		hex_encode(ref->cert[i], 32, h);
		json_str(j, h);
	}
	json_arr_end(j);
	json_obj_end(j);
}

int build_manifest(struct build_ctx *b)
{
	_cleanup_free_ char *sdboot = pathjoin(b->work_dir, "systemd-bootx64.efi");
	struct reference ref;
	_cleanup_free_ char *path = pathjoin(b->out_dir, "build.json");
	_cleanup_free_ char *rel = pathjoin(b->release_dir, "release.json");
	_cleanup_free_ char *squash = pathjoin(b->release_dir, "root.squashfs");
	_cleanup_free_ char *verity = pathjoin(b->release_dir, "root.verity");
	_cleanup_free_ char *uki = pathjoin(b->release_dir, "uki.efi");
	_cleanup_free_ char *disk = pathjoin(b->out_dir, "disk.img");
	_cleanup_free_ char *vars = pathjoin(b->out_dir, "OVMF_VARS.fd");
	_cleanup_free_ char *buf = NULL, *rbuf = NULL;
	char roothex[2 * RV_MAX_DIGEST + 1], salt[2 * RV_MAX_SALT + 1], uuid[UUID_STR_LEN], ob[256];
	size_t len = 0, rlen = 0;
	FILE *f;
	struct json j;
	int r;

	step_begin("content manifest (build.json)");
	r = compute_reference(b, sdboot, uki, &ref);
	if (r < 0)
		return r;
	hex_encode(b->roothash, b->roothash_len, roothex);
	hex_encode(b->verity.salt, b->verity.salt_size, salt);
	uuid_format(b->verity.uuid, uuid);

	/* release.json: what rempart-publish signs into a release manifest */
	f = open_memstream(&rbuf, &rlen);
	if (!f)
		return -ENOMEM;
	json_init(&j, f, true);
	json_obj_begin(&j);
	json_kv_str(&j, "product", product_get(b, "name"));
	json_kv_str(&j, "version", b->version);
	json_kv_u64(&j, "security_version", b->security_version);
	json_kv_u64(&j, "source_date_epoch", b->sde);
	json_key(&j, "artifacts");
	json_obj_begin(&j);
	artifact(&j, "root", squash);
	artifact(&j, "verity", verity);
	artifact(&j, "uki", uki);
	json_obj_end(&j);
	json_key(&j, "verity");
	json_obj_begin(&j);
	json_kv_str(&j, "roothash", roothex);
	json_kv_str(&j, "salt", salt);
	json_kv_str(&j, "hash", b->verity.hash_name);
	json_kv_u64(&j, "data_block_size", b->verity.data_block_size);
	json_kv_u64(&j, "hash_block_size", b->verity.hash_block_size);
	json_kv_u64(&j, "data_blocks", b->verity.data_blocks);
	json_kv_str(&j, "uuid", uuid);
	json_obj_end(&j);
	{
		char pcr[65], fpr[2 * sizeof(((TPM2B_NAME *)0)->name) + 1] = "";
		struct tpm_approval a;
		TPM2B_NAME name;

		/* the policy key as the TPM names it (PolicyAuthorize binds this) */
		if (tpm_approval_from_base64(b->approval_b64, &a) == 0 && tpm_approval_key_name(&a, &name) == 0)
			hex_encode(name.name, name.size, fpr);
		hex_encode(b->pcr11, 32, pcr);
		json_key(&j, "pcr11");
		json_obj_begin(&j);
		json_kv_str(&j, "value", pcr);
		json_kv_str(&j, "signature", b->approval_b64);
		json_kv_str(&j, "policy_key_fingerprint", fpr);
		json_kv_str(&j, "format", "rempart-tpm-approval-v1 (docs/tpm.md)");
		json_obj_end(&j);
	}
	write_reference(&j, b, &ref);
	json_obj_end(&j);
	r = json_end(&j);
	fclose(f);
	if (r == 0)
		r = write_file_atomic(rel, rbuf, rlen, 0644);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", rel);

	r = load_owners(b->rootfs);
	if (r < 0) {
		free_owners();
		return log_errno(LOG_LVL_ERROR, r, "cannot read the dpkg database of %s", b->rootfs);
	}
	files.prefix = strlen(b->rootfs);
	if (nftw(b->rootfs, collect, 64, FTW_PHYS | FTW_MOUNT) < 0) {
		free_owners();
		return log_errno(LOG_LVL_ERROR, files.error ? files.error : -errno, "cannot hash the root filesystem");
	}
	qsort(files.v, files.n, sizeof(*files.v), cmp_file);

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	json_init(&j, f, false);
	json_obj_begin(&j);
	json_kv_str(&j, "product", product_get(b, "name"));
	json_kv_str(&j, "version", b->version);
	json_kv_str(&j, "variant", b->development ? "development" : "release");
	json_kv_u64(&j, "security_version", b->security_version);
	json_kv_u64(&j, "source_date_epoch", b->sde);
	json_kv_str(&j, "roothash", roothex);
	write_reference(&j, b, &ref);
	json_key(&j, "kernel");
	json_obj_begin(&j);
	json_kv_str(&j, "package", b->kernel_package);
	json_kv_str(&j, "version", b->kernel_version);
	json_obj_end(&j);
	json_key(&j, "artifacts");
	json_obj_begin(&j);
	artifact(&j, "root.squashfs", squash);
	artifact(&j, "root.verity", verity);
	artifact(&j, "uki.efi", uki);
	artifact(&j, "disk.img", disk);
	artifact(&j, "OVMF_VARS.fd", vars);
	json_obj_end(&j);
	r = write_packages(&j, b->rootfs);
	json_key(&j, "files");
	json_arr_begin(&j);
	for (size_t i = 0; i < files.n; i++) {
		struct file_rec *fr = &files.v[i];
		char hex[65];

		json_obj_begin(&j);
		json_kv_str(&j, "path", fr->path);
		if (fr->target) {
			json_kv_str(&j, "symlink", fr->target);
		} else {
			hex_encode(fr->sha, 32, hex);
			json_kv_str(&j, "sha256", hex);
			json_kv_u64(&j, "size", fr->size);
			json_kv_u64(&j, "mode", fr->mode & 07777);
		}
		json_kv_str(&j, "origin", origin(b, fr->path, ob, sizeof(ob)));
		json_obj_end(&j);
		free(fr->path);
		free(fr->target);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	if (r == 0)
		r = json_end(&j);
	fclose(f);
	free(files.v);
	memset(&files, 0, sizeof(files));
	free_owners();
	if (r == 0)
		r = write_file_atomic(path, buf, len, 0644);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", path);
	step_end();
	return 0;
}
