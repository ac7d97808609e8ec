/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i386 system call (int 0x80) from a 64-bit process: a foreign
 * architecture for the filter, which must kill the process (SIGSYS). */
#include <signal.h>
#include <sys/wait.h>
#include "escape.h"

int main(void)
{
	int status;
	pid_t p = fork();

	if (p == 0) {
		long ret;

		/* i386 __NR_getuid32 = 199 */
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(199L) : "memory");
		printf("ESCAPE i386 system call returned %ld\n", ret);
		_exit(1);
	}
	if (p < 0 || waitpid(p, &status, 0) < 0)
		return 2;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		printf("blocked i386 int 0x80: killed by SIGSYS\n");
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		return 1;
	printf("UNEXPECTED i386 int 0x80: status 0x%x\n", status);
	return 2;
}
