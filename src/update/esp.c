/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "esp.h"
#include "fault.h"
#include "fileio.h"
#include "log.h"
#include "parse.h"
#include "repo.h"

bool esp_parse_name(const char *name, struct esp_entry *e)
{
	size_t n = strlen(name);
	char buf[UM_VERSION_MAX + 32], *plus, *dash;

	memset(e, 0, sizeof(*e));
	if (n >= sizeof(buf) || n < 13 || strncmp(name, "rempart_", 8) != 0 || strcmp(name + n - 4, ".efi") != 0)
		return false;
	memcpy(buf, name + 8, n - 12);
	buf[n - 12] = '\0';
	plus = strchr(buf, '+');
	if (plus) {
		uint32_t v;

		*plus++ = '\0';
		dash = strchr(plus, '-');
		if (dash)
			*dash++ = '\0';
		if (parse_u32(plus, &v) < 0 || v > 100)
			return false;
		e->left = v;
		if (dash) {
			if (parse_u32(dash, &v) < 0 || v > 100)
				return false;
			e->done = v;
		}
		e->counting = true;
	}
	if (!um_version_valid(buf))
		return false;
	if (strlen(buf) >= sizeof(e->version))
		return false;
	memcpy(e->version, buf, strlen(buf) + 1);
	memcpy(e->file, name, n + 1);
	return true;
}

int esp_list(const char *esp, struct esp_entry *out, size_t max, size_t *n)
{
	_cleanup_free_ char *dir = NULL;
	DIR *d;
	struct dirent *de;

	*n = 0;
	if (asprintf(&dir, "%s/EFI/Linux", esp) < 0)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (*n == max)
			break;
		if (esp_parse_name(de->d_name, &out[*n]))
			(*n)++;
	}
	closedir(d);
	return 0;
}

int esp_install_uki(const char *esp, const char *src, const char *version, unsigned tries)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	_cleanup_(atomic_file_discardp) struct atomic_file af = ATOMIC_FILE_INIT;
	_cleanup_close_ int in = -1;
	uint8_t buf[65536];
	uint64_t total = 0, done = 0;
	int r;

	if (asprintf(&dir, "%s/EFI/Linux", esp) < 0 ||
	    asprintf(&path, "%s/rempart_%s+%u.efi", dir, version, tries) < 0)
		return -ENOMEM;
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	r = fd_get_size(in, &total);
	if (r < 0)
		return r;
	r = atomic_file_open(&af, path, 0644);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t k = read(in, buf, sizeof(buf));

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		r = write_full(af.fd, buf, (size_t)k);
		if (r < 0)
			return r;
		done += (uint64_t)k;
		fault_progress("esp-write", done, total);
	}
	r = atomic_file_commit(&af);
	if (r < 0)
		return r;
	/* vfat: a rename writes the new directory entry with size 0 and no
	 * first cluster; the real ones follow when the inode is written back.
	 * fsync of the file and of the directory was measured not to be
	 * enough (a power cut right after left the entry empty), so: set the
	 * same times again to dirty the inode, fsync it (its entry is then
	 * written synchronously) and sync the whole ESP. The ESP is also
	 * mounted dirsync (src/init/espmount.c), which makes the rename
	 * itself write the inode. */
	{
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		struct stat st;

		if (fd < 0 || fstat(fd, &st) < 0)
			return -errno;
		if (futimens(fd, (const struct timespec[2]){ st.st_atim, st.st_mtim }) < 0)
			log_debug("futimens %s: %s (the syncs below still run)", path, strerror(errno));
		if (fsync(fd) < 0 || syncfs(fd) < 0)
			return -errno;
	}
	return 0;
}

int esp_remove(const char *esp, const char *file)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/EFI/Linux/%s", esp, file) < 0)
		return -ENOMEM;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return fsync_parent_dir(path);
}

int esp_clean_temps(const char *esp)
{
	_cleanup_free_ char *dir = NULL;
	struct dirent *de;
	bool removed = false;
	DIR *d;
	int r = 0;

	if (asprintf(&dir, "%s/EFI/Linux", esp) < 0)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".#rempart_", 10) == 0) {
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
				r = -errno;
			removed = true;
		}
	if (removed && fsync(dirfd(d)) < 0 && r == 0)
		r = -errno;
	closedir(d);
	return r;
}
