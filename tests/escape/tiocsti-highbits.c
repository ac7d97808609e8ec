/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TIOCSTI with garbage in the upper 32 bits: the kernel truncates the
 * command to unsigned int, the filter must compare the low 32 bits. */
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	char c = 'x';

	EXPECT("ioctl(0, TIOCSTI | 1<<32)", syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, &c), EPERM);
	return 0;
}
