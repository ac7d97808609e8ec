/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Write a sysctl through /proc/sys (procfs subset=pid: not there at all). */
#include <fcntl.h>
#include "escape.h"

int main(void)
{
	EXPECT("open(/proc/sys/kernel/core_pattern, O_WRONLY)", open("/proc/sys/kernel/core_pattern", O_WRONLY),
	       ENOENT);
	EXPECT("open(/proc/sys/kernel/hostname, O_WRONLY)", open("/proc/sys/kernel/hostname", O_WRONLY), ENOENT);
	return 0;
}
