/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unified kernel image: systemd-stub + .osrel .cmdline .initrd .linux
 * (placed after the stub's last section, 4 KiB aligned, .linux last as
 * systemd 252 expects), signed with the Secure Boot db key. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "conf.h"
#include "exec.h"
#include "fileio.h"
#include "hex.h"
#include "log.h"
#include <openssl/evp.h>
#include "pcr11.h"
#include "signer.h"
#include "blob.h"
#include "policy.h"

#define STUB "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* End of the stub's last section (RVA + ImageBase), from its PE headers. */
static int stub_end(const char *path, uint64_t *end)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	uint32_t pe, nsec, opt;
	uint64_t base, max = 0;
	int r = read_file(path, 16u << 20, &buf, &len);

	if (r < 0)
		return r;
	if (len < 0x40 || buf[0] != 'M' || buf[1] != 'Z')
		return -EBADMSG;
	pe = rd32(buf + 0x3c);
	if ((uint64_t)pe + 24 > len || memcmp(buf + pe, "PE\0\0", 4) != 0)
		return -EBADMSG;
	nsec = rd16(buf + pe + 6);
	opt = rd16(buf + pe + 20);
	if ((uint64_t)pe + 24 + opt + (uint64_t)nsec * 40 > len || opt < 32 || rd16(buf + pe + 24) != 0x20b)
		return -EBADMSG;
	base = (uint64_t)rd32(buf + pe + 24 + 24) | (uint64_t)rd32(buf + pe + 24 + 28) << 32;
	for (uint32_t i = 0; i < nsec; i++) {
		const uint8_t *s = buf + pe + 24 + opt + i * 40;
		uint64_t e = (uint64_t)rd32(s + 12) + rd32(s + 8);

		if (e > max)
			max = e;
	}
	*end = base + max;
	return 0;
}

static uint64_t align4k(uint64_t v)
{
	return (v + 4095) & ~(uint64_t)4095;
}

static int file_size(const char *p, uint64_t *size)
{
	struct stat st;

	if (stat(p, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Product cmdline + hardening cmdline + extra, one line. */
static int make_cmdline(struct build_ctx *b, const char *extra, char **out)
{
	const char *files[] = { "cmdline", "hardening/cmdline" };
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *s = calloc(1, cap);

	if (!s)
		return -ENOMEM;
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		_cleanup_free_ char *path = product_path(b, files[f]);
		char **items = NULL;
		size_t n = 0;
		int r;

		if (access(path, R_OK) < 0 && f > 0)
			continue;
		r = list_load(path, &items, &n);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot read %s", path);
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(items[i]);

			if (len + l + 2 >= cap) {
				list_free(items, n);
				return -E2BIG;
			}
			if (len)
				s[len++] = ' ';
			memcpy(s + len, items[i], l);
			len += l;
		}
		list_free(items, n);
	}
	if (extra && *extra) {
		if (len + strlen(extra) + 2 >= cap)
			return -E2BIG;
		if (len)
			s[len++] = ' ';
		strcpy(s + len, extra);
	}
	*out = TAKE_PTR(s);
	return 0;
}

/* ECDSA signatures are randomised (OpenSSL 3.0 has no RFC 6979), so an
 * approval, once made, is an input of later builds: it is kept in the
 * package cache under a digest of (policy public key, PCR 11, security
 * version, NV index) and reused after checking it. Two builds of the same
 * inputs with the same key set and cache are then byte-identical. */
static int cached_approval(struct build_ctx *b, struct tpm_approval *a, char **b64)
{
	_cleanup_free_ char *pub = pathjoin(b->keys_dir, "tpm-policy.pub");
	_cleanup_free_ char *key = pathjoin(b->keys_dir, "tpm-policy.key");
	_cleanup_free_ char *dir = pathjoin(b->cache_dir, "approvals"), *path = NULL;
	_cleanup_free_ uint8_t *pem = NULL;
	_cleanup_free_ char *old = NULL;
	uint8_t x[32], y[32], id[32], tail[8 + 4];
	char hex[65];
	size_t plen;
	EVP_MD_CTX *ctx;
	int r;

	r = read_file(pub, 64 * 1024, &pem, &plen);
	if (r == 0)
		r = signer_load_public(pub, x, y);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the TPM policy public key %s", pub);
	for (int i = 0; i < 8; i++)
		tail[i] = (uint8_t)(b->security_version >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		tail[8 + i] = (uint8_t)(TP_NV_INDEX_DEFAULT >> (24 - 8 * i));
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) || !EVP_DigestUpdate(ctx, pem, plen) ||
	    !EVP_DigestUpdate(ctx, b->pcr11, 32) || !EVP_DigestUpdate(ctx, tail, sizeof(tail)) ||
	    !EVP_DigestFinal_ex(ctx, id, NULL)) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	EVP_MD_CTX_free(ctx);
	hex_encode(id, sizeof(id), hex);
	if (asprintf(&path, "%s/%s.b64", dir, hex) < 0)
		return -ENOMEM;
	if (read_text_line(path, 64 * 1024, &old) == 0) {
		if (tpm_approval_from_base64(old, a) == 0 && signer_verify(a, x, y) == 0 &&
		    memcmp(a->pcr11, b->pcr11, 32) == 0 && a->has_svn && a->svn == b->security_version &&
		    a->nv_index == TP_NV_INDEX_DEFAULT) {
			*b64 = strdup(old);
			return *b64 ? 0 : -ENOMEM;
		}
		log_warn("ignoring the cached approval %s: it does not verify", path);
	}
	r = signer_approve(key, b->pcr11, true, b->security_version, TP_NV_INDEX_DEFAULT, a);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot sign the PCR 11 approval with %s", key);
	r = tpm_approval_to_base64(a, b64);
	if (r < 0)
		return r;
	r = mkdir_p(dir, 0755);
	if (r == 0) {
		_cleanup_free_ char *line = NULL;

		if (asprintf(&line, "%s\n", *b64) < 0)
			return -ENOMEM;
		r = write_file_atomic(path, line, strlen(line), 0644);
	}
	if (r < 0)
		log_errno(LOG_LVL_WARN, r, "cannot keep the approval in %s", dir);
	return 0;
}

