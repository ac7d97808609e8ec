/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-update device logic. The order of apply is what makes it
 * crash-safe and resumable (docs/update.md, "Apply, step by step"):
 *
 *   1. fetch the manifest and its signature; every check (signature,
 *      format, trusted comment, product, channel, issued-at, expiry,
 *      version, security version) before anything is written;
 *   2. download the UKI into the state directory (size-bounded, sha256);
 *   3. download environment images into environments_dir/<name>/<version>
 *      (size-bounded, sha256, dm-verity check, then rename into place);
 *   4. give the inactive slot random partition UUIDs (no boot entry can
 *      find a half-written slot);
 *   5. download the hash tree into memory (size-bounded, sha256), check
 *      it whole against the manifest's root hash, write it; then stream
 *      the root into its partition (size-bounded, sha256), checking every
 *      data block against the tree's level 0 as it is written (one pass,
 *      no read-back), fdatasync;
 *   6. set the slot's partition UUIDs derived from the root hash;
 *   7. only now touch the ESP: remove stale entries of other versions,
 *      write EFI/Linux/rempart_<version>+<tries>.efi (temp, fsync, rename).
 *
 * A crash before 7 leaves the running entry the only bootable one; a
 * rerun resumes: a slot that already carries the new UUIDs and verifies
 * is not rewritten, an ESP entry with the right content means "staged". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "cleanup.h"
#include "client.h"
#include "update_config.h"
#include "disk.h"
#include "esp.h"
#include "fileio.h"
#include "hex.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "minisig.h"
#include "release.h"
#include "repo.h"
#include "state.h"
#include "fault.h"
#include "tpm_counter.h"
#include "uuid.h"
#include "verity.h"
#include "wpipe.h"

DEFINE_POINTER_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)

struct client {
	struct client_opts o;
	struct update_config cfg;
	struct ms_pubkey pk;
	struct us_state st;
	struct disk_layout dl;
	struct http *http;
	char running_version[UM_VERSION_MAX + 1];
	uint8_t running_roothash[UM_MAX_DIGEST];
	size_t running_roothash_len;
	int active; /* slot index, or -1 if unknown */
	char client_id[33];
	int lock_fd;
};

static const char slot_name[2] = { 'a', 'b' };

/* ---- running system ---------------------------------------------------- */

static int read_os_release_version(const char *path, char *out, size_t size)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	char *line, *next;
	int r = read_file(path, 64 * 1024, &buf, &len);

	if (r < 0)
		return r;
	for (line = (char *)buf; line; line = next) {
		char *v;
		size_t n;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, "IMAGE_VERSION=", 14) != 0)
			continue;
		v = line + 14;
		n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		if (!um_version_valid(v) || strlen(v) >= size)
			return -EBADMSG;
		memcpy(out, v, strlen(v) + 1);
		return 0;
	}
	return -ENODATA;
}

static int read_cmdline_roothash(const char *path, uint8_t *out, size_t *len)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t n;
	char *tok, *save = NULL;
	int r = read_file(path, 64 * 1024, &buf, &n);

	if (r < 0)
		return r;
	/* rempart.roothash= (rempart-init's, what our UKIs carry) or roothash=
	 * (systemd-veritysetup's) */
	for (tok = strtok_r((char *)buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(tok, "rempart.", 8) == 0)
			tok += 8;
		if (strncmp(tok, "roothash=", 9) == 0)
			return hex_decode(tok + 9, out, UM_MAX_DIGEST, len) < 0 ? -EBADMSG : 0;
	}
	return -ENODATA;
}

/* App-specific id: HMAC-SHA256(machine-id, "rempart-update"), 128 bits.
 * The server can bucket machines without learning the machine id. */
static void compute_client_id(struct client *c)
{
	_cleanup_free_ uint8_t *buf = NULL;
	uint8_t mac[32];
	size_t len, maclen = 0;

	c->client_id[0] = '\0';
	if (read_file(c->cfg.machine_id, 256, &buf, &len) < 0)
		return;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (len == 0)
		return;
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, buf, len, (const uint8_t *)"rempart-update", 14, mac,
		       sizeof(mac), &maclen))
		return;
	hex_encode(mac, 16, c->client_id);
}

int client_open(const struct client_opts *o, struct client **out)
{
	_cleanup_free_ struct client *c = calloc(1, sizeof(*c));
	char err[256];
	unsigned line;
	int r;

	if (!c)
		return -ENOMEM;
	c->o = *o;
	c->lock_fd = -1;
	c->active = -1;
	r = update_config_load(o->config, &c->cfg, &line, err);
	if (r == -EINVAL) {
		if (line)
			log_error("%s:%u: %s", o->config, line, err);
		else
			log_error("%s: %s", o->config, err);
		return r;
	}
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the configuration %s", o->config);
	r = ms_pubkey_load(c->cfg.pubkey, &c->pk);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r == -EOPNOTSUPP ? -EINVAL : r,
				 "cannot load the release public key %s (minisign public key file)", c->cfg.pubkey);
	r = mkdir_p(c->cfg.state_dir, 0700);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot create the state directory %s", c->cfg.state_dir);
	r = us_load(c->cfg.state_dir, &c->st);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s/state.json; move it away to start afresh "
				 "(the device then re-learns the newest issued-at)", c->cfg.state_dir);
	r = read_os_release_version(c->cfg.os_release, c->running_version, sizeof(c->running_version));
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r == -ENODATA || r == -EBADMSG ? -EINVAL : r,
				 "cannot read the running version (IMAGE_VERSION=, dotted decimal) from %s",
				 c->cfg.os_release);
	fault_arm(c->cfg.os_release);
	r = disk_read_layout(c->cfg.disk, &c->dl);
	if (r == -EMEDIUMTYPE || r == -ENOENT || r == -ENOTUNIQ)
		return log_errno(LOG_LVL_ERROR, -EINVAL, "%s: not the A/B layout (GPT with labels root-a, "
				 "root-a-verity, root-b, root-b-verity, each once)", c->cfg.disk);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the partition table of %s", c->cfg.disk);
	r = read_cmdline_roothash(c->cfg.cmdline, c->running_roothash, &c->running_roothash_len);
	if (r == 0)
		c->active = disk_slot_of_roothash(&c->dl, c->running_roothash, c->running_roothash_len);
	if (c->active < 0)
		log_debug("the running root hash matches no slot");
	compute_client_id(c);
	*out = TAKE_PTR(c);
	return 0;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	http_free(c->http);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c);
}

