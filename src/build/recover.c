/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart recover: for the administrator whose TPM died (or was cleared).
 * Opens rempart/escrow.bin (from the disk image's ESP, or a copy) with the
 * offline escrow secret key, and checks or uses the recovery secret on the
 * state volume's recovery key slot (LUKS2 keyslot 1) through libcryptsetup. */
#include <errno.h>
#include <getopt.h>
#include <libcryptsetup.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "escrow.h"
#include "exec.h"
#include "fileio.h"
#include "log.h"

#define RECOVERY_KEYSLOT 1

static void usage(FILE *f)
{
	fputs("Usage: rempart recover --escrow-key SECRET (--image DISK | --escrow-file escrow.bin)\n"
	      "                       [--device STATE_DEV] [--open NAME] [--print-passphrase]\n"
	      "\n"
	      "Opens the recovery escrow blob with the escrow secret key (rempart keys init:\n"
	      "escrow.key, kept offline) and checks the recovery secret against the state\n"
	      "volume's recovery key slot (--device: the state partition, e.g. a loop device\n"
	      "over it; no device-mapper needed). --open NAME also activates it (needs\n"
	      "device-mapper). --print-passphrase prints the recovery passphrase for\n"
	      "'cryptsetup open' on another machine.\n"
	      "\n"
	      "Exit status: 0 success; 1 refused (blob for another key, tampered, or the\n"
	      "secret does not open the volume); 2 usage; 3 system error.\n",
	      f);
}

static int escrow_from_image(const char *image, uint8_t **blob, size_t *len)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT, q = ARGV_INIT;
	_cleanup_free_ char *js = NULL, *tmp = NULL;
	char *p;
	unsigned long long start;
	int r;

	argv_add(&q, "sfdisk");
	argv_add(&q, "--dump");
	argv_add(&q, image);
	r = run_capture(&q, &js, 1 << 20);
	if (r < 0)
		return r;
	p = strstr(js, "name=\"esp\"");
	if (!p)
		return -ENOENT;
	while (p > js && p[-1] != '\n')
		p--;
	p = strstr(p, "start=");
	if (!p || sscanf(p, "start= %llu", &start) != 1)
		return -EBADMSG;
	if (asprintf(&tmp, "/tmp/rempart-escrow.%d", (int)getpid()) < 0)
		return -ENOMEM;
	argv_add(&a, "mcopy");
	argv_add(&a, "-n");
	argv_add(&a, "-i");
	argv_addf(&a, "%s@@%llu", image, start * 512);
	argv_add(&a, "::/rempart/escrow.bin");
	argv_add(&a, tmp);
	char *env[] = { "MTOOLS_SKIP_CHECK=1", NULL };
	r = run_command(&a, env, NULL, true, NULL);
	if (r == 0)
		r = read_file(tmp, 4096, blob, len);
	unlink(tmp);
	return r;
}

int cmd_recover(int argc, char **argv);
int cmd_recover(int argc, char **argv)
{
	enum { O_KEY = 256, O_IMAGE, O_FILE, O_DEVICE, O_OPEN, O_PRINT };
	static const struct option lo[] = {
		{ "escrow-key", required_argument, NULL, O_KEY },
		{ "image", required_argument, NULL, O_IMAGE },
		{ "escrow-file", required_argument, NULL, O_FILE },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "open", required_argument, NULL, O_OPEN },
		{ "print-passphrase", no_argument, NULL, O_PRINT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *image = NULL, *file = NULL, *device = NULL, *name = NULL;
	uint8_t pk[ESCROW_KEY_BYTES], sk[ESCROW_KEY_BYTES], secret[ESCROW_SECRET_BYTES];
	char pass[ESCROW_PASSPHRASE_LEN + 1];
	_cleanup_free_ uint8_t *blob = NULL;
	struct crypt_device *cd = NULL;
	bool print = false;
	size_t len = 0;
	int c, r, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_KEY: key = optarg; break;
		case O_IMAGE: image = optarg; break;
		case O_FILE: file = optarg; break;
		case O_DEVICE: device = optarg; break;
		case O_OPEN: name = optarg; break;
		case O_PRINT: print = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!key || (!image == !file) || (name && !device)) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 3;
	r = escrow_load_secret(key, pk, sk);
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot read the escrow secret key %s", key);
		return 2;
	}
	r = image ? escrow_from_image(image, &blob, &len) : read_file(file, 4096, &blob, &len);
	if (r < 0) {
		log_errno(LOG_LVL_ERROR, r, "cannot read rempart/escrow.bin from %s", image ? image : file);
		ret = 3;
		goto out;
	}
	r = escrow_open(pk, sk, blob, len, secret);
	if (r < 0) {
		log_error("escrow blob refused: %s",
			  r == -ENOKEY ? "it was made for another escrow key" :
			  r == -EKEYREJECTED ? "authentication failed (tampered or corrupt)" : "malformed");
		ret = 1;
		goto out;
	}
	escrow_passphrase(secret, pass);
	if (device) {
		r = crypt_init(&cd, device);
		if (r == 0)
			r = crypt_load(cd, CRYPT_LUKS2, NULL);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "%s is not a LUKS2 volume", device);
			ret = 3;
			goto out;
		}
		r = crypt_activate_by_passphrase(cd, name, RECOVERY_KEYSLOT, pass, strlen(pass), 0);
		if (r < 0) {
			log_error("the recovery secret does not open key slot %d of %s (%s)", RECOVERY_KEYSLOT, device,
				  strerror(-r));
			ret = 1;
			goto out;
		}
		if (name)
			printf("state volume opened as /dev/mapper/%s with the recovery key slot\n", name);
		else
			printf("the recovery secret opens key slot %d of the state volume (checked, not activated)\n",
			       RECOVERY_KEYSLOT);
	} else {
		printf("escrow blob opened with the escrow key\n");
	}
	if (print)
		printf("recovery passphrase: %s\n", pass);
out:
	crypt_free(cd);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(pass, sizeof(pass));
	return ret;
}
