/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-updsrv: stateless update server over the static repository.
 *
 *   GET /v1/<product>/<channel>/manifest[.minisig]
 *   GET /<product>/channels/<channel>.manifest[.minisig]   (same selection)
 *   GET /<product>/releases/<version>/<file>               (static)
 *
 * Per client (header X-Rempart-Client, an app-specific machine id) it
 * answers the channel's current release if the client's bucket
 *   sha256("<client>|<product>|<channel>|<version>")[0..3] (big endian) mod 100
 * is below the release's rollout_percent, else the channel's previous
 * release. The answer depends only on the request and the repository, so
 * any number of instances behind any load balancer agree. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "manifest.h"
#include "parse.h"
#include "repo.h"

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
};

static const char *repo_dir;

static void usage(FILE *f)
{
	fputs("Usage: rempart-updsrv --repo DIR [--listen ADDR:PORT] [--tls-cert PEM --tls-key PEM]\n"
	      "\n"
	      "Serves the static update repository DIR (written by rempart-publish) and picks, per\n"
	      "client, the release of a channel: staged rollouts by a deterministic hash of the\n"
	      "client's id (header X-Rempart-Client) against the release's rollout_percent; clients\n"
	      "outside the rollout get the channel's previous release. Stateless: run as many\n"
	      "instances as needed behind any load balancer.\n"
	      "\n"
	      "Options:\n"
	      "  --repo DIR          repository root\n"
	      "  --listen ADDR:PORT  IPv4 address and port (default 127.0.0.1:8080)\n"
	      "  --tls-cert PEM      serve HTTPS (TLS 1.2 and 1.3 only) with this certificate chain\n"
	      "  --tls-key PEM       and this key; without them plain HTTP, for use behind a TLS proxy\n"
	      "  -v, --verbose       log each request\n"
	      "  -h, --help          this help\n"
	      "\n"
	      "Exit status: 0 after SIGTERM/SIGINT; 2 invalid usage; 3 cannot start.\n",
	      f);
}

