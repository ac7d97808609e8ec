/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-logverify: verifies a rempart-logd store with the verification key. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "store.h"
#include "walk.h"

enum {
	EXIT_OK = 0,
	EXIT_TAMPERED = 1,
	EXIT_USAGE = 2,
	EXIT_IO = 3,
	EXIT_WRONG_KEY = 4,
};

static void usage(FILE *f)
{
	fputs("Usage: rempart-logverify (--key FILE | --key-string KEY) [OPTIONS] STORE_DIR\n"
	      "\n"
	      "Verifies every file of a rempart-logd store: header and record MACs of the\n"
	      "forward-secure MAC chain (AES-256-GMAC), epochs and seals, sequence numbers, file continuity,\n"
	      "retention records, and that the store reaches the sealed position recorded in\n"
	      "its sealing state (and the last entry a collector received, with --anchor).\n"
	      "Prints the first bad entry.\n"
	      "\n"
	      "Options:\n"
	      "  --key FILE            verification key file (from rempart-logd init)\n"
	      "  --key-string KEY      the key itself\n"
	      "  --anchor SEQ:TAG      entry SEQ must exist with this tag (32 hex, the tag=\"\" of the\n"
	      "                        collector's last message): detects truncation after the last seal\n"
	      "  --no-state            the store copy has no sealing state (tail then unanchored)\n"
	      "  --print               print the authenticated entries\n"
	      "  --json                machine-readable result on stdout\n"
	      "  -v, --verbose, -h, --help, --version\n"
	      "\n"
	      "Exit status: 0 verified; 1 tampering or integrity failure (modification,\n"
	      "deletion, insertion, reordering, truncation, re-sealing, unsealed or foreign\n"
	      "file); 2 invalid usage; 3 cannot read the store; 4 the key is not this store's.\n",
	      f);
}

