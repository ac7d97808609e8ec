/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x32 system call (number | 0x40000000) from a 64-bit process: same audit
 * architecture as x86_64, so the filter must check the x32 bit itself and
 * kill the process (SIGSYS) rather than let a number it did not vet through. */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "escape.h"

int main(void)
{
	int status;
	pid_t p = fork();

	if (p == 0) {
		/* x32 ptrace: denied natively, so any answer but death is wrong. */
		long ret = syscall(0x40000000L | SYS_ptrace, 0, 0, 0, 0);

		printf("ESCAPE x32 system call returned %ld (errno %s)\n", ret, errname(errno));
		_exit(1);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return 2;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		printf("blocked x32 ptrace: killed by SIGSYS\n");
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		return 1;
	printf("UNEXPECTED x32 system call: status 0x%x\n", status);
	return 2;
}
