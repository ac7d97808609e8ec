/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "blob.h"
#include "cleanup.h"
#include "policy.h"
#include "tpm.h"
#include "tpm_counter.h"

int update_tpm_counter_read(const char *tcti, uint64_t *value)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	int r = tpm_open(tcti, &t);

	if (r < 0)
		return r;
	return tpm_nv_read(t, TP_NV_INDEX_DEFAULT, value);
}

int update_tpm_counter_raise(const char *tcti, const char *approval_path, uint64_t value)
{
	_cleanup_(tpm_closep) struct tpm_ctx *t = NULL;
	struct tpm_approval a;
	uint64_t now;
	int r;

	r = tpm_approval_load(approval_path, &a);
	if (r < 0)
		return r;
	r = tpm_open(tcti, &t);
	if (r < 0)
		return r;
	r = tpm_nv_read(t, a.nv_index, &now);
	if (r < 0)
		return r;
	if (now >= value)
		return 0;
	return tpm_nv_increment_to(t, a.nv_index, value, &a, NULL);
}
