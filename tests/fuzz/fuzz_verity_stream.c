/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the streaming verifier (rv_stream_*) over a hash area
 * with a superblock and data fed in pieces. Input: 2 bytes (little endian)
 * = length of the hash area, the hash area, then the data. The root is
 * first taken wrong; on a root mismatch it is recomputed from the top
 * block the library names, so the lower levels and the data path are
 * reached too. */
#include <errno.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "verity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed(struct rv_stream *vs, const uint8_t *d, size_t n)
{
	struct rv_report rep;
	size_t step = 1;

	while (n) {
		size_t k = step < n ? step : n;

		if (rv_stream_update(vs, d, k, &rep) < 0)
			break;
		d += k;
		n -= k;
		step = step * 7 + 1;
		if (step > 70000)
			step = 3;
	}
	(void)rv_stream_finish(vs, &rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_stream *vs = NULL;
	struct rv_params p;
	struct rv_report rep;
	uint8_t root[RV_MAX_DIGEST] = { 0 };
	size_t hlen;
	int ds, r;

	if (size < 2)
		return 0;
	hlen = (size_t)data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	if (hlen > size)
		hlen = size;
	rv_params_default(&p);
	r = rv_stream_new(&p, data, hlen, root, 32, &rep, &vs);
	if (r == -EMEDIUMTYPE) { /* not sha256: the superblock says which */
		ds = rv_digest_size(&p);
		if (ds <= 0 || ds > RV_MAX_DIGEST)
			return 0;
		rv_params_default(&p);
		r = rv_stream_new(&p, data, hlen, root, (size_t)ds, &rep, &vs);
	}
	if (r == -EBADMSG && rep.problem == RV_ROOT_MISMATCH) {
		EVP_MD *md = EVP_MD_fetch(NULL, p.hash_name, NULL);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		uint64_t off = rep.block * p.hash_block_size;
		unsigned len = 0;

		/* The library checked the tree fits in the buffer first. */
		if (off + p.hash_block_size > hlen)
			__builtin_trap();
		if (md && ctx && EVP_DigestInit_ex2(ctx, md, NULL) && EVP_DigestUpdate(ctx, p.salt, p.salt_size) &&
		    EVP_DigestUpdate(ctx, data + off, p.hash_block_size) && EVP_DigestFinal_ex(ctx, root, &len)) {
			ds = (int)len;
			rv_params_default(&p);
			r = rv_stream_new(&p, data, hlen, root, (size_t)ds, &rep, &vs);
			if (r == -EBADMSG && rep.problem == RV_ROOT_MISMATCH)
				__builtin_trap(); /* the root we computed must pass */
		}
		EVP_MD_CTX_free(ctx);
		EVP_MD_free(md);
	}
	if (r == 0) {
		feed(vs, data + hlen, size - hlen);
		rv_stream_free(vs);
	}
	return 0;
}
