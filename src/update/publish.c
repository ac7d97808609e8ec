/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-publish: turns a build's release directory into a signed channel
 * manifest in the static update repository; re-signs channels with a new
 * expiry; creates release signing keys. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "minisig.h"
#include "parse.h"
#include "release.h"
#include "repo.h"

enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1, /* inconsistent release, or a channel that would go backwards */
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
};

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  rempart-publish --keys DIR --release DIR --channel NAME --repo DIR [--expires DURATION]\n"
	      "                  [--rollout PERCENT]\n"
	      "  rempart-publish refresh --keys DIR --repo DIR --product NAME --channel NAME [--expires DURATION]\n"
	      "  rempart-publish keygen --keys DIR\n"
	      "\n"
	      "Publishes a release built by `rempart build` (DIR holds release.json and its artifacts)\n"
	      "into the static update repository: copies the artifacts to\n"
	      "<repo>/<product>/releases/<version>/ and writes the signed channel manifest\n"
	      "<repo>/<product>/channels/<channel>.manifest (+ .minisig, minisign format). The channel's\n"
	      "previous release is kept as <channel>.previous.manifest for staged rollouts.\n"
	      "`refresh` re-signs a channel's manifests with a new issued-at and expiry, without\n"
	      "rebuilding. `keygen` writes DIR/update.key (unencrypted minisign secret key, mode 0600)\n"
	      "and DIR/update.pub. Keys made with `minisign -G -W` work as well.\n"
	      "\n"
	      "Options:\n"
	      "  --keys DIR          directory holding update.key and update.pub\n"
	      "  --release DIR       release directory (release.json)\n"
	      "  --channel NAME      channel ([a-z0-9-])\n"
	      "  --product NAME      product (refresh only; publish reads it from release.json)\n"
	      "  --repo DIR          repository root\n"
	      "  --expires DURATION  validity from now: N[s|m|h|d] (default 7d)\n"
	      "  --rollout PERCENT   share of machines offered this release by rempart-updsrv (default 100)\n"
	      "  --now EPOCH         use this time instead of the clock (tests)\n"
	      "  --json              print the result as JSON\n"
	      "  -v, --verbose       debug messages\n"
	      "  -h, --help          this help\n"
	      "\n"
	      "Exit status: 0 success; 1 refused (release files do not match release.json, the channel\n"
	      "would go back to an older version or security version, the repository's manifest does not\n"
	      "verify with the key); 2 invalid usage; 3 system error.\n",
	      f);
}

struct opts {
	const char *keys, *release, *channel, *product, *repo;
	uint64_t expires, now;
	uint32_t rollout;
	bool json;
};

static int exit_for(int r)
{
	switch (r) {
	case -EBADMSG: case -EKEYREJECTED:
		return EXIT_REFUSED;
	case -EINVAL:
		return EXIT_USAGE;
	default:
		return EXIT_SYSTEM;
	}
}

static int load_keys(const char *dir, struct ms_seckey *sk, struct ms_pubkey *pk)
{
	_cleanup_free_ char *kp = NULL, *pp = NULL;
	int r;

	if (asprintf(&kp, "%s/update.key", dir) < 0 || asprintf(&pp, "%s/update.pub", dir) < 0)
		return log_errno(LOG_LVL_ERROR, -ENOMEM, "out of memory");
	r = ms_seckey_load(kp, sk);
	if (r == -EOPNOTSUPP)
		return log_errno(LOG_LVL_ERROR, -EINVAL, "%s: encrypted or unknown secret key; create it unencrypted "
				 "(rempart-publish keygen, or minisign -G -W)", kp);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the release signing key %s", kp);
	r = ms_pubkey_load(pp, pk);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the release public key %s", pp);
	if (memcmp(pk->keynum, sk->keynum, MS_KEYNUM_BYTES) != 0 || memcmp(pk->pk, sk->sk + 32, MS_PK_BYTES) != 0) {
		log_error("%s and %s are not one key pair; refusing to sign with a key devices do not trust", kp, pp);
		return -EKEYREJECTED;
	}
	return 0;
}

