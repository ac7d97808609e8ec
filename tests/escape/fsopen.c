/* SPDX-License-Identifier: GPL-2.0-or-later */
/* New mount API: fsopen/fsconfig/fsmount/fspick must look absent (ENOSYS). */
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	EXPECT("fsopen(tmpfs)", syscall(SYS_fsopen, "tmpfs", 0), ENOSYS);
	EXPECT("fspick(/)", syscall(SYS_fspick, -100, "/", 0), ENOSYS);
	EXPECT("fsconfig", syscall(SYS_fsconfig, 3, 0, NULL, NULL, 0), ENOSYS);
	EXPECT("fsmount", syscall(SYS_fsmount, 3, 0, 0), ENOSYS);
	return 0;
}
