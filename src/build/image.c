/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The disk image: GPT (libfdisk) with the layout of ARCHITECTURE §2, an ESP
 * (mkfs.vfat + mtools, no mounts) holding signed systemd-boot and the UKI,
 * slot A filled, slot B empty, the state partition left for first boot. */
#include <errno.h>
#include <fcntl.h>
#include <libfdisk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "exec.h"
#include "fileio.h"
#include "image.h"
#include "log.h"
#include "uuid.h"

#define MIB (1024ULL * 1024ULL)
#define SECTOR 512ULL
#define SYSTEMD_BOOT "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"

static void derived_uuid(struct build_ctx *b, const char *what, char out[UUID_STR_LEN])
{
	uint8_t u[16];

	derive_bytes(b, what, NULL, 0, u, sizeof(u));
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	uuid_format(u, out);
}

void image_slot_uuids(const uint8_t *roothash, size_t len, char data[UUID_STR_LEN], char hash[UUID_STR_LEN])
{
	uuid_format(roothash, data);
	uuid_format(roothash + len - 16, hash);
}

static int mtool(const char *tool, const char *img, const char *a1, const char *a2, uint64_t sde)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *env_sde = NULL;

	argv_add(&a, tool);
	if (strcmp(tool, "mcopy") == 0)
		argv_add(&a, "-m");
	argv_add(&a, "-i");
	argv_add(&a, img);
	argv_add(&a, a1);
	if (a2)
		argv_add(&a, a2);
	if (asprintf(&env_sde, "SOURCE_DATE_EPOCH=%llu", (unsigned long long)sde) < 0)
		return -ENOMEM;
	char *env[] = { env_sde, "MTOOLS_SKIP_CHECK=1", NULL };
	return run_command(&a, env, NULL, true, NULL);
}

static int set_mtime(const char *path, uint64_t sde)
{
	struct timespec ts[2] = { { (time_t)sde, 0 }, { (time_t)sde, 0 } };

	return utimensat(AT_FDCWD, path, ts, 0) < 0 ? -errno : 0;
}

int image_esp_add_uki(struct build_ctx *b, const char *esp, const char *uki)
{
	_cleanup_free_ char *dst = NULL;

	if (asprintf(&dst, "::/EFI/Linux/%s_%s+3.efi", product_get(b, "name"), b->version) < 0)
		return -ENOMEM;
	set_mtime(uki, b->sde);
	return mtool("mcopy", esp, uki, dst, b->sde);
}

static int make_esp(struct build_ctx *b, const char *esp, const char *uki)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *sdboot = pathjoin(b->work_dir, "systemd-bootx64.efi");
	_cleanup_free_ char *loader = pathjoin(b->work_dir, "loader.conf");
	static const char loader_conf[] =
		"# Rempart: newest entry with tries left boots; no menu, no editor.\n"
		"timeout 0\n"
		"editor no\n"
		"auto-entries no\n"
		"auto-firmware no\n"
		"random-seed-mode off\n"
		"console-mode keep\n";
	uint8_t volid[4];
	char volhex[9];
	uint64_t kib = strtoull(product_get(b, "esp_size_mib"), NULL, 10) * 1024;
	int r;

	unlink(esp);
	derive_bytes(b, "esp-volume-id", NULL, 0, volid, sizeof(volid));
	snprintf(volhex, sizeof(volhex), "%02x%02x%02x%02x", volid[0], volid[1], volid[2], volid[3]);
	argv_add(&a, "mkfs.vfat");
	argv_add(&a, "-C");
	argv_add(&a, "--invariant");
	argv_add(&a, "-F");
	argv_add(&a, "32");
	argv_add(&a, "-n");
	argv_add(&a, "ESP");
	argv_add(&a, "-i");
	argv_add(&a, volhex);
	argv_add(&a, esp);
	argv_addf(&a, "%llu", (unsigned long long)kib);
	r = run_command(&a, NULL, NULL, true, NULL);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "mkfs.vfat failed for the ESP");
	r = sign_efi(b, SYSTEMD_BOOT, sdboot);
	if (r < 0)
		return r;
	r = write_file_atomic(loader, loader_conf, sizeof(loader_conf) - 1, 0644);
	if (r < 0)
		return r;
	set_mtime(sdboot, b->sde);
	set_mtime(loader, b->sde);
	const char *dirs[] = { "::/EFI", "::/EFI/BOOT", "::/EFI/systemd", "::/EFI/Linux", "::/loader", "::/rempart" };
	for (size_t i = 0; i < ARRAY_SIZE(dirs) && r == 0; i++)
		r = mtool("mmd", esp, dirs[i], NULL, b->sde);
	if (r == 0)
		r = mtool("mcopy", esp, sdboot, "::/EFI/BOOT/BOOTX64.EFI", b->sde);
	if (r == 0)
		r = mtool("mcopy", esp, sdboot, "::/EFI/systemd/systemd-bootx64.efi", b->sde);
	if (r == 0)
		r = mtool("mcopy", esp, loader, "::/loader/loader.conf", b->sde);
	if (r == 0)
		r = image_esp_add_uki(b, esp, uki);
	if (r < 0)
		log_errno(LOG_LVL_ERROR, r, "mtools could not fill the ESP image; see %s", exec_get_log());
	return r;
}

static int copy_into(int out, uint64_t offset, const char *src, uint64_t max)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ uint8_t *buf = malloc(1 << 20);
	uint64_t done = 0;
	int r;

	if (in < 0)
		return -errno;
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if (done + (uint64_t)n > max)
			return -ENOSPC;
		r = pwrite_full(out, buf, (size_t)n, (off_t)(offset + done));
		if (r < 0)
			return r;
		done += (uint64_t)n;
	}
	return 0;
}

