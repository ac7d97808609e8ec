/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One-way file passing from a level's outbox to another level's inbox
 * (docs/diode.md). The diode runs on the host; it reads the sender's
 * outbox (and removes what it delivered) and writes only the receiver's
 * inbox, through descriptors, never following a link. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "name.h"
#include "seal.h"

enum diode_direction {
	DIODE_UP,   /* low -> high: no confirmation */
	DIODE_DOWN, /* high -> low: every file needs the confirmation hook's approval */
};

struct diode_opts {
	const char *outbox;
	const char *inbox;
	enum diode_direction direction;
	const char *confirm;  /* hook program: argv NAME SIZE, content on stdin; exit 0 = release */
	uint64_t max_size;    /* per file, bytes */
	unsigned max_files;   /* per run */
	uid_t owner;          /* owner of delivered files (the receiving level) */
	gid_t group;
	bool keep;            /* leave delivered files in the outbox */
	bool encrypt;         /* seal to pk */
	bool decrypt;         /* open with pk/sk; only verified plaintext is released */
	uint8_t pk[RD_KEY_LEN];
	uint8_t sk[RD_KEY_LEN];
};

struct diode_file {
	const char *name;        /* as found in the outbox (untrusted: print escaped) */
	char delivered[DIODE_NAME_MAX + 16]; /* name in the inbox, when delivered */
	uint64_t size;
	int result;              /* 0 delivered, else negative errno */
	const char *reason;      /* why it was refused */
};

typedef void (*diode_report_fn)(void *userdata, const struct diode_file *f);

/* Passes every file of the outbox. Returns the number of refused files
 * (>= 0) or a negative errno when the run itself could not happen (with
 * *what saying which check failed). */
int diode_pass(const struct diode_opts *o, diode_report_fn report, void *userdata, const char **what);
