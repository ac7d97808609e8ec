/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "fileio.h"
#include "verity.h"

#define BUILD_MAX_EXTRA_DB 4

struct build_ctx {
	/* inputs */
	char *product_dir;
	char *keys_dir;
	char *out_dir;
	char *version;
	char *tools_dir;      /* meson build directory holding our programs */
	uint64_t sde;         /* SOURCE_DATE_EPOCH */
	uint64_t security_version;
	bool development;
	char *update_server;  /* overrides update.conf's server = (NULL: keep) */
	const char *update_direct; /* development: A.B.C.D:PORT reached outside the tunnel (NULL: none) */
	const char *extra_db[BUILD_MAX_EXTRA_DB]; /* more certificates enrolled in db */
	size_t n_extra_db;
	struct conf product;

	/* work paths */
	char *work_dir;       /* out/work */
	char *cache_dir;      /* out/cache (downloaded packages) */
	char *rootfs;         /* out/work/rootfs */
	char *kernel_dir;     /* out/work/kernel (unpacked kernel package) */
	char *kernel_version; /* e.g. 6.1.0-56-amd64 */
	char *kernel_package; /* exact package name and version */
	char *release_dir;    /* out/release/<version> */

	/* results */
	uint8_t roothash[RV_MAX_DIGEST];
	size_t roothash_len;
	struct rv_params verity;
	uint64_t squashfs_size;
	uint8_t pcr11[32];      /* PCR 11 of the UKI as the stub measures it */
	char *approval_b64;     /* its approval signed by the TPM policy key */
};

/* Steps, in order. Each returns 0 or a negative errno and logs once. */
int build_rootfs(struct build_ctx *b);
int build_squashfs(struct build_ctx *b);
int build_kernel(struct build_ctx *b);
int build_initramfs(struct build_ctx *b, const char *init_path, const char *out_path);
int build_uki(struct build_ctx *b, const char *initrd, const char *out_path, const char *cmdline_extra);
int build_disk_image(struct build_ctx *b, const char *uki, const char *image);
int build_enroll_vars(struct build_ctx *b, const char *db_auth, const char *vars_out);
int build_manifest(struct build_ctx *b);
/* Signs an EFI binary (UKI, systemd-boot) with the db key, reproducibly. */
int sign_efi(struct build_ctx *b, const char *in, const char *out);

struct cpio;
int initramfs_add_libraries(struct build_ctx *b, struct cpio *c, const char *binary);
/* Adds the modules named in the list files, dependencies first, and
 * etc/rempart/modules listing them in load order. */
int initramfs_add_modules(struct build_ctx *b, struct cpio *c, const char *const *lists, size_t nlists);
char *find_tool(const struct build_ctx *b, const char *name);

/* Helpers shared by the steps. */
char *pathjoin(const char *a, const char *b);
int rm_rf(const char *path);
int copy_file(const char *src, const char *dst, mode_t mode);
const char *product_get(const struct build_ctx *b, const char *key);
/* Path of a file of the product directory (NULL-free; may not exist). */
char *product_path(const struct build_ctx *b, const char *rel);
/* Derives 'len' deterministic bytes for a purpose from the build inputs. */
void derive_bytes(const struct build_ctx *b, const char *purpose, const uint8_t *extra, size_t extra_len,
		  uint8_t *out, size_t len);
void step_begin(const char *what);
void step_end(void);
int sha256_file(const char *path, uint8_t out[32], uint64_t *size);

int cmd_build(int argc, char **argv);
int cmd_run(int argc, char **argv);
