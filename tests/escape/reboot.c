/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reboot(2) with the real magic numbers (a cage must not power off the host). */
#include <sys/reboot.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	/* CAD_OFF is harmless even if it were allowed; the filter answers first. */
	EXPECT("reboot(RB_DISABLE_CAD)", syscall(SYS_reboot, 0xfee1dead, 672274793, RB_DISABLE_CAD, 0), EPERM);
	return 0;
}
