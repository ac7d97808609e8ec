/* SPDX-License-Identifier: GPL-2.0-or-later */
/* setns through /proc: join the namespaces of the cage's init. */
#include <fcntl.h>
#include <sched.h>
#include "escape.h"

int main(void)
{
	int fd = open("/proc/self/ns/net", O_RDONLY);

	if (fd < 0) {
		printf("UNEXPECTED open /proc/self/ns/net: %s\n", errname(errno));
		return 2;
	}
	EXPECT("setns(/proc/self/ns/net)", setns(fd, 0), EPERM);
	fd = open("/proc/1/ns/mnt", O_RDONLY);
	if (fd >= 0)
		EXPECT("setns(/proc/1/ns/mnt)", setns(fd, CLONE_NEWNS), EPERM);
	return 0;
}
