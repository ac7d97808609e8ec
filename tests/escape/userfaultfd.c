/* SPDX-License-Identifier: GPL-2.0-or-later */
/* userfaultfd: stretches kernel race windows. */
#include <fcntl.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	EXPECT("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC), EPERM);
	return 0;
}