static int lock_state(struct client *c)
{
	_cleanup_free_ char *p = NULL;

	if (asprintf(&p, "%s/lock", c->cfg.state_dir) < 0)
		return -ENOMEM;
	c->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->lock_fd < 0)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot open %s", p);
	if (flock(c->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		log_error("another rempart-update is running (%s is locked); try again later", p);
		return -EBUSY;
	}
	return 0;
}

static int ensure_http(struct client *c)
{
	struct http_config hc = {
		.ca = c->cfg.ca,
		.pin = c->cfg.pin[0] ? c->cfg.pin : NULL,
		.client_id = c->client_id[0] ? c->client_id : NULL,
		.timeout = c->cfg.timeout,
	};
	int r;

	if (c->http)
		return 0;
	r = http_new(&hc, &c->http);
	return r < 0 ? log_errno(LOG_LVL_ERROR, r, "cannot initialise libcurl") : 0;
}

/* ---- security version counter ------------------------------------------ */

static int sv_read(struct client *c, uint64_t *v, struct uc_result *res)
{
	int r;

	if (c->cfg.sv_store == SV_STORE_STATE) {
		*v = c->st.sv_floor;
		return 0;
	}
	r = update_tpm_counter_read(c->cfg.tpm_tcti[0] ? c->cfg.tpm_tcti : NULL, v);
	if (r < 0)
		return uc_refuse(res, UC_SECURITY_VERSION,
				 "cannot read the TPM NV anti-rollback counter (%s); refusing, as the floor is unknown",
				 strerror(-r));
	return 0;
}

/* ---- manifest ---------------------------------------------------------- */

static void record_refusal(struct client *c, const struct uc_result *res)
{
	if (c->o.dry_run)
		return;
	c->st.last_refusal_at = (uint64_t)time(NULL);
	snprintf(c->st.last_refusal, sizeof(c->st.last_refusal), "%s: %s", uc_check_name(res->check), res->msg);
	(void)us_save(c->cfg.state_dir, &c->st);
}

static int report_refusal(struct client *c, int r, const struct uc_result *res)
{
	if (r == -EBADMSG) {
		log_error("refused (check: %s): %s", uc_check_name(res->check), res->msg);
		record_refusal(c, res);
	} else if (r == -EPROTO) {
		log_error("refused (check: %s): %s", uc_check_name(res->check), res->msg);
	}
	return r;
}

static int url_for(struct client *c, const char *what, char **out)
{
	int n;

	if (strcmp(what, "manifest") == 0 || strcmp(what, "signature") == 0) {
		bool sig = what[0] == 's';

		if (c->cfg.api_v1)
			n = asprintf(out, "%s/v1/%s/%s/manifest%s", c->cfg.server, c->cfg.product, c->cfg.channel,
				     sig ? ".minisig" : "");
		else
			n = asprintf(out, "%s/%s/channels/%s.manifest%s", c->cfg.server, c->cfg.product,
				     c->cfg.channel, sig ? ".minisig" : "");
	} else {
		n = asprintf(out, "%s/%s/%s", c->cfg.server, c->cfg.product, what);
	}
	return n < 0 ? -ENOMEM : 0;
}

/* Fetches and checks. 0: an update to apply; -EALREADY: up to date;
 * -EBADMSG / -EPROTO: refused (logged). */
static int fetch_manifest(struct client *c, struct um_manifest *m, struct uc_result *res)
{
	_cleanup_free_ char *murl = NULL, *surl = NULL;
	_cleanup_free_ uint8_t *man = NULL, *sig = NULL;
	struct uc_expect e;
	size_t mlen, slen;
	uint64_t floor = 0;
	int r;

	if ((r = ensure_http(c)) < 0)
		return r;
	if ((r = url_for(c, "manifest", &murl)) < 0 || (r = url_for(c, "signature", &surl)) < 0)
		return r;
	r = http_get_mem(c->http, murl, UM_MAX_SIZE, &man, &mlen, res);
	if (r == -EBADMSG)
		res->check = UC_FORMAT; /* oversize manifest */
	if (r < 0)
		return report_refusal(c, r, res);
	r = http_get_mem(c->http, surl, MS_SIGFILE_MAX, &sig, &slen, res);
	if (r == -EBADMSG)
		res->check = UC_SIGNATURE;
	if (r < 0)
		return report_refusal(c, r, res);
	r = uc_verify_signed(man, mlen, sig, slen, &c->pk, m, res);
	if (r < 0)
		return report_refusal(c, r, res);
	r = sv_read(c, &floor, res);
	if (r < 0)
		return report_refusal(c, r, res);
	e = (struct uc_expect){
		.product = c->cfg.product,
		.channel = c->cfg.channel,
		.running_version = c->running_version,
		.newest_issued_at = c->st.newest_issued_at,
		.now = (uint64_t)time(NULL),
		.min_security_version = floor,
	};
	r = uc_check_manifest(m, &e, res);
	if (r == -EBADMSG)
		return report_refusal(c, r, res);
	if (r < 0 && r != -EALREADY)
		return r;
	/* Accepted (an update or the running version): remember its
	 * issued-at so that no older manifest is ever accepted again. */
	if (!c->o.dry_run && m->issued_at > c->st.newest_issued_at) {
		int w;

		c->st.newest_issued_at = m->issued_at;
		w = us_save(c->cfg.state_dir, &c->st);
		if (w < 0)
			return log_errno(LOG_LVL_ERROR, w, "cannot save %s/state.json", c->cfg.state_dir);
	}
	return r;
}

