/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load or remove kernel modules. */
#include <fcntl.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	int fd = open("/proc/self/exe", O_RDONLY);

	EXPECT("init_module", syscall(SYS_init_module, "", 0, ""), EPERM);
	EXPECT("finit_module", syscall(SYS_finit_module, fd, "", 0), EPERM);
	EXPECT("delete_module(loop)", syscall(SYS_delete_module, "loop", 0), EPERM);
	return 0;
}
