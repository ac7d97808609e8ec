/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TIOCSTI: push characters into the controlling terminal's input (CVE-2017-5226). */
#include <sys/ioctl.h>
#include "escape.h"

int main(void)
{
	char c = 'x';

	EXPECT("ioctl(0, TIOCSTI)", ioctl(0, TIOCSTI, &c), EPERM);
	EXPECT("ioctl(1, TIOCSTI)", ioctl(1, TIOCSTI, &c), EPERM);
	return 0;
}
