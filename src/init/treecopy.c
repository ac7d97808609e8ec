/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "treecopy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

/* Copies the tree at src_fd into dst_fd (a fresh tmpfs), preserving modes,
 * owners and symlinks; other special files are skipped. */
static int copy_tree(int src_fd, int dst_fd, int depth)
{
	_cleanup_close_ int dupfd = dup(src_fd);
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (depth > 64)
		return -ELOOP;
	if (dupfd < 0)
		return -errno;
	d = fdopendir(dupfd);
	if (!d)
		return -errno;
	dupfd = -1;
	while ((e = readdir(d)) && r == 0) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int s = -1, t = -1;

			if (mkdirat(dst_fd, e->d_name, st.st_mode & 07777) < 0 && errno != EEXIST) {
				r = -errno;
				break;
			}
			s = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			t = openat(dst_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s < 0 || t < 0) {
				r = -errno;
				break;
			}
			r = copy_tree(s, t, depth + 1);
			if (r == 0 && (fchown(t, st.st_uid, st.st_gid) < 0 || fchmod(t, st.st_mode & 07777) < 0))
				r = -errno;
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);

			if (n < 0) {
				r = -errno;
				break;
			}
			target[n] = '\0';
			if (symlinkat(target, dst_fd, e->d_name) < 0 ||
			    fchownat(dst_fd, e->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
				r = -errno;
		} else if (S_ISREG(st.st_mode)) {
			_cleanup_close_ int s = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
			_cleanup_close_ int t = openat(dst_fd, e->d_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			char buf[65536];
			ssize_t n;

			if (s < 0 || t < 0) {
				r = -errno;
				break;
			}
			while ((n = read(s, buf, sizeof(buf))) > 0)
				if (write_full(t, buf, (size_t)n) < 0) {
					n = -1;
					break;
				}
			if (n < 0 || fchown(t, st.st_uid, st.st_gid) < 0 || fchmod(t, st.st_mode & 07777) < 0)
				r = -errno ? -errno : -EIO;
		}
	}
	closedir(d);
	return r;
}


int tree_copy(int src_fd, int dst_fd)
{
	return copy_tree(src_fd, dst_fd, 0);
}
