/* SPDX-License-Identifier: GPL-2.0-or-later */
/* move_mount: move /proc over /tmp. */
#include <fcntl.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	EXPECT("move_mount(/proc -> /tmp)", syscall(SYS_move_mount, AT_FDCWD, "/proc", AT_FDCWD, "/tmp", 0),
	       ENOSYS);
	return 0;
}
