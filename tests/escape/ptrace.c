/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ptrace a process outside the program (the cage's init, and the pid the
 * test names, which is a process of the host). */
#include <stdlib.h>
#include <sys/ptrace.h>
#include "escape.h"

int main(int argc, char **argv)
{
	pid_t host = argc > 1 ? (pid_t)atoi(argv[1]) : 1;

	EXPECT("ptrace(PTRACE_ATTACH, cage init)", ptrace(PTRACE_ATTACH, 1, 0, 0), EPERM);
	EXPECT("ptrace(PTRACE_SEIZE, host pid)", ptrace(PTRACE_SEIZE, host, 0, 0), EPERM);
	EXPECT("ptrace(PTRACE_TRACEME)", ptrace(PTRACE_TRACEME, 0, 0, 0), EPERM);
	return 0;
}