static int print_entry(void *ud, const struct lf_record *rec, uint64_t file, uint64_t off)
{
	struct lf_entry e;
	time_t t = (time_t)(rec->realtime_usec / 1000000u);
	struct tm tm;
	char ts[32];

	(void)ud;
	(void)file;
	(void)off;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (rec->type == LF_ENTRY && lf_entry_decode(rec->payload, rec->len, &e) == 0)
		printf("%" PRIu64 " %s %.*s[%" PRIu32 "]: %.*s\n", rec->seq, ts, (int)e.ident_len, e.ident, e.pid,
		       (int)e.msg_len, (const char *)e.msg);
	else if (rec->type == LF_NOTICE)
		printf("- %s rempart-logd: %.*s\n", ts, (int)rec->len, (const char *)rec->payload);
	else if (rec->type == LF_PRUNE)
		printf("- %s rempart-logd: retention released the files below %016" PRIx64 " (entries up to %" PRIu64
		       ")\n", ts, lf_le64dec(rec->payload), lf_le64dec(rec->payload + 8));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "key-string", required_argument, NULL, 'K' },
		{ "anchor", required_argument, NULL, 'a' },
		{ "no-state", no_argument, NULL, 'n' },
		{ "print", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	_cleanup_free_ uint8_t *keybuf = NULL, *stbuf = NULL;
	_cleanup_close_ int dirfd = -1;
	const char *keyfile = NULL, *keystr = NULL, *dir;
	bool no_state = false, print = false, as_json = false, have_state = false;
	struct walk_ctx ctx = { 0 };
	struct walk_result res;
	struct lf_state st = { 0 };
	size_t len;
	int c, r, rc;

	log_set_program("rempart-logverify");
	log_level_from_env();
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'K': keystr = optarg; break;
		case 'a': {
			char *colon = strchr(optarg, ':');
			size_t outlen;
			if (!colon)
				goto bad_anchor;
			*colon = 0;
			if (parse_u64(optarg, &ctx.anchor.seq) < 0 ||
			    hex_decode(colon + 1, ctx.anchor.tag, LS_TAG_LEN, &outlen) < 0 || outlen != LS_TAG_LEN)
				goto bad_anchor;
			ctx.anchor.seq_set = true;
			break;
		bad_anchor:
			log_error("--anchor wants SEQ:TAG (decimal sequence number, 32 hex digits)");
			return EXIT_USAGE;
		}
		case 'n': no_state = true; break;
		case 'p': print = true; break;
		case 'j': as_json = true; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': puts("rempart-logverify " REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || (!keyfile == !keystr)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	dir = argv[optind];
	if (keyfile) {
		r = read_file(keyfile, 4096, &keybuf, &len);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot read the verification key %s", keyfile);
			return EXIT_USAGE;
		}
		keystr = (const char *)keybuf;
	}
	if (seal_vkey_parse(keystr, &ctx.ids, ctx.key) < 0) {
		log_error("the verification key is malformed (expected rlvk1-...)");
		return EXIT_USAGE;
	}
	if (keybuf)
		secure_wipe(keybuf, len);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		log_errno(LOG_LVL_ERROR, -errno, "cannot open the store %s", dir);
		return EXIT_IO;
	}
	ctx.dirfd = dirfd;
	if (!no_state) {
		_cleanup_free_ char *path = NULL;
		uint8_t k[LS_KEY_LEN];
		char want[33], got[33];

		if (asprintf(&path, "%s/%s", dir, LS_STATE_NAME) < 0)
			return EXIT_IO;
		r = read_file(path, 4096, &stbuf, &len);
		if (r == -ENOENT) {
			log_error("TAMPERED: the sealing state %s is missing, so truncation of sealed entries cannot be "
				  "ruled out (pass --no-state only for a copy made without it)", path);
			return EXIT_TAMPERED;
		}
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot read the sealing state %s", path);
			return EXIT_IO;
		}
		if (lf_state_file_decode(stbuf, len, &st) < 0) {
			log_error("TAMPERED: the sealing state %s is malformed", path);
			return EXIT_TAMPERED;
		}
		secure_wipe(stbuf, len);
		if (memcmp(&st.ids, &ctx.ids, sizeof(st.ids)) != 0) {
			hex_encode(ctx.ids.store_id, LS_ID_LEN, want);
			hex_encode(st.ids.store_id, LS_ID_LEN, got);
			log_error("the verification key is for store %s but %s holds store %s", want, dir, got);
			return EXIT_WRONG_KEY;
		}
		ctx.plain = st.flags & LF_FLAG_PLAIN;
		if (ctx.plain) {
			log_error("TAMPERED: %s is a plain (unsealed) store: nothing in it is authenticated", dir);
			return EXIT_TAMPERED;
		}
		/* Only the real key evolution reaches the state's key: the state
		 * (hence the sealed position) cannot be rolled back. */
		memcpy(k, ctx.key, sizeof(k));
		r = seal_evolve_to(k, &ctx.ids, 0, st.epoch);
		if (r < 0) {
			log_error("TAMPERED: the sealing state claims an implausible epoch %" PRIu64, st.epoch);
			return EXIT_TAMPERED;
		}
		if (CRYPTO_memcmp(k, st.key, LS_KEY_LEN) != 0) {
			secure_wipe(k, sizeof(k));
			log_error("TAMPERED: the sealing state's key is not the key of epoch %" PRIu64
				  ": the state was forged or the verification key is wrong", st.epoch);
			return EXIT_TAMPERED;
		}
		secure_wipe(k, sizeof(k));
		secure_wipe(st.key, sizeof(st.key));
		have_state = true;
		ctx.anchor.pos_set = true;
		ctx.anchor.file = st.file_index;
		ctx.anchor.off = st.sealed_offset;
		ctx.anchor.epoch = st.epoch;
		memcpy(ctx.anchor.tip, st.sealed_tag, LS_TAG_LEN);
	}
	if (print)
		ctx.on_record = print_entry;
	r = walk_store(&ctx, &res);
	secure_wipe(ctx.key, sizeof(ctx.key));
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "verification of %s could not run", dir);
		return EXIT_IO;
	}
	if (have_state && res.problem == WALK_OK && res.first_file > st.retained_from) {
		res.problem = WALK_MISSING_FILE;
		snprintf(res.msg, sizeof(res.msg),
			 "files %016" PRIx64 " to %016" PRIx64 " are missing: retention only released files below %016"
			 PRIx64, st.retained_from, res.first_file - 1, st.retained_from);
	}
	rc = res.problem == WALK_OK ? EXIT_OK : res.problem == WALK_IO ? EXIT_IO : EXIT_TAMPERED;
	if (as_json) {
		struct json j;
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_kv_bool(&j, "verified", rc == EXIT_OK);
		json_kv_str(&j, "problem", walk_problem_str(res.problem));
		if (rc != EXIT_OK) {
			json_kv_str(&j, "message", res.msg);
			json_kv_u64(&j, "bad_file", res.bad_file);
			json_kv_u64(&j, "bad_offset", res.bad_off);
			json_kv_u64(&j, "bad_seq", res.bad_seq);
		}
		json_kv_u64(&j, "files", res.files);
		json_kv_u64(&j, "first_file", res.first_file);
		json_kv_u64(&j, "entries", res.entries);
		json_kv_u64(&j, "last_seq", res.last_seq);
		json_kv_u64(&j, "seals", res.seals);
		json_kv_u64(&j, "epoch", ctx.epoch);
		json_kv_u64(&j, "torn_bytes", res.torn_bytes);
		json_kv_bool(&j, "state_anchor", have_state);
		json_kv_bool(&j, "collector_anchor", ctx.anchor.seq_set);
		json_obj_end(&j);
		json_end(&j);
	}
	if (rc == EXIT_OK) {
		fprintf(stderr, "verified: %" PRIu64 " file(s), %" PRIu64 " entries up to %" PRIu64 ", %" PRIu64
			" seal(s), epoch %" PRIu64 "; tail anchored by %s%s\n", res.files, res.entries, res.last_seq,
			res.seals, ctx.epoch, have_state ? "the sealing state" : "nothing (--no-state)",
			ctx.anchor.seq_set ? " and the collector" : "");
		if (res.torn_bytes)
			log_warn("%" PRIu64 " byte(s) of incomplete records (crash or full disk) were ignored",
				 res.torn_bytes);
		if (res.entries && !res.ended_with_seal)
			log_warn("entries after the last seal (current epoch) are protected only by forwarding: an "
				 "attacker holding this machine now could rewrite them");
	} else if (rc == EXIT_IO) {
		log_errno(LOG_LVL_ERROR, res.err ? res.err : -EIO, "%s", res.msg);
	} else {
		log_error("TAMPERED (%s): %s", walk_problem_str(res.problem), res.msg);
	}
	return rc;
}
