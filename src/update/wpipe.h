/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A write pipeline: the network thread hands filled buffers to a writer
 * thread that pwrite()s them in order at base+offset and feeds them to a
 * digest, and, if a check function is given, to a checker thread that
 * runs it over the same buffers in order (the dm-verity level-0 check of
 * the slot). Receiving/decrypting, writing + sha256 and the verity hashing
 * then overlap instead of adding up. Bounded memory: WPIPE_SLOTS buffers
 * of WPIPE_BUF bytes; a buffer is reused once both threads are done with
 * it. The first error of either thread stops both and is returned.
 *
 * Library rules: 0 or a negative errno, no printing above debug level. */
#pragma once

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#define WPIPE_SLOTS 8
#define WPIPE_BUF (1u << 20)

struct wpipe;

/* Runs on the checker thread, over the stream in order; a negative errno
 * stops the pipeline. */
typedef int (*wpipe_check_fn)(void *userdata, const uint8_t *buf, size_t len);

/* digest and check may be NULL. */
int wpipe_start(int fd, uint64_t base, EVP_MD_CTX *digest, wpipe_check_fn check, void *check_userdata,
		struct wpipe **out);
/* Copies len bytes in; blocks while every buffer is in flight. Returns the
 * first error of either thread, if any. */
int wpipe_push(struct wpipe *p, const uint8_t *buf, size_t len);
/* Flushes, waits for the threads, frees p. Returns the first error. */
int wpipe_finish(struct wpipe *p);
