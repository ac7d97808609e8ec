/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-logd: append-only, forward-sealed log store with rotation and
 * RFC 5425 forwarding (docs/logd.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "forward.h"
#include "hex.h"
#include "log.h"
#include "parse.h"
#include "source.h"
#include "store.h"
#include "uuid.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,     /* runtime failure (store, journal, network) */
	EXIT_USAGE = 2,
	EXIT_STORE_BAD = 4 /* the store failed its own integrity check at start */
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      "  rempart-logd init --store DIR [--machine-id HEX32] [--export-key FILE] [--plain] [--no-inode-flags]\n"
	      "  rempart-logd run --store DIR [--journal-dir DIR | --stdin] [OPTIONS]\n"
	      "  rempart-logd forward --store DIR --server HOST:PORT --ca FILE --cert FILE --key FILE [OPTIONS]\n"
	      "\n"
	      "init     creates a store and prints its verification key once (keep it off the device).\n"
	      "run      copies the journal (or stdin, one entry per line) into the sealed store.\n"
	      "forward  sends the store's entries to a syslog collector over TLS (RFC 5425).\n"
	      "\n"
	      "run options:\n"
	      "  --journal-dir DIR       read journal files from DIR (default: the local system journal)\n"
	      "  --stdin                 read entries from stdin, one per line\n"
	      "  --ident NAME            identifier of stdin entries (default: stdin)\n"
	      "  --cursor-file FILE      journal cursor (default: STORE/journal.cursor)\n"
	      "  --max-file-size SIZE    rotate files at this size (default 16M)\n"
	      "  --max-file-age DUR      rotate files older than this (default 1d)\n"
	      "  --seal-interval DUR     seal the epoch at least this often (default 15m)\n"
	      "  --max-store-size SIZE   retention limit (default 1G; 0: none)\n"
	      "  --prune-unforwarded     retention may delete files not yet forwarded\n"
	      "  --no-inode-flags        do not require the append-only/immutable inode flags\n"
	      "  --exit-on-idle          exit when the source has no more entries\n"
	      "forward options:\n"
	      "  --server-name NAME      name expected in the collector certificate (default: HOST)\n"
	      "  --hostname NAME         HOSTNAME of the messages (default: this host)\n"
	      "  --batch N               entries per TLS session before a confirmed close (default 10000)\n"
	      "  --backoff-max DUR       longest wait between reconnections (default 60s)\n"
	      "  --exit-at SEQ           exit once entry SEQ is confirmed\n"
	      "  --exit-on-idle          exit once every entry present is confirmed\n"
	      "common: -v/--verbose, -h/--help, --version\n"
	      "\n"
	      "Exit status: 0 success; 1 runtime failure (store, journal, collector);\n"
	      "2 invalid usage; 4 the store failed its own integrity check at start\n"
	      "(run rempart-logverify).\n",
	      f);
}

static int read_machine_id(uint8_t out[LS_ID_LEN])
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len, outlen;
	int r = read_file("/etc/machine-id", 64, &buf, &len);

	if (r < 0)
		return r;
	if (len >= 32)
		buf[32] = 0;
	r = hex_decode((char *)buf, out, LS_ID_LEN, &outlen);
	return r < 0 ? r : outlen == LS_ID_LEN ? 0 : -EINVAL;
}

enum {
	OPT_STORE = 1000, OPT_MACHINE_ID, OPT_EXPORT_KEY, OPT_PLAIN, OPT_NO_FLAGS, OPT_JOURNAL_DIR, OPT_STDIN,
	OPT_IDENT, OPT_CURSOR, OPT_MAX_FILE_SIZE, OPT_MAX_FILE_AGE, OPT_SEAL_INTERVAL, OPT_MAX_STORE,
	OPT_PRUNE_UNFWD, OPT_EXIT_IDLE, OPT_SERVER, OPT_SERVER_NAME, OPT_CA, OPT_CERT, OPT_KEY, OPT_HOSTNAME,
	OPT_BATCH, OPT_BACKOFF_MAX, OPT_EXIT_AT, OPT_VERSION,
};

static const struct option longopts[] = {
	{ "store", required_argument, NULL, OPT_STORE },
	{ "machine-id", required_argument, NULL, OPT_MACHINE_ID },
	{ "export-key", required_argument, NULL, OPT_EXPORT_KEY },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "no-inode-flags", no_argument, NULL, OPT_NO_FLAGS },
	{ "journal-dir", required_argument, NULL, OPT_JOURNAL_DIR },
	{ "stdin", no_argument, NULL, OPT_STDIN },
	{ "ident", required_argument, NULL, OPT_IDENT },
	{ "cursor-file", required_argument, NULL, OPT_CURSOR },
	{ "max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE },
	{ "max-file-age", required_argument, NULL, OPT_MAX_FILE_AGE },
	{ "seal-interval", required_argument, NULL, OPT_SEAL_INTERVAL },
	{ "max-store-size", required_argument, NULL, OPT_MAX_STORE },
	{ "prune-unforwarded", no_argument, NULL, OPT_PRUNE_UNFWD },
	{ "exit-on-idle", no_argument, NULL, OPT_EXIT_IDLE },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "server-name", required_argument, NULL, OPT_SERVER_NAME },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "backoff-max", required_argument, NULL, OPT_BACKOFF_MAX },
	{ "exit-at", required_argument, NULL, OPT_EXIT_AT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ 0 },
};

