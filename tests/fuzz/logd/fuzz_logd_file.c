/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the log store file parser (header, records, entries)
 * through the reader and the verifying walker, on a one-file store; plus
 * the sealing state and verification key parsers. The first input byte
 * selects plain walking (no MAC, so records are explored deeply) or
 * sealed walking with a fixed key. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "reader.h"
#include "walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int dirfd = -1;

static int count(void *ud, const struct lf_record *rec, uint64_t file, uint64_t off)
{
	struct lf_entry e;

	(void)file;
	(void)off;
	if (rec->type == LF_ENTRY && lf_entry_decode(rec->payload, rec->len, &e) == 0 &&
	    e.ident_len + e.msg_len + LF_ENTRY_FIXED != rec->len)
		__builtin_trap();
	(*(uint64_t *)ud)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk_ctx ctx;
	struct walk_result res;
	struct lf_state st;
	struct lf_record rec;
	struct ls_ids ids;
	uint8_t k0[LS_KEY_LEN];
	char *s;
	uint64_t n = 0;
	int fd;

	if (dirfd < 0) {
		char tmpl[] = "/tmp/fuzz-logd.XXXXXX";
		if (!mkdtemp(tmpl))
			abort();
		dirfd = open(tmpl, O_RDONLY | O_DIRECTORY);
		if (dirfd < 0)
			abort();
	}
	if (size < 1)
		return 0;
	/* state and key parsers */
	(void)lf_state_decode(data + 1, size - 1, &st);
	(void)lf_state_file_decode(data + 1, size - 1, &st);
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	(void)seal_vkey_parse(s, &ids, k0);
	free(s);
	/* in-memory record parsing never reads past the buffer */
	for (size_t off = LF_HEADER_SIZE; off < size - 1;) {
		int64_t r = lf_record_decode(data + 1 + off, size - 1 - off, &rec);
		if (r <= 0)
			break;
		if ((size_t)r > size - 1 - off)
			__builtin_trap();
		off += (size_t)r;
	}
	/* the walker on a one-file store */
	fd = openat(dirfd, "0000000000000000.rlog", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	{
		/* Keep the header epoch small: a large one only costs key
		 * evolutions (bounded by SEAL_MAX_EPOCH_JUMP) and starves the fuzzer. */
		uint8_t *copy = malloc(size);
		memcpy(copy, data + 1, size - 1);
		if (size - 1 >= 64)
			memset(copy + 57, 0, 7);
		if (write(fd, copy, size - 1) != (ssize_t)(size - 1))
			abort();
		free(copy);
	}
	close(fd);
	memset(&ctx, 0, sizeof(ctx));
	ctx.dirfd = dirfd;
	ctx.plain = data[0] & 1;
	if (size - 1 >= 48)
		memcpy(&ctx.ids, data + 1 + 16, sizeof(ctx.ids));
	for (int i = 0; i < LS_KEY_LEN; i++)
		ctx.key[i] = (uint8_t)i;
	ctx.on_record = count;
	ctx.ud = &n;
	if (walk_store(&ctx, &res) < 0)
		abort();
	if (res.problem == WALK_OK && res.records != n)
		__builtin_trap();
	return 0;
}
