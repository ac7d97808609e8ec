/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <libfdisk/libfdisk.h>
#include <string.h>

#include "cleanup.h"
#include "disk.h"
#include "uuid.h"

DEFINE_POINTER_CLEANUP(struct fdisk_context, fdisk_unref_context)
DEFINE_POINTER_CLEANUP(struct fdisk_table, fdisk_unref_table)
DEFINE_POINTER_CLEANUP(struct fdisk_iter, fdisk_free_iter)
DEFINE_POINTER_CLEANUP(struct fdisk_partition, fdisk_unref_partition)

/* Our own descriptor, without O_EXCL: on the device the disk is in use
 * (ESP mounted, running slot opened by dm-verity) and an exclusive open of
 * the whole disk would fail. The caller closes *fd after deassigning. */
static int open_ctx(const char *disk, bool readonly, struct fdisk_context **out, int *fd)
{
	_cleanup_(fdisk_unref_contextp) struct fdisk_context *cxt = fdisk_new_context();
	_cleanup_close_ int dfd = -1;
	int r;

	if (!cxt)
		return -ENOMEM;
	dfd = open(disk, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
	if (dfd < 0)
		return -errno;
	r = fdisk_assign_device_by_fd(cxt, dfd, disk, readonly);
	if (r < 0)
		return r;
	if (!fdisk_is_label(cxt, GPT)) {
		fdisk_deassign_device(cxt, 1);
		return -EMEDIUMTYPE;
	}
	*out = TAKE_PTR(cxt);
	*fd = TAKE_FD(dfd);
	return 0;
}

int disk_read_layout(const char *disk, struct disk_layout *l)
{
	_cleanup_(fdisk_unref_contextp) struct fdisk_context *cxt = NULL;
	_cleanup_(fdisk_unref_tablep) struct fdisk_table *tb = NULL;
	_cleanup_(fdisk_free_iterp) struct fdisk_iter *it = NULL;
	_cleanup_close_ int fd = -1;
	struct fdisk_partition *pa;
	unsigned long ss;
	int r;

	memset(l, 0, sizeof(*l));
	r = open_ctx(disk, true, &cxt, &fd);
	if (r < 0)
		return r;
	ss = fdisk_get_sector_size(cxt);
	r = fdisk_get_partitions(cxt, &tb);
	if (r < 0)
		goto out;
	it = fdisk_new_iter(FDISK_ITER_FORWARD);
	if (!it) {
		r = -ENOMEM;
		goto out;
	}
	while (fdisk_table_next_partition(tb, it, &pa) == 0) {
		const char *name = fdisk_partition_get_name(pa), *uuid = fdisk_partition_get_uuid(pa);
		struct disk_part *d = NULL;

		if (!name)
			continue;
		if (strcmp(name, "esp") == 0)
			d = &l->esp;
		else if (strcmp(name, "root-a") == 0)
			d = &l->root[0];
		else if (strcmp(name, "root-b") == 0)
			d = &l->root[1];
		else if (strcmp(name, "root-a-verity") == 0)
			d = &l->verity[0];
		else if (strcmp(name, "root-b-verity") == 0)
			d = &l->verity[1];
		if (!d)
			continue;
		if (d->present) {
			r = -ENOTUNIQ; /* two partitions with one label */
			goto out;
		}
		if (!fdisk_partition_has_start(pa)) {
			r = -EINVAL;
			goto out;
		}
		d->present = true;
		d->partno = fdisk_partition_get_partno(pa);
		d->offset = (uint64_t)fdisk_partition_get_start(pa) * ss;
		d->size = (uint64_t)fdisk_partition_get_size(pa) * ss;
		if (!uuid || uuid_parse(uuid, d->uuid) < 0)
			memset(d->uuid, 0, 16);
	}
	r = 0;
	for (int s = 0; s < 2; s++)
		if (!l->root[s].present || !l->verity[s].present)
			r = -ENOENT;
out:
	fdisk_deassign_device(cxt, 1);
	return r;
}

int disk_set_slot_uuids(const char *disk, const struct disk_layout *l, int slot, const uint8_t root_uuid[16],
			const uint8_t verity_uuid[16])
{
	_cleanup_(fdisk_unref_contextp) struct fdisk_context *cxt = NULL;
	_cleanup_close_ int fd = -1;
	const struct disk_part *parts[2] = { &l->root[slot], &l->verity[slot] };
	const uint8_t *uuids[2] = { root_uuid, verity_uuid };
	int r;

	r = open_ctx(disk, false, &cxt, &fd);
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		_cleanup_(fdisk_unref_partitionp) struct fdisk_partition *pa = fdisk_new_partition();
		char s[UUID_STR_LEN];

		if (!pa) {
			r = -ENOMEM;
			goto out;
		}
		uuid_format(uuids[i], s);
		r = fdisk_partition_set_uuid(pa, s);
		if (r == 0)
			r = fdisk_set_partition(cxt, parts[i]->partno, pa);
		if (r < 0)
			goto out;
	}
	r = fdisk_write_disklabel(cxt);
	if (r < 0)
		goto out;
	/* fsync (nosync = 0) before the device is released. */
	r = fdisk_deassign_device(cxt, 0);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	return r < 0 ? r : 0;
out:
	fdisk_deassign_device(cxt, 1);
	return r;
}

void disk_roothash_uuids(const uint8_t *roothash, size_t len, uint8_t root_uuid[16], uint8_t verity_uuid[16])
{
	memcpy(root_uuid, roothash, 16);
	memcpy(verity_uuid, roothash + len - 16, 16);
}

int disk_slot_of_roothash(const struct disk_layout *l, const uint8_t *roothash, size_t len)
{
	uint8_t ru[16], vu[16];

	if (len < 32)
		return -EINVAL;
	disk_roothash_uuids(roothash, len, ru, vu);
	for (int s = 0; s < 2; s++)
		if (memcmp(l->root[s].uuid, ru, 16) == 0 && memcmp(l->verity[s].uuid, vu, 16) == 0)
			return s;
	return -ENOENT;
}
