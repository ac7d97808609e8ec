/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pivot_root to another tree. */
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	EXPECT("pivot_root(/tmp, /tmp)", syscall(SYS_pivot_root, "/tmp", "/tmp"), EPERM);
	return 0;
}
