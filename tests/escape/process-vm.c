/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read another process's memory without ptrace. */
#include <sys/uio.h>
#include "escape.h"

int main(void)
{
	char buf[16];
	struct iovec l = { buf, sizeof(buf) }, r = { (void *)0x400000, sizeof(buf) };

	EXPECT("process_vm_readv(cage init)", process_vm_readv(1, &l, 1, &r, 1, 0), EPERM);
	return 0;
}