/* ---- downloads --------------------------------------------------------- */

struct sink {
	struct wpipe *wp;
	const char *fault; /* fault-injection point at half the artifact, or NULL */
	uint64_t done, total;
};

static int sink_push(void *ud, const uint8_t *buf, size_t len)
{
	struct sink *s = ud;

	s->done += len;
	if (s->fault)
		fault_progress(s->fault, s->done, s->total);
	return wpipe_push(s->wp, buf, len);
}

/* The dm-verity level-0 check of the root, on the pipeline's checker
 * thread (wpipe.h). */
struct vcheck {
	struct rv_stream *vs;
	struct rv_report rep;
	bool failed;
};

static int vcheck_push(void *ud, const uint8_t *buf, size_t len)
{
	struct vcheck *v = ud;
	int r = rv_stream_update(v->vs, buf, len, &v->rep);

	if (r == -EBADMSG)
		v->failed = true;
	return r;
}

static int sha256_refusal(const uint8_t h[32], const struct um_artifact *a, const char *what, struct uc_result *res)
{
	char got[65], want[65];

	hex_encode(h, 32, got);
	hex_encode(a->sha256, 32, want);
	return uc_refuse(res, UC_SHA256, "%s: sha256 %s, the manifest says %s (artifact of another release "
			 "or corrupted: mix-and-match refused)", what, got, want);
}

/* Streams an artifact to fd at base, checks its size (http) and sha256;
 * with vs, also checks each data block against the hash tree's level-0
 * entries as it is written (stopping at the first bad block). */
static int download_to(struct client *c, const struct um_artifact *a, const char *what, int fd, uint64_t base,
		       struct rv_stream *vs, struct uc_result *res)
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *sha = EVP_MD_CTX_new();
	_cleanup_free_ char *url = NULL;
	struct wpipe *wp = NULL;
	struct sink sink = { .total = a->size };
	struct vcheck vc = { .vs = vs };
	uint8_t h[32];
	int r, w;

	if (!sha || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1)
		return -ENOMEM;
	if ((r = url_for(c, a->path, &url)) < 0)
		return r;
	log_info("downloading %s (%llu bytes) from %s", what, (unsigned long long)a->size, url);
	/* Receiving overlaps with writing + sha256 and with the verity
	 * hashing (wpipe.h). */
	r = wpipe_start(fd, base, sha, vs ? vcheck_push : NULL, &vc, &wp);
	if (r < 0)
		return r;
	sink.wp = wp;
	sink.fault = strcmp(what, "uki") == 0 ? "uki-download" : strcmp(what, "root") == 0 ? "root-write" : NULL;
	r = http_get_stream(c->http, url, a->size, sink_push, &sink, res);
	w = wpipe_finish(wp);
	if (vc.failed)
		return uc_refuse(res, UC_VERITY, "%s: data block %llu does not match the hash tree checked against the "
				 "manifest's root hash (dm-verity: %s); the image is corrupted or from another "
				 "release", what, (unsigned long long)vc.rep.block, rv_problem_str(vc.rep.problem));
	if (r == 0 && w < 0)
		r = w;
	if (r == -EBADMSG)
		snprintf(res->msg + strlen(res->msg), sizeof(res->msg) - strlen(res->msg), " (%s)", what);
	if (r < 0)
		return r;
	if (EVP_DigestFinal_ex(sha, h, NULL) != 1)
		return -EIO;
	if (memcmp(h, a->sha256, 32) != 0)
		return sha256_refusal(h, a, what, res);
	if (vs) {
		r = rv_stream_finish(vs, &vc.rep);
		if (r == -EBADMSG)
			return uc_refuse(res, UC_VERITY, "%s: ends at data block %llu, before the last block the "
					 "hash tree describes (dm-verity: %s)", what, (unsigned long long)vc.rep.block,
					 rv_problem_str(vc.rep.problem));
		if (r < 0)
			return r;
	}
	return 0;
}

struct mem_sink {
	uint8_t *buf;
	size_t len, cap;
};

