/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Descriptors leaked by the launcher: every fd above 2 must be closed,
 * except the ones named on the command line (argv[1..]). */
#include <fcntl.h>
#include <stdlib.h>
#include "escape.h"

int main(int argc, char **argv)
{
	for (int fd = 3; fd < 4096; fd++) {
		int named = 0;

		for (int i = 1; i < argc; i++)
			named |= atoi(argv[i]) == fd;
		if (named)
			continue;
		errno = 0;
		if (fcntl(fd, F_GETFD) >= 0) {
			printf("ESCAPE leaked descriptor %d is open\n", fd);
			return 1;
		}
		if (errno != EBADF) {
			printf("UNEXPECTED fcntl(%d): got %s, want EBADF\n", fd, errname(errno));
			return 2;
		}
	}
	printf("blocked leaked descriptors 3..4095: EBADF\n");
	return 0;
}