static int keygen(const struct opts *o)
{
	_cleanup_free_ char *kp = NULL, *pp = NULL, *pub = NULL;
	struct ms_seckey sk;
	struct ms_pubkey pk;
	char *sec;
	char id[17];
	int r;

	if (!o->keys) {
		log_error("keygen needs --keys DIR");
		return -EINVAL;
	}
	if (asprintf(&kp, "%s/update.key", o->keys) < 0 || asprintf(&pp, "%s/update.pub", o->keys) < 0)
		return -ENOMEM;
	if (access(kp, F_OK) == 0) {
		log_error("%s exists; refusing to replace a release signing key", kp);
		return -EINVAL;
	}
	r = mkdir_p(o->keys, 0700);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot create %s", o->keys);
	r = ms_keypair_generate(&sk, &pk);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot generate a key pair");
	sec = ms_seckey_format(&sk);
	ms_seckey_wipe(&sk);
	pub = ms_pubkey_format(&pk);
	if (!sec || !pub) {
		free(sec);
		return log_errno(LOG_LVL_ERROR, -ENOMEM, "out of memory");
	}
	r = write_file_atomic(kp, sec, strlen(sec), 0600);
	explicit_bzero(sec, strlen(sec));
	free(sec);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", kp);
	r = write_file_atomic(pp, pub, strlen(pub), 0644);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", pp);
	ms_keyid_str(pk.keynum, id);
	log_info("key %s written to %s (public: %s)", id, kp, pp);
	return 0;
}

static bool has_superblock(const char *path)
{
	char magic[8] = { 0 };
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd >= 0 && pread(fd, magic, 8, 0) == 8 && memcmp(magic, "verity\0\0", 8) == 0;
}

static void print_result(const struct opts *o, const struct um_manifest *m, const char *what)
{
	if (o->json) {
		struct json j;

		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_str(&j, "action", what);
		json_kv_str(&j, "product", m->product);
		json_kv_str(&j, "channel", m->channel);
		json_kv_str(&j, "version", m->version);
		json_kv_u64(&j, "security_version", m->security_version);
		json_kv_u64(&j, "issued_at", m->issued_at);
		json_kv_u64(&j, "expires", m->expires);
		json_kv_u64(&j, "rollout_percent", m->rollout_percent);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("%s %s/%s version %s (security version %llu), expires %llu\n", what, m->product, m->channel,
		       m->version, (unsigned long long)m->security_version, (unsigned long long)m->expires);
	}
}

/* Loads a channel's existing manifest if any: 0 found, 1 absent. */
static int load_existing(const struct opts *o, const char *product, bool previous, const struct ms_pubkey *pk,
			 struct um_manifest *m)
{
	struct uc_result res;
	int r = repo_load_signed(o->repo, product, o->channel, previous, pk, m, &res);

	if (r == -ENOENT)
		return 1;
	if (r == -EBADMSG) {
		log_error("existing %s%s manifest of %s/%s does not verify with this key (%s check: %s); "
			  "fix or remove it by hand", previous ? "previous " : "", "channel", product, o->channel,
			  uc_check_name(res.check), res.msg);
		return r;
	}
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the existing manifest of %s/%s", product, o->channel);
	return 0;
}

