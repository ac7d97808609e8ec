/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

extern char **environ;

static char *log_path;

void exec_set_log(const char *path)
{
	free(log_path);
	log_path = path ? strdup(path) : NULL;
}

const char *exec_get_log(void)
{
	return log_path;
}

void argv_add(struct argv *a, const char *s)
{
	if (a->error)
		return;
	if (a->n + 2 > a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		char **nv = realloc(a->v, ncap * sizeof(*nv));

		if (!nv) {
			a->error = -ENOMEM;
			return;
		}
		a->v = nv;
		a->cap = ncap;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n]) {
		a->error = -ENOMEM;
		return;
	}
	a->n++;
	a->v[a->n] = NULL;
}

void argv_addf(struct argv *a, const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		a->error = -ENOMEM;
		va_end(ap);
		return;
	}
	va_end(ap);
	argv_add(a, s);
	free(s);
}

void argv_free(struct argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static char **merge_env(char *const *extra)
{
	size_t n = 0, m = 0;
	char **e;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	e = calloc(n + m + 1, sizeof(*e));
	if (!e)
		return NULL;
	for (size_t i = 0; i < m; i++)
		e[i] = extra[i];
	const size_t nextra = m;
	for (size_t i = 0; i < n; i++) {
		bool overridden = false;
		const char *eq = strchr(environ[i], '=');
		size_t klen = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);

		for (size_t j = 0; j < nextra; j++)
			if (strncmp(extra[j], environ[i], klen) == 0)
				overridden = true;
		if (!overridden)
			e[m++] = environ[i];
	}
	return e;
}

static void log_cmdline(const struct argv *a)
{
	char buf[2048];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < a->n && o < sizeof(buf) - 1; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? " " : "", a->v[i]);
	log_debug("running: %s", buf);
}

static int spawn(struct argv *a, char *const *env, int out_fd, int err_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	_cleanup_free_ char **e = NULL;
	int r;

	if (a->error)
		return a->error;
	if (a->n == 0)
		return -EINVAL;
	e = merge_env(env);
	if (!e)
		return -ENOMEM;
	log_cmdline(a);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	if (err_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
	r = posix_spawnp(pid, a->v[0], &fa, NULL, a->v, e);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

static int wait_child(pid_t pid, const struct argv *a, int *status)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st)) {
		if (status)
			*status = WEXITSTATUS(st);
		if (WEXITSTATUS(st) == 0)
			return 0;
		log_debug("%s exited with status %d", a->v[0], WEXITSTATUS(st));
	} else {
		if (status)
			*status = 128 + WTERMSIG(st);
		log_debug("%s killed by signal %d", a->v[0], WTERMSIG(st));
	}
	return -ECHILD;
}

static int open_log(bool quiet)
{
	if (log_path)
		return open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	return quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
}

int run_command(struct argv *a, char *const *env, const char *out_path, bool quiet, int *status)
{
	_cleanup_close_ int out_fd = -1, err_fd = -1;
	pid_t pid;
	int r;

	if (out_path) {
		out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out_fd < 0)
			return -errno;
	} else if (quiet || log_path) {
		out_fd = open_log(quiet);
	}
	err_fd = open_log(quiet);
	r = spawn(a, env, out_fd, err_fd, &pid);
	if (r < 0)
		return r;
	return wait_child(pid, a, status);
}

int run_capture(struct argv *a, char **out, size_t max)
{
	_cleanup_close_ int err_fd = open_log(true);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int p[2], r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = spawn(a, NULL, p[1], err_fd, &pid);
	close(p[1]);
	if (r < 0) {
		close(p[0]);
		return r;
	}
	buf = malloc(max + 1);
	if (!buf) {
		close(p[0]);
		wait_child(pid, a, NULL);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(p[0], buf + len, max - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == max)
			break;
	}
	close(p[0]);
	buf[len] = '\0';
	r = wait_child(pid, a, NULL);
	if (r < 0)
		return r;
	*out = TAKE_PTR(buf);
	return 0;
}
