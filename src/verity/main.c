/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-verity: build and check dm-verity hash trees (veritysetup format). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "progress.h"
#include "uuid.h"
#include "verity.h"

enum {
	EXIT_OK = 0,
	EXIT_CORRUPT = 1,
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
};

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  rempart-verity format [OPTIONS] DATA HASH\n"
	      "  rempart-verity verify [OPTIONS] DATA HASH ROOTHASH\n"
	      "  rempart-verity dump [--json] HASH\n"
	      "\n"
	      "Builds and checks dm-verity hash trees, on-disk compatible with veritysetup.\n"
	      "\n"
	      "Options:\n"
	      "  --salt HEX             salt (default for format: 32 random bytes)\n"
	      "  --no-salt              empty salt\n"
	      "  --uuid UUID            UUID stored in the superblock (default: random)\n"
	      "  --data-block-size N    data block size in bytes (default 4096)\n"
	      "  --hash-block-size N    hash block size in bytes (default 4096)\n"
	      "  --data-blocks N        use only the first N data blocks\n"
	      "  --hash-offset N        byte offset of the superblock/tree in HASH\n"
	      "  --hash NAME            digest: sha256 (default), sha512, sha384, sha224, sha1\n"
	      "  --no-superblock        no superblock (verify then needs every parameter)\n"
	      "  --threads N            hashing threads (default: one per CPU)\n"
	      "  --json                 machine-readable output on stdout\n"
	      "  -v, --verbose          debug messages\n"
	      "  -h, --help             this help\n"
	      "  --version              print the version\n"
	      "\n"
	      "Exit status: 0 success; 1 verification found corruption (the first bad\n"
	      "block is named); 2 invalid usage or input; 3 system error (I/O, memory).\n",
	      f);
}

struct opts {
	struct rv_params p;
	bool salt_set, uuid_set, json;
	bool set_dbs, set_hbs, set_hash, set_blocks;
};

static int exit_for(int r)
{
	switch (r) {
	case -EBADMSG:
		return EXIT_CORRUPT;
	case -EINVAL: case -ERANGE: case -EOPNOTSUPP: case -EPROTONOSUPPORT:
	case -EEXIST: case -ENODATA: case -EMEDIUMTYPE: case -ENOSPC:
		return EXIT_USAGE;
	default:
		return EXIT_SYSTEM;
	}
}

