/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-diode: one-way file passing between levels, encrypting diode. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "diode.h"
#include "json.h"
#include "log.h"
#include "parse.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_SYSTEM = 3 };

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  rempart-diode pass --from OUTBOX --to INBOX --direction up|down [OPTIONS]\n"
	      "  rempart-diode keygen --public FILE --secret FILE\n"
	      "\n"
	      "Moves every regular file of OUTBOX (the sending level's) into INBOX (the\n"
	      "receiving level's), one way (docs/diode.md). Symbolic links, hard links,\n"
	      "devices, FIFOs and sockets are refused; names are sanitised; files arrive\n"
	      "atomically and never replace an existing one.\n"
	      "\n"
	      "Options of pass:\n"
	      "  --direction up|down    up: low to high; down: high to low, needs --confirm\n"
	      "  --confirm PROGRAM      run PROGRAM NAME SIZE with the content on stdin for\n"
	      "                         each file; exit 0 releases it\n"
	      "  --max-size SIZE        per-file limit (K/M/G suffix; default 64M)\n"
	      "  --max-files N          files per run (default 100); the rest stay\n"
	      "  --owner UID:GID        owner of the delivered files\n"
	      "  --keep                 leave delivered files in the outbox\n"
	      "  --encrypt-to PUBFILE   seal each file to this recipient key (adds .rdiode)\n"
	      "  --decrypt-with SECFILE open .rdiode files; only verified content is released\n"
	      "  --json                 per-file results on stdout\n"
	      "  -v, --verbose          debug messages\n"
	      "  -h, --help             this help\n"
	      "  --version              print the version\n"
	      "\n"
	      "Exit status: 0 every file delivered (or none waiting); 1 some files were\n"
	      "refused (each is named on stderr); 2 invalid usage or configuration (for\n"
	      "example down without --confirm, overlapping boxes, unusable key); 3 system error.\n",
	      f);
}

struct ctx {
	struct json j;
	bool json;
};