static int mem_push(void *ud, const uint8_t *buf, size_t len)
{
	struct mem_sink *m = ud;

	if (len > m->cap - m->len)
		return -EFBIG; /* cannot happen: http bounds the body to the declared size */
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

/* Downloads an artifact into memory (size-bounded, sha256). */
static int download_mem(struct client *c, const struct um_artifact *a, const char *what, uint8_t **out,
			struct uc_result *res)
{
	_cleanup_free_ char *url = NULL;
	struct mem_sink ms = { .cap = (size_t)a->size };
	uint8_t h[32];
	int r;

	if ((r = url_for(c, a->path, &url)) < 0)
		return r;
	ms.buf = malloc(ms.cap ? ms.cap : 1);
	if (!ms.buf)
		return -ENOMEM;
	log_info("downloading %s (%llu bytes) from %s", what, (unsigned long long)a->size, url);
	r = http_get_stream(c->http, url, a->size, mem_push, &ms, res);
	if (r == -EBADMSG)
		snprintf(res->msg + strlen(res->msg), sizeof(res->msg) - strlen(res->msg), " (%s)", what);
	if (r == 0 && EVP_Digest(ms.buf, ms.len, h, NULL, EVP_sha256(), NULL) != 1)
		r = -EIO;
	if (r == 0 && memcmp(h, a->sha256, 32) != 0)
		r = sha256_refusal(h, a, what, res);
	if (r < 0) {
		free(ms.buf);
		return r;
	}
	*out = ms.buf;
	return 0;
}

/* The verity parameters of the manifest, for the library. */
static void verity_params(const struct um_verity *v, uint64_t hash_off, uint64_t data_off, struct rv_params *p)
{
	rv_params_default(p);
	p->superblock = v->superblock;
	p->hash_area_offset = hash_off;
	p->data_area_offset = data_off;
	if (!v->superblock) {
		snprintf(p->hash_name, sizeof(p->hash_name), "%s", v->hash);
		p->data_block_size = v->data_block_size;
		p->hash_block_size = v->hash_block_size;
		p->data_blocks = v->data_blocks;
		memcpy(p->salt, v->salt, v->salt_len);
		p->salt_size = (uint16_t)v->salt_len;
	}
}

/* With a superblock the parameters came from the hash tree: they must be
 * the manifest's (the root hash alone would not pin the data size). */
static bool verity_params_match(const struct rv_params *p, const struct um_verity *v)
{
	return !v->superblock ||
	       (strcmp(p->hash_name, v->hash) == 0 && p->data_block_size == v->data_block_size &&
		p->hash_block_size == v->hash_block_size && p->data_blocks == v->data_blocks &&
		p->salt_size == v->salt_len && memcmp(p->salt, v->salt, v->salt_len) == 0);
}

static int verify_verity(int data_fd, uint64_t data_off, int hash_fd, uint64_t hash_off, const struct um_verity *v,
			 const char *what, struct uc_result *res)
{
	struct rv_params p;
	struct rv_report rep;
	int r;

	verity_params(v, hash_off, data_off, &p);
	r = rv_verify_fd(data_fd, hash_fd, &p, v->roothash, v->roothash_len, &rep, NULL, NULL);
	if (r == -EBADMSG)
		return uc_refuse(res, UC_VERITY, "%s: dm-verity check against the manifest's root hash failed: %s at "
				 "block %llu", what, rv_problem_str(rep.problem), (unsigned long long)rep.block);
	if (r < 0 && r != -ENOMEM && r != -EIO)
		return uc_refuse(res, UC_VERITY, "%s: the written hash tree is not usable: %s", what, strerror(-r));
	if (r < 0)
		return r;
	if (!verity_params_match(&p, v))
		return uc_refuse(res, UC_VERITY, "%s: the hash tree's superblock parameters differ from the manifest",
				 what);
	return 0;
}

static int staged_uki_path(struct client *c, const char *version, char **out)
{
	return asprintf(out, "%s/staging/uki-%s.efi", c->cfg.state_dir, version) < 0 ? -ENOMEM : 0;
}

static int download_uki(struct client *c, const struct um_manifest *m, struct uc_result *res)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	_cleanup_(atomic_file_discardp) struct atomic_file af = ATOMIC_FILE_INIT;
	uint8_t h[32];
	uint64_t size;
	int r;

	if (asprintf(&dir, "%s/staging", c->cfg.state_dir) < 0 || staged_uki_path(c, m->version, &path) < 0)
		return -ENOMEM;
	if (ur_sha256_file(path, h, &size) == 0 && size == m->uki.size && memcmp(h, m->uki.sha256, 32) == 0) {
		log_info("UKI %s already downloaded", m->version);
		return 0;
	}
	if ((r = mkdir_p(dir, 0700)) < 0)
		return r;
	if ((r = atomic_file_open(&af, path, 0600)) < 0)
		return r;
	r = download_to(c, &m->uki, "uki", af.fd, 0, NULL, res);
	if (r < 0)
		return r;
	return atomic_file_commit(&af);
}

static int install_environment(struct client *c, const struct um_manifest *m, const struct um_environment *e,
			       struct uc_result *res)
{
	_cleanup_free_ char *dir = NULL, *final = NULL, *tmp = NULL, *img = NULL, *hash = NULL;
	_cleanup_close_ int ifd = -1, hfd = -1;
	struct stat st;
	char what[UM_NAME_MAX + 32];
	int r;

	if (asprintf(&dir, "%s/%s", c->cfg.environments_dir, e->name) < 0 ||
	    asprintf(&final, "%s/%s", dir, m->version) < 0 || asprintf(&tmp, "%s/.partial-%s", dir, m->version) < 0 ||
	    asprintf(&img, "%s/image.squashfs", tmp) < 0 || asprintf(&hash, "%s/image.verity", tmp) < 0)
		return -ENOMEM;
	if (stat(final, &st) == 0) {
		log_info("environment %s %s already installed", e->name, m->version);
		return 0;
	}
	if ((r = mkdir_p(tmp, 0755)) < 0)
		return r;
	ifd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	hfd = open(hash, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ifd < 0 || hfd < 0)
		return -errno;
	snprintf(what, sizeof(what), "environment %s image", e->name);
	if ((r = download_to(c, &e->image, what, ifd, 0, NULL, res)) < 0)
		return r;
	snprintf(what, sizeof(what), "environment %s hash tree", e->name);
	if ((r = download_to(c, &e->hash, what, hfd, 0, NULL, res)) < 0)
		return r;
	if (fsync(ifd) < 0 || fsync(hfd) < 0)
		return -errno;
	snprintf(what, sizeof(what), "environment %s", e->name);
	if ((r = verify_verity(ifd, 0, hfd, 0, &e->verity, what, res)) < 0)
		return r;
	if (rename(tmp, final) < 0)
		return -errno;
	log_info("environment %s %s installed in %s", e->name, m->version, final);
	return fsync_parent_dir(final);
}