static void print_params(const struct rv_params *p, const char *hash_path, const uint8_t *root,
			 size_t root_len, bool json)
{
	char uuid[UUID_STR_LEN];
	char salt[2 * RV_MAX_SALT + 1], roothex[2 * RV_MAX_DIGEST + 1];
	uint64_t hsize = 0;

	uuid_format(p->uuid, uuid);
	hex_encode(p->salt, p->salt_size, salt);
	if (root)
		hex_encode(root, root_len, roothex);
	(void)rv_hash_device_size(p, &hsize);
	if (json) {
		struct json j;

		json_init(&j, stdout, false);
		json_obj_begin(&j);
		if (root)
			json_kv_str(&j, "root_hash", roothex);
		json_kv_str(&j, "hash_algorithm", p->hash_name);
		json_kv_u64(&j, "hash_type", p->hash_type);
		json_kv_u64(&j, "data_block_size", p->data_block_size);
		json_kv_u64(&j, "hash_block_size", p->hash_block_size);
		json_kv_u64(&j, "data_blocks", p->data_blocks);
		json_kv_u64(&j, "hash_offset", p->hash_area_offset);
		json_kv_u64(&j, "hash_device_size", hsize);
		json_kv_str(&j, "salt", salt);
		json_kv_bool(&j, "superblock", p->superblock);
		if (p->superblock)
			json_kv_str(&j, "uuid", uuid);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	printf("VERITY header information for %s\n", hash_path);
	if (p->superblock)
		printf("UUID:             %s\n", uuid);
	printf("Hash type:        %u\n", p->hash_type);
	printf("Data blocks:      %llu\n", (unsigned long long)p->data_blocks);
	printf("Data block size:  %u\n", p->data_block_size);
	printf("Hash block size:  %u\n", p->hash_block_size);
	printf("Hash algorithm:   %s\n", p->hash_name);
	printf("Salt:             %s\n", p->salt_size ? salt : "-");
	printf("Hash device size: %llu\n", (unsigned long long)hsize);
	if (root)
		printf("Root hash:        %s\n", roothex);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_SALT = 256, O_NOSALT, O_UUID, O_DBS, O_HBS, O_BLOCKS, O_HOFF, O_HASH, O_NOSB,
	       O_THREADS, O_JSON, O_VERSION };
	static const struct option lo[] = {
		{ "salt", required_argument, NULL, O_SALT },
		{ "no-salt", no_argument, NULL, O_NOSALT },
		{ "uuid", required_argument, NULL, O_UUID },
		{ "data-block-size", required_argument, NULL, O_DBS },
		{ "hash-block-size", required_argument, NULL, O_HBS },
		{ "data-blocks", required_argument, NULL, O_BLOCKS },
		{ "hash-offset", required_argument, NULL, O_HOFF },
		{ "hash", required_argument, NULL, O_HASH },
		{ "no-superblock", no_argument, NULL, O_NOSB },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "json", no_argument, NULL, O_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	rv_params_default(&o->p);
	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		size_t len;
		uint32_t u32;
		uint64_t u64;

		switch (c) {
		case O_SALT:
			if (strcmp(optarg, "-") == 0) {
				o->p.salt_size = 0;
			} else if (hex_decode(optarg, o->p.salt, sizeof(o->p.salt), &len) < 0) {
				log_error("--salt '%s': expected an even number of hex digits, at most %d bytes",
					  optarg, RV_MAX_SALT);
				return -EINVAL;
			} else {
				o->p.salt_size = (uint16_t)len;
			}
			o->salt_set = true;
			break;
		case O_NOSALT:
			o->p.salt_size = 0;
			o->salt_set = true;
			break;
		case O_UUID:
			if (uuid_parse(optarg, o->p.uuid) < 0) {
				log_error("--uuid '%s': not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", optarg);
				return -EINVAL;
			}
			o->uuid_set = true;
			break;
		case O_DBS:
		case O_HBS:
			if (parse_u32(optarg, &u32) < 0 || !is_power_of_two(u32) || u32 < RV_MIN_BLOCK ||
			    u32 > RV_MAX_BLOCK) {
				log_error("%s '%s': expected a power of two from %u to %u",
					  c == O_DBS ? "--data-block-size" : "--hash-block-size", optarg,
					  RV_MIN_BLOCK, RV_MAX_BLOCK);
				return -EINVAL;
			}
			if (c == O_DBS) {
				o->p.data_block_size = u32;
				o->set_dbs = true;
			} else {
				o->p.hash_block_size = u32;
				o->set_hbs = true;
			}
			break;
		case O_BLOCKS:
			if (parse_u64_range(optarg, 1, UINT64_MAX, &u64) < 0) {
				log_error("--data-blocks '%s': expected a positive integer", optarg);
				return -EINVAL;
			}
			o->p.data_blocks = u64;
			o->set_blocks = true;
			break;
		case O_HOFF:
			if (parse_u64(optarg, &u64) < 0 || u64 % 512) {
				log_error("--hash-offset '%s': expected a multiple of 512", optarg);
				return -EINVAL;
			}
			o->p.hash_area_offset = u64;
			break;
		case O_HASH:
			if (strlen(optarg) >= sizeof(o->p.hash_name)) {
				log_error("--hash '%s': unknown digest", optarg);
				return -EINVAL;
			}
			strcpy(o->p.hash_name, optarg);
			if (rv_digest_size(&o->p) < 0) {
				log_error("--hash '%s': unsupported digest (sha256, sha512, sha384, sha224, sha1)",
					  optarg);
				return -EINVAL;
			}
			o->set_hash = true;
			break;
		case O_NOSB:
			o->p.superblock = false;
			break;
		case O_THREADS:
			if (parse_u32(optarg, &u32) < 0 || u32 < 1 || u32 > 64) {
				log_error("--threads '%s': expected 1 to 64", optarg);
				return -EINVAL;
			}
			o->p.threads = u32;
			break;
		case O_JSON:
			o->json = true;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case O_VERSION:
			printf("rempart-verity %s\n", REMPART_VERSION);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	return 0;
}

/* Pre-flight checks on DATA with messages a user can act on. */
static int check_data(const char *path, const struct rv_params *p)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t size;
	int r;

	if (fd < 0)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot open data device %s", path);
	r = fd_get_size(fd, &size);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot get the size of %s", path);
	if (size == 0) {
		log_error("data device %s is empty", path);
		return -ENODATA;
	}
	if (p->data_blocks == 0 && size % p->data_block_size) {
		log_error("data device %s: size %llu is not a multiple of the data block size %u "
			  "(pad it, or use --data-blocks)",
			  path, (unsigned long long)size, p->data_block_size);
		return -EINVAL;
	}
	if (p->data_blocks && p->data_blocks > size / p->data_block_size) {
		log_error("data device %s holds %llu blocks, fewer than --data-blocks %llu", path,
			  (unsigned long long)(size / p->data_block_size),
			  (unsigned long long)p->data_blocks);
		return -ENOSPC;
	}
	return 0;
}

static int check_distinct(const char *data, const char *hash)
{
	struct stat a, b;

	if (stat(data, &a) < 0 || stat(hash, &b) < 0)
		return 0;
	if ((S_ISBLK(a.st_mode) && S_ISBLK(b.st_mode) && a.st_rdev == b.st_rdev) ||
	    (a.st_dev == b.st_dev && a.st_ino == b.st_ino)) {
		log_error("DATA and HASH are the same file (%s, %s): the tree would overwrite the data",
			  data, hash);
		return -EEXIST;
	}
	return 0;
}

static int cmd_format(struct opts *o, int argc, char **argv)
{
	uint8_t root[RV_MAX_DIGEST];
	size_t root_len = 0;
	struct progress pr;
	int r;

	if (argc != 2) {
		log_error("format needs DATA and HASH (see --help)");
		return -EINVAL;
	}
	if (!o->salt_set) {
		o->p.salt_size = 32;
		if (getrandom(o->p.salt, 32, 0) != 32)
			return log_errno(LOG_LVL_ERROR, -errno, "getrandom");
	}
	if (!o->uuid_set && o->p.superblock) {
		r = uuid_random(o->p.uuid);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot generate a UUID");
	}
	r = check_data(argv[0], &o->p);
	if (r < 0)
		return r;
	r = check_distinct(argv[0], argv[1]);
	if (r < 0)
		return r;
	progress_begin(&pr, "hashing", 0);
	r = rv_format(argv[0], argv[1], &o->p, root, &root_len, progress_cb_adapter, &pr);
	progress_end(&pr);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write the hash tree of %s to %s (nothing written)",
				 argv[0], argv[1]);
	print_params(&o->p, argv[1], root, root_len, o->json);
	return 0;
}

