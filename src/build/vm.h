/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Launching QEMU (q35, SMM, OVMF Secure Boot firmware) and swtpm. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define OVMF_CODE "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
#define OVMF_VARS_EMPTY "/usr/share/OVMF/OVMF_VARS_4M.fd"

struct vm_opts {
	const char *disk;       /* disk image (NULL: none) */
	const char *vars;       /* OVMF variable store (written by the firmware) */
	const char *kernel;     /* direct kernel boot (enrollment only) */
	const char *initrd;
	const char *append;
	const char *tpm_dir;    /* swtpm state directory (NULL: no TPM) */
	const char *tpm_ca;     /* a new TPM state is manufactured with EK certificates
	                         * from this swtpm_localca CA directory (NULL: no
	                         * manufacturing, no EK certificates) */
	const char *serial_log; /* serial to this file instead of the terminal */
	const char *netdev;     /* extra -netdev user,... specification or NULL */
	const char *netdev2;    /* a second NIC's -netdev spec (id=net1), MAC 52:54:00:52:50:02, or NULL */
	bool snapshot;          /* do not write the disk */
	bool vars_in_place;     /* let the firmware write o->vars itself (enrollment) */
	bool headless;          /* no terminal interaction */
	unsigned memory_mib;
	unsigned timeout_s;     /* 0: none */
	const char *done_marker; /* stop when the serial log shows this (with serial_log) */
};

/* Manufactures the swtpm state in dir, unless it exists already: EKs (RSA
 * 2048, ECC) and their certificates in NV (TCG EK Credential Profile
 * indices) plus a platform certificate, from the CA in ca_dir (created by
 * swtpm_localca on first use: swtpm-localca-rootca-cert.pem and
 * issuercert.pem are what a verifier trusts), with the sha1, sha256,
 * sha384 and sha512 PCR banks like an unmanufactured swtpm. */
int vm_tpm_manufacture(const char *dir, const char *ca_dir);

/* Runs the VM to completion. Returns the QEMU exit status (>= 0), or
 * -ETIMEDOUT when the timeout was reached (QEMU killed), or a negative errno. */
int vm_run(const struct vm_opts *o);
