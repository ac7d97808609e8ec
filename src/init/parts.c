/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "parts.h"

#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int part_find(const char *uuid, const char *type, const char *name, char *dev, size_t size)
{
	DIR *d = opendir("/sys/class/block");
	struct dirent *e;
	int found = 0, r = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char part[512], path[300];
		const char *u = NULL, *t = NULL, *n = NULL;
		blkid_probe pr;

		if (e->d_name[0] == '.')
			continue;
		snprintf(part, sizeof(part), "/sys/class/block/%s/partition", e->d_name);
		if (access(part, F_OK) < 0)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		pr = blkid_new_probe_from_filename(path);
		if (!pr)
			continue;
		blkid_probe_enable_superblocks(pr, 0);
		blkid_probe_enable_partitions(pr, 1);
		blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
		if (blkid_do_safeprobe(pr) == 0) {
			blkid_probe_lookup_value(pr, "PART_ENTRY_UUID", &u, NULL);
			blkid_probe_lookup_value(pr, "PART_ENTRY_TYPE", &t, NULL);
			blkid_probe_lookup_value(pr, "PART_ENTRY_NAME", &n, NULL);
			if ((!uuid || (u && strcasecmp(u, uuid) == 0)) && (!name || (n && strcmp(n, name) == 0))) {
				if (!t || strcasecmp(t, type) != 0) {
					if (uuid)
						r = -EMEDIUMTYPE;
				} else {
					found++;
				}
				snprintf(dev, size, "%s", path);
			}
		}
		blkid_free_probe(pr);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (found > 1)
		return -ENOTUNIQ;
	return found ? 0 : -ENOENT;
}
