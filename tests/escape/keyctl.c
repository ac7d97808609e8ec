/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel keyrings are not namespaced: keyctl/add_key must be refused. */
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	EXPECT("keyctl(KEYCTL_GET_KEYRING_ID)", syscall(SYS_keyctl, 0, -3 /* session */, 0), EPERM);
	EXPECT("add_key(user)", syscall(SYS_add_key, "user", "x", "y", 1, -3), EPERM);
	return 0;
}
