/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Modify the environment's read-only tree or the cage root. */
#include <fcntl.h>
#include <sys/stat.h>
#include "escape.h"

int main(void)
{
	EXPECT("open(/usr/bin/planted, O_CREAT)", open("/usr/bin/planted", O_WRONLY | O_CREAT, 0755), EROFS);
	EXPECT("mkdir(/etc2)", mkdir("/etc2", 0755), EROFS);
	return 0;
}
