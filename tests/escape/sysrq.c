/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/sysrq-trigger: crash or reboot the host. */
#include <fcntl.h>
#include "escape.h"

int main(void)
{
	EXPECT("open(/proc/sysrq-trigger, O_WRONLY)", open("/proc/sysrq-trigger", O_WRONLY), ENOENT);
	return 0;
}
