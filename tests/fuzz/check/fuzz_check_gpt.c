/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: GPT reading through libfdisk, as done on a disk image. */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fileio.h"
#include "gpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpt_table t;
	int fd = memfd_create("gpt", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write_full(fd, data, size) == 0 && gpt_read_fd(fd, size, &t) == 0) {
		for (size_t i = 0; i < t.n; i++)
			if (t.v[i].offset > size || t.v[i].size > size - t.v[i].offset)
				__builtin_trap(); /* refused by gpt_read_fd */
		(void)gpt_find(&t, "esp");
		gpt_table_free(&t);
	}
	close(fd);
	return 0;
}