/* PCR 11 as systemd 252's stub will measure these sections, and the
 * release's approval of it signed by the TPM policy key (security version
 * bound), written as base64 to approval_path. */
static int make_approval(struct build_ctx *b, const char *const files[4], const char *approval_path)
{
	_cleanup_free_ char *b64 = NULL;
	const char *paths[UKI_SECTION_MAX] = { 0 };
	struct tpm_approval a;
	char line[8192];
	int r;

	paths[UKI_OSREL] = files[0];
	paths[UKI_CMDLINE] = files[1];
	paths[UKI_INITRD] = files[2];
	paths[UKI_LINUX] = files[3];
	r = pcr11_predict_files(paths, b->pcr11);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot compute the PCR 11 value of the UKI");
	r = cached_approval(b, &a, &b64);
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "%s\n", b64);
	free(b->approval_b64);
	b->approval_b64 = strdup(b64);
	return write_file_atomic(approval_path, line, strlen(line), 0644);
}

/* sbsign puts the current time in the PKCS#7 signingTime attribute: run it
 * under libfaketime at SOURCE_DATE_EPOCH so that signatures are
 * reproducible (the RSA PKCS#1 v1.5 signature itself is deterministic). */
static void sbsign_argv(struct argv *a, uint64_t sde)
{
	time_t t = (time_t)sde;
	struct tm tm;
	char when[64];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "@%Y-%m-%d %H:%M:%S", &tm);
	argv_add(a, "faketime");
	argv_add(a, "-f");
	argv_add(a, when);
	argv_add(a, "sbsign");
}

/* objcopy stamps the PE header with the current time (and a checksum over
 * it): set TimeDateStamp to SOURCE_DATE_EPOCH and CheckSum to 0 (unused by
 * UEFI) so that the image is reproducible. */
static int pe_make_deterministic(const char *path, uint64_t sde)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
	uint8_t hdr[0x40], pe[24], zero[4] = { 0 }, ts[4];
	uint32_t off;
	int r;

	if (fd < 0)
		return -errno;
	r = pread_full(fd, hdr, sizeof(hdr), 0);
	if (r < 0)
		return r;
	off = rd32(hdr + 0x3c);
	r = pread_full(fd, pe, sizeof(pe), off);
	if (r < 0)
		return r;
	if (memcmp(pe, "PE\0\0", 4) != 0 || rd16(pe + 20) < 68)
		return -EBADMSG;
	for (int i = 0; i < 4; i++)
		ts[i] = (uint8_t)(sde >> (8 * i));
	r = pwrite_full(fd, ts, 4, off + 8);
	if (r == 0)
		r = pwrite_full(fd, zero, 4, off + 24 + 64);
	return r;
}

