/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-attest: remote attestation. Device side (enroll-request,
 * activate, quote) and verifier side (challenge, register, verify), plus
 * inspection helpers (eventlog, authenticode, nonce). docs/attest.md. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "hex.h"
#include "log.h"
#include "parse.h"

enum {
	EXIT_OK = 0,         /* trusted / done */
	EXIT_UNTRUSTED = 1,  /* authentic evidence, boot differs from the release */
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
	EXIT_REJECTED = 4,   /* evidence not authentic or not fresh */
};

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " device:\n"
	      "  rempart-attest enroll-request [--ek rsa|ecc] [--ak ecc|rsa] [-o FILE]\n"
	      "  rempart-attest activate --challenge FILE [-o FILE]\n"
	      "  rempart-attest quote --nonce HEX [--pcrs LIST] [--event-log PATH] [--os-release PATH]\n"
	      "                       [--check-command CMD | --check-json FILE | --no-check] [-o FILE]\n"
	      " verifier:\n"
	      "  rempart-attest nonce\n"
	      "  rempart-attest challenge --request FILE --ak-registry DIR (--ek-ca PATH... | --ek-allow FILE)\n"
	      "                           [-o FILE]\n"
	      "  rempart-attest register --response FILE --ak-registry DIR\n"
	      "  rempart-attest verify --evidence FILE --nonce HEX --ak-registry DIR --reference FILE...\n"
	      "                        (--reference-key PUB | --allow-unsigned-reference)\n"
	      "                        [--min-security-version N] [--pcrs LIST] [--require-check] [--json]\n"
	      " inspection:\n"
	      "  rempart-attest eventlog [--json] [LOG]\n"
	      "  rempart-attest authenticode FILE...\n"
	      "\n"
	      "Options:\n"
	      "  --state-dir DIR     device state (default " DEFAULT_STATE ")\n"
	      "  --tcti CONF         TPM: device:/dev/tpmrm0 (default) or e.g. swtpm:host=127.0.0.1,port=2321\n"
	      "  --pcrs LIST         PCRs to quote / require, e.g. 0-7,11 (default)\n"
	      "  --event-log PATH    default " DEFAULT_LOG "\n"
	      "  --os-release PATH   default " DEFAULT_OS_RELEASE " (IMAGE_VERSION, ID)\n"
	      "  --check-command CMD default \"" DEFAULT_CHECK "\" when installed\n"
	      "  --ek-ca PATH        TPM manufacturer CA certificates (PEM or DER file, or a directory of\n"
	      "                      them; repeatable): the request's EK certificate must chain to them\n"
	      "                      and certify its EK, or the EK is refused\n"
	      "  --ek-allow FILE     EK names (hex, as in enroll-request's ek_name), one per line: pinned\n"
	      "                      EKs; alone, only they are challenged; with --ek-ca, they may come\n"
	      "                      without an EK certificate (TPMs that have none)\n"
	      "  --reference FILE    release.json or signed release manifest with a \"reference\" object\n"
	      "                      (repeatable: one per release the verifier knows)\n"
	      "  --reference-key PUB minisign public key: FILE.minisig must verify with it\n"
	      "  --require-check     a failing or missing rempart-check report is a finding\n"
	      "  --json              machine-readable output\n"
	      "  -v, --verbose       debug messages;  -h, --help;  --version\n"
	      "\n"
	      "Exit status: 0 trusted (verify) or success; 1 untrusted: the evidence is authentic but the\n"
	      "measured boot is not a reference release's (each finding is named); 2 invalid usage or\n"
	      "input; 3 system or TPM error; 4 rejected: the evidence is not authentic or not fresh\n"
	      "(unknown AK, bad signature, nonce, PCR values, event log that does not replay).\n",
	      f);
}

