/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Classic mount(2): remount the read-only tree writable, mount a new proc. */
#include <sys/mount.h>
#include "escape.h"

int main(void)
{
	EXPECT("mount(remount /usr rw)", mount(NULL, "/usr", NULL, MS_REMOUNT | MS_BIND, NULL), EPERM);
	EXPECT("mount(tmpfs on /tmp)", mount("x", "/tmp", "tmpfs", 0, NULL), EPERM);
	EXPECT("mount(proc)", mount("proc", "/tmp", "proc", 0, NULL), EPERM);
	return 0;
}
