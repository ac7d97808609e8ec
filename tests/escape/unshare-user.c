/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unshare(CLONE_NEWUSER): regain every capability in a new user namespace. */
#include <sched.h>
#include "escape.h"

int main(void)
{
	EXPECT("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER), EPERM);
	EXPECT("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS), EPERM);
	return 0;
}