/* Removes a directory holding plain files only. */
static void rm_flat_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	(void)rmdir(path);
}

/* Keeps, for each environment, the running release's and the staged
 * release's images; removes older ones and interrupted downloads. */
static void prune_environments(struct client *c, const struct um_manifest *m)
{
	DIR *top = opendir(c->cfg.environments_dir);
	struct dirent *env;

	if (!top)
		return;
	while ((env = readdir(top))) {
		_cleanup_free_ char *edir = NULL;
		struct dirent *v;
		DIR *d;

		if (!um_name_valid(env->d_name) || asprintf(&edir, "%s/%s", c->cfg.environments_dir, env->d_name) < 0)
			continue;
		d = opendir(edir);
		if (!d)
			continue;
		while ((v = readdir(d))) {
			_cleanup_free_ char *vdir = NULL;

			if (strcmp(v->d_name, ".") == 0 || strcmp(v->d_name, "..") == 0 ||
			    strcmp(v->d_name, c->running_version) == 0 || strcmp(v->d_name, m->version) == 0)
				continue;
			if (asprintf(&vdir, "%s/%s", edir, v->d_name) < 0)
				continue;
			rm_flat_dir(vdir);
			log_info("removed environment image %s", vdir);
		}
		closedir(d);
	}
	closedir(top);
}

static int slot_write(struct client *c, const struct um_manifest *m, int slot, struct uc_result *res)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *tree = NULL;
	_cleanup_(rv_stream_freep) struct rv_stream *vs = NULL;
	struct rv_params p;
	struct rv_report rep;
	uint8_t ru[16], vu[16];
	int r;

	fd = open(c->cfg.disk, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot open %s for writing", c->cfg.disk);
	/* Resume: the slot may already hold this release. */
	disk_roothash_uuids(m->verity.roothash, m->verity.roothash_len, ru, vu);
	if (memcmp(c->dl.root[slot].uuid, ru, 16) == 0 && memcmp(c->dl.verity[slot].uuid, vu, 16) == 0) {
		struct uc_result tmp;

		if (verify_verity(fd, c->dl.root[slot].offset, fd, c->dl.verity[slot].offset, &m->verity, "slot",
				  &tmp) == 0) {
			log_info("slot %c already holds %s and verifies; not rewritten", slot_name[slot], m->version);
			return 0;
		}
	}
	/* De-identify the slot first: whatever UKI refers to its old content
	 * can no longer find it while it is being overwritten. */
	if (uuid_random(ru) < 0 || uuid_random(vu) < 0)
		return -EIO;
	r = disk_set_slot_uuids(c->cfg.disk, &c->dl, slot, ru, vu);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot reset the partition UUIDs of slot %c", slot_name[slot]);
	/* The hash tree first, into memory: size and sha256, then the whole
	 * tree against the manifest's root hash, before a byte of the root
	 * is written. */
	r = download_mem(c, &m->verity_tree, "verity", &tree, res);
	if (r < 0 && r != -EBADMSG && r != -EPROTO)
		return log_errno(LOG_LVL_ERROR, r, "cannot download the hash tree of %s", m->version);
	if (r < 0)
		return r;
	verity_params(&m->verity, 0, 0, &p);
	r = rv_stream_new(&p, tree, (size_t)m->verity_tree.size, m->verity.roothash, m->verity.roothash_len, &rep, &vs);
	if (r == -EBADMSG)
		return uc_refuse(res, UC_VERITY, "verity: the hash tree does not match the manifest's root hash: %s at "
				 "hash block %llu", rv_problem_str(rep.problem), (unsigned long long)rep.block);
	if (r == -ENOMEM)
		return log_errno(LOG_LVL_ERROR, r, "cannot check the hash tree");
	if (r < 0)
		return uc_refuse(res, UC_VERITY, "verity: the hash tree is not usable: %s", strerror(-r));
	if (!verity_params_match(&p, &m->verity))
		return uc_refuse(res, UC_VERITY, "verity: the hash tree's superblock parameters differ from the manifest");
	r = pwrite_full(fd, tree, (size_t)m->verity_tree.size, (off_t)c->dl.verity[slot].offset);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write slot %c of %s", slot_name[slot], c->cfg.disk);
	/* Then the root, streamed: written, sha256 and every data block
	 * checked against the (now trusted) level-0 hashes as it goes. */
	r = download_to(c, &m->root, "root", fd, c->dl.root[slot].offset, vs, res);
	if (r < 0 && r != -EBADMSG && r != -EPROTO)
		return log_errno(LOG_LVL_ERROR, r, "cannot write slot %c of %s", slot_name[slot], c->cfg.disk);
	if (r < 0)
		return r;
	/* Durable before the UUIDs name the slot (and before the ESP entry). */
	if (fdatasync(fd) < 0)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot flush %s", c->cfg.disk);
	disk_roothash_uuids(m->verity.roothash, m->verity.roothash_len, ru, vu);
	r = disk_set_slot_uuids(c->cfg.disk, &c->dl, slot, ru, vu);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot set the partition UUIDs of slot %c", slot_name[slot]);
	memcpy(c->dl.root[slot].uuid, ru, 16);
	memcpy(c->dl.verity[slot].uuid, vu, 16);
	fault_point("slot-ready");
	return 0;
}

