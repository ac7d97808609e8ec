/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-admind: role-separated administration over a Unix socket
 * (docs/admin.md). One request per connection: a length-prefixed JSON
 * object in, a length-prefixed JSON object out, then the connection is
 * closed. The caller's role comes from SO_PEERCRED. Every request and its
 * outcome is logged (uid, role, verb, outcome, reason; never a secret).
 * Each connection is served by a child process (at most 8 at once); the
 * handlers run one at a time under an flock. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "admind.h"
#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "parse.h"
#include "request.h"
#include "verbs.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define REQUEST_TIMEOUT_S 10
#define MAX_CHILDREN 8

static void usage(FILE *f)
{
	fputs("Usage: rempart-admind [OPTIONS]\n"
	      "Serves the rempartctl verbs on a Unix socket: the socket systemd passes\n"
	      "(socket activation) or --socket PATH.\n\n"
	      "  --socket PATH        listen on PATH (mode 0666; roles are checked per request)\n"
	      "  --state-dir DIR      state allow-list root (default /var/lib/rempart): config/,\n"
	      "                       auth/, userdb/, admind/ below it\n"
	      "  --home-dir DIR       home directories of created users (default /home)\n"
	      "  --escrow PATH        recovery escrow blob (default /efi/rempart/escrow.bin)\n"
	      "  --log-store DIR      rempart-logd store (default /var/log/rempart)\n"
	      "  --check PATH         rempart-check (default /usr/bin/rempart-check)\n"
	      "  --attest PATH        rempart-attest (default /usr/bin/rempart-attest)\n"
	      "  --update PATH        rempart-update (default /usr/bin/rempart-update)\n"
	      "  --unit-network NAME  unit restarted after network.set (default rempart-network.service)\n"
	      "  --unit-ipsec NAME    unit restarted after ipsec.* (default rempart-ipsec.service)\n"
	      "  --unit-update NAME   unit started by update.trigger (default rempart-update.service)\n"
	      "  --no-apply           write the files, never talk to systemd (tests)\n"
	      "  --systemd-run        run rempart-check, rempart-attest and rempart-update as transient\n"
	      "                       units (systemd-run --pipe --wait), outside this service's sandbox\n"
	      "  --admin-group NAME   group of the admin role (default rempart-admin)\n"
	      "  --audit-group NAME   group of the audit role (default rempart-audit)\n"
	      "  --uid-range MIN-MAX  uids of created users (default 20000-29999)\n"
	      "  -h, --help           this help\n"
	      "  --version            print the version\n\n"
	      "Exit status: 0 stopped cleanly; 1 cannot listen or serve; 2 invalid usage.\n",
	      f);
}

static int set_str(char *dst, size_t size, const char *v, const char *opt)
{
	if (!v[0] || strlen(v) >= size) {
		log_error("%s: value empty or too long", opt);
		return -EINVAL;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int listen_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (chmod(path, 0666) < 0)
		return -errno;
	if (listen(fd, 16) < 0)
		return -errno;
	return TAKE_FD(fd);
}

static void send_error(int fd, const char *status, const char *error)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "{\"status\":\"%s\",\"verb\":\"-\",\"error\":\"%s\"}\n", status, error);

	/* fixed texts only (no quotes or backslashes in them) */
	if (n > 0 && (size_t)n < sizeof(buf))
		frame_write(fd, buf, (size_t)n);
}

/* Serialises the handlers of concurrent connections (each is a child
 * process) with an flock on admind_dir/lock. -1 if it cannot (logged). */
