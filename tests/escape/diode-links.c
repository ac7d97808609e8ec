/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Symlink, hard-link and FIFO tricks against the diode: hard-link a file
 * of the host tree into the outbox (refused by the kernel), then plant a
 * symlink to /etc/shadow, a hard link to an own file and a FIFO, which
 * tests/host/cage-escape.sh hands to rempart-diode (must refuse them). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "escape.h"

int main(int argc, char **argv)
{
	const char *out = argc > 1 ? argv[1] : "/tmp";
	char a[4096], b[4096];
	int fd;

	snprintf(a, sizeof(a), "%s/passwd", out);
	EXPECT("link(/usr/bin/ls, outbox)", link("/usr/bin/ls", a), EXDEV);
	snprintf(a, sizeof(a), "%s/shadow", out);
	if (symlink("/etc/shadow", a) < 0)
		return 2;
	snprintf(a, sizeof(a), "%s/../own", out);
	fd = open(a, O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || write(fd, "own\n", 4) != 4)
		return 2;
	close(fd);
	snprintf(b, sizeof(b), "%s/hardlink", out);
	if (link(a, b) < 0)
		return 2;
	snprintf(a, sizeof(a), "%s/fifo", out);
	if (mkfifo(a, 0600) < 0)
		return 2;
	printf("planted symlink, hard link and FIFO in %s\n", out);
	return 0;
}
