/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "fileio.h"

static char armed[32];

static bool development_image(const char *os_release_path)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;

	if (read_file(os_release_path, 64 * 1024, &buf, &len) < 0)
		return false;
	for (char *line = (char *)buf, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strcmp(line, "VARIANT_ID=development") == 0 || strcmp(line, "VARIANT_ID=\"development\"") == 0)
			return true;
	}
	return false;
}

void fault_arm(const char *os_release_path)
{
	const char *p = getenv("REMPART_UPDATE_FAULT");

	if (!p || !*p || strlen(p) >= sizeof(armed))
		return;
	if (!development_image(os_release_path)) {
		fprintf(stderr, "rempart-update: REMPART_UPDATE_FAULT ignored: not a development image\n");
		return;
	}
	memcpy(armed, p, strlen(p) + 1);
}

void fault_point(const char *name)
{
	if (!armed[0] || strcmp(armed, name) != 0)
		return;
	armed[0] = '\0';
	fprintf(stderr, "rempart-update: FAULT INJECTION: stopped at %s\n", name);
	fflush(stderr);
	raise(SIGSTOP);
}

void fault_progress(const char *name, uint64_t done, uint64_t total)
{
	if (armed[0] && done >= total / 2)
		fault_point(name);
}
