/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The expected hardening, read from the product files the image ships in
 * /usr/share/rempart/hardening/ (cmdline, sysctl.conf, capabilities), and
 * the checks that compare a system's configuration or state with it. */
#pragma once

#include "conf.h"
#include "report.h"
#include "rootfs.h"

#define HARDENING_DIR "/usr/share/rempart/hardening"

struct expect {
	struct strv cmdline;
	struct sysctl_set sysctl;
	struct cap_list caps;
	bool have_cmdline, have_sysctl, have_caps;
	char *source; /* where they were read */
};

void expect_free(struct expect *e);
/* Reads DIR/{cmdline,sysctl.conf,capabilities} from fs. A missing file
 * leaves have_* false; a malformed one is an error (*bad names it). */
int expect_load(struct rootfs *fs, const char *dir, struct expect *e, char **bad);
/* Adds "expect.files": FAIL when expectations are missing. */
void expect_report(const struct expect *e, struct report *r);

/* cmdline:<option> rows, plus cmdline.roothash. `where` names the source. */
void check_cmdline(const struct strv *tokens, const struct expect *e, struct report *r, const char *where);

/* sysctl:<key> rows from what the system's sysctl.d configuration sets
 * (offline: /etc/sysctl.d, /usr/lib/sysctl.d... merged as systemd-sysctl does). */
int check_sysctl_config(struct rootfs *fs, const struct expect *e, struct report *r);
/* Decision for one key: configured/live value against the expected entry.
 * `found` NULL = not set / not present on this kernel. */
enum check_status sysctl_judge(const struct sysctl_entry *want, const char *found, bool live);

/* mount:<mountpoint> rows for every entry of the image's /etc/fstab. */
int check_fstab(struct rootfs *fs, struct report *r);
/* One row for a mount entry (live or fstab). */
void check_mount_entry(const struct mount_entry *m, struct report *r, const char *where);
