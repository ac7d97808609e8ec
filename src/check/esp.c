/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "esp.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"

extern char **environ;

/* Runs argv with stdout captured (at most max bytes). Returns the exit
 * status (>= 0) or a negative errno. */
static int run_capture(char *const argv[], size_t max, uint8_t **out, size_t *outlen)
{
	int pipefd[2], status, r = 0;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	char *envp[] = { (char *)"MTOOLS_SKIP_CHECK=1", (char *)"LC_ALL=C", (char *)"PATH=/usr/bin:/bin", NULL };

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return -r;
	}
	r = 0;
	for (;;) {
		ssize_t n;

		if (len + 65536 > cap) {
			size_t ncap = cap ? cap * 2 : 65536 * 2;
			uint8_t *nb = realloc(buf, ncap + 1);

			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		n = read(pipefd[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > max) {
			r = -EFBIG;
			break;
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (r < 0) {
		free(buf);
		return r;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int img_arg(const struct esp *e, char **arg)
{
	return asprintf(arg, "%s@@%llu", e->image, (unsigned long long)e->offset) < 0 ? -ENOMEM : 0;
}

static bool safe_path(const char *p)
{
	return p[0] == '/' && !strstr(p, "..") && strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						   "0123456789/._+-~") == strlen(p);
}

int esp_list(const struct esp *e, const char *dir, struct strv *out)
{
	_cleanup_free_ char *img = NULL, *target = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;
	int r;

	if (!safe_path(dir))
		return -EINVAL;
	if (img_arg(e, &img) < 0 || asprintf(&target, "::%s", dir) < 0)
		return -ENOMEM;
	char *argv[] = { (char *)"mdir", (char *)"-b", (char *)"-i", img, target, NULL };
	r = run_capture(argv, 1 << 20, &buf, &len);
	if (r < 0)
		return r;
	if (r != 0)
		return -ENOENT;
	for (char *l = (char *)buf; l && *l;) {
		char *nl = strchr(l, '\n');

		if (nl)
			*nl = '\0';
		if (strncmp(l, "::", 2) == 0 && l[2]) {
			r = strv_push(out, l + 2);
			if (r < 0)
				return r;
		}
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

int esp_read(const struct esp *e, const char *path, size_t max, uint8_t **buf, size_t *len)
{
	_cleanup_free_ char *img = NULL, *target = NULL;
	int r;

	if (!safe_path(path))
		return -EINVAL;
	if (img_arg(e, &img) < 0 || asprintf(&target, "::%s", path) < 0)
		return -ENOMEM;
	char *argv[] = { (char *)"mtype", (char *)"-i", img, target, NULL };
	r = run_capture(argv, max, buf, len);
	if (r > 0) {
		free(*buf);
		*buf = NULL;
		return -ENOENT;
	}
	return r;
}
