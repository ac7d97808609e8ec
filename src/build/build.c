/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart build: product -> rootfs -> squashfs -> verity -> initramfs ->
 * UKI -> signed ESP -> GPT image, OVMF variables with our keys, manifests. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "exec.h"
#include "fileio.h"
#include "hex.h"
#include "keys.h"
#include "log.h"
#include "parse.h"

static const char *const product_keys[] = {
	"name", "pretty_name", "suite", "kernel_package", "security_version", "hardware", "version",
	"esp_size_mib", "root_size_mib", "verity_size_mib", "state_size_mib", NULL,
};

static void usage(FILE *f)
{
	fputs("Usage: rempart build [OPTIONS]\n"
	      "\n"
	      "Builds the signed, verified disk image of a product.\n"
	      "\n"
	      "  --product DIR            product directory (default products/rempart)\n"
	      "  --keys DIR               key set from 'rempart keys init' (default keys)\n"
	      "  --out DIR                output directory (default out)\n"
	      "  --version V              release version, dotted decimal (default: product.conf)\n"
	      "  --security-version N     override the product's security version\n"
	      "  --release                release build (no console login); default: development\n"
	      "  --source-date-epoch N    timestamp of every file (default: $SOURCE_DATE_EPOCH,\n"
	      "                           else the commit time of the source tree's HEAD)\n"
	      "  --cmdline-extra S        append S to the kernel command line (tests)\n"
	      "  --extra-db CERT          also enroll this PEM certificate in db (repeatable, at most 4;\n"
	      "                           e.g. a third-party CA as on real machines)\n"
	      "  --update-server URL      the update server built into /etc/rempart/update.conf\n"
	      "                           (https://..., default: the product's update/update.conf)\n"
	      "  --dev-update-direct A.B.C.D:PORT\n"
	      "                           development builds only: rempart-update runs outside the\n"
	      "                           IPsec namespace and the outer nftables ruleset allows TCP\n"
	      "                           with A.B.C.D:PORT (the VM update suite's server behind\n"
	      "                           QEMU's user network, which carries no IKE; docs/net.md)\n"
	      "  --reuse-rootfs           keep out/work/rootfs from the previous build (development)\n"
	      "  --cache DIR              downloaded packages (default OUT/cache)\n"
	      "  -v, --verbose            debug messages\n"
	      "\n"
	      "Outputs: OUT/disk.img, OUT/OVMF_VARS.fd, OUT/build.json,\n"
	      "         OUT/release/V/{root.squashfs,root.verity,uki.efi,release.json}; tool output in OUT/build.log.\n"
	      "Exit status: 0 success, 1 build failed, 2 usage or configuration error.\n",
	      f);
}

static int tools_dir_from_exe(char **out)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *env = getenv("REMPART_TOOLS_DIR");

	if (env) {
		*out = strdup(env);
		return *out ? 0 : -ENOMEM;
	}
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	/* <build>/src/build/rempart */
	*out = strdup(dirname(dirname(dirname(exe))));
	return *out ? 0 : -ENOMEM;
}

static int git_commit_time(const char *dir, uint64_t *t)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *out = NULL;

	argv_add(&a, "git");
	argv_add(&a, "-C");
	argv_add(&a, dir);
	argv_add(&a, "log");
	argv_add(&a, "-1");
	argv_add(&a, "--format=%ct");
	if (run_capture(&a, &out, 64) < 0)
		return -ENOENT;
	out[strcspn(out, "\n")] = '\0';
	return parse_u64(out, t);
}

static bool version_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 32 || v[0] == '.' || v[n - 1] == '.' || strstr(v, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || v[i] == '.'))
			return false;
	return true;
}

static int verity_step(struct build_ctx *b)
{
	_cleanup_free_ char *squash = pathjoin(b->release_dir, "root.squashfs");
	_cleanup_free_ char *out = pathjoin(b->release_dir, "root.verity");
	uint8_t sha[32];
	int r;

	step_begin("dm-verity hash tree");
	r = sha256_file(squash, sha, NULL);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", squash);
	rv_params_default(&b->verity);
	/* deterministic: salt and UUID derived from the build inputs and the content */
	b->verity.salt_size = 32;
	derive_bytes(b, "verity-salt", sha, sizeof(sha), b->verity.salt, 32);
	derive_bytes(b, "verity-uuid", sha, sizeof(sha), b->verity.uuid, 16);
	b->verity.uuid[6] = (uint8_t)((b->verity.uuid[6] & 0x0f) | 0x40);
	b->verity.uuid[8] = (uint8_t)((b->verity.uuid[8] & 0x3f) | 0x80);
	r = rv_format(squash, out, &b->verity, b->roothash, &b->roothash_len, NULL, NULL);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot build the verity tree of %s", squash);
	step_end();
	return 0;
}

