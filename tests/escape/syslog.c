/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read the kernel log (addresses for exploits) and open_by_handle_at (the
 * "shocker" container escape). */
#include <fcntl.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	char buf[64];
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[8];
	} fh = { 8, 1, { 2, 0, 0, 0, 0, 0, 0, 0 } };

	EXPECT("syslog(READ_ALL)", syscall(SYS_syslog, 3, buf, sizeof(buf)), EPERM);
	EXPECT("open_by_handle_at(root inode)", syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY), EPERM);
	return 0;
}