DEFINE_POINTER_CLEANUP(struct fdisk_context, fdisk_unref_context)

static int add_part(struct fdisk_context *cxt, size_t no, uint64_t start, uint64_t size, const char *type,
		    const char *name, const char *uuid)
{
	struct fdisk_label *lb = fdisk_get_label(cxt, NULL);
	struct fdisk_parttype *t = fdisk_label_get_parttype_from_string(lb, type);
	struct fdisk_partition *pa = fdisk_new_partition();
	int r = -ENOMEM;

	if (!t || !pa)
		goto out;
	fdisk_partition_set_partno(pa, no);
	fdisk_partition_set_start(pa, start / SECTOR);
	fdisk_partition_set_size(pa, size / SECTOR);
	fdisk_partition_set_type(pa, t);
	fdisk_partition_set_name(pa, name);
	fdisk_partition_set_uuid(pa, uuid);
	r = fdisk_add_partition(cxt, pa, NULL);
out:
	fdisk_unref_partition(pa);
	fdisk_unref_parttype(t);
	return r;
}

int build_disk_image(struct build_ctx *b, const char *uki, const char *image)
{
	_cleanup_free_ char *esp = pathjoin(b->work_dir, "esp.img");
	_cleanup_free_ char *squash = pathjoin(b->release_dir, "root.squashfs");
	_cleanup_free_ char *verity = pathjoin(b->release_dir, "root.verity");
	_cleanup_(fdisk_unref_contextp) struct fdisk_context *cxt = NULL;
	_cleanup_close_ int fd = -1;
	uint64_t esp_sz = strtoull(product_get(b, "esp_size_mib"), NULL, 10) * MIB;
	uint64_t root_sz = strtoull(product_get(b, "root_size_mib"), NULL, 10) * MIB;
	uint64_t ver_sz = strtoull(product_get(b, "verity_size_mib"), NULL, 10) * MIB;
	uint64_t state_sz = strtoull(product_get(b, "state_size_mib"), NULL, 10) * MIB;
	uint64_t off[7], total, vsize;
	char u_disk[UUID_STR_LEN], u_esp[UUID_STR_LEN], u_ra[UUID_STR_LEN], u_rav[UUID_STR_LEN];
	char u_rb[UUID_STR_LEN], u_rbv[UUID_STR_LEN], u_state[UUID_STR_LEN];
	struct stat st;
	int r;

	if (!esp_sz || !root_sz || !ver_sz || !state_sz)
		return log_error("product.conf: partition sizes must be positive integers (MiB)"), -EINVAL;
	if (b->squashfs_size > root_sz)
		return log_error("the root squashfs (%llu bytes) does not fit root_size_mib=%s",
				 (unsigned long long)b->squashfs_size, product_get(b, "root_size_mib")), -ENOSPC;
	if (stat(verity, &st) < 0)
		return -errno;
	vsize = (uint64_t)st.st_size;
	if (vsize > ver_sz)
		return log_error("the verity tree does not fit verity_size_mib"), -ENOSPC;

	step_begin("ESP and GPT disk image");
	r = make_esp(b, esp, uki);
	if (r < 0)
		return r;

	off[0] = MIB;
	off[1] = off[0] + esp_sz;
	off[2] = off[1] + root_sz;
	off[3] = off[2] + ver_sz;
	off[4] = off[3] + root_sz;
	off[5] = off[4] + ver_sz;
	off[6] = off[5] + state_sz;
	total = off[6] + MIB;

	unlink(image);
	fd = open(image, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot create %s", image);
	if (ftruncate(fd, (off_t)total) < 0)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot size %s", image);

	derived_uuid(b, "disk-guid", u_disk);
	derived_uuid(b, "partuuid:esp", u_esp);
	derived_uuid(b, "partuuid:root-b", u_rb);
	derived_uuid(b, "partuuid:root-b-verity", u_rbv);
	derived_uuid(b, "partuuid:state", u_state);
	image_slot_uuids(b->roothash, b->roothash_len, u_ra, u_rav);

	cxt = fdisk_new_context();
	if (!cxt)
		return -ENOMEM;
	r = fdisk_assign_device(cxt, image, 0);
	if (r == 0)
		r = fdisk_create_disklabel(cxt, "gpt");
	if (r == 0)
		r = fdisk_set_disklabel_id_from_string(cxt, u_disk);
	if (r == 0)
		r = add_part(cxt, 0, off[0], esp_sz, GPT_ESP, "esp", u_esp);
	if (r == 0)
		r = add_part(cxt, 1, off[1], root_sz, GPT_ROOT_X86_64, "root-a", u_ra);
	if (r == 0)
		r = add_part(cxt, 2, off[2], ver_sz, GPT_ROOT_X86_64_VERITY, "root-a-verity", u_rav);
	if (r == 0)
		r = add_part(cxt, 3, off[3], root_sz, GPT_ROOT_X86_64, "root-b", u_rb);
	if (r == 0)
		r = add_part(cxt, 4, off[4], ver_sz, GPT_ROOT_X86_64_VERITY, "root-b-verity", u_rbv);
	if (r == 0)
		r = add_part(cxt, 5, off[5], state_sz, GPT_VAR, "state", u_state);
	if (r == 0)
		r = fdisk_write_disklabel(cxt);
	if (r == 0)
		r = fdisk_deassign_device(cxt, 0);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "libfdisk could not write the GPT of %s", image);

	r = copy_into(fd, off[0], esp, esp_sz);
	if (r == 0)
		r = copy_into(fd, off[1], squash, root_sz);
	if (r == 0)
		r = copy_into(fd, off[2], verity, ver_sz);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write the partitions of %s", image);
	step_end();
	return 0;
}
