/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Change the (host) hostname. */
#include "escape.h"

int main(void)
{
	EXPECT("sethostname(pwned)", sethostname("pwned", 5), EPERM);
	return 0;
}
