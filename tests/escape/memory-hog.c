/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Memory hog: must stop at the memory limit (RLIMIT_AS: ENOMEM; a
 * cgroup memory.max kills with SIGKILL, which the test also accepts). */
#include <stdlib.h>
#include <string.h>
#include "escape.h"

int main(void)
{
	size_t total = 0, chunk = 16u << 20;

	for (;;) {
		char *p = malloc(chunk);

		if (!p)
			break;
		memset(p, 0xa5, chunk);
		total += chunk;
		if (total > (8ull << 30)) {
			printf("ESCAPE allocated %zu MiB\n", total >> 20);
			return 1;
		}
	}
	printf("memory hog stopped at %zu MiB\n", total >> 20);
	return expect_errno("malloc beyond the limit", -1, errno, ENOMEM);
}
