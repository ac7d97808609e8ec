/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drop a binary into the writable home (and /tmp) and execute it. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include "escape.h"

static int copy_self(const char *dst)
{
	int in = open("/proc/self/exe", O_RDONLY), out;
	struct stat st;

	if (in < 0 || fstat(in, &st) < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (out < 0 || sendfile(out, in, NULL, (size_t)st.st_size) != st.st_size)
		return -1;
	close(out);
	close(in);
	return 0;
}

int main(int argc, char **argv)
{
	char *args[] = { (char *)"x", (char *)"again", NULL };
	char path[4096];
	const char *home = getenv("HOME");

	if (argc > 1) {
		printf("ESCAPE executed a file from a writable mount\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/dropped", home ? home : "/tmp");
	if (copy_self(path) < 0 || copy_self("/tmp/dropped") < 0) {
		printf("UNEXPECTED cannot copy: %s\n", errname(errno));
		return 2;
	}
	EXPECT("execve($HOME/dropped)", execve(path, args, NULL), EACCES);
	EXPECT("execve(/tmp/dropped)", execve("/tmp/dropped", args, NULL), EACCES);
	return 0;
}
