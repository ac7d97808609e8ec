/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Legacy clone with a namespace flag, as glibc's fallback would issue. */
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	EXPECT("clone(CLONE_NEWUSER)", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM);
	EXPECT("clone(CLONE_NEWNET)", syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0), EPERM);
	return 0;
}