struct args {
	const char *store, *export_key, *journal_dir, *ident, *cursor;
	bool plain, stdin_src, exit_idle, have_mid;
	uint8_t mid[LS_ID_LEN];
	struct ls_options lo;
	struct fwd_options fo;
	char *server;
};

static int bad(const char *opt, const char *val)
{
	log_error("invalid value for %s: '%s'", opt, val);
	return EXIT_USAGE;
}

static void notify_info(const char *text)
{
	log_info("%s", text);
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int c;
	uint64_t v;
	size_t outlen;

	ls_options_default(&a->lo);
	a->lo.notify = notify_info;
	a->fo = (struct fwd_options){ .batch_entries = 10000, .backoff_min_ms = 250, .backoff_max_ms = 60000 };
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_STORE: a->store = optarg; break;
		case OPT_MACHINE_ID:
			if (hex_decode(optarg, a->mid, sizeof(a->mid), &outlen) < 0 || outlen != LS_ID_LEN)
				return bad("--machine-id", optarg);
			a->have_mid = true;
			break;
		case OPT_EXPORT_KEY: a->export_key = optarg; break;
		case OPT_PLAIN: a->plain = true; break;
		case OPT_NO_FLAGS: a->lo.require_flags = false; break;
		case OPT_JOURNAL_DIR: a->journal_dir = optarg; break;
		case OPT_STDIN: a->stdin_src = true; break;
		case OPT_IDENT: a->ident = optarg; break;
		case OPT_CURSOR: a->cursor = optarg; break;
		case OPT_MAX_FILE_SIZE:
			if (parse_size(optarg, &v) < 0 || v < 4096)
				return bad("--max-file-size", optarg);
			a->lo.max_file_size = v;
			break;
		case OPT_MAX_FILE_AGE:
			if (parse_duration(optarg, &a->lo.max_file_age) < 0)
				return bad("--max-file-age", optarg);
			break;
		case OPT_SEAL_INTERVAL:
			if (parse_duration(optarg, &a->lo.seal_interval) < 0)
				return bad("--seal-interval", optarg);
			break;
		case OPT_MAX_STORE:
			if (parse_size(optarg, &a->lo.max_store_size) < 0)
				return bad("--max-store-size", optarg);
			break;
		case OPT_PRUNE_UNFWD: a->lo.prune_unforwarded = true; break;
		case OPT_EXIT_IDLE: a->exit_idle = true; break;
		case OPT_SERVER: a->server = optarg; break;
		case OPT_SERVER_NAME: a->fo.server_name = optarg; break;
		case OPT_CA: a->fo.ca = optarg; break;
		case OPT_CERT: a->fo.cert = optarg; break;
		case OPT_KEY: a->fo.key = optarg; break;
		case OPT_HOSTNAME: a->fo.hostname = optarg; break;
		case OPT_BATCH:
			if (parse_u64_range(optarg, 1, 10000000, &a->fo.batch_entries) < 0)
				return bad("--batch", optarg);
			break;
		case OPT_BACKOFF_MAX:
			if (parse_duration(optarg, &v) < 0 || v == 0)
				return bad("--backoff-max", optarg);
			a->fo.backoff_max_ms = v * 1000;
			break;
		case OPT_EXIT_AT:
			if (parse_u64_range(optarg, 1, UINT64_MAX, &a->fo.exit_at_seq) < 0)
				return bad("--exit-at", optarg);
			break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case OPT_VERSION: puts("rempart-logd " REMPART_VERSION); exit(EXIT_OK);
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!a->store) {
		log_error("--store DIR is required");
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_init(struct args *a)
{
	char vkey[SEAL_VKEY_STRLEN + 1];
	_cleanup_close_ int fd = -1;
	int r;

	if (!a->have_mid && read_machine_id(a->mid) < 0) {
		log_error("cannot read /etc/machine-id; pass --machine-id");
		return EXIT_USAGE;
	}
	if (a->export_key) {
		/* Claimed before the store exists, so that a bad path loses nothing. */
		fd = open(a->export_key, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0400);
		if (fd < 0) {
			log_errno(LOG_LVL_ERROR, -errno, "cannot create the verification key file %s", a->export_key);
			return EXIT_USAGE;
		}
	}
	r = ls_create(a->store, a->mid, a->plain, a->lo.require_flags, vkey);
	if (r < 0) {
		if (a->export_key)
			unlink(a->export_key);
		if (r == -EEXIST) {
			log_error("%s already holds a log store; refusing to create another one over it", a->store);
			return EXIT_USAGE;
		}
		log_errno(LOG_LVL_ERROR, r, "cannot create the log store in %s%s", a->store,
			  r == -EPERM || r == -ENOTTY || r == -EOPNOTSUPP
				  ? " (the append-only inode flag needs CAP_LINUX_IMMUTABLE and ext4/xfs/btrfs)" : "");
		return EXIT_FAIL;
	}
	if (fd >= 0) {
		if (write_full(fd, vkey, strlen(vkey)) < 0 || write_full(fd, "\n", 1) < 0 || fsync(fd) < 0) {
			secure_wipe(vkey, sizeof(vkey));
			log_error("cannot write the verification key to %s: the store in %s cannot be verified; "
				  "delete it and run init again", a->export_key, a->store);
			return EXIT_FAIL;
		}
	} else {
		printf("%s\n", vkey);
		fflush(stdout);
	}
	secure_wipe(vkey, sizeof(vkey));
	fprintf(stderr, "log store created in %s; keep the verification key off this machine\n", a->store);
	return EXIT_OK;
}

static int cmd_run(struct args *a)
{
	struct logstore *s = NULL;
	char msg[512];
	_cleanup_free_ char *cursor = NULL;
	struct source_options so = { .journal_dir = a->journal_dir, .ident = a->ident, .exit_on_idle = a->exit_idle,
				     .stop = &stop_flag };
	int r, r2;

	r = ls_open(&s, a->store, &a->lo, msg, sizeof(msg));
	if (r == -EBADMSG) {
		log_error("the log store %s failed its own check: %s. Run rempart-logverify with the verification key; "
			  "move the store aside to start a new one", a->store, msg);
		return EXIT_STORE_BAD;
	}
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot open the log store %s%s%s", a->store, msg[0] ? ": " : "", msg);
		return EXIT_FAIL;
	}
	r = ls_append_notice(s, "rempart-logd started");
	if (r == 0 && asprintf(&cursor, "%s/journal.cursor", a->store) < 0)
		r = -ENOMEM;
	so.cursor_file = a->cursor ? a->cursor : cursor;
	if (r == 0)
		r = a->stdin_src ? source_stdin_run(s, &so) : source_journal_run(s, &so);
	if (r < 0)
		log_errno(LOG_LVL_ERROR, r, "writing the log store %s failed", a->store);
	r2 = ls_close(s);
	if (r2 < 0)
		log_errno(LOG_LVL_ERROR, r2, "cannot seal the log store %s on exit", a->store);
	return r < 0 || r2 < 0 ? EXIT_FAIL : EXIT_OK;
}