/* Reuses OUT/OVMF_VARS.fd when it was enrolled from the same .auth files. */
/* The db update to enroll: the key set's db.auth, or, with --extra-db, our
 * db certificate plus the extra ones (e.g. a third-party CA as on real
 * machines) in one signature list signed by our KEK, timestamped at
 * SOURCE_DATE_EPOCH (deterministic). */
static int db_auth_step(struct build_ctx *b, char **out)
{
	_cleanup_free_ char *esl = pathjoin(b->work_dir, "db-enroll.esl");
	_cleanup_free_ char *guid_path = pathjoin(b->keys_dir, "owner.guid"), *guid = NULL;
	_cleanup_free_ uint8_t *all = NULL;
	size_t all_len = 0;
	char ts[32];
	time_t t = (time_t)b->sde;
	struct tm tm;
	int r;

	if (b->n_extra_db == 0) {
		*out = pathjoin(b->keys_dir, "db.auth");
		return *out ? 0 : -ENOMEM;
	}
	r = read_text_line(guid_path, 256, &guid);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot read %s", guid_path);
	for (size_t i = 0; i <= b->n_extra_db; i++) {
		_cleanup_free_ char *part = NULL, *dbesl = pathjoin(b->keys_dir, "db.esl");
		_cleanup_free_ uint8_t *buf = NULL;
		uint8_t *n;
		size_t len;

		if (i == 0) {
			part = TAKE_PTR(dbesl);
		} else {
			if (asprintf(&part, "%s/db-extra-%zu.esl", b->work_dir, i) < 0)
				return -ENOMEM;
			r = efi_cert_to_esl(guid, b->extra_db[i - 1], part);
			if (r < 0)
				return log_errno(LOG_LVL_ERROR, r, "--extra-db %s: not a PEM X.509 certificate",
						 b->extra_db[i - 1]);
		}
		r = read_file(part, 1u << 20, &buf, &len);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot read %s", part);
		n = realloc(all, all_len + len);
		if (!n)
			return -ENOMEM;
		all = n;
		memcpy(all + all_len, buf, len);
		all_len += len;
	}
	r = write_file_atomic(esl, all, all_len, 0644);
	if (r < 0)
		return r;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	{
		_cleanup_free_ char *kek = pathjoin(b->keys_dir, "KEK.key"), *kekc = pathjoin(b->keys_dir, "KEK.crt");

		*out = pathjoin(b->work_dir, "db-enroll.auth");
		r = efi_sign_esl(ts, guid, kek, kekc, "db", esl, *out);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot sign the db update with the KEK");
	}
	log_info("db enrolls our certificate and %zu more (--extra-db)", b->n_extra_db);
	return 0;
}

static int vars_step(struct build_ctx *b)
{
	_cleanup_free_ char *vars = pathjoin(b->out_dir, "OVMF_VARS.fd");
	_cleanup_free_ char *stamp = pathjoin(b->out_dir, "OVMF_VARS.fd.keys");
	_cleanup_free_ char *db_auth = NULL;
	_cleanup_free_ uint8_t *old = NULL;
	char want[3 * 65 + 1] = "";
	size_t len;
	int r;

	r = db_auth_step(b, &db_auth);
	if (r < 0)
		return r;
	for (const char *const *v = (const char *const[]){ "db", "KEK", "PK", NULL }; *v; v++) {
		_cleanup_free_ char *p = NULL;
		uint8_t sha[32];
		char hex[65];

		if (strcmp(*v, "db") == 0)
			p = strdup(db_auth);
		else if (asprintf(&p, "%s/%s.auth", b->keys_dir, *v) < 0)
			p = NULL;
		if (!p)
			return -ENOMEM;
		r = sha256_file(p, sha, NULL);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot read %s", p);
		hex_encode(sha, 32, hex);
		strcat(want, hex);
		strcat(want, "\n");
	}
	if (access(vars, R_OK) == 0 && read_file(stamp, 4096, &old, &len) == 0 && strcmp((char *)old, want) == 0) {
		log_debug("reusing %s (same keys)", vars);
		return 0;
	}
	r = build_enroll_vars(b, db_auth, vars);
	if (r < 0)
		return r;
	return write_file_atomic(stamp, want, strlen(want), 0644);
}

