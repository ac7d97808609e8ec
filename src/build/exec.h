/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running the external tools of the image build (mmdebstrap, mksquashfs,
 * sbsign, mtools, qemu...) without a shell: argv vectors only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct argv {
	char **v;
	size_t n, cap;
	int error;
};

#define ARGV_INIT { 0 }

void argv_add(struct argv *a, const char *s);
void argv_addf(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void argv_free(struct argv *a);
static inline void argv_freep(struct argv *a)
{
	argv_free(a);
}

/* Runs argv[0] (PATH lookup) with extra environment entries "K=V" (may be
 * NULL). stdout is sent to out_path if non-NULL (else inherited, or to
 * /dev/null when quiet), stderr to the log file if set. Returns 0 if the
 * command exited 0, -ECHILD (and logs the command and its status at debug)
 * otherwise. *status receives the exit status when non-NULL. */
int run_command(struct argv *a, char *const *env, const char *out_path, bool quiet, int *status);

/* Runs a command and captures its stdout (at most max bytes, NUL-terminated). */
int run_capture(struct argv *a, char **out, size_t max);

/* Sets the file that receives the stderr of every command (the build log). */
void exec_set_log(const char *path);
const char *exec_get_log(void);
