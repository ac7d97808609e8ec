/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Installed setuid root by the test on a read-only bind: nosuid and
 * no_new_privs must leave the effective uid unchanged. */
#include "escape.h"

int main(void)
{
	if (geteuid() == 0 || getegid() == 0) {
		printf("ESCAPE setuid binary ran with euid %u egid %u\n", (unsigned)geteuid(), (unsigned)getegid());
		return 1;
	}
	EXPECT("setresuid(0) after a setuid exec", setresuid(0, 0, 0), EPERM);
	return 0;
}
