/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The signed release manifest (docs/update-format.md): strict parser,
 * canonical writer, version comparison and the trusted comment that the
 * minisign signature binds.
 *
 * Library rules: 0 or a negative errno, no printing above debug level.
 * Parse errors return -EBADMSG (or -E2BIG for an oversize document) and
 * put a one-line description of what was wrong into err. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UM_FORMAT 1
#define UM_MAX_SIZE (64u * 1024u)  /* largest manifest accepted */
#define UM_NAME_MAX 64              /* product, channel, environment names */
#define UM_VERSION_MAX 47
#define UM_PATH_MAX 255
#define UM_MAX_ENVS 8
#define UM_MAX_DIGEST 64
#define UM_MAX_SALT 256
#define UM_PCR_SIG_MAX 2048
#define UM_ERR_MAX 256

struct um_artifact {
	char path[UM_PATH_MAX + 1]; /* relative to <base>/<product>/: releases/<version>/<file> */
	uint64_t size;
	uint8_t sha256[32];
};

struct um_verity {
	char hash[16];              /* digest name, e.g. "sha256" */
	uint32_t data_block_size;
	uint32_t hash_block_size;
	uint64_t data_blocks;
	uint8_t roothash[UM_MAX_DIGEST];
	size_t roothash_len;
	uint8_t salt[UM_MAX_SALT];
	size_t salt_len;
	bool superblock;            /* the hash artifact starts with a version-1 superblock */
	bool has_uuid;
	uint8_t uuid[16];
};

struct um_environment {
	char name[UM_NAME_MAX + 1];
	struct um_artifact image;   /* squashfs */
	struct um_artifact hash;    /* its dm-verity tree */
	struct um_verity verity;
};

/* Optional reference values for remote attestation (docs/attest.md,
 * src/attest): what the firmware and systemd-stub measure when this
 * release boots. All digests sha256. */
#define UM_REF_MAX 8
enum { UM_SB_SECUREBOOT, UM_SB_PK, UM_SB_KEK, UM_SB_DB, UM_SB_VARS };
struct um_reference {
	bool present;
	uint8_t pcr11[32];                 /* PCR 11 of the UKI (= pcr11.value) */
	uint8_t systemd_boot[32];          /* Authenticode of EFI/BOOT/BOOTX64.EFI */
	uint8_t uki[32];                   /* Authenticode of the UKI */
	uint8_t secure_boot[UM_SB_VARS][32]; /* EV_EFI_VARIABLE_DRIVER_CONFIG digests */
	size_t n_authority;                /* EV_EFI_VARIABLE_AUTHORITY digests (db entries) */
	uint8_t authority[UM_REF_MAX][32];
	size_t n_dbcert;                   /* sha256 of the db certificates (DER) */
	uint8_t dbcert[UM_REF_MAX][32];
};

struct um_manifest {
	char product[UM_NAME_MAX + 1];
	char channel[UM_NAME_MAX + 1];
	char version[UM_VERSION_MAX + 1];
	uint64_t security_version;
	uint64_t issued_at;         /* seconds since the epoch (UTC) */
	uint64_t expires;
	uint32_t rollout_percent;   /* 0..100: share of machines offered this release */
	uint64_t source_date_epoch;
	struct um_artifact root, verity_tree, uki;
	struct um_verity verity;
	char pcr11_value[2 * UM_MAX_DIGEST + 1];
	char pcr11_signature[UM_PCR_SIG_MAX + 1];
	char pcr11_key_fpr[2 * UM_MAX_DIGEST + 1];
	size_t n_envs;
	struct um_environment envs[UM_MAX_ENVS];
	struct um_reference reference;     /* optional ("reference") */
};

/* Strict parse: JSON object, no duplicate or unknown keys, every required
 * field present with its exact type and range, nothing after the document. */
int um_parse(const uint8_t *buf, size_t len, struct um_manifest *m, char err[UM_ERR_MAX]);

/* The "reference" object (strict: every field, nothing else). obj is a
 * jansson json_t. */
struct json_t;
int um_parse_reference(struct json_t *obj, struct um_reference *ref, char err[UM_ERR_MAX]);

/* Checks the semantic rules um_parse enforces (for a manifest built in
 * memory before writing it). */
int um_validate(const struct um_manifest *m, char err[UM_ERR_MAX]);

/* Canonical JSON text (malloc'd, NUL-terminated, final newline). */
int um_serialize(const struct um_manifest *m, char **out);

/* "rempart-manifest product=P channel=C version=V security_version=N
 * issued_at=N expires=N": the minisign trusted comment (malloc'd). */
int um_trusted_comment(const struct um_manifest *m, char **out);

/* Names: [a-z0-9][a-z0-9-]*, at most UM_NAME_MAX. */
bool um_name_valid(const char *s);
/* Dotted decimal: 1 to 8 components of 1 to 9 digits, no leading zeros. */
bool um_version_valid(const char *s);
/* <0, 0, >0 comparing numerically, component by component (missing = 0).
 * Both must be valid. */
int um_version_cmp(const char *a, const char *b);
/* Artifact file names: [A-Za-z0-9._-], not starting with '.', <= 128. */
bool um_filename_valid(const char *s);