static void report_corruption(const struct rv_report *rep, const struct rv_params *p, const char *data,
			      const char *hash, bool json)
{
	const char *what;

	switch (rep->problem) {
	case RV_DATA_CORRUPT:
		what = "data block is corrupt";
		log_error("verification failed: data block %llu of %s (byte offset %llu) does not match its hash",
			  (unsigned long long)rep->block, data,
			  (unsigned long long)(rep->block * p->data_block_size));
		break;
	case RV_HASH_CORRUPT:
		what = "hash block is corrupt";
		log_error("verification failed: hash block %llu of %s (tree level %u, byte offset %llu) "
			  "does not match its parent",
			  (unsigned long long)rep->block, hash, rep->level,
			  (unsigned long long)(rep->block * p->hash_block_size));
		break;
	case RV_HASH_SPARE:
		what = "hash block has non-zero spare area";
		log_error("verification failed: hash block %llu of %s has non-zero bytes in its unused area",
			  (unsigned long long)rep->block, hash);
		break;
	case RV_ROOT_MISMATCH:
		what = "root hash mismatch";
		log_error("verification failed: the top of the tree in %s does not hash to the given root hash "
			  "(wrong root hash, or hash block %llu is corrupt)",
			  hash, (unsigned long long)rep->block);
		break;
	case RV_HASH_TRUNCATED:
		what = "hash device truncated";
		log_error("verification failed: %s is truncated: it ends at hash block %llu, before the end of the tree",
			  hash, (unsigned long long)rep->block);
		break;
	case RV_DATA_TRUNCATED:
		what = "data device truncated";
		log_error("verification failed: %s is truncated: it ends at data block %llu of %llu",
			  data, (unsigned long long)rep->block, (unsigned long long)p->data_blocks);
		break;
	default:
		what = "unknown";
		break;
	}
	if (json) {
		struct json j;

		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_bool(&j, "verified", false);
		json_kv_str(&j, "problem", rv_problem_str(rep->problem));
		json_kv_str(&j, "message", what);
		json_kv_u64(&j, "block", rep->block);
		if (rep->problem == RV_HASH_CORRUPT || rep->problem == RV_HASH_SPARE)
			json_kv_u64(&j, "level", rep->level);
		json_obj_end(&j);
		json_end(&j);
	}
}