enum {
	O_STATE = 256, O_TCTI, O_EK, O_AK, O_CHALLENGE, O_NONCE, O_PCRS, O_LOG, O_OSREL, O_CHECKCMD, O_CHECKJSON,
	O_NOCHECK, O_REQUEST, O_RESPONSE, O_REGISTRY, O_EVIDENCE, O_REFERENCE, O_REFKEY, O_UNSIGNED, O_MINSVN,
	O_JSON, O_VERSION, O_EKALLOW, O_REQCHECK, O_EKCA,
};

static int parse_pcrs(const char *s, uint32_t *mask)
{
	_cleanup_free_ char *dup = strdup(s);
	char *save = NULL;

	if (!dup)
		return -ENOMEM;
	*mask = 0;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(t, '-');
		uint32_t a, b;

		if (dash)
			*dash = '\0';
		if (parse_u32(t, &a) < 0 || (dash && parse_u32(dash + 1, &b) < 0))
			return -EINVAL;
		if (!dash)
			b = a;
		if (a > b || b > 23)
			return -EINVAL;
		for (uint32_t i = a; i <= b; i++)
			*mask |= 1u << i;
	}
	return *mask ? 0 : -EINVAL;
}

static int exit_for(int r)
{
	switch (r) {
	case 0:
		return EXIT_OK;
	case -EINVAL: case -EBADMSG: case -ENOENT: case -EKEYREJECTED: case -ERANGE:
		return EXIT_USAGE;
	default:
		return EXIT_SYSTEM;
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "tcti", required_argument, NULL, O_TCTI },
		{ "ek", required_argument, NULL, O_EK },
		{ "ak", required_argument, NULL, O_AK },
		{ "challenge", required_argument, NULL, O_CHALLENGE },
		{ "nonce", required_argument, NULL, O_NONCE },
		{ "pcrs", required_argument, NULL, O_PCRS },
		{ "event-log", required_argument, NULL, O_LOG },
		{ "os-release", required_argument, NULL, O_OSREL },
		{ "check-command", required_argument, NULL, O_CHECKCMD },
		{ "check-json", required_argument, NULL, O_CHECKJSON },
		{ "no-check", no_argument, NULL, O_NOCHECK },
		{ "request", required_argument, NULL, O_REQUEST },
		{ "response", required_argument, NULL, O_RESPONSE },
		{ "ak-registry", required_argument, NULL, O_REGISTRY },
		{ "evidence", required_argument, NULL, O_EVIDENCE },
		{ "reference", required_argument, NULL, O_REFERENCE },
		{ "reference-key", required_argument, NULL, O_REFKEY },
		{ "allow-unsigned-reference", no_argument, NULL, O_UNSIGNED },
		{ "min-security-version", required_argument, NULL, O_MINSVN },
		{ "json", no_argument, NULL, O_JSON },
		{ "ek-allow", required_argument, NULL, O_EKALLOW },
		{ "ek-ca", required_argument, NULL, O_EKCA },
		{ "require-check", no_argument, NULL, O_REQCHECK },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ 0 },
	};
	struct opts o = { .state = DEFAULT_STATE, .pcrs = DEFAULT_PCRS };
	const char *cmd;
	int c, r;

	log_set_program("rempart-attest");
	log_level_from_env();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("rempart-attest %s\n", REMPART_VERSION);
		return EXIT_OK;
	}
	cmd = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "o:vh", lo, NULL)) != -1) {
		switch (c) {
		case O_STATE: o.state = optarg; break;
		case O_TCTI: o.tcti = optarg; break;
		case O_EK:
			if (strcmp(optarg, "rsa") != 0 && strcmp(optarg, "ecc") != 0) {
				log_error("--ek: rsa or ecc");
				return EXIT_USAGE;
			}
			o.ek_ecc = strcmp(optarg, "ecc") == 0;
			break;
		case O_AK:
			if (strcmp(optarg, "rsa") != 0 && strcmp(optarg, "ecc") != 0) {
				log_error("--ak: ecc or rsa");
				return EXIT_USAGE;
			}
			o.ak_rsa = strcmp(optarg, "rsa") == 0;
			break;
		case O_CHALLENGE: o.challenge = optarg; break;
		case O_NONCE:
			if (hex_decode(optarg, o.nonce, sizeof(o.nonce), &o.nonce_len) < 0 || o.nonce_len < 16) {
				log_error("--nonce: 16 to 64 bytes in hex");
				return EXIT_USAGE;
			}
			o.nonce_set = true;
			break;
		case O_PCRS:
			if (parse_pcrs(optarg, &o.pcrs) < 0) {
				log_error("--pcrs: a list like 0-7,11 of PCRs 0..23");
				return EXIT_USAGE;
			}
			break;
		case O_LOG: o.log = optarg; break;
		case O_OSREL: o.osrel = optarg; break;
		case O_CHECKCMD: o.checkcmd = optarg; break;
		case O_CHECKJSON: o.checkjson = optarg; break;
		case O_NOCHECK: o.nocheck = true; break;
		case O_REQUEST: o.request = optarg; break;
		case O_RESPONSE: o.response = optarg; break;
		case O_REGISTRY: o.registry = optarg; break;
		case O_EVIDENCE: o.evidence = optarg; break;
		case O_REFERENCE:
			if (o.nrefs == AV_MAX_REFS) {
				log_error("--reference: at most %d", AV_MAX_REFS);
				return EXIT_USAGE;
			}
			o.refs[o.nrefs++] = optarg;
			break;
		case O_REFKEY: o.refkey = optarg; break;
		case O_UNSIGNED: o.unsigned_ok = true; break;
		case O_MINSVN:
			if (parse_u64(optarg, &o.minsvn) < 0) {
				log_error("--min-security-version: a decimal integer");
				return EXIT_USAGE;
			}
			o.has_minsvn = true;
			break;
		case O_JSON: o.json = true; break;
		case O_EKALLOW: o.ekallow = optarg; break;
		case O_EKCA:
			if (o.nekca == AV_MAX_REFS) {
				log_error("--ek-ca: at most %d", AV_MAX_REFS);
				return EXIT_USAGE;
			}
			o.ekca[o.nekca++] = optarg;
			break;
		case O_REQCHECK: o.require_check = true; break;
		case 'o': o.out = optarg; break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		case 'h': usage(stdout); return EXIT_OK;
		case O_VERSION: printf("rempart-attest %s\n", REMPART_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (strcmp(cmd, "enroll-request") == 0) {
		r = cmd_enroll_request(&o);
	} else if (strcmp(cmd, "activate") == 0) {
		r = cmd_activate(&o);
	} else if (strcmp(cmd, "quote") == 0) {
		r = cmd_quote(&o);
	} else if (strcmp(cmd, "challenge") == 0) {
		r = cmd_challenge(&o);
	} else if (strcmp(cmd, "register") == 0) {
		r = cmd_register(&o);
	} else if (strcmp(cmd, "verify") == 0) {
		r = cmd_verify(&o);
		if (r >= 0)
			return r;
	} else if (strcmp(cmd, "eventlog") == 0) {
		r = cmd_eventlog(&o, optind < argc ? argv[optind] : DEFAULT_LOG);
	} else if (strcmp(cmd, "authenticode") == 0) {
		if (optind >= argc) {
			log_error("authenticode: FILE... required");
			return EXIT_USAGE;
		}
		r = cmd_authenticode(argc - optind, argv + optind);
	} else if (strcmp(cmd, "nonce") == 0) {
		uint8_t n[32];
		char h[65];

		if (getrandom(n, sizeof(n), 0) != (ssize_t)sizeof(n))
			return EXIT_SYSTEM;
		hex_encode(n, sizeof(n), h);
		printf("%s\n", h);
		r = 0;
	} else {
		log_error("unknown command \"%s\" (see --help)", cmd);
		return EXIT_USAGE;
	}
	return exit_for(r);
}
