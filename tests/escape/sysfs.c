/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Write to /sys (uevent helper, module parameters): /sys is not mounted. */
#include <fcntl.h>
#include "escape.h"

int main(void)
{
	EXPECT("open(/sys/kernel/uevent_helper, O_WRONLY)", open("/sys/kernel/uevent_helper", O_WRONLY), ENOENT);
	EXPECT("open(/sys/power/state, O_WRONLY)", open("/sys/power/state", O_WRONLY), ENOENT);
	return 0;
}
