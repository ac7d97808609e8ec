/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void progress_begin(struct progress *p, const char *label, uint64_t total)
{
	p->label = label;
	p->total = total;
	p->last_shown = 0;
	p->last_ns = 0;
	p->enabled = isatty(STDERR_FILENO) == 1;
	progress_update(p, 0);
}

void progress_update(struct progress *p, uint64_t done)
{
	int64_t t;

	if (!p->enabled)
		return;
	t = now_ns();
	if (done != p->total && t - p->last_ns < 100000000)
		return;
	p->last_ns = t;
	p->last_shown = done;
	if (p->total)
		fprintf(stderr, "\r%s: %3u%%", p->label, (unsigned)(done * 100 / p->total));
	else
		fprintf(stderr, "\r%s...", p->label);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (!p->enabled)
		return;
	progress_update(p, p->total);
	fputc('\n', stderr);
}

void progress_cb_adapter(void *userdata, uint64_t done, uint64_t total)
{
	struct progress *p = userdata;

	p->total = total;
	progress_update(p, done);
}
