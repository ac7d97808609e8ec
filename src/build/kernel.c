/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel: Debian's linux-image package, downloaded (never installed on
 * the build host) into the cache, unpacked, modules indexed with depmod. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "exec.h"
#include "log.h"

/* Resolves the meta package (linux-image-amd64) to "name=version". */
static int resolve_kernel_package(const char *meta, char **name, char **version)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *out = NULL;
	char *dep, *end, *ver;
	int r;

	argv_add(&a, "apt-cache");
	argv_add(&a, "show");
	argv_add(&a, "--no-all-versions");
	argv_add(&a, meta);
	r = run_capture(&a, &out, 1 << 20);
	if (r < 0)
		return r;
	dep = strstr(out, "\nDepends: ");
	if (!dep)
		return -ENOENT;
	dep += strlen("\nDepends: ");
	end = dep + strcspn(dep, " ,\n");
	ver = strstr(dep, "(= ");
	if (!ver || ver > strchr(dep, '\n'))
		return -EBADMSG;
	*name = strndup(dep, (size_t)(end - dep));
	ver += 3;
	*version = strndup(ver, strcspn(ver, ")"));
	return *name && *version ? 0 : -ENOMEM;
}

static int find_deb(const char *dir, const char *name, const char *version, char **path)
{
	_cleanup_free_ char *v = strdup(version);
	char *p;

	if (!v)
		return -ENOMEM;
	/* apt escapes ':' of epochs as %3a in file names */
	if ((p = strchr(v, ':')))
		memmove(v, p + 1, strlen(p));
	if (asprintf(path, "%s/%s_%s_amd64.deb", dir, name, v) < 0)
		return -ENOMEM;
	return access(*path, R_OK) == 0 ? 0 : -ENOENT;
}

int build_kernel(struct build_ctx *b)
{
	_cleanup_free_ char *name = NULL, *version = NULL, *deb = NULL, *cache = NULL;
	const char *meta = product_get(b, "kernel_package");
	int r, cwd;

	step_begin("kernel package");
	r = resolve_kernel_package(meta, &name, &version);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot resolve %s with apt-cache (run apt-get update?)", meta);
	if (asprintf(&cache, "%s/kernel", b->cache_dir) < 0)
		return -ENOMEM;
	r = mkdir_p(cache, 0755);
	if (r < 0)
		return r;
	if (find_deb(cache, name, version, &deb) < 0) {
		_cleanup_(argv_freep) struct argv a = ARGV_INIT;

		argv_add(&a, "apt-get");
		argv_add(&a, "download");
		argv_addf(&a, "%s=%s", name, version);
		cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cwd < 0 || chdir(cache) < 0)
			return log_errno(LOG_LVL_ERROR, -errno, "cannot enter %s", cache);
		r = run_command(&a, NULL, NULL, true, NULL);
		if (fchdir(cwd) < 0)
			r = -errno;
		close(cwd);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot download %s=%s from the apt sources", name, version);
		free(deb);
		deb = NULL;
		r = find_deb(cache, name, version, &deb);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "downloaded kernel package not found as %s", deb);
	}
	r = rm_rf(b->kernel_dir);
	if (r < 0)
		return r;
	{
		_cleanup_(argv_freep) struct argv a = ARGV_INIT;

		argv_add(&a, "dpkg-deb");
		argv_add(&a, "-x");
		argv_add(&a, deb);
		argv_add(&a, b->kernel_dir);
		r = run_command(&a, NULL, NULL, true, NULL);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot unpack %s", deb);
	}
	/* package linux-image-6.1.0-56-amd64 ships modules of 6.1.0-56-amd64 */
	if (strncmp(name, "linux-image-", 12) != 0)
		return -EINVAL;
	b->kernel_version = strdup(name + 12);
	if (asprintf(&b->kernel_package, "%s=%s", name, version) < 0 || !b->kernel_version)
		return -ENOMEM;
	{
		_cleanup_(argv_freep) struct argv a = ARGV_INIT;

		argv_add(&a, "depmod");
		argv_add(&a, "-b");
		argv_add(&a, b->kernel_dir);
		argv_add(&a, b->kernel_version);
		r = run_command(&a, NULL, NULL, true, NULL);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "depmod failed on the unpacked kernel");
	}
	step_end();
	log_debug("kernel %s", b->kernel_package);
	return 0;
}
