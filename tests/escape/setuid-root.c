/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Become root again; change a file's owner to root. */
#include <fcntl.h>
#include <stdlib.h>
#include "escape.h"

int main(void)
{
	int fd = open("/tmp/mine", O_WRONLY | O_CREAT, 0600);

	EXPECT("setuid(0)", setuid(0), EPERM);
	EXPECT("setgid(0)", setgid(0), EPERM);
	EXPECT("fchown(own file, root)", fchown(fd, 0, 0), EPERM);
	return 0;
}
