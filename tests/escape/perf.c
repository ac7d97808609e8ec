/* SPDX-License-Identifier: GPL-2.0-or-later */
/* perf_event_open: side channels and a long list of kernel bugs. */
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include "escape.h"

int main(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	EXPECT("perf_event_open", syscall(SYS_perf_event_open, &a, 0, -1, -1, 0), EPERM);
	return 0;
}