static int publish(const struct opts *o)
{
	struct ms_seckey sk;
	struct ms_pubkey pk;
	struct um_manifest *m = NULL, *cur = NULL, *prev = NULL;
	struct ur_files f;
	char err[UM_ERR_MAX];
	const char *files[3 + 2 * UM_MAX_ENVS];
	const struct um_artifact *arts[3 + 2 * UM_MAX_ENVS];
	size_t n = 0;
	bool have_prev = false;
	int r;

	if (!o->keys || !o->release || !o->channel || !o->repo) {
		log_error("publishing needs --keys, --release, --channel and --repo (see --help)");
		return -EINVAL;
	}
	if (!um_name_valid(o->channel)) {
		log_error("invalid channel name \"%s\": use [a-z0-9-]", o->channel);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	cur = calloc(1, sizeof(*cur));
	prev = calloc(1, sizeof(*prev));
	if (!m || !cur || !prev) {
		r = log_errno(LOG_LVL_ERROR, -ENOMEM, "out of memory");
		goto out;
	}
	r = load_keys(o->keys, &sk, &pk);
	if (r < 0)
		goto out;
	r = ur_load(o->release, m, &f, err);
	if (r == -EBADMSG) {
		log_error("release %s refused: %s", o->release, err);
		goto out;
	}
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot read %s/release.json", o->release);
		goto out;
	}
	files[n] = f.root, arts[n++] = &m->root;
	files[n] = f.verity, arts[n++] = &m->verity_tree;
	files[n] = f.uki, arts[n++] = &m->uki;
	for (size_t i = 0; i < m->n_envs; i++) {
		files[n] = f.env_image[i], arts[n++] = &m->envs[i].image;
		files[n] = f.env_hash[i], arts[n++] = &m->envs[i].hash;
	}
	for (size_t i = 0; i < n; i++) {
		r = ur_check_file(o->release, files[i], arts[i], err);
		if (r == -EBADMSG) {
			log_error("release %s refused: %s", o->release, err);
			goto out;
		}
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot read %s/%s", o->release, files[i]);
			goto out;
		}
	}
	{
		_cleanup_free_ char *vp = NULL;

		if (asprintf(&vp, "%s/%s", o->release, f.verity) < 0) {
			r = -ENOMEM;
			goto out;
		}
		m->verity.superblock = has_superblock(vp);
		for (size_t i = 0; i < m->n_envs; i++) {
			free(vp);
			vp = NULL;
			if (asprintf(&vp, "%s/%s", o->release, f.env_hash[i]) < 0) {
				r = -ENOMEM;
				goto out;
			}
			m->envs[i].verity.superblock = has_superblock(vp);
		}
	}
	snprintf(m->channel, sizeof(m->channel), "%s", o->channel);
	m->issued_at = o->now;
	m->rollout_percent = o->rollout;

	r = load_existing(o, m->product, false, &pk, cur);
	if (r < 0)
		goto out;
	if (r == 0) {
		int c = um_version_cmp(m->version, cur->version);

		if (c < 0) {
			log_error("channel %s/%s is at version %s; publishing %s would move it backwards (devices refuse "
				  "rollbacks anyway)", m->product, m->channel, cur->version, m->version);
			r = -EBADMSG;
			goto out;
		}
		if (m->security_version < cur->security_version) {
			log_error("security version %llu is below the channel's current %llu",
				  (unsigned long long)m->security_version, (unsigned long long)cur->security_version);
			r = -EBADMSG;
			goto out;
		}
		if (cur->issued_at > m->issued_at)
			m->issued_at = cur->issued_at; /* issued-at never goes backwards */
		if (c > 0) {
			*prev = *cur;
			have_prev = true;
		} else {
			r = load_existing(o, m->product, true, &pk, prev);
			if (r < 0)
				goto out;
			have_prev = r == 0;
		}
	}
	m->expires = m->issued_at + o->expires;
	r = um_validate(m, err);
	if (r < 0) {
		log_error("release %s refused: %s", o->release, err);
		goto out;
	}
	r = repo_install_files(o->repo, m, o->release, files, arts, n, err);
	if (r == -EBADMSG) {
		log_error("refused: %s", err);
		goto out;
	}
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot copy the artifacts into %s", o->repo);
		goto out;
	}
	if (have_prev) {
		/* Re-signed with the same issued-at and expiry as the current one. */
		prev->issued_at = m->issued_at;
		prev->expires = m->expires;
		r = repo_write_signed(o->repo, prev, true, &sk);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot write the previous manifest of %s/%s", m->product, m->channel);
			goto out;
		}
	}
	r = repo_write_signed(o->repo, m, false, &sk);
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot write the manifest of %s/%s", m->product, m->channel);
		goto out;
	}
	print_result(o, m, "published");
out:
	ms_seckey_wipe(&sk);
	free(m);
	free(cur);
	free(prev);
	return r;
}