/* An ESP entry of this version with the expected content: 0 none, 1
 * staged (pending or good), 2 staged but its boot tries are used up. */
static int esp_has_release(struct client *c, const struct um_manifest *m)
{
	struct esp_entry e[ESP_MAX_ENTRIES];
	size_t n;

	if (esp_list(c->cfg.esp, e, ESP_MAX_ENTRIES, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = NULL;
		uint8_t h[32];
		uint64_t size;

		if (strcmp(e[i].version, m->version) != 0)
			continue;
		if (asprintf(&p, "%s/EFI/Linux/%s", c->cfg.esp, e[i].file) < 0)
			return 0;
		if (ur_sha256_file(p, h, &size) == 0 && size == m->uki.size && memcmp(h, m->uki.sha256, 32) == 0)
			return e[i].counting && e[i].left == 0 ? 2 : 1;
	}
	return 0;
}

static int esp_commit(struct client *c, const struct um_manifest *m)
{
	struct esp_entry e[ESP_MAX_ENTRIES];
	_cleanup_free_ char *src = NULL;
	size_t n;
	int r;

	r = esp_clean_temps(c->cfg.esp);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot remove temporary files from %s/EFI/Linux", c->cfg.esp);
	r = esp_list(c->cfg.esp, e, ESP_MAX_ENTRIES, &n);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot list %s/EFI/Linux", c->cfg.esp);
	/* Entries of other versions point at the slot just overwritten. */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].version, c->running_version) == 0)
			continue;
		r = esp_remove(c->cfg.esp, e[i].file);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot remove the stale boot entry %s", e[i].file);
		log_info("removed stale boot entry %s", e[i].file);
	}
	if ((r = staged_uki_path(c, m->version, &src)) < 0)
		return r;
	r = esp_install_uki(c->cfg.esp, src, m->version, c->cfg.boot_tries);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write the boot entry of %s to %s", m->version, c->cfg.esp);
	fault_point("esp-done");
	(void)unlink(src);
	return 0;
}

static void print_manifest_json(struct json *j, const struct um_manifest *m)
{
	char rh[2 * UM_MAX_DIGEST + 1];

	hex_encode(m->verity.roothash, m->verity.roothash_len, rh);
	json_kv_str(j, "version", m->version);
	json_kv_u64(j, "security_version", m->security_version);
	json_kv_u64(j, "issued_at", m->issued_at);
	json_kv_u64(j, "expires", m->expires);
	json_kv_str(j, "roothash", rh);
	json_kv_u64(j, "download_bytes", m->root.size + m->verity_tree.size + m->uki.size);
}

