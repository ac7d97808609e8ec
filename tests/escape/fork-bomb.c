/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fork bomb: must hit the pids limit (cgroup pids.max or RLIMIT_NPROC)
 * with EAGAIN long before hurting the host. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "escape.h"

int main(void)
{
	int n = 0;

	for (;;) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
		if (++n > 100000) {
			printf("ESCAPE fork bomb reached %d processes\n", n);
			kill(0, SIGKILL);
			return 1;
		}
	}
	printf("fork bomb stopped after %d processes\n", n);
	int rc = expect_errno("fork() beyond the limit", -1, errno, EAGAIN);
	signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	while (wait(NULL) > 0)
		;
	return rc;
}