static void printable(const char *in, char *out, size_t n)
{
	size_t o = 0;

	for (; *in && o + 1 < n; in++)
		out[o++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
	out[o] = '\0';
}

static void report(void *userdata, const struct diode_file *f)
{
	struct ctx *c = userdata;
	char name[512];

	printable(f->name, name, sizeof(name));
	if (c->json) {
		json_obj_begin(&c->j);
		json_kv_str(&c->j, "name", f->name);
		json_kv_u64(&c->j, "size", f->size);
		json_kv_bool(&c->j, "delivered", f->result == 0);
		if (f->result == 0)
			json_kv_str(&c->j, "as", f->delivered);
		else {
			json_kv_str(&c->j, "reason", f->reason);
			json_kv_str(&c->j, "error", strerror(-f->result));
		}
		json_obj_end(&c->j);
	}
	if (f->result == 0) {
		if (!c->json)
			printf("delivered %s as %s (%llu bytes)\n", name, f->delivered, (unsigned long long)f->size);
	} else {
		log_error("refused '%s': %s (%s)", name, f->reason, strerror(-f->result));
	}
}

static int parse_owner(const char *s, uid_t *u, gid_t *g)
{
	char buf[32];
	char *colon;
	uint32_t a, b;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (parse_u32(buf, &a) < 0 || parse_u32(colon + 1, &b) < 0 || a >= 65535 || b >= 65535)
		return -EINVAL;
	*u = a;
	*g = b;
	return 0;
}

static int cmd_keygen(const char *pub, const char *sec)
{
	uint8_t pk[RD_KEY_LEN], sk[RD_KEY_LEN];
	int r;

	if (!pub || !sec) {
		log_error("keygen needs --public FILE and --secret FILE");
		return EXIT_USAGE;
	}
	r = rd_keygen(pk, sk);
	if (r == 0)
		r = rd_key_write(sec, sk, 1);
	sodium_memzero(sk, sizeof(sk));
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot write the secret key %s", sec);
		return EXIT_SYSTEM;
	}
	r = rd_key_write(pub, pk, 0);
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot write the public key %s", pub);
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	enum { OPT_VERSION = 256, OPT_FROM, OPT_TO, OPT_DIR, OPT_CONFIRM, OPT_MAXS, OPT_MAXF, OPT_OWNER, OPT_KEEP,
	       OPT_ENC, OPT_DEC, OPT_JSON, OPT_PUB, OPT_SEC };
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "direction", required_argument, NULL, OPT_DIR },
		{ "confirm", required_argument, NULL, OPT_CONFIRM },
		{ "max-size", required_argument, NULL, OPT_MAXS },
		{ "max-files", required_argument, NULL, OPT_MAXF },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "encrypt-to", required_argument, NULL, OPT_ENC },
		{ "decrypt-with", required_argument, NULL, OPT_DEC },
		{ "public", required_argument, NULL, OPT_PUB },
		{ "secret", required_argument, NULL, OPT_SEC },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct diode_opts o = { .max_size = 64ull << 20, .max_files = 100, .owner = (uid_t)-1, .group = (gid_t)-1 };
	const char *enc = NULL, *dec = NULL, *pub = NULL, *sec = NULL, *what = "";
	bool dir_set = false;
	struct ctx c = { .json = false };
	uint64_t v;
	int ch, r;

	log_set_program("rempart-diode");
	log_level_from_env();
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_FROM: o.outbox = optarg; break;
		case OPT_TO: o.inbox = optarg; break;
		case OPT_DIR:
			if (strcmp(optarg, "up") == 0)
				o.direction = DIODE_UP;
			else if (strcmp(optarg, "down") == 0)
				o.direction = DIODE_DOWN;
			else {
				log_error("--direction is up (low to high) or down (high to low)");
				return EXIT_USAGE;
			}
			dir_set = true;
			break;
		case OPT_CONFIRM: o.confirm = optarg; break;
		case OPT_MAXS:
			if (parse_size(optarg, &o.max_size) < 0 || o.max_size == 0) {
				log_error("invalid --max-size %s", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_MAXF:
			if (parse_u64_range(optarg, 1, 65536, &v) < 0) {
				log_error("--max-files must be in 1..65536");
				return EXIT_USAGE;
			}
			o.max_files = (unsigned)v;
			break;
		case OPT_OWNER:
			if (parse_owner(optarg, &o.owner, &o.group) < 0) {
				log_error("--owner takes UID:GID");
				return EXIT_USAGE;
			}
			break;
		case OPT_KEEP: o.keep = true; break;
		case OPT_ENC: enc = optarg; break;
		case OPT_DEC: dec = optarg; break;
		case OPT_PUB: pub = optarg; break;
		case OPT_SEC: sec = optarg; break;
		case OPT_JSON: c.json = true; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return EXIT_OK;
		case OPT_VERSION: printf("rempart-diode %s\n", REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "keygen") == 0)
		return cmd_keygen(pub, sec);
	if (strcmp(argv[optind], "pass") != 0) {
		log_error("unknown command '%s' (pass or keygen)", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o.outbox || !o.inbox || !dir_set) {
		log_error("pass needs --from OUTBOX, --to INBOX and --direction up|down");
		return EXIT_USAGE;
	}
	if (enc && dec) {
		log_error("--encrypt-to and --decrypt-with are exclusive");
		return EXIT_USAGE;
	}
	if (enc) {
		r = rd_key_read(enc, o.pk, 0);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot use the recipient public key %s (64 hex digits and a newline)",
				  enc);
			return EXIT_USAGE;
		}
		o.encrypt = true;
	}
	if (dec) {
		r = rd_key_read(dec, o.sk, 1);
		if (r == 0)
			r = rd_public_from_secret(o.sk, o.pk);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot use the secret key %s (64 hex digits, mode 0600 or stricter)",
				  dec);
			sodium_memzero(o.sk, sizeof(o.sk));
			return EXIT_USAGE;
		}
		o.decrypt = true;
	}
	if (c.json) {
		json_init(&c.j, stdout, false);
		json_obj_begin(&c.j);
		json_key(&c.j, "files");
		json_arr_begin(&c.j);
	}
	r = diode_pass(&o, report, &c, &what);
	sodium_memzero(o.sk, sizeof(o.sk));
	if (c.json) {
		json_arr_end(&c.j);
		json_kv_i64(&c.j, "refused", r < 0 ? -1 : r);
		json_obj_end(&c.j);
		json_end(&c.j);
	}
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "diode %s -> %s: %s", o.outbox, o.inbox, what);
		return r == -EPERM || r == -EINVAL || r == -ENOTDIR || r == -ELOOP || r == -ENOENT ? EXIT_USAGE
													: EXIT_SYSTEM;
	}
	return r > 0 ? EXIT_REFUSED : EXIT_OK;
}