static void print_outcome(struct client *c, const char *action, const struct um_manifest *m, int slot)
{
	if (c->o.json) {
		struct json j;

		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_str(&j, "action", action);
		json_kv_str(&j, "running_version", c->running_version);
		json_kv_bool(&j, "dry_run", c->o.dry_run);
		if (m) {
			json_key(&j, "manifest");
			json_obj_begin(&j);
			print_manifest_json(&j, m);
			json_obj_end(&j);
		}
		if (slot >= 0) {
			char s[2] = { slot_name[slot], 0 };

			json_kv_str(&j, "slot", s);
		}
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	if (strcmp(action, "up-to-date") == 0)
		printf("up to date: running %s\n", c->running_version);
	else if (strcmp(action, "available") == 0)
		printf("update available: %s (running %s)\n", m->version, c->running_version);
	else if (strcmp(action, "would-stage") == 0)
		printf("would stage %s into slot %c (dry run, nothing written)\n", m->version, slot_name[slot]);
	else if (strcmp(action, "failed-before") == 0)
		printf("%s was staged but never booted successfully (boot tries used up); not retried: "
		       "publish a newer release\n", m->version);
	else if (strcmp(action, "already-staged") == 0)
		printf("%s is already staged; it boots next\n", m->version);
	else if (strcmp(action, "staged") == 0)
		printf("staged %s in slot %c; it boots next (%u tries)\n", m->version, slot_name[slot], c->cfg.boot_tries);
}

int client_check(struct client *c)
{
	struct um_manifest *m = calloc(1, sizeof(*m));
	struct uc_result res = { 0 };
	int r;

	if (!m)
		return -ENOMEM;
	if (!c->o.dry_run && (r = lock_state(c)) < 0) {
		free(m);
		return r;
	}
	r = fetch_manifest(c, m, &res);
	if (r == -EALREADY) {
		print_outcome(c, "up-to-date", m, -1);
		r = 0;
	} else if (r == 0) {
		print_outcome(c, "available", m, -1);
	}
	free(m);
	return r;
}

int client_apply(struct client *c)
{
	struct um_manifest *m = calloc(1, sizeof(*m));
	struct uc_result res = { 0 };
	int slot, r;

	if (!m)
		return -ENOMEM;
	if (!c->o.dry_run && (r = lock_state(c)) < 0)
		goto out;
	r = fetch_manifest(c, m, &res);
	if (r == -EALREADY) {
		print_outcome(c, "up-to-date", m, -1);
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if (c->active < 0) {
		log_error("cannot tell which slot is running: the roothash= of %s matches the partition UUIDs of "
			  "neither slot of %s; refusing to overwrite a slot", c->cfg.cmdline, c->cfg.disk);
		r = -EINVAL;
		goto out;
	}
	slot = !c->active;
	switch (esp_has_release(c, m)) {
	case 1:
		print_outcome(c, "already-staged", m, slot);
		r = 0;
		goto out;
	case 2:
		/* Not retried in a loop: the release failed to boot here. */
		print_outcome(c, "failed-before", m, slot);
		r = 0;
		goto out;
	}
	if (m->root.size > c->dl.root[slot].size || m->verity_tree.size > c->dl.verity[slot].size) {
		r = uc_refuse(&res, UC_SIZE, "root (%llu bytes) or hash tree (%llu bytes) larger than slot %c's "
			      "partitions (%llu, %llu bytes)", (unsigned long long)m->root.size,
			      (unsigned long long)m->verity_tree.size, slot_name[slot],
			      (unsigned long long)c->dl.root[slot].size, (unsigned long long)c->dl.verity[slot].size);
		report_refusal(c, r, &res);
		goto out;
	}
	/* The hash tree is addressed in hash blocks from the start of the disk. */
	if (c->dl.root[slot].offset % m->verity.data_block_size || c->dl.verity[slot].offset % m->verity.hash_block_size) {
		log_error("slot %c's partitions of %s are not aligned to the release's verity block sizes (%u/%u); "
			  "repartition with 1 MiB alignment", slot_name[slot], c->cfg.disk, m->verity.data_block_size,
			  m->verity.hash_block_size);
		r = -EINVAL;
		goto out;
	}
	if (c->o.dry_run) {
		print_outcome(c, "would-stage", m, slot);
		r = 0;
		goto out;
	}
	r = download_uki(c, m, &res);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < m->n_envs; i++) {
		r = install_environment(c, m, &m->envs[i], &res);
		if (r < 0)
			goto fail;
	}
	r = slot_write(c, m, slot, &res);
	if (r < 0) {
		/* slot_write logged its system errors itself. */
		if (r == -EBADMSG || r == -EPROTO)
			report_refusal(c, r, &res);
		goto out;
	}
	{
		char rh[2 * UM_MAX_DIGEST + 1];

		hex_encode(m->verity.roothash, m->verity.roothash_len, rh);
		us_remember(&c->st, m->version, m->security_version, rh);
		r = us_save(c->cfg.state_dir, &c->st);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot save the state");
			goto out;
		}
	}
	/* Last: the boot entry. Before this point the ESP was not touched. */
	r = esp_commit(c, m);
	if (r < 0)
		goto out;
	prune_environments(c, m);
	print_outcome(c, "staged", m, slot);
	r = 0;
	goto out;
fail:
	if (r == -EBADMSG || r == -EPROTO)
		report_refusal(c, r, &res);
	else
		log_errno(LOG_LVL_ERROR, r, "cannot stage %s", m->version);
out:
	free(m);
	return r;
}

/* ---- status, mark-good, commit ---------------------------------------- */

int client_status(struct client *c)
{
	struct esp_entry e[ESP_MAX_ENTRIES];
	size_t n = 0;
	uint64_t sv = 0;
	struct uc_result res;
	int svr;
	char uu[UUID_STR_LEN];

	(void)esp_list(c->cfg.esp, e, ESP_MAX_ENTRIES, &n);
	svr = sv_read(c, &sv, &res);
	if (c->o.json) {
		struct json j;

		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_str(&j, "product", c->cfg.product);
		json_kv_str(&j, "channel", c->cfg.channel);
		json_kv_str(&j, "running_version", c->running_version);
		if (c->active >= 0) {
			char s[2] = { slot_name[c->active], 0 };

			json_kv_str(&j, "running_slot", s);
		} else {
			json_key(&j, "running_slot");
			json_null(&j);
		}
		json_key(&j, "slots");
		json_arr_begin(&j);
		for (int s = 0; s < 2; s++) {
			char name[2] = { slot_name[s], 0 };

			json_obj_begin(&j);
			json_kv_str(&j, "slot", name);
			uuid_format(c->dl.root[s].uuid, uu);
			json_kv_str(&j, "root_uuid", uu);
			uuid_format(c->dl.verity[s].uuid, uu);
			json_kv_str(&j, "verity_uuid", uu);
			for (size_t i = 0; i < c->st.n_releases; i++) {
				uint8_t rh[UM_MAX_DIGEST];
				size_t rl;

				if (hex_decode(c->st.releases[i].roothash, rh, sizeof(rh), &rl) == 0 && rl >= 32 &&
				    memcmp(rh, c->dl.root[s].uuid, 16) == 0)
					json_kv_str(&j, "version", c->st.releases[i].version);
			}
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_key(&j, "boot_entries");
		json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			const char *st = !e[i].counting ? "good" : e[i].left == 0 ? "bad" : "pending";

			json_obj_begin(&j);
			json_kv_str(&j, "file", e[i].file);
			json_kv_str(&j, "version", e[i].version);
			json_kv_str(&j, "state", st);
			if (e[i].counting) {
				json_kv_u64(&j, "tries_left", e[i].left);
				json_kv_u64(&j, "tries_done", e[i].done);
			}
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_key(&j, "failed_update");
		{
			bool any = false;

			for (size_t i = 0; i < n && !any; i++)
				if (e[i].counting && e[i].left == 0 && strcmp(e[i].version, c->running_version) != 0) {
					json_str(&j, e[i].version);
					any = true;
				}
			if (!any)
				json_null(&j);
		}
		json_kv_u64(&j, "newest_issued_at", c->st.newest_issued_at);
		json_kv_str(&j, "security_version_store", c->cfg.sv_store == SV_STORE_TPM ? "tpm" : "state");
		if (svr == 0)
			json_kv_u64(&j, "security_version_floor", sv);
		else
			json_kv_str(&j, "security_version_floor", "unavailable");
		json_kv_str(&j, "last_refusal", c->st.last_refusal);
		json_kv_u64(&j, "last_refusal_at", c->st.last_refusal_at);
		json_obj_end(&j);
		return json_end(&j);
	}
	printf("product %s, channel %s\n", c->cfg.product, c->cfg.channel);
	printf("running: %s from slot %c\n", c->running_version, c->active >= 0 ? slot_name[c->active] : '?');
	for (size_t i = 0; i < n; i++) {
		if (!e[i].counting)
			printf("boot entry %s: good\n", e[i].file);
		else if (e[i].left == 0)
			printf("boot entry %s: BAD (boot tries used up)%s\n", e[i].file,
			       strcmp(e[i].version, c->running_version) ? ": the update to this version failed" : "");
		else
			printf("boot entry %s: pending (%u tries left)\n", e[i].file, e[i].left);
	}
	if (svr == 0)
		printf("security version floor: %llu (%s)\n", (unsigned long long)sv,
		       c->cfg.sv_store == SV_STORE_TPM ? "TPM NV counter" : "state file");
	else
		printf("security version floor: unavailable (%s)\n", res.msg);
	if (c->st.last_refusal[0])
		printf("last refusal: %s\n", c->st.last_refusal);
	return 0;
}

static int failed_units(unsigned *n)
{
	sd_bus *bus = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	uint32_t v = 0;
	int r = sd_bus_open_system(&bus);

	if (r < 0)
		return r;
	r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
					"org.freedesktop.systemd1.Manager", "NFailedUnits", &err, 'u', &v);
	sd_bus_error_free(&err);
	sd_bus_unref(bus);
	if (r < 0)
		return r;
	*n = v;
	return 0;
}

