/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /dev/shm is a writable tmpfs, but the Landlock ruleset grants /dev only
 * read and write of existing files: creating one must fail (EACCES). */
#include <fcntl.h>
#include "escape.h"

int main(void)
{
	EXPECT("open(/dev/shm/x, O_CREAT)", open("/dev/shm/x", O_WRONLY | O_CREAT, 0600), EACCES);
	return 0;
}
