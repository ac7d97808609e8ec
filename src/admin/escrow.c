/* SPDX-License-Identifier: GPL-2.0-or-later */
/* escrow.collect / escrow.delete: the recovery escrow blob rempart-init
 * writes to the ESP at first boot (src/init/state.c). It is encrypted to
 * the administrator's offline key, so handing it out is safe; deleting it
 * is only allowed after it was collected, and only with its SHA-256 as the
 * confirmation, so the admin deletes exactly what they took. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "admind.h"
#include "cleanup.h"
#include "fileio.h"
#include "hex.h"

#define ESCROW_MAX 4096

static int sha256_hex(const uint8_t *buf, size_t len, char out[65])
{
	uint8_t md[32];
	unsigned mdlen = 0;

	if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -EIO;
	hex_encode(md, 32, out);
	return 0;
}

static int mark_path(struct admind *d, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s/escrow-collected", d->admind_dir) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int verb_escrow_collect(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	_cleanup_free_ uint8_t *blob = NULL;
	_cleanup_free_ char *hex = NULL;
	char sum[65], mark[600], line[80];
	size_t len;
	int r;

	(void)req;
	r = read_file(d->escrow_path, ESCROW_MAX, &blob, &len);
	if (r == -ENOENT)
		return verb_fail(msg, msglen, r,
				 "escrow.collect: there is no escrow blob at %s (already collected and deleted?)",
				 d->escrow_path);
	if (r < 0)
		return verb_fail(msg, msglen, r, "escrow.collect: cannot read %s: %s", d->escrow_path, strerror(-r));
	if (len == 0)
		return verb_fail(msg, msglen, -EBADMSG, "escrow.collect: %s is empty", d->escrow_path);
	r = sha256_hex(blob, len, sum);
	if (r < 0)
		return verb_fail(msg, msglen, r, "escrow.collect: cannot hash the blob");
	hex = hex_encode_alloc(blob, len);
	if (!hex)
		return verb_fail(msg, msglen, -ENOMEM, "out of memory");
	/* remember what was handed out: delete needs it */
	r = mark_path(d, mark, sizeof(mark));
	if (r == 0)
		r = mkdir_p(d->admind_dir, 0700);
	snprintf(line, sizeof(line), "%s\n", sum);
	if (r == 0)
		r = write_file_atomic(mark, line, strlen(line), 0600);
	if (r < 0)
		return verb_fail(msg, msglen, r, "escrow.collect: cannot record the collection in %s: %s",
				 d->admind_dir, strerror(-r));
	json_kv_u64(out, "size", len);
	json_kv_str(out, "sha256", sum);
	json_kv_str(out, "blob_hex", hex);
	return 0;
}

int verb_escrow_delete(struct admind *d, const struct request *req, struct json *out, char *msg, size_t msglen)
{
	const char *want = req_get(req, "sha256")->str;
	_cleanup_free_ uint8_t *blob = NULL, *marked = NULL;
	char sum[65], mark[600];
	size_t len, mlen;
	int r;

	r = read_file(d->escrow_path, ESCROW_MAX, &blob, &len);
	if (r == -ENOENT)
		return verb_fail(msg, msglen, r, "escrow.delete: there is no escrow blob at %s", d->escrow_path);
	if (r < 0)
		return verb_fail(msg, msglen, r, "escrow.delete: cannot read %s: %s", d->escrow_path, strerror(-r));
	r = sha256_hex(blob, len, sum);
	if (r < 0)
		return verb_fail(msg, msglen, r, "escrow.delete: cannot hash the blob");
	r = mark_path(d, mark, sizeof(mark));
	if (r == 0)
		r = read_file(mark, 256, &marked, &mlen);
	if (r == -ENOENT)
		return verb_fail(msg, msglen, -EPERM,
				 "escrow.delete refused: the blob was never collected (run escrow.collect first and "
				 "keep it safe)");
	if (r < 0)
		return verb_fail(msg, msglen, r, "escrow.delete: cannot read %s: %s", mark, strerror(-r));
	if (mlen < 64 || memcmp(marked, sum, 64) != 0)
		return verb_fail(msg, msglen, -EPERM,
				 "escrow.delete refused: the blob on the ESP changed since it was collected; "
				 "collect it again");
	if (strcmp(want, sum) != 0)
		return verb_fail(msg, msglen, -EINVAL,
				 "escrow.delete refused: sha256 %s is not the collected blob's (%s)", want, sum);
	if (unlink(d->escrow_path) < 0)
		return verb_fail(msg, msglen, -errno, "escrow.delete: cannot remove %s: %m", d->escrow_path);
	fsync_parent_dir(d->escrow_path);
	unlink(mark);
	json_kv_str(out, "deleted", d->escrow_path);
	json_kv_str(out, "sha256", sum);
	return 0;
}
