/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart: the host tool (keys, image build, QEMU runner). */
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "config.h"
#include "keys.h"
#include "log.h"

int cmd_recover(int argc, char **argv);

static void usage(FILE *f)
{
	fputs("Usage: rempart COMMAND [OPTIONS]\n"
	      "\n"
	      "Commands:\n"
	      "  keys init|check  create or check a development key set\n"
	      "  build            build the signed, verified disk image\n"
	      "  run              boot the image in QEMU with Secure Boot and a TPM\n"
	      "  recover          open the recovery escrow and the state volume (TPM lost)\n"
	      "\n"
	      "'rempart COMMAND --help' describes each command and its exit codes.\n",
	      f);
}

int main(int argc, char **argv)
{
	log_set_program("rempart");
	log_level_from_env();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("rempart %s\n", REMPART_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "keys") == 0)
		return cmd_keys(argc - 1, argv + 1);
	if (strcmp(argv[1], "build") == 0)
		return cmd_build(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "recover") == 0)
		return cmd_recover(argc - 1, argv + 1);
	log_error("unknown command '%s' (keys, build, run; see --help)", argv[1]);
	return 2;
}
