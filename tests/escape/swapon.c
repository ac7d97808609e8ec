/* SPDX-License-Identifier: GPL-2.0-or-later */
/* swapon/swapoff. */
#include <sys/swap.h>
#include "escape.h"

int main(void)
{
	EXPECT("swapon(/tmp/swap)", swapon("/tmp/swap", 0), EPERM);
	EXPECT("swapoff(/dev/zero)", swapoff("/dev/zero"), EPERM);
	return 0;
}
