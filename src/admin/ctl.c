/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempartctl: the client of rempart-admind (docs/admin.md). Builds one
 * request from VERB and KEY=VALUE arguments (KEY=@FILE reads the value
 * from a file the caller can read: certificates, keys), sends it, prints
 * the answer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "hex.h"
#include "log.h"
#include "parse.h"
#include "request.h"

#define DEFAULT_SOCKET "/run/rempart/admin.sock"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,    /* allowed and valid, but the operation failed */
	EXIT_USAGE = 2,
	EXIT_CONNECT = 3,   /* cannot reach the daemon, or a protocol error */
	EXIT_DENIED = 4,    /* the caller's role may not call this verb */
	EXIT_INVALID = 5,   /* the daemon rejected the request as invalid */
};

static void usage(FILE *f)
{
	fputs("Usage: rempartctl [OPTIONS] VERB [KEY=VALUE | KEY=@FILE]...\n"
	      "Asks rempart-admind to do VERB; what the caller may do depends on its role\n"
	      "(member of rempart-admin: admin; of rempart-audit: audit; anyone else: user).\n\n"
	      "Verbs (role):\n"
	      "  status                                                     (everyone)\n"
	      "  network.get | network.set mode=dhcp|static [address=A.B.C.D/P gateway=A.B.C.D\n"
	      "                dns=\"A.B.C.D ...\"] [interface=NAME]          (admin)\n"
	      "  ipsec.get | ipsec.set gateway=A.B.C.D remote_id=ID remote_ts=CIDR[,CIDR...]\n"
	      "                [local_id=ID] [virtual_ip=yes|no]              (admin)\n"
	      "  ipsec.credentials cert=@cert.pem key=@key.pem ca=@ca.pem   (admin)\n"
	      "  update.get | update.set [server=https://...] [channel=NAME] (admin)\n"
	      "  update.trigger | update.status                             (admin)\n"
	      "  user.list | user.add name=NAME [ssh_key=@key.pub] | user.remove name=NAME\n"
	      "  user.lock name=NAME | user.unlock name=NAME | user.setkey name=NAME ssh_key=@key.pub (admin)\n"
	      "  escrow.collect [--out FILE] | escrow.delete sha256=HEX     (admin)\n"
	      "  logs.read [since=SEQ] [max=N]                              (audit)\n"
	      "  check.run                                                  (audit)\n"
	      "  attest.quote nonce=HEX                                     (audit)\n\n"
	      "Options:\n"
	      "  --socket PATH   daemon socket (default " DEFAULT_SOCKET ")\n"
	      "  --json          print the daemon's answer as is (one JSON object)\n"
	      "  --out FILE      escrow.collect: write the blob to FILE (created, mode 0600)\n"
	      "  -h, --help      this help\n"
	      "  --version       print the version\n\n"
	      "Exit status: 0 done; 1 the operation failed; 2 invalid usage; 3 cannot reach the\n"
	      "daemon (or protocol error); 4 refused: your role may not do this; 5 the request\n"
	      "was rejected as invalid.\n",
	      f);
}

static bool int_key(const char *k)
{
	return !strcmp(k, "since") || !strcmp(k, "max");
}