static int cmd_verify(struct opts *o, int argc, char **argv)
{
	uint8_t root[RV_MAX_DIGEST];
	struct rv_params want = o->p;
	struct rv_report rep;
	struct progress pr;
	size_t root_len;
	int r;

	if (argc != 3) {
		log_error("verify needs DATA, HASH and ROOTHASH (see --help)");
		return -EINVAL;
	}
	if (hex_decode(argv[2], root, sizeof(root), &root_len) < 0 || root_len == 0) {
		log_error("root hash '%s': expected an even number of hex digits (e.g. 64 for sha256)", argv[2]);
		return -EINVAL;
	}
	r = check_distinct(argv[0], argv[1]);
	if (r < 0)
		return r;
	progress_begin(&pr, "verifying", 0);
	r = rv_verify(argv[0], argv[1], &o->p, root, root_len, &rep, progress_cb_adapter, &pr);
	progress_end(&pr);
	if (r == -EBADMSG && rep.problem != RV_OK) {
		report_corruption(&rep, &o->p, argv[0], argv[1], o->json);
		return r;
	}
	switch (r) {
	case 0:
		break;
	case -EBADMSG:
		log_error("%s: bad superblock magic (not a verity hash device, or wrong --hash-offset)", argv[1]);
		return -EINVAL;
	case -EPROTONOSUPPORT:
		log_error("%s: unsupported superblock version (only version 1 exists)", argv[1]);
		return r;
	case -EOPNOTSUPP:
		log_error("%s: unsupported hash type or algorithm in the superblock", argv[1]);
		return r;
	case -ERANGE:
		log_error("%s: invalid block size, salt size or block count in the superblock", argv[1]);
		return r;
	case -ENODATA:
		log_error("%s: too short to hold a superblock", argv[1]);
		return r;
	case -EMEDIUMTYPE:
		log_error("root hash '%s' has %zu bytes; %s digests have %d", argv[2], root_len, o->p.hash_name,
			  rv_digest_size(&o->p));
		return -EINVAL;
	case -EINVAL:
		log_error("%s: size is not a multiple of the data block size %u", argv[0], o->p.data_block_size);
		return r;
	default:
		return log_errno(LOG_LVL_ERROR, r, "cannot verify %s against %s", argv[0], argv[1]);
	}
	if (o->p.superblock && ((o->set_dbs && want.data_block_size != o->p.data_block_size) ||
				(o->set_hbs && want.hash_block_size != o->p.hash_block_size) ||
				(o->set_hash && strcmp(want.hash_name, o->p.hash_name) != 0) ||
				(o->salt_set && (want.salt_size != o->p.salt_size ||
						 memcmp(want.salt, o->p.salt, want.salt_size) != 0)))) {
		log_error("the tree verifies, but its superblock parameters differ from the options given");
		return -EINVAL;
	}
	if (o->json) {
		struct json j;
		char hex[2 * RV_MAX_DIGEST + 1];

		hex_encode(root, root_len, hex);
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_bool(&j, "verified", true);
		json_kv_str(&j, "root_hash", hex);
		json_kv_u64(&j, "data_blocks", o->p.data_blocks);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Verification of %s against %s: OK (%llu data blocks)\n", argv[0], argv[1],
		       (unsigned long long)o->p.data_blocks);
	}
	return 0;
}

static int cmd_dump(struct opts *o, int argc, char **argv)
{
	_cleanup_close_ int fd = -1;
	uint8_t sb[RV_SB_SIZE];
	int r;

	if (argc != 1) {
		log_error("dump needs HASH (see --help)");
		return -EINVAL;
	}
	fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot open %s", argv[0]);
	r = pread_full(fd, sb, sizeof(sb), (off_t)o->p.hash_area_offset);
	if (r < 0) {
		log_error("%s: too short to hold a superblock", argv[0]);
		return -ENODATA;
	}
	r = rv_superblock_parse(sb, sizeof(sb), &o->p);
	if (r < 0) {
		log_error("%s: invalid verity superblock (%s)", argv[0],
			  r == -EBADMSG ? "bad magic" : r == -EPROTONOSUPPORT ? "unsupported version" :
			  r == -EOPNOTSUPP ? "unsupported hash type or algorithm" : "bad block size, salt or block count");
		return r == -EBADMSG ? -EINVAL : r;
	}
	print_params(&o->p, argv[0], NULL, 0, o->json);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *cmd;
	int r;

	log_set_program("rempart-verity");
	log_level_from_env();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("rempart-verity %s\n", REMPART_VERSION);
		return EXIT_OK;
	}
	r = parse_opts(argc - 1, argv + 1, &o);
	if (r < 0)
		return EXIT_USAGE;
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(cmd, "format") == 0)
		r = cmd_format(&o, argc, argv);
	else if (strcmp(cmd, "verify") == 0)
		r = cmd_verify(&o, argc, argv);
	else if (strcmp(cmd, "dump") == 0)
		r = cmd_dump(&o, argc, argv);
	else {
		log_error("unknown command '%s' (format, verify, dump; see --help)", cmd);
		return EXIT_USAGE;
	}
	return r < 0 ? exit_for(r) : EXIT_OK;
}
