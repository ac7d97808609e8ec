/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart run: boots the built image in QEMU (q35, SMM, OVMF Secure Boot
 * with our enrolled keys) with a TPM 2.0 from swtpm. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "log.h"
#include "parse.h"
#include "vm.h"

static void usage(FILE *f)
{
	fputs("Usage: rempart run [OPTIONS]\n"
	      "\n"
	      "Boots OUT/disk.img under OVMF Secure Boot with OUT/OVMF_VARS.fd and a software\n"
	      "TPM (state in OUT/tpm). The serial console is this terminal (Ctrl-a x quits).\n"
	      "\n"
	      "  --out DIR        build output directory (default out)\n"
	      "  --disk FILE      disk image (default OUT/disk.img)\n"
	      "  --vars FILE      OVMF variable store (default OUT/OVMF_VARS.fd)\n"
	      "  --tpm-state DIR  swtpm state directory (default OUT/tpm)\n"
	      "  --tpm-ca DIR     a new TPM state is manufactured (swtpm_setup) with EK certificates\n"
	      "                   from the swtpm_localca CA in DIR, created on first use (default\n"
	      "                   keys/tpm-ca when keys/ exists, else OUT/tpm-ca); a verifier trusts\n"
	      "                   DIR/swtpm-localca-rootca-cert.pem and DIR/issuercert.pem\n"
	      "  --no-tpm         no TPM\n"
	      "  --headless       no terminal: serial to --serial FILE (or discarded)\n"
	      "  --serial FILE    write the serial console to FILE (or a QEMU chardev spec\n"
	      "                   containing ':', e.g. pipe:PATH for scripted sessions)\n"
	      "  --timeout S      stop QEMU after S seconds (exit 124)\n"
	      "  --until TEXT     with --serial: stop as soon as TEXT appears (exit 0)\n"
	      "  --snapshot       discard writes to the disk\n"
	      "  --net SPEC       QEMU -netdev user spec, e.g. 'user,id=net0,restrict=on,guestfwd=...'\n"
	      "  --net2 SPEC      a second NIC: any QEMU -netdev spec with id=net1 (e.g.\n"
	      "                   'tap,id=net1,ifname=NAME,script=no,downscript=no'), MAC 52:54:00:52:50:02\n"
	      "  --memory MIB     guest memory (default 1024)\n"
	      "\n"
	      "Exit status: QEMU's (0 after a guest power-off), 124 on timeout, 2 usage, 3 system error.\n",
	      f);
}

int cmd_run(int argc, char **argv)
{
	enum { O_OUT = 256, O_DISK, O_VARS, O_TPM, O_NOTPM, O_HEADLESS, O_SERIAL, O_TIMEOUT, O_UNTIL, O_SNAP,
	       O_NET, O_MEM, O_TPMCA, O_NET2 };
	static const struct option lo[] = {
		{ "out", required_argument, NULL, O_OUT },
		{ "disk", required_argument, NULL, O_DISK },
		{ "vars", required_argument, NULL, O_VARS },
		{ "tpm-state", required_argument, NULL, O_TPM },
		{ "no-tpm", no_argument, NULL, O_NOTPM },
		{ "tpm-ca", required_argument, NULL, O_TPMCA },
		{ "headless", no_argument, NULL, O_HEADLESS },
		{ "serial", required_argument, NULL, O_SERIAL },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "snapshot", no_argument, NULL, O_SNAP },
		{ "net", required_argument, NULL, O_NET },
		{ "net2", required_argument, NULL, O_NET2 },
		{ "memory", required_argument, NULL, O_MEM },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = "out";
	_cleanup_free_ char *disk = NULL, *vars = NULL, *tpm = NULL, *tpmca = NULL;
	struct vm_opts o = { .memory_mib = 1024 };
	bool no_tpm = false;
	uint32_t u;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", lo, NULL)) != -1) {
		switch (c) {
		case O_OUT: out = optarg; break;
		case O_DISK: disk = strdup(optarg); break;
		case O_VARS: vars = strdup(optarg); break;
		case O_TPM: tpm = strdup(optarg); break;
		case O_NOTPM: no_tpm = true; break;
		case O_TPMCA: tpmca = strdup(optarg); break;
		case O_HEADLESS: o.headless = true; break;
		case O_SERIAL: o.serial_log = optarg; break;
		case O_UNTIL: o.done_marker = optarg; break;
		case O_SNAP: o.snapshot = true; break;
		case O_NET: o.netdev = optarg; break;
		case O_NET2:
			if (!strstr(optarg, "id=net1")) {
				log_error("--net2 %s: the spec must name its netdev id=net1", optarg);
				return 2;
			}
			o.netdev2 = optarg;
			break;
		case O_TIMEOUT:
		case O_MEM:
			if (parse_u32(optarg, &u) < 0 || u == 0) {
				log_error("%s: expected a positive integer", optarg);
				return 2;
			}
			if (c == O_TIMEOUT)
				o.timeout_s = u;
			else
				o.memory_mib = u;
			break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!disk)
		disk = pathjoin(out, "disk.img");
	if (!vars)
		vars = pathjoin(out, "OVMF_VARS.fd");
	if (!tpm && !no_tpm)
		tpm = pathjoin(out, "tpm");
	if (!tpmca)
		tpmca = access("keys", F_OK) == 0 ? strdup("keys/tpm-ca") : pathjoin(out, "tpm-ca");
	if (access(disk, R_OK) < 0 || access(vars, R_OK) < 0) {
		log_error("%s or %s missing: run 'rempart build' first", disk, vars);
		return 2;
	}
	o.disk = disk;
	o.vars = vars;
	o.tpm_dir = no_tpm ? NULL : tpm;
	o.tpm_ca = tpmca;
	r = vm_run(&o);
	if (r == -ETIMEDOUT) {
		log_error("timeout after %u s: QEMU stopped", o.timeout_s);
		return 124;
	}
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot run QEMU");
		return 3;
	}
	return r;
}
