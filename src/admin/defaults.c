/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon configuration defaults (docs/admin.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admind.h"

void admind_defaults(struct admind *d)
{
	memset(d, 0, sizeof(*d));
	admind_set_state_dir(d, "/var/lib/rempart");
	snprintf(d->home_dir, sizeof(d->home_dir), "/home");
	snprintf(d->escrow_path, sizeof(d->escrow_path), "/efi/rempart/escrow.bin");
	snprintf(d->log_store, sizeof(d->log_store), "/var/log/rempart");
	snprintf(d->check_prog, sizeof(d->check_prog), "/usr/bin/rempart-check");
	snprintf(d->attest_prog, sizeof(d->attest_prog), "/usr/bin/rempart-attest");
	snprintf(d->update_prog, sizeof(d->update_prog), "/usr/bin/rempart-update");
	snprintf(d->unit_network, sizeof(d->unit_network), "rempart-network.service");
	snprintf(d->unit_ipsec, sizeof(d->unit_ipsec), "rempart-ipsec.service");
	snprintf(d->unit_update, sizeof(d->unit_update), "rempart-update.service");
	d->apply = true;
	d->chown_homes = geteuid() == 0;
	d->uid_min = 20000;
	d->uid_max = 29999;
	d->groups.admin = "rempart-admin";
	d->groups.audit = "rempart-audit";
}

int admind_set_state_dir(struct admind *d, const char *dir)
{
	if (dir[0] != '/' || strlen(dir) > 400)
		return -EINVAL;
	snprintf(d->config_dir, sizeof(d->config_dir), "%s/config", dir);
	snprintf(d->auth_dir, sizeof(d->auth_dir), "%s/auth", dir);
	snprintf(d->userdb_dir, sizeof(d->userdb_dir), "%s/userdb", dir);
	snprintf(d->admind_dir, sizeof(d->admind_dir), "%s/admind", dir);
	return 0;
}
