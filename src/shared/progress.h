/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Progress display for long operations: a single updating line on a
 * terminal (stderr), nothing at all when stderr is not a terminal. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct progress {
	const char *label;
	uint64_t total;
	uint64_t last_shown;
	int64_t last_ns;
	bool enabled;
};

void progress_begin(struct progress *p, const char *label, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
void progress_end(struct progress *p);
/* Callback shape used by libraries: done out of total units. */
typedef void (*progress_cb)(void *userdata, uint64_t done, uint64_t total);
void progress_cb_adapter(void *userdata, uint64_t done, uint64_t total);