int build_uki(struct build_ctx *b, const char *initrd, const char *out_path, const char *cmdline_extra)
{
	_cleanup_free_ char *approval = NULL;
	_cleanup_free_ char *osrel = pathjoin(b->rootfs, "usr/lib/os-release");
	_cleanup_free_ char *cmdfile = NULL, *linux_img = NULL, *unsigned_uki = NULL, *cmdline = NULL;
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	const char *names[] = { ".osrel", ".cmdline", ".initrd", ".pcrsig", ".linux" };
	const char *files[5];
	char roothex[2 * RV_MAX_DIGEST + 1], extra[1024];
	uint64_t vma, size = 0;
	int r;

	hex_encode(b->roothash, b->roothash_len, roothex);
	snprintf(extra, sizeof(extra), "rempart.roothash=%s%s%s", roothex, cmdline_extra ? " " : "",
		 cmdline_extra ? cmdline_extra : "");
	r = make_cmdline(b, extra, &cmdline);
	if (r < 0)
		return r;
	if (asprintf(&cmdfile, "%s.cmdline", out_path) < 0 ||
	    asprintf(&linux_img, "%s/boot/vmlinuz-%s", b->kernel_dir, b->kernel_version) < 0 ||
	    asprintf(&unsigned_uki, "%s.unsigned", out_path) < 0)
		return -ENOMEM;
	r = write_file_atomic(cmdfile, cmdline, strlen(cmdline), 0644);
	if (r < 0)
		return r;
	files[0] = osrel;
	files[1] = cmdfile;
	files[2] = initrd;
	files[4] = linux_img;
	/* .pcrsig is not measured by the stub; it hands it to the initramfs as
	 * /.extra/tpm2-pcr-signature.json (our base64 approval). */
	if (asprintf(&approval, "%s.approval", out_path) < 0)
		return -ENOMEM;
	r = make_approval(b, (const char *const[]){ osrel, cmdfile, initrd, linux_img }, approval);
	if (r < 0)
		return r;
	files[3] = approval;

	r = stub_end(STUB, &vma);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the PE sections of %s (package systemd-boot-efi)", STUB);
	argv_add(&a, "objcopy");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		vma = align4k(vma);
		r = file_size(files[i], &size);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot read %s", files[i]);
		argv_addf(&a, "--add-section=%s=%s", names[i], files[i]);
		argv_addf(&a, "--change-section-vma=%s=0x%llx", names[i], (unsigned long long)vma);
		vma += size;
	}
	argv_add(&a, STUB);
	argv_add(&a, unsigned_uki);
	{
		_cleanup_free_ char *env_sde = NULL;

		if (asprintf(&env_sde, "SOURCE_DATE_EPOCH=%llu", (unsigned long long)b->sde) < 0)
			return -ENOMEM;
		char *env[] = { env_sde, NULL };
		r = run_command(&a, env, NULL, true, NULL);
	}
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "objcopy could not assemble the UKI; see %s", exec_get_log());
	r = pe_make_deterministic(unsigned_uki, b->sde);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot normalise the PE header of %s", unsigned_uki);

	r = sign_efi(b, unsigned_uki, out_path);
	if (r < 0)
		return r;
	unlink(unsigned_uki);
	return 0;
}

int sign_efi(struct build_ctx *b, const char *in, const char *out)
{
	_cleanup_(argv_freep) struct argv s = ARGV_INIT;
	int r;

	sbsign_argv(&s, b->sde);
	argv_add(&s, "--key");
	argv_addf(&s, "%s/db.key", b->keys_dir);
	argv_add(&s, "--cert");
	argv_addf(&s, "%s/db.crt", b->keys_dir);
	argv_add(&s, "--output");
	argv_add(&s, out);
	argv_add(&s, in);
	r = run_command(&s, (char *[]){ "TZ=UTC", NULL }, NULL, true, NULL);
	if (r < 0)
		log_errno(LOG_LVL_ERROR, r, "sbsign could not sign %s", in);
	return r;
}
