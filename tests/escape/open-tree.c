/* SPDX-License-Identifier: GPL-2.0-or-later */
/* open_tree(OPEN_TREE_CLONE): detached copy of a mount to re-attach elsewhere. */
#include <fcntl.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	EXPECT("open_tree(/, OPEN_TREE_CLONE)", syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */),
	       ENOSYS);
	EXPECT("mount_setattr(/)", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, NULL, 0), ENOSYS);
	return 0;
}
