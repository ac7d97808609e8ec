/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "espmount.h"
#include "fileio.h"

int esp_mount_unit_write(const char *unit_dir, const char *dev)
{
	_cleanup_free_ char *unit = NULL, *path = NULL, *wants = NULL, *link = NULL;
	int r;

	if (strncmp(dev, "/dev/", 5) != 0 || strpbrk(dev, " \t\n\\%") || strstr(dev, ".."))
		return -EINVAL;
	if (asprintf(&unit,
		     "# Written by rempart-init: the ESP of the disk holding the verified root.\n"
		     "[Unit]\n"
		     "Description=EFI System Partition (boot entries)\n"
		     "Documentation=file:/usr/share/doc/rempart/update.md\n"
		     "DefaultDependencies=no\n"
		     "Conflicts=umount.target\n"
		     "Before=local-fs.target umount.target\n"
		     "\n"
		     "[Mount]\n"
		     "What=%s\n"
		     "Where=/efi\n"
		     "Type=vfat\n"
		     "Options=umask=0077,nosuid,nodev,noexec,dirsync,errors=remount-ro\n"
		     "DirectoryMode=0700\n",
		     dev) < 0 ||
	    asprintf(&path, "%s/efi.mount", unit_dir) < 0 ||
	    asprintf(&wants, "%s/local-fs.target.wants", unit_dir) < 0 ||
	    asprintf(&link, "%s/efi.mount", wants) < 0)
		return -ENOMEM;
	r = mkdir_p(wants, 0755);
	if (r < 0)
		return r;
	r = write_file_atomic(path, unit, strlen(unit), 0644);
	if (r < 0)
		return r;
	if (symlink("../efi.mount", link) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
