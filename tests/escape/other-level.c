/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read another level's files by their host path (argv[1]), directly and
 * through /proc/1/root. */
#include <fcntl.h>
#include "escape.h"

int main(int argc, char **argv)
{
	char via[4200];

	if (argc < 2)
		return 2;
	EXPECT("open(other level's file)", open(argv[1], O_RDONLY), ENOENT);
	snprintf(via, sizeof(via), "/proc/1/root%s", argv[1]);
	/* pid 1 is the cage's own init: same root, same answer (or hidden). */
	errno = 0;
	long r = open(via, O_RDONLY);
	if (r >= 0) {
		printf("ESCAPE opened %s\n", via);
		return 1;
	}
	if (errno != ENOENT && errno != EACCES) {
		printf("UNEXPECTED open(%s): %s\n", via, errname(errno));
		return 2;
	}
	printf("blocked open(/proc/1/root/...): %s\n", errname(errno));
	return 0;
}
