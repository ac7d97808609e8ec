/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clone3 with namespace flags (seccomp cannot inspect clone3's struct:
 * ENOSYS makes glibc fall back to clone, whose flags are filtered). */
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	struct clone_args ca = { .flags = CLONE_NEWUSER | CLONE_NEWNS, .exit_signal = SIGCHLD };

	EXPECT("clone3(CLONE_NEWUSER|CLONE_NEWNS)", syscall(SYS_clone3, &ca, sizeof(ca)), ENOSYS);
	return 0;
}