static int lock_state(struct admind *d)
{
	char path[600];
	int fd, r;

	r = mkdir_p(d->admind_dir, 0700);
	if (r < 0) {
		log_errno(LOG_LVL_WARN, r, "cannot create %s", d->admind_dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/lock", d->admind_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		log_errno(LOG_LVL_WARN, -errno, "cannot lock %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void serve_one(struct admind *d, int fd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct timeval tv = { .tv_sec = REQUEST_TIMEOUT_S };
	_cleanup_free_ uint8_t *body = NULL;
	_cleanup_free_ char *resp = NULL;
	char verb[64], msg[1024];
	size_t len = 0, rlen = 0;
	enum verb_outcome o;
	enum role role;
	bool conflict;
	int r, lockfd;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cl != sizeof(cred)) {
		log_error("refused a connection: no peer credentials (SO_PEERCRED): %m");
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	role = role_resolve(cred.uid, &d->groups, &conflict);
	if (conflict && cred.uid == 0)
		log_warn("uid 0 is in a role group (%s or %s): root never gets a role, given the user role",
			 d->groups.admin, d->groups.audit);
	else if (conflict)
		log_warn("uid %u is in both role groups (%s and %s): the roles are exclusive, given the user role "
			 "only; fix the group database", (unsigned)cred.uid, d->groups.admin, d->groups.audit);
	r = frame_read(fd, REQ_MAX_FRAME, mono_ns() + (int64_t)REQUEST_TIMEOUT_S * 1000000000, &body, &len);
	if (r < 0) {
		const char *why = r == -EMSGSIZE ? "frame larger than the maximum request size" :
				  r == -ETIMEDOUT ? "no complete request within the time limit" :
				  r == -EPROTO ? "short or empty frame" : "cannot read the request";

		log_warn("uid=%u pid=%d role=%s verb=- outcome=invalid reason=\"%s\"", (unsigned)cred.uid, (int)cred.pid,
			 role_name(role), why);
		send_error(fd, "invalid", why);
		return;
	}
	/* one request at a time changes the state (uid allocation, the escrow mark...) */
	lockfd = lock_state(d);
	o = verb_dispatch(d, role, cred.uid, body, len, &resp, &rlen, verb, sizeof(verb), msg, sizeof(msg));
	if (lockfd >= 0)
		close(lockfd);
	secure_wipe(body, len);
	if (o == OUT_OK)
		log_info("uid=%u pid=%d role=%s verb=%s outcome=ok", (unsigned)cred.uid, (int)cred.pid, role_name(role),
			 verb);
	else
		log_warn("uid=%u pid=%d role=%s verb=%s outcome=%s reason=\"%s\"", (unsigned)cred.uid, (int)cred.pid,
			 role_name(role), verb, verb_outcome_name(o), msg);
	if (!resp) {
		send_error(fd, "failed", "cannot format the response");
		return;
	}
	r = frame_write(fd, resp, rlen);
	if (r < 0)
		log_warn("uid=%u verb=%s: cannot send the response: %s", (unsigned)cred.uid, verb, strerror(-r));
	secure_wipe(resp, rlen);
}

int main(int argc, char **argv)
{
	enum {
		O_SOCKET = 256, O_STATE, O_HOME, O_ESCROW, O_LOGS, O_CHECK, O_ATTEST, O_UPDATE, O_UNET, O_UIPSEC,
		O_UUPD, O_NOAPPLY, O_SDRUN, O_AGROUP, O_UGROUP, O_UIDS, O_VERSION,
	};
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "home-dir", required_argument, NULL, O_HOME },
		{ "escrow", required_argument, NULL, O_ESCROW },
		{ "log-store", required_argument, NULL, O_LOGS },
		{ "check", required_argument, NULL, O_CHECK },
		{ "attest", required_argument, NULL, O_ATTEST },
		{ "update", required_argument, NULL, O_UPDATE },
		{ "unit-network", required_argument, NULL, O_UNET },
		{ "unit-ipsec", required_argument, NULL, O_UIPSEC },
		{ "unit-update", required_argument, NULL, O_UUPD },
		{ "no-apply", no_argument, NULL, O_NOAPPLY },
		{ "systemd-run", no_argument, NULL, O_SDRUN },
		{ "admin-group", required_argument, NULL, O_AGROUP },
		{ "audit-group", required_argument, NULL, O_UGROUP },
		{ "uid-range", required_argument, NULL, O_UIDS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{},
	};
	static struct admind d;
	const char *sock = NULL;
	int c, lfd, n, children = 0;

	log_set_program("rempart-admind");
	log_level_from_env();
	admind_defaults(&d);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int r = 0;

		switch (c) {
		case O_SOCKET: sock = optarg; break;
		case O_STATE:
			r = admind_set_state_dir(&d, optarg);
			if (r < 0)
				log_error("--state-dir: expected an absolute path");
			break;
		case O_HOME: r = set_str(d.home_dir, sizeof(d.home_dir), optarg, "--home-dir"); break;
		case O_ESCROW: r = set_str(d.escrow_path, sizeof(d.escrow_path), optarg, "--escrow"); break;
		case O_LOGS: r = set_str(d.log_store, sizeof(d.log_store), optarg, "--log-store"); break;
		case O_CHECK: r = set_str(d.check_prog, sizeof(d.check_prog), optarg, "--check"); break;
		case O_ATTEST: r = set_str(d.attest_prog, sizeof(d.attest_prog), optarg, "--attest"); break;
		case O_UPDATE: r = set_str(d.update_prog, sizeof(d.update_prog), optarg, "--update"); break;
		case O_UNET: r = set_str(d.unit_network, sizeof(d.unit_network), optarg, "--unit-network"); break;
		case O_UIPSEC: r = set_str(d.unit_ipsec, sizeof(d.unit_ipsec), optarg, "--unit-ipsec"); break;
		case O_UUPD: r = set_str(d.unit_update, sizeof(d.unit_update), optarg, "--unit-update"); break;
		case O_NOAPPLY: d.apply = false; break;
		case O_SDRUN: d.systemd_run = true; break;
		case O_AGROUP: d.groups.admin = optarg; break;
		case O_UGROUP: d.groups.audit = optarg; break;
		case O_UIDS: {
			char *dash = strchr(optarg, '-');
			uint64_t lo, hi;

			if (!dash || (*dash = '\0', parse_u64_range(optarg, 1000, 0x7ffffffe, &lo) < 0) ||
			    parse_u64_range(dash + 1, lo, 0x7ffffffe, &hi) < 0) {
				log_error("--uid-range: expected MIN-MAX with 1000 <= MIN <= MAX");
				r = -EINVAL;
			} else {
				d.uid_min = (uid_t)lo;
				d.uid_max = (uid_t)hi;
			}
			break;
		}
		case 'h': usage(stdout); return EXIT_OK;
		case O_VERSION: printf("rempart-admind %s\n", REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
		if (r < 0)
			return EXIT_USAGE;
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (see --help)", argv[optind]);
		return EXIT_USAGE;
	}
	for (const char *const *p = (const char *const[]){ d.escrow_path, d.log_store, d.check_prog, d.attest_prog,
							    d.update_prog, d.home_dir, NULL };
	     *p; p++)
		if ((*p)[0] != '/') {
			log_error("%s: every path option must be absolute", *p);
			return EXIT_USAGE;
		}
	signal(SIGPIPE, SIG_IGN);
	umask(0022);
	if (sock) {
		lfd = listen_path(sock);
		if (lfd < 0) {
			log_errno(LOG_LVL_ERROR, lfd, "cannot listen on %s", sock);
			return EXIT_FAIL;
		}
	} else {
		n = sd_listen_fds(1);
		if (n != 1 || sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0) {
			log_error("no listening Unix stream socket from systemd (got %d file descriptors): run from "
				  "rempart-admind.socket, or pass --socket PATH", n < 0 ? 0 : n);
			return EXIT_USAGE;
		}
		lfd = SD_LISTEN_FDS_START;
	}
	log_info("serving on %s (state %s, apply %s)", sock ? sock : "the socket-activated socket", d.config_dir,
		 d.apply ? "through systemd" : "off");
	sd_notify(0, "READY=1");
	for (;;) {
		int fd;
		pid_t pid;

		/* reap; at most MAX_CHILDREN connections served at once */
		while (children > 0 && waitpid(-1, NULL, children >= MAX_CHILDREN ? 0 : WNOHANG) > 0)
			children--;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN)
				continue;
			log_errno(LOG_LVL_ERROR, -errno, "accept failed");
			return EXIT_FAIL;
		}
		/* a child per connection: a slow client never holds the others up */
		pid = fork();
		if (pid == 0) {
			close(lfd);
			serve_one(&d, fd);
			close(fd);
			_exit(0);
		}
		if (pid < 0)
			log_errno(LOG_LVL_WARN, -errno, "cannot fork to serve a connection");
		else
			children++;
		close(fd);
	}
}
