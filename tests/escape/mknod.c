/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mknod a block/char device (e.g. the host disk) in a writable place.
 * argv[1] names the expected errno: EACCES where Landlock refuses device
 * creation first, EPERM (no CAP_MKNOD) where the kernel has no Landlock. */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "escape.h"

int main(int argc, char **argv)
{
	int want = argc > 1 && strcmp(argv[1], "EACCES") == 0 ? EACCES : EPERM;

	EXPECT("mknod(/tmp/sda, block 8:0)", mknod("/tmp/sda", S_IFBLK | 0666, makedev(8, 0)), want);
	EXPECT("mknod(/tmp/mem, char 1:1)", mknod("/tmp/mem", S_IFCHR | 0666, makedev(1, 1)), want);
	return 0;
}