/* Builds the request document. */
static int build_request(const char *verb, int argc, char **argv, char **out, size_t *outlen)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	int r = 0;

	if (!o || json_object_set_new(o, "verb", json_string(verb)) < 0)
		return -ENOMEM;
	for (int i = 0; i < argc && r == 0; i++) {
		char *eq = strchr(argv[i], '=');
		json_t *v;

		if (!eq || eq == argv[i]) {
			log_error("'%s': expected KEY=VALUE or KEY=@FILE", argv[i]);
			return -EINVAL;
		}
		*eq = '\0';
		if (json_object_get(o, argv[i])) {
			log_error("%s given twice", argv[i]);
			return -EINVAL;
		}
		if (eq[1] == '@') {
			_cleanup_free_ uint8_t *file = NULL;
			size_t flen;

			r = read_file(eq + 2, REQ_MAX_FRAME, &file, &flen);
			if (r < 0)
				return log_errno(LOG_LVL_ERROR, r, "%s: cannot read %s", argv[i], eq + 2);
			/* one-line values (SSH keys) lose their final newline */
			if (strcmp(argv[i], "cert") && strcmp(argv[i], "key") && strcmp(argv[i], "ca"))
				while (flen && (file[flen - 1] == '\n' || file[flen - 1] == '\r'))
					file[--flen] = '\0';
			v = json_stringn((const char *)file, flen);
			secure_wipe(file, flen);
			if (!v) {
				log_error("%s: %s is not valid UTF-8 text", argv[i], eq + 2);
				return -EINVAL;
			}
		} else if (int_key(argv[i])) {
			uint64_t u;

			if (parse_u64(eq + 1, &u) < 0 || u > (1ull << 53)) {
				log_error("%s: expected a non-negative integer, got '%s'", argv[i], eq + 1);
				return -EINVAL;
			}
			v = json_integer((json_int_t)u);
		} else {
			v = json_string(eq + 1);
			if (!v) {
				log_error("%s: the value is not valid UTF-8", argv[i]);
				return -EINVAL;
			}
		}
		if (!v || json_object_set_new(o, argv[i], v) < 0)
			return -ENOMEM;
	}
	*out = json_dumps(o, JSON_COMPACT);
	if (!*out)
		return -ENOMEM;
	*outlen = strlen(*out);
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static void print_value(const char *key, json_t *v)
{
	if (json_is_string(v))
		printf("%s: %s\n", key, json_string_value(v));
	else if (json_is_integer(v))
		printf("%s: %lld\n", key, (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		printf("%s: %s\n", key, json_is_true(v) ? "yes" : "no");
}

static void print_entry(json_t *e)
{
	const char *k;
	json_t *v;
	json_t *msg = json_object_get(e, "message");

	if (json_is_string(msg)) {
		/* a log entry */
		time_t t = (time_t)(json_integer_value(json_object_get(e, "time_usec")) / 1000000);
		struct tm tm;
		char ts[32];

		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%lld %s %s[%lld]: %s\n", (long long)json_integer_value(json_object_get(e, "seq")), ts,
		       json_string_value(json_object_get(e, "ident")),
		       (long long)json_integer_value(json_object_get(e, "pid")), json_string_value(msg));
		return;
	}
	json_object_foreach(e, k, v) {
		if (json_is_string(v))
			printf("%s=%s ", k, json_string_value(v));
		else if (json_is_integer(v))
			printf("%s=%lld ", k, (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			printf("%s=%s ", k, json_is_true(v) ? "yes" : "no");
	}
	putchar('\n');
}

static int write_blob(const char *path, const char *hexs)
{
	_cleanup_free_ uint8_t *bin = NULL;
	_cleanup_close_ int fd = -1;
	size_t n = strlen(hexs) / 2 + 1, len;
	int r;

	bin = malloc(n);
	if (!bin)
		return -ENOMEM;
	r = hex_decode(hexs, bin, n, &len);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = write_full(fd, bin, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	return r;
}

int main(int argc, char **argv)
{
	enum { O_SOCKET = 256, O_JSON, O_OUT, O_VERSION };
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "json", no_argument, NULL, O_JSON },
		{ "out", required_argument, NULL, O_OUT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{},
	};
	const char *sock = DEFAULT_SOCKET, *outfile = NULL, *verb, *status;
	_cleanup_free_ char *req = NULL;
	_cleanup_free_ uint8_t *resp = NULL;
	_cleanup_(json_decrefp) json_t *doc = NULL;
	_cleanup_close_ int fd = -1;
	bool raw = false;
	size_t reqlen = 0, resplen = 0;
	json_error_t je;
	json_t *result;
	int c, r;

	log_set_program("rempartctl");
	log_level_from_env();
	/* "+": options stop at the verb, so KEY=VALUE may start with '-' */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case O_SOCKET: sock = optarg; break;
		case O_JSON: raw = true; break;
		case O_OUT: outfile = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		case O_VERSION: printf("rempartctl %s\n", REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		log_error("no verb given (see --help)");
		return EXIT_USAGE;
	}
	verb = argv[optind];
	r = build_request(verb, argc - optind - 1, argv + optind + 1, &req, &reqlen);
	if (r < 0)
		return r == -ENOMEM ? EXIT_FAILED : EXIT_USAGE;
	if (reqlen > REQ_MAX_FRAME) {
		log_error("the request is %zu bytes, more than the %u the daemon accepts", reqlen, REQ_MAX_FRAME);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	fd = connect_to(sock);
	if (fd < 0) {
		log_errno(LOG_LVL_ERROR, fd, "cannot connect to rempart-admind at %s", sock);
		return EXIT_CONNECT;
	}
	r = frame_write(fd, req, reqlen);
	secure_wipe(req, reqlen);
	if (r == 0)
		r = frame_read(fd, RESP_MAX_FRAME, mono_ns() + 900ll * 1000000000, &resp, &resplen);
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "no answer from rempart-admind at %s", sock);
		return EXIT_CONNECT;
	}
	doc = json_loadb((const char *)resp, resplen, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "status"))) {
		log_error("malformed answer from rempart-admind (%s)", doc ? "no status" : je.text);
		return EXIT_CONNECT;
	}
	status = json_string_value(json_object_get(doc, "status"));
	if (raw)
		fwrite(resp, 1, resplen, stdout);
	if (strcmp(status, "ok")) {
		json_t *err = json_object_get(doc, "error");

		log_error("%s %s: %s", verb, !strcmp(status, "denied") ? "refused" : status,
			  json_is_string(err) ? json_string_value(err) : "no reason given");
		return !strcmp(status, "denied") ? EXIT_DENIED : !strcmp(status, "invalid") ? EXIT_INVALID : EXIT_FAILED;
	}
	result = json_object_get(doc, "result");
	if (!raw && !strcmp(verb, "status") && json_is_string(json_object_get(doc, "role")))
		printf("role: %s\n", json_string_value(json_object_get(doc, "role")));
	if (outfile) {
		json_t *blob = json_object_get(result, "blob_hex");

		if (!json_is_string(blob)) {
			log_error("--out: the answer to %s carries no blob", verb);
			return EXIT_USAGE;
		}
		r = write_blob(outfile, json_string_value(blob));
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot write the blob to %s", outfile);
			return EXIT_FAILED;
		}
		json_object_del(result, "blob_hex");
		if (!raw)
			printf("blob written to %s\n", outfile);
	}
	if (raw)
		return EXIT_OK;
	{
		const char *k;
		json_t *v;

		json_object_foreach(result, k, v) {
			if (!strcmp(k, "output") && json_is_string(v)) {
				fputs(json_string_value(v), stdout);
			} else if (json_is_array(v)) {
				size_t i;
				json_t *e;

				json_array_foreach(v, i, e)
					print_entry(e);
			} else {
				print_value(k, v);
			}
		}
	}
	return EXIT_OK;
}
