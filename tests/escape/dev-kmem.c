/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /dev/kmem: physical memory or I/O ports. Not in the cage's minimal /dev. */
#include <fcntl.h>
#include "escape.h"

int main(void)
{
	EXPECT("open(/dev/kmem, O_RDWR)", open("/dev/kmem", O_RDWR), ENOENT);
	return 0;
}
