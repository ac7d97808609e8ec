/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signal a host process by its host pid (argv[1]): invisible in the pid namespace. */
#include <signal.h>
#include <stdlib.h>
#include "escape.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	EXPECT("kill(host pid, SIGKILL)", kill((pid_t)atoi(argv[1]), SIGKILL), ESRCH);
	return 0;
}
