/* SPDX-License-Identifier: GPL-2.0-or-later */
/* chroot (the first step of the classic chroot escape). */
#include "escape.h"

int main(void)
{
	EXPECT("chroot(/tmp)", chroot("/tmp"), EPERM);
	return 0;
}
