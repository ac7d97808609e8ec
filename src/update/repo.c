/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "release.h"
#include "repo.h"

int repo_manifest_path(const char *repo, const char *product, const char *channel, bool previous, char **out)
{
	if (asprintf(out, "%s/%s/channels/%s%s.manifest", repo, product, channel, previous ? ".previous" : "") < 0)
		return -ENOMEM;
	return 0;
}

int repo_write_signed(const char *repo, const struct um_manifest *m, bool previous, const struct ms_seckey *sk)
{
	_cleanup_free_ char *path = NULL, *sigpath = NULL, *dir = NULL, *text = NULL, *tc = NULL, *sig = NULL;
	int r;

	if (asprintf(&dir, "%s/%s/channels", repo, m->product) < 0)
		return -ENOMEM;
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	if ((r = repo_manifest_path(repo, m->product, m->channel, previous, &path)) < 0)
		return r;
	if (asprintf(&sigpath, "%s.minisig", path) < 0)
		return -ENOMEM;
	if ((r = um_serialize(m, &text)) < 0 || (r = um_trusted_comment(m, &tc)) < 0)
		return r;
	r = ms_sign(sk, (const uint8_t *)text, strlen(text), tc, &sig);
	if (r < 0)
		return r;
	r = write_file_atomic(sigpath, sig, strlen(sig), 0644);
	if (r < 0)
		return r;
	return write_file_atomic(path, text, strlen(text), 0644);
}

int repo_load_signed(const char *repo, const char *product, const char *channel, bool previous,
		     const struct ms_pubkey *pk, struct um_manifest *m, struct uc_result *res)
{
	_cleanup_free_ char *path = NULL, *sigpath = NULL;
	_cleanup_free_ uint8_t *man = NULL, *sig = NULL;
	size_t mlen, slen;
	int r;

	if ((r = repo_manifest_path(repo, product, channel, previous, &path)) < 0)
		return r;
	if (asprintf(&sigpath, "%s.minisig", path) < 0)
		return -ENOMEM;
	r = read_file(path, UM_MAX_SIZE, &man, &mlen);
	if (r < 0)
		return r;
	r = read_file(sigpath, MS_SIGFILE_MAX, &sig, &slen);
	if (r < 0)
		return r;
	return uc_verify_signed(man, mlen, sig, slen, pk, m, res);
}

static int copy_file(const char *src, const char *dst)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	struct stat st;

	if (in < 0 || fstat(in, &st) < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0)
		return -errno;
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		left -= n;
	}
	if (fsync(out) < 0)
		return -errno;
	return 0;
}

static void rm_tree_shallow(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				(void)unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	(void)rmdir(dir);
}

int repo_install_files(const char *repo, const struct um_manifest *m, const char *src_dir,
		       const char *const *files, const struct um_artifact *const *arts, size_t n, char err[UM_ERR_MAX])
{
	_cleanup_free_ char *rel = NULL, *final = NULL, *tmp = NULL;
	struct stat st;
	int r;

	if (asprintf(&rel, "%s/%s/releases", repo, m->product) < 0 ||
	    asprintf(&final, "%s/%s", rel, m->version) < 0)
		return -ENOMEM;
	r = mkdir_p(rel, 0755);
	if (r < 0)
		return r;
	if (stat(final, &st) == 0) {
		/* Already published: identical content only (artifact paths
		 * are named by version, a version's bytes never change). */
		for (size_t i = 0; i < n; i++) {
			const char *base = strrchr(arts[i]->path, '/') + 1;

			r = ur_check_file(final, base, arts[i], err);
			if (r == -ENOENT)
				snprintf(err, UM_ERR_MAX, "%s/%s: missing from the already published release", final, base);
			if (r < 0)
				return r == -ENOENT ? -EBADMSG : r;
		}
		return 0;
	}
	if (asprintf(&tmp, "%s/.tmp-%s-%d", rel, m->version, (int)getpid()) < 0)
		return -ENOMEM;
	rm_tree_shallow(tmp);
	if (mkdir(tmp, 0755) < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *src = NULL, *dst = NULL;
		const char *base = strrchr(arts[i]->path, '/') + 1;

		if (asprintf(&src, "%s/%s", src_dir, files[i]) < 0 || asprintf(&dst, "%s/%s", tmp, base) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		r = copy_file(src, dst);
		if (r < 0)
			goto fail;
	}
	r = fsync_parent_dir(tmp);
	if (r < 0)
		goto fail;
	if (rename(tmp, final) < 0) {
		r = -errno;
		goto fail;
	}
	return fsync_parent_dir(final);
fail:
	rm_tree_shallow(tmp);
	return r;
}
