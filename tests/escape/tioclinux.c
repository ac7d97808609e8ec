/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TIOCLINUX: console selection paste (another way to inject input). */
#include <sys/ioctl.h>
#include "escape.h"

int main(void)
{
	char sub[2] = { 3, 0 }; /* TIOCL_PASTESEL */

	EXPECT("ioctl(0, TIOCLINUX)", ioctl(0, TIOCLINUX, sub), EPERM);
	return 0;
}