static void ctx_free(struct build_ctx *b)
{
	free(b->product_dir);
	free(b->keys_dir);
	free(b->out_dir);
	free(b->version);
	free(b->tools_dir);
	free(b->work_dir);
	free(b->cache_dir);
	free(b->rootfs);
	free(b->kernel_dir);
	free(b->kernel_version);
	free(b->kernel_package);
	free(b->release_dir);
	free(b->approval_b64);
	conf_free(&b->product);
}

int cmd_build(int argc, char **argv)
{
	enum { O_PRODUCT = 256, O_KEYS, O_OUT, O_VERSION, O_SECVER, O_RELEASE, O_SDE, O_EXTRA, O_REUSE, O_CACHE, O_UPDSRV, O_EXTRADB, O_UPDDIRECT };
	static const struct option lo[] = {
		{ "product", required_argument, NULL, O_PRODUCT },
		{ "keys", required_argument, NULL, O_KEYS },
		{ "out", required_argument, NULL, O_OUT },
		{ "version", required_argument, NULL, O_VERSION },
		{ "security-version", required_argument, NULL, O_SECVER },
		{ "release", no_argument, NULL, O_RELEASE },
		{ "source-date-epoch", required_argument, NULL, O_SDE },
		{ "cmdline-extra", required_argument, NULL, O_EXTRA },
		{ "reuse-rootfs", no_argument, NULL, O_REUSE },
		{ "cache", required_argument, NULL, O_CACHE },
		{ "update-server", required_argument, NULL, O_UPDSRV },
		{ "extra-db", required_argument, NULL, O_EXTRADB },
		{ "dev-update-direct", required_argument, NULL, O_UPDDIRECT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct build_ctx b = { .development = true };
	const char *product = "products/rempart", *keys = "keys", *out = "out", *version = NULL;
	const char *secver = NULL, *sde = getenv("SOURCE_DATE_EPOCH"), *extra = NULL, *missing = NULL;
	const char *cache = NULL;
	_cleanup_free_ char *conf_path = NULL, *log = NULL, *initrd = NULL, *uki = NULL, *disk = NULL;
	_cleanup_free_ char *init = NULL;
	bool reuse = false;
	char abs[PATH_MAX];
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case O_PRODUCT: product = optarg; break;
		case O_KEYS: keys = optarg; break;
		case O_OUT: out = optarg; break;
		case O_VERSION: version = optarg; break;
		case O_SECVER: secver = optarg; break;
		case O_RELEASE: b.development = false; break;
		case O_SDE: sde = optarg; break;
		case O_EXTRA: extra = optarg; break;
		case O_REUSE: reuse = true; break;
		case O_CACHE: cache = optarg; break;
		case O_EXTRADB:
			if (b.n_extra_db == BUILD_MAX_EXTRA_DB || access(optarg, R_OK) < 0) {
				log_error("--extra-db %s: %s", optarg,
					  b.n_extra_db == BUILD_MAX_EXTRA_DB ? "at most 4 extra certificates" : strerror(errno));
				return 2;
			}
			b.extra_db[b.n_extra_db++] = optarg;
			break;
		case O_UPDSRV:
			if (strncmp(optarg, "https://", 8) != 0 || strpbrk(optarg, " \t\n#")) {
				log_error("--update-server %s: expected an https:// URL without spaces", optarg);
				return 2;
			}
			b.update_server = optarg;
			break;
		case O_UPDDIRECT:
			/* checked again by rempart-netcfg --direct-tcp on the device */
			if (!*optarg || strspn(optarg, "0123456789.:") != strlen(optarg) || !strchr(optarg, ':') ||
			    strlen(optarg) > 21) {
				log_error("--dev-update-direct %s: expected A.B.C.D:PORT", optarg);
				return 2;
			}
			b.update_direct = optarg;
			break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (b.update_direct && !b.development) {
		log_error("--dev-update-direct: a release build keeps updates inside the IPsec tunnel");
		return 2;
	}
	if (!realpath(product, abs)) {
		log_error("product directory %s: %s", product, strerror(errno));
		return 2;
	}
	b.product_dir = strdup(abs);
	conf_path = pathjoin(b.product_dir, "product.conf");
	r = conf_load(conf_path, &b.product);
	if (r == -EBADMSG) {
		log_error("%s:%u: malformed or duplicate setting", conf_path, b.product.error_line);
		return 2;
	}
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot read %s", conf_path);
		return 2;
	}
	if (conf_unknown_key(&b.product, product_keys)) {
		log_error("%s: unknown setting '%s'", conf_path, conf_unknown_key(&b.product, product_keys));
		goto usage_error;
	}
	for (const char *const *k = product_keys; *k; k++)
		if (!conf_get(&b.product, *k)) {
			log_error("%s: missing setting '%s'", conf_path, *k);
			goto usage_error;
		}
	r = keys_check(keys, &missing);
	if (r < 0) {
		log_error("key set %s is incomplete (%s missing): run 'rempart keys init --dir %s' first", keys,
			  missing, keys);
		goto usage_error;
	}
	b.keys_dir = realpath(keys, NULL);
	if (!version)
		version = product_get(&b, "version");
	if (!version_ok(version)) {
		log_error("version '%s': expected dotted decimal numbers such as 1.2.0", version);
		goto usage_error;
	}
	b.version = strdup(version);
	if (parse_u64(secver ? secver : product_get(&b, "security_version"), &b.security_version) < 0) {
		log_error("security version: expected a non-negative integer");
		goto usage_error;
	}
	if (sde) {
		if (parse_u64(sde, &b.sde) < 0) {
			log_error("source date epoch '%s': expected seconds since 1970", sde);
			goto usage_error;
		}
	} else if (git_commit_time(b.product_dir, &b.sde) < 0) {
		log_error("no SOURCE_DATE_EPOCH and the product is not in a git checkout: pass --source-date-epoch");
		goto usage_error;
	}
	r = mkdir_p(out, 0755);
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot create %s", out);
		goto fail;
	}
	b.out_dir = realpath(out, NULL);
	b.work_dir = pathjoin(b.out_dir, "work");
	if (cache) {
		r = mkdir_p(cache, 0755);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot create %s", cache);
			goto fail;
		}
		b.cache_dir = realpath(cache, NULL);
	} else {
		b.cache_dir = pathjoin(b.out_dir, "cache");
	}
	b.rootfs = pathjoin(b.work_dir, "rootfs");
	b.kernel_dir = pathjoin(b.work_dir, "kernel");
	if (asprintf(&b.release_dir, "%s/release/%s", b.out_dir, b.version) < 0)
		goto fail;
	r = tools_dir_from_exe(&b.tools_dir);
	if (r < 0)
		goto fail;
	if (mkdir_p(b.work_dir, 0755) < 0 || mkdir_p(b.release_dir, 0755) < 0)
		goto fail;
	log = pathjoin(b.out_dir, "build.log");
	unlink(log);
	exec_set_log(log);
	init = find_tool(&b, "rempart-init");
	if (!init) {
		log_error("rempart-init not found under %s/src: build the tools first", b.tools_dir);
		goto fail;
	}
	log_info("building %s %s (%s, SOURCE_DATE_EPOCH=%llu) into %s", product_get(&b, "name"), b.version,
		 b.development ? "development" : "release", (unsigned long long)b.sde, b.out_dir);

	if (reuse && access(b.rootfs, F_OK) == 0)
		log_info("reusing the root filesystem %s", b.rootfs);
	else if (build_rootfs(&b) < 0)
		goto fail;
	if (build_squashfs(&b) < 0 || verity_step(&b) < 0 || build_kernel(&b) < 0)
		goto fail;
	initrd = pathjoin(b.work_dir, "initramfs.cpio");
	uki = pathjoin(b.release_dir, "uki.efi");
	disk = pathjoin(b.out_dir, "disk.img");
	step_begin("initramfs and signed UKI");
	if (build_initramfs(&b, init, initrd) < 0 || build_uki(&b, initrd, uki, extra) < 0)
		goto fail;
	step_end();
	if (build_disk_image(&b, uki, disk) < 0 || vars_step(&b) < 0 || build_manifest(&b) < 0)
		goto fail;
	{
		char hex[2 * RV_MAX_DIGEST + 1];

		hex_encode(b.roothash, b.roothash_len, hex);
		log_info("done: %s (root hash %s)", disk, hex);
	}
	ctx_free(&b);
	return 0;
usage_error:
	ctx_free(&b);
	return 2;
fail:
	if (exec_get_log())
		log_error("build failed; tool output is in %s", exec_get_log());
	ctx_free(&b);
	return 1;
}