int client_mark_good(struct client *c)
{
	const struct us_release *rel;
	int r;

	if (c->active < 0) {
		log_error("health check failed: the running root hash (%s) matches neither slot of %s", c->cfg.cmdline,
			  c->cfg.disk);
		return -EBADMSG;
	}
	rel = us_find(&c->st, c->running_version);
	if (rel) {
		char rh[2 * UM_MAX_DIGEST + 1];

		hex_encode(c->running_roothash, c->running_roothash_len, rh);
		if (strcmp(rh, rel->roothash) != 0) {
			log_error("health check failed: running %s with root hash %s, but %s was staged with %s",
				  c->running_version, rh, c->running_version, rel->roothash);
			return -EBADMSG;
		}
	}
	if (c->cfg.health_failed_units) {
		unsigned n = 0;

		r = failed_units(&n);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "health check failed: cannot ask systemd for failed units");
		if (n > 0) {
			log_error("health check failed: %u failed systemd unit(s); this boot is not marked good", n);
			return -EBADMSG;
		}
	}
	log_info("health check passed: %s runs from slot %c", c->running_version, slot_name[c->active]);
	return 0;
}

int client_commit(struct client *c)
{
	struct esp_entry e[ESP_MAX_ENTRIES];
	const struct us_release *rel;
	struct uc_result res;
	bool blessed = false;
	uint64_t cur = 0;
	size_t n;
	int r;

	if ((r = lock_state(c)) < 0)
		return r;
	r = esp_list(c->cfg.esp, e, ESP_MAX_ENTRIES, &n);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot list the boot entries in %s", c->cfg.esp);
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].version, c->running_version) == 0 && !e[i].counting)
			blessed = true;
	if (!blessed) {
		log_error("the boot entry of %s is not marked good yet (systemd-bless-boot); the security version "
			  "is raised only after that", c->running_version);
		return -EBADMSG;
	}
	rel = us_find(&c->st, c->running_version);
	if (!rel) {
		log_info("%s was not installed by rempart-update (factory image): nothing to commit", c->running_version);
		return 0;
	}
	r = sv_read(c, &cur, &res);
	if (r < 0) {
		log_error("cannot raise the security version: %s", res.msg);
		return r;
	}
	if (rel->security_version <= cur) {
		log_info("security version floor already %llu", (unsigned long long)cur);
		return 0;
	}
	if (c->cfg.sv_store == SV_STORE_STATE) {
		c->st.sv_floor = rel->security_version;
		r = us_save(c->cfg.state_dir, &c->st);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot save the security version floor");
	} else {
		r = update_tpm_counter_raise(c->cfg.tpm_tcti[0] ? c->cfg.tpm_tcti : NULL, c->cfg.tpm_approval, rel->security_version);
		if (r == -EBADMSG || r == -ENOENT)
			return log_errno(LOG_LVL_ERROR, r, "cannot raise the TPM NV counter: the running release's "
					 "approval %s is missing or malformed", c->cfg.tpm_approval);
		if (r == -EPERM)
			return log_errno(LOG_LVL_ERROR, r, "cannot raise the TPM NV counter to %llu: the running "
					 "release's approval allows less", (unsigned long long)rel->security_version);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot raise the TPM NV security-version counter");
	}
	log_info("security version floor raised from %llu to %llu", (unsigned long long)cur,
		 (unsigned long long)rel->security_version);
	return 0;
}
