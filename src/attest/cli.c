/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output helpers of the rempart-attest commands. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "authenticode.h"
#include "cleanup.h"
#include "cli.h"
#include "credential.h"
#include "device.h"
#include "eventlog.h"
#include "evidence.h"
#include "fileio.h"
#include "hex.h"
#include "log.h"
#include "minisig.h"
#include "quote.h"

int cli_write_out(const char *path, const char *buf, size_t len)
{
	if (!path || strcmp(path, "-") == 0)
		return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -EIO;
	return write_file_atomic(path, buf, len, 0644);
}

struct jdoc *cli_load_json(const char *path, const char *what)
{
	struct jdoc *d = NULL;
	char err[200];
	int r = jdoc_load(path, &d, err, sizeof(err));

	if (r < 0) {
		if (r == -EBADMSG)
			log_error("%s %s: %s", what, path, err);
		else
			log_errno(LOG_LVL_ERROR, r, "cannot read %s %s", what, path);
		return NULL;
	}
	return d;
}


int cli_mem_json(void (*fill)(struct json *, void *), void *arg, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	struct json j;
	int r;

	if (!f)
		return -ENOMEM;
	json_init(&j, f, true);
	fill(&j, arg);
	r = json_end(&j);
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	return r;
}

void cli_kv_hex(struct json *j, const char *key, const uint8_t *b, size_t n)
{
	char *h = hex_encode_alloc(b, n);

	if (!h) {
		j->error = -ENOMEM;
		return;
	}
	json_kv_str(j, key, h);
	free(h);
}
