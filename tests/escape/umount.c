/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unmount /proc or a bind to uncover what lies below. */
#include <sys/mount.h>
#include "escape.h"

int main(void)
{
	EXPECT("umount2(/proc, MNT_DETACH)", umount2("/proc", MNT_DETACH), EPERM);
	EXPECT("umount2(/usr)", umount2("/usr", 0), EPERM);
	return 0;
}