static int cmd_forward(struct args *a)
{
	char *colon;
	int r;

	if (!a->server || !a->fo.ca || !a->fo.cert || !a->fo.key) {
		log_error("forward needs --server HOST:PORT, --ca, --cert and --key");
		return EXIT_USAGE;
	}
	colon = strrchr(a->server, ':');
	if (!colon || colon == a->server || !colon[1]) {
		log_error("--server must be HOST:PORT, got '%s'", a->server);
		return EXIT_USAGE;
	}
	*colon = 0;
	a->fo.host = a->server;
	if (a->fo.host[0] == '[' && colon[-1] == ']') {
		a->fo.host++;
		colon[-1] = 0;
	}
	a->fo.port = colon + 1;
	a->fo.store = a->store;
	a->fo.exit_on_idle = a->exit_idle;
	a->fo.stop = &stop_flag;
	r = fwd_run(&a->fo);
	return r < 0 ? (r == -EINVAL ? EXIT_USAGE : EXIT_FAIL) : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *cmd;
	int r;

	log_set_program("rempart-logd");
	log_level_from_env();
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			usage(stdout);
			return EXIT_OK;
		}
		if (argc >= 2 && !strcmp(argv[1], "--version")) {
			puts("rempart-logd " REMPART_VERSION);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	r = parse_args(argc - 1, argv + 1, &a);
	if (r)
		return r;
	if (optind + 1 < argc) {
		log_error("unexpected argument '%s'", argv[optind + 1]);
		return EXIT_USAGE;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "init"))
		return cmd_init(&a);
	if (!strcmp(cmd, "run"))
		return cmd_run(&a);
	if (!strcmp(cmd, "forward"))
		return cmd_forward(&a);
	log_error("unknown command '%s'", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
