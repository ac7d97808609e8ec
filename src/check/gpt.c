/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "gpt.h"

#include <ctype.h>
#include <errno.h>
#include <libfdisk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

DEFINE_POINTER_CLEANUP(struct fdisk_context, fdisk_unref_context)
DEFINE_POINTER_CLEANUP(struct fdisk_table, fdisk_unref_table)
DEFINE_POINTER_CLEANUP(struct fdisk_iter, fdisk_free_iter)

void gpt_table_free(struct gpt_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static void lower_copy(char *dst, size_t n, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < n; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

int gpt_read_fd(int fd, uint64_t size, struct gpt_table *out)
{
	_cleanup_(fdisk_unref_contextp) struct fdisk_context *cxt = NULL;
	_cleanup_(fdisk_unref_tablep) struct fdisk_table *tb = NULL;
	_cleanup_(fdisk_free_iterp) struct fdisk_iter *it = NULL;
	struct fdisk_partition *pa;
	size_t n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	cxt = fdisk_new_context();
	if (!cxt)
		return -ENOMEM;
	r = fdisk_assign_device_by_fd(cxt, fd, "image", 1);
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	if (!fdisk_has_label(cxt) || !fdisk_is_label(cxt, GPT))
		return -ENOMEDIUM;
	out->sector_size = fdisk_get_sector_size(cxt);
	r = fdisk_get_partitions(cxt, &tb);
	if (r < 0)
		return -EBADMSG;
	it = fdisk_new_iter(FDISK_ITER_FORWARD);
	if (!it)
		return -ENOMEM;
	out->v = calloc((size_t)fdisk_table_get_nents(tb) + 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	while (fdisk_table_next_partition(tb, it, &pa) == 0) {
		struct gpt_part *p;
		struct fdisk_parttype *t;

		if (!fdisk_partition_is_used(pa) || !fdisk_partition_has_start(pa) || !fdisk_partition_has_size(pa))
			continue;
		if (n >= (size_t)fdisk_table_get_nents(tb))
			break;
		p = &out->v[n];
		p->partno = (unsigned)fdisk_partition_get_partno(pa) + 1;
		snprintf(p->name, sizeof(p->name), "%s", fdisk_partition_get_name(pa) ? fdisk_partition_get_name(pa) : "");
		t = fdisk_partition_get_type(pa);
		lower_copy(p->type, sizeof(p->type), t ? fdisk_parttype_get_string(t) : "");
		lower_copy(p->uuid, sizeof(p->uuid), fdisk_partition_get_uuid(pa));
		if (fdisk_partition_get_start(pa) > UINT64_MAX / out->sector_size ||
		    fdisk_partition_get_size(pa) > UINT64_MAX / out->sector_size) {
			gpt_table_free(out);
			return -ERANGE;
		}
		p->offset = fdisk_partition_get_start(pa) * out->sector_size;
		p->size = fdisk_partition_get_size(pa) * out->sector_size;
		if (p->offset > size || p->size > size - p->offset) {
			gpt_table_free(out);
			return -ERANGE;
		}
		n++;
	}
	out->n = n;
	return 0;
}

const struct gpt_part *gpt_find(const struct gpt_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}
