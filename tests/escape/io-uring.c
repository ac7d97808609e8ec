/* SPDX-License-Identifier: GPL-2.0-or-later */
/* io_uring_setup: performs system calls behind seccomp's back. */
#include <linux/io_uring.h>
#include <string.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	EXPECT("io_uring_setup", syscall(SYS_io_uring_setup, 4, &p), EPERM);
	return 0;
}
