/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kexec: replace the running kernel. */
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	EXPECT("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0), EPERM);
	EXPECT("kexec_file_load", syscall(SYS_kexec_file_load, 0, 0, 0, "", 0), EPERM);
	return 0;
}
