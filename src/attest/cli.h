/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-attest's commands (main.c parses the options and dispatches):
 * cmd_device.c (enroll-request, activate, quote), cmd_verifier.c
 * (challenge, register, verify), cmd_inspect.c (eventlog, authenticode),
 * cli.c (output helpers). Commands return 0 or a negative errno and log
 * their own errors; verify returns its exit status (0, 1 or 4). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jdoc.h"
#include "json.h"
#include "verify.h"

#define DEFAULT_STATE "/var/lib/rempart/attest"
#define DEFAULT_LOG "/sys/kernel/security/tpm0/binary_bios_measurements"
#define DEFAULT_OS_RELEASE "/etc/os-release"
#define DEFAULT_CHECK "/usr/bin/rempart-check --json"
#define DEFAULT_PCRS (((1u << 8) - 1) | (1u << 11))

struct opts {
	const char *state, *tcti, *challenge, *log, *osrel, *checkcmd, *checkjson, *request, *response, *registry,
		*evidence, *refkey, *out, *ekallow;
	const char *refs[AV_MAX_REFS];
	size_t nrefs;
	const char *ekca[AV_MAX_REFS];
	size_t nekca;
	bool ek_ecc, ak_rsa, nocheck, unsigned_ok, json, has_minsvn, nonce_set, require_check;
	uint64_t minsvn;
	uint8_t nonce[64];
	size_t nonce_len;
	uint32_t pcrs;
};


int cmd_enroll_request(struct opts *o);
int cmd_activate(struct opts *o);
int cmd_quote(struct opts *o);
int cmd_challenge(struct opts *o);
int cmd_register(struct opts *o);
int cmd_verify(struct opts *o);
int cmd_eventlog(struct opts *o, const char *path);
int cmd_authenticode(int argc, char **argv);

/* path NULL or "-": stdout; else an atomic file (0644). */
int cli_write_out(const char *path, const char *buf, size_t len);
/* A JSON object from path, NULL (error logged) otherwise. */
struct jdoc *cli_load_json(const char *path, const char *what);
/* Runs fill on a pretty JSON writer over a memory buffer (malloc'd). */
int cli_mem_json(void (*fill)(struct json *, void *), void *arg, char **buf, size_t *len);
void cli_kv_hex(struct json *j, const char *key, const uint8_t *b, size_t n);
