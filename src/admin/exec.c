/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Programs admind runs (rempart-check, rempart-attest, rempart-update
 * status): fixed absolute paths from the daemon's configuration, fixed
 * arguments, validated values only, no shell, a fixed environment. And
 * the units it restarts or starts through sd-bus. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "admind.h"
#include "cleanup.h"
#include "request.h"

#define SYSTEMD_RUN "/usr/bin/systemd-run"

static int append(char **buf, size_t *len, size_t *cap, size_t max, const char *p, size_t n, bool *truncated)
{
	if (*len + n > max) {
		n = max - *len;
		*truncated = true;
	}
	if (*len + n + 1 > *cap) {
		size_t nc = (*len + n + 1) * 2;
		char *nb = realloc(*buf, nc > max + 1 ? max + 1 : nc);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = nc > max + 1 ? max + 1 : nc;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

int spawn_capture(char *const argv[], size_t max, unsigned timeout_s, char **out, size_t *outlen, char *errbuf,
		  size_t errlen, int *status)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", NULL };
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	_cleanup_free_ char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, ocap = 0, elen = 0, ecap = 0;
	bool trunc = false, etrunc = false, killed = false;
	int64_t deadline = mono_ns() + (int64_t)timeout_s * 1000000000;
	pid_t pid;
	int st, r = 0;

	if (pipe2(op, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		r = -errno;
		close(op[0]);
		close(op[1]);
		return r;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(op[1]);
	close(ep[1]);
	if (r != 0) {
		close(op[0]);
		close(ep[0]);
		return -r;
	}
	{
		struct pollfd pfd[2] = { { .fd = op[0], .events = POLLIN }, { .fd = ep[0], .events = POLLIN } };
		int open_fds = 2;

		while (open_fds > 0) {
			int64_t left = deadline - mono_ns();
			char chunk[65536];
			int pr;

			if (left <= 0) {
				kill(pid, SIGKILL);
				killed = true;
				break;
			}
			pr = poll(pfd, 2, (int)(left / 1000000 + 1));
			if (pr < 0 && errno != EINTR) {
				r = -errno;
				kill(pid, SIGKILL);
				break;
			}
			for (int i = 0; i < 2 && pr > 0; i++) {
				ssize_t n;

				if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				n = read(pfd[i].fd, chunk, sizeof(chunk));
				if (n <= 0) {
					close(pfd[i].fd);
					pfd[i].fd = -1;
					open_fds--;
					continue;
				}
				if (i == 0)
					r = append(&obuf, &olen, &ocap, max, chunk, (size_t)n, &trunc);
				else
					r = append(&ebuf, &elen, &ecap, 4096, chunk, (size_t)n, &etrunc);
				if (r < 0) {
					kill(pid, SIGKILL);
					open_fds = 0;
				}
			}
		}
		for (int i = 0; i < 2; i++)
			if (pfd[i].fd >= 0)
				close(pfd[i].fd);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (r < 0)
		return r;
	if (killed)
		return -ETIME;
	if (trunc)
		return -EFBIG;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	snprintf(errbuf, errlen, "%s", ebuf ? ebuf : "");
	/* the first line is what gets quoted */
	errbuf[strcspn(errbuf, "\n")] = '\0';
	*out = obuf ? TAKE_PTR(obuf) : strdup("");
	*outlen = olen;
	return *out ? 0 : -ENOMEM;
}

int verb_apply(struct admind *d, const char *unit, const char *method, struct json *out, char *msg, size_t msglen)
{
	sd_bus *bus = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	int r;

	if (!d->apply) {
		json_kv_str(out, "applied", "no (--no-apply)");
		return 0;
	}
	r = sd_bus_open_system(&bus);
	if (r < 0)
		return verb_fail(msg, msglen, r, "written, but cannot reach systemd over D-Bus to %s %s: %s "
				 "(the change applies at the next boot)", method, unit, strerror(-r));
	r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", method, &err, &reply, "ss", unit, "replace");
	if (r < 0)
		verb_fail(msg, msglen, r, "written, but systemd refused to %s %s: %s (the change applies at the "
			  "next boot)", method, unit, err.message ? err.message : strerror(-r));
	else
		json_kv_str(out, "applied", unit);
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}

static int run_tool(struct admind *d, const char *what, char *const argv[], size_t max, unsigned timeout_s,
		    bool nonzero_fails, struct json *out, char *msg, size_t msglen)
{
	/* --systemd-run: the same fixed command line, as a transient service of
	 * its own (outside admind's sandbox: rempart-check must see the system,
	 * rempart-attest the TPM); systemd-run --wait returns its exit status */
	char *via[16];
	size_t nv = 0;
	_cleanup_free_ char *output = NULL;
	char errline[512];
	size_t len;
	int status = 0, r;

	if (access(argv[0], X_OK) < 0)
		return verb_fail(msg, msglen, -ENOENT, "%s: %s is not installed (%s is unavailable on this system)",
				 what, argv[0], what);
	if (d->systemd_run) {
		static char *const prefix[] = { SYSTEMD_RUN, "--pipe", "--wait", "--quiet", "--collect",
						"--service-type=exec", "--property=StandardInput=null", "--" };

		for (size_t i = 0; i < ARRAY_SIZE(prefix); i++)
			via[nv++] = prefix[i];
		for (size_t i = 0; argv[i] && nv < ARRAY_SIZE(via) - 1; i++)
			via[nv++] = argv[i];
		via[nv] = NULL;
		argv = via;
	}
	r = spawn_capture(argv, max, timeout_s, &output, &len, errline, sizeof(errline), &status);
	if (r == -ETIME)
		return verb_fail(msg, msglen, r, "%s: %s did not finish within %u s (killed)", what, argv[0],
				 timeout_s);
	if (r == -EFBIG)
		return verb_fail(msg, msglen, r, "%s: %s wrote more than %zu bytes", what, argv[0], max);
	if (r < 0)
		return verb_fail(msg, msglen, r, "%s: cannot run %s: %s", what, argv[0], strerror(-r));
	if (nonzero_fails && status != 0)
		return verb_fail(msg, msglen, -EIO, "%s: %s failed (exit %d): %s", what, argv[0], status,
				 errline[0] ? errline : "no message");
	json_kv_i64(out, "exit_status", status);
	json_key(out, "output");
	json_strn(out, output, len);
	return 0;
}

int verb_check_run(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	char *argv[] = { d->check_prog, "--json", NULL };

	(void)req;
	/* failing checks are a report, not a failure of the verb */
	return run_tool(d, "check.run", argv, 8u << 20, 600, false, out, msg, msglen);
}

int verb_attest_quote(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	char *argv[] = { d->attest_prog, "quote", "--nonce", req_get(req, "nonce")->str, NULL };

	return run_tool(d, "attest.quote", argv, 4u << 20, 120, true, out, msg, msglen);
}

int verb_update_status(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	char *argv[] = { d->update_prog, "status", "--json", NULL };

	(void)req;
	return run_tool(d, "update.status", argv, 1u << 20, 60, true, out, msg, msglen);
}

int verb_update_trigger(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	(void)req;
	if (!d->apply) {
		json_kv_str(out, "started", "no (--no-apply)");
		return 0;
	}
	return verb_apply(d, d->unit_update, "StartUnit", out, msg, msglen);
}