static bool seg_ok(const char *s, size_t n)
{
	if (n == 0 || n > 128 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Splits url into at most max '/'-separated segments, each validated. */
static int split_url(const char *url, char seg[][129], int max)
{
	int n = 0;

	if (*url != '/')
		return -1;
	while (*url == '/') {
		const char *s = url + 1, *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (n == max || !seg_ok(s, len))
			return -1;
		memcpy(seg[n], s, len);
		seg[n][len] = '\0';
		n++;
		url = s + len;
	}
	return *url ? -1 : n;
}

static unsigned bucket_of(const char *client, const char *product, const char *channel, const char *version)
{
	_cleanup_free_ char *s = NULL;
	uint8_t h[32];
	unsigned int hl = 0;

	if (asprintf(&s, "%s|%s|%s|%s", client, product, channel, version) < 0 ||
	    EVP_Digest(s, strlen(s), h, &hl, EVP_sha256(), NULL) != 1)
		return 99;
	return (((unsigned)h[0] << 24) | ((unsigned)h[1] << 16) | ((unsigned)h[2] << 8) | h[3]) % 100;
}

static bool client_ok(const char *c)
{
	size_t n = c ? strlen(c) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'a' && c[i] <= 'f')))
			return false;
	return true;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_file(struct MHD_Connection *conn, const char *path, const char *release)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (fd < 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/octet-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (release)
		MHD_add_response_header(r, "X-Rempart-Release", release);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Which manifest (current or previous) this client gets. */
static enum MHD_Result serve_manifest(struct MHD_Connection *conn, const char *product, const char *channel, bool sig)
{
	_cleanup_free_ char *cur = NULL, *prev = NULL, *path = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	struct um_manifest *m = NULL;
	const char *client = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Rempart-Client");
	char err[UM_ERR_MAX], version[UM_VERSION_MAX + 1];
	bool previous = false;
	size_t len;
	int r;

	if (!um_name_valid(product) || !um_name_valid(channel))
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	if (repo_manifest_path(repo_dir, product, channel, false, &cur) < 0 ||
	    repo_manifest_path(repo_dir, product, channel, true, &prev) < 0)
		return MHD_NO;
	r = read_file(cur, UM_MAX_SIZE, &buf, &len);
	if (r < 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "no such channel\n");
	m = malloc(sizeof(*m));
	if (!m)
		return MHD_NO;
	r = um_parse(buf, len, m, err);
	if (r < 0) {
		free(m);
		log_error("%s: not a valid manifest (%s); not serving it", cur, err);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "bad manifest in the repository\n");
	}
	snprintf(version, sizeof(version), "%s", m->version);
	if (m->rollout_percent < 100) {
		unsigned b = client_ok(client) ? bucket_of(client, product, channel, m->version) : 99;

		previous = b >= m->rollout_percent && access(prev, R_OK) == 0;
		log_debug("client %s bucket %u, rollout %u%% of %s: %s", client_ok(client) ? client : "(none)", b,
			  m->rollout_percent, m->version, previous ? "previous" : "current");
	}
	free(m);
	if (asprintf(&path, "%s%s", previous ? prev : cur, sig ? ".minisig" : "") < 0)
		return MHD_NO;
	return reply_file(conn, path, previous ? NULL : version);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	char seg[5][129];
	int n;

	(void)cls; (void)version; (void)upload_data; (void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	if (*upload_data_size)
		return MHD_NO;
	log_debug("GET %s", url);
	n = split_url(url, seg, 5);
	if (n == 4 && strcmp(seg[0], "v1") == 0 &&
	    (strcmp(seg[3], "manifest") == 0 || strcmp(seg[3], "manifest.minisig") == 0))
		return serve_manifest(conn, seg[1], seg[2], strcmp(seg[3], "manifest.minisig") == 0);
	if (n == 3 && strcmp(seg[1], "channels") == 0) {
		size_t l = strlen(seg[2]);
		bool sig = l > 17 && strcmp(seg[2] + l - 17, ".manifest.minisig") == 0;
		bool man = l > 9 && strcmp(seg[2] + l - 9, ".manifest") == 0;

		if (sig || man) {
			seg[2][l - (sig ? 17 : 9)] = '\0';
			return serve_manifest(conn, seg[0], seg[2], sig);
		}
	}
	if (n == 4 && strcmp(seg[1], "releases") == 0 && um_name_valid(seg[0]) && um_version_valid(seg[2])) {
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s/%s/releases/%s/%s", repo_dir, seg[0], seg[2], seg[3]) < 0)
			return MHD_NO;
		return reply_file(conn, path, seg[2]);
	}
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

static int parse_listen(const char *s, struct sockaddr_in *sa)
{
	char addr[64];
	const char *colon = strrchr(s, ':');
	uint64_t port;

	if (!colon || (size_t)(colon - s) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	if (parse_u64_range(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, addr, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	enum { O_REPO = 256, O_LISTEN, O_CERT, O_KEY, O_VERSION };
	static const struct option lo[] = {
		{ "repo", required_argument, NULL, O_REPO },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "tls-cert", required_argument, NULL, O_CERT },
		{ "tls-key", required_argument, NULL, O_KEY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = "127.0.0.1:8080", *certp = NULL, *keyp = NULL;
	_cleanup_free_ uint8_t *cert = NULL, *key = NULL;
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	size_t len;
	sigset_t set;
	int c, sig, r;

	log_set_program("rempart-updsrv");
	log_level_from_env();
	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case O_REPO: repo_dir = optarg; break;
		case O_LISTEN: listen = optarg; break;
		case O_CERT: certp = optarg; break;
		case O_KEY: keyp = optarg; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return EXIT_OK;
		case O_VERSION: puts("rempart-updsrv " REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!repo_dir || optind != argc || !certp != !keyp) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (parse_listen(listen, &sa) < 0) {
		log_error("invalid --listen \"%s\": IPv4ADDR:PORT", listen);
		return EXIT_USAGE;
	}
	if (certp) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			log_error("this libmicrohttpd has no TLS support; run plain HTTP behind a TLS proxy");
			return EXIT_SYSTEM;
		}
		r = read_file(certp, 1 << 20, &cert, &len);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot read %s", certp), EXIT_SYSTEM;
		r = read_file(keyp, 1 << 20, &key, &len);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot read %s", keyp), EXIT_SYSTEM;
		flags |= MHD_USE_TLS;
	}
	/* Block the signals before threads start; wait for them below. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (certp)
		d = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &sa,
				     MHD_OPTION_HTTPS_MEM_CERT, (const char *)cert, MHD_OPTION_HTTPS_MEM_KEY,
				     (const char *)key, MHD_OPTION_HTTPS_PRIORITIES,
				     "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned)120, MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &sa,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
	if (key)
		explicit_bzero(key, len);
	if (!d) {
		log_error("cannot listen on %s", listen);
		return EXIT_SYSTEM;
	}
	log_info("serving %s on %s%s", repo_dir, listen, certp ? " (HTTPS)" : "");
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return EXIT_OK;
}
