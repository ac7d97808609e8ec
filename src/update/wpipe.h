/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A write pipeline: the network thread hands filled buffers to a worker
 * that pwrite()s them in order at base+offset and feeds them to a digest,
 * so receiving/decrypting overlaps with writing/hashing (2 cores). Bounded
 * memory: WPIPE_SLOTS buffers of WPIPE_BUF bytes.
 *
 * Library rules: 0 or a negative errno, no printing above debug level. */
#pragma once

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#define WPIPE_SLOTS 4
#define WPIPE_BUF (1u << 20)

struct wpipe;

int wpipe_start(int fd, uint64_t base, EVP_MD_CTX *digest, struct wpipe **out);
/* Copies len bytes in; blocks while every buffer is in flight. Returns the
 * worker's first error, if any. */
int wpipe_push(struct wpipe *p, const uint8_t *buf, size_t len);
/* Flushes, waits for the worker, frees p. Returns the first error. */
int wpipe_finish(struct wpipe *p);
