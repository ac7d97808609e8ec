/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "modules.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

static char failed_name[256];

int modules_load_list(const char *list_path, const char **failed)
{
	_cleanup_free_ uint8_t *buf = NULL;
	char *save = NULL;
	size_t len;
	int r;

	r = read_file(list_path, 1u << 20, &buf, &len);
	if (r < 0) {
		*failed = list_path;
		return r;
	}
	for (char *line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_close_ int fd = -1;

		if (!*line)
			continue;
		fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) < 0) {
			/* already loaded, or hardware/CPU feature absent (e.g. aesni-intel
			 * on a CPU without AES-NI): not an error, like modprobe */
			if (fd >= 0 && (errno == EEXIST || errno == ENODEV))
				continue;
			r = -errno;
			snprintf(failed_name, sizeof(failed_name), "%s", line);
			*failed = failed_name;
			return r;
		}
	}
	return 0;
}