static int refresh(const struct opts *o)
{
	struct ms_seckey sk;
	struct ms_pubkey pk;
	struct um_manifest *cur = NULL, *prev = NULL;
	uint64_t issued;
	int r, hp;

	if (!o->keys || !o->repo || !o->product || !o->channel) {
		log_error("refresh needs --keys, --repo, --product and --channel (see --help)");
		return -EINVAL;
	}
	if (!um_name_valid(o->product) || !um_name_valid(o->channel)) {
		log_error("invalid product or channel name");
		return -EINVAL;
	}
	cur = calloc(1, sizeof(*cur));
	prev = calloc(1, sizeof(*prev));
	if (!cur || !prev) {
		r = -ENOMEM;
		goto out;
	}
	r = load_keys(o->keys, &sk, &pk);
	if (r < 0)
		goto out;
	r = load_existing(o, o->product, false, &pk, cur);
	if (r == 1) {
		log_error("channel %s/%s has no manifest in %s: publish a release first", o->product, o->channel, o->repo);
		r = -ENOENT;
		goto out;
	}
	if (r < 0)
		goto out;
	hp = load_existing(o, o->product, true, &pk, prev);
	if (hp < 0) {
		r = hp;
		goto out;
	}
	issued = o->now > cur->issued_at ? o->now : cur->issued_at;
	if (hp == 0) {
		prev->issued_at = issued;
		prev->expires = issued + o->expires;
		r = repo_write_signed(o->repo, prev, true, &sk);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot re-sign the previous manifest");
			goto out;
		}
	}
	cur->issued_at = issued;
	cur->expires = issued + o->expires;
	r = repo_write_signed(o->repo, cur, false, &sk);
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot re-sign the manifest");
		goto out;
	}
	print_result(o, cur, "refreshed");
out:
	ms_seckey_wipe(&sk);
	free(cur);
	free(prev);
	return r;
}

int main(int argc, char **argv)
{
	enum { O_KEYS = 256, O_RELEASE, O_CHANNEL, O_PRODUCT, O_REPO, O_EXPIRES, O_ROLLOUT, O_NOW, O_JSON, O_VERSION };
	static const struct option lo[] = {
		{ "keys", required_argument, NULL, O_KEYS },
		{ "release", required_argument, NULL, O_RELEASE },
		{ "channel", required_argument, NULL, O_CHANNEL },
		{ "product", required_argument, NULL, O_PRODUCT },
		{ "repo", required_argument, NULL, O_REPO },
		{ "expires", required_argument, NULL, O_EXPIRES },
		{ "rollout", required_argument, NULL, O_ROLLOUT },
		{ "now", required_argument, NULL, O_NOW },
		{ "json", no_argument, NULL, O_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .expires = 7 * 86400, .rollout = 100, .now = (uint64_t)time(NULL) };
	const char *verb = "publish";
	uint64_t u;
	int c, r;

	log_set_program("rempart-publish");
	log_level_from_env();
	if (argc > 1 && argv[1][0] != '-') {
		verb = argv[1];
		argv++;
		argc--;
	}
	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case O_KEYS: o.keys = optarg; break;
		case O_RELEASE: o.release = optarg; break;
		case O_CHANNEL: o.channel = optarg; break;
		case O_PRODUCT: o.product = optarg; break;
		case O_REPO: o.repo = optarg; break;
		case O_EXPIRES:
			if (parse_duration(optarg, &o.expires) < 0 || o.expires == 0 || o.expires > 366 * 86400) {
				log_error("invalid --expires \"%s\": N[s|m|h|d], at most 366d", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_ROLLOUT:
			if (parse_u64_range(optarg, 0, 100, &u) < 0) {
				log_error("invalid --rollout \"%s\": 0..100", optarg);
				return EXIT_USAGE;
			}
			o.rollout = (uint32_t)u;
			break;
		case O_NOW:
			if (parse_u64_range(optarg, 1, (uint64_t)INT32_MAX * 4, &o.now) < 0) {
				log_error("invalid --now \"%s\"", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_JSON: o.json = true; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return EXIT_OK;
		case O_VERSION: puts("rempart-publish " REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(verb, "publish") == 0)
		r = publish(&o);
	else if (strcmp(verb, "refresh") == 0)
		r = refresh(&o);
	else if (strcmp(verb, "keygen") == 0)
		r = keygen(&o);
	else {
		log_error("unknown command \"%s\" (publish, refresh, keygen)", verb);
		return EXIT_USAGE;
	}
	return r < 0 ? exit_for(r) : EXIT_OK;
}
