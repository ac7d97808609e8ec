/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /dev/mem: physical memory or I/O ports. Not in the cage's minimal /dev. */
#include <fcntl.h>
#include "escape.h"

int main(void)
{
	EXPECT("open(/dev/mem, O_RDWR)", open("/dev/mem", O_RDWR), ENOENT);
	return 0;
}
