/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-init: PID 1 of the initramfs.
 *
 *  1. mounts /proc /sys /dev /run, loads the kernel modules of the image;
 *  2. finds the slot's root and verity partitions by the partition UUIDs
 *     derived from rempart.roothash= on the (signed) kernel command line;
 *  3. opens dm-verity through libcryptsetup and checks the device is
 *     active and not flagged corrupted, mounts the squashfs read-only;
 *  4. prepares the writable areas (/run, /var, /dev/shm), all
 *     nosuid,nodev,noexec;
 *  5. switches root and executes systemd.
 * On any failure it prints "rempart-init: FATAL: <what was checked, what was
 * found>" and powers off: never an unverified root, never a shell.
 *
 * Corruption behaviour: dm-verity's default, an I/O error on the corrupt
 * block (see docs/boot.md for why we do not restart or panic). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <stdarg.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "hex.h"
#include "modules.h"
#include "espmount.h"
#include "parts.h"
#include "uuid.h"
#include "verity.h"
#include "state.h"

#define GPT_ROOT_X86_64 "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
#define GPT_ROOT_X86_64_VERITY "2c7357ed-ebd2-46d9-aec1-23d437ec2bf5"
#define ROOT_DM_NAME "root"
#define SYSROOT "/sysroot"
#define DEVICE_WAIT_S 20

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("rempart-init: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static __attribute__((noreturn, format(printf, 1, 2))) void fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("rempart-init: FATAL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("\nrempart-init: refusing to boot; powering off.\n", stdout);
	fflush(stdout);
	sync();
	sleep(1);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void mount_or_die(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		fatal("cannot mount %s on %s: %s", type, dst, strerror(errno));
}

/* Value of key= on the kernel command line (static buffer), or NULL. */
static const char *cmdline_get(const char *key)
{
	static char cmdline[4096], value[1024];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t klen = strlen(key);

	if (fd < 0)
		return NULL;
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	cmdline[n] = '\0';
	for (char *p = cmdline; *p;) {
		size_t len;

		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			snprintf(value, sizeof(value), "%.*s", (int)(len - klen - 1), p + klen + 1);
			return value;
		}
		p += len;
	}
	return NULL;
}

static void wait_partition(const char *what, const char *uuid, const char *type, char *dev, size_t size)
{
	struct timespec t0, t;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = part_find(uuid, type, NULL, dev, size);
		if (r == 0)
			return;
		if (r == -EMEDIUMTYPE)
			fatal("%s partition %s (UUID %s) does not have the expected GPT type %s", what, dev, uuid, type);
		if (r == -ENOTUNIQ)
			fatal("several partitions carry the %s UUID %s: refusing to guess which one is genuine", what, uuid);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > DEVICE_WAIT_S)
			fatal("no %s partition with UUID %s (derived from rempart.roothash) appeared within %d s: "
			      "the disk does not hold the slot this kernel was built for",
			      what, uuid, DEVICE_WAIT_S);
		usleep(100000);
	}
}

/* The tree's top block must hash to the root hash of the signed command
 * line before anything is activated: a tree from another build or a
 * modified one is named as such instead of surfacing as I/O errors. */
static void check_tree_top(const char *data_dev, const char *hash_dev, const uint8_t *roothash, size_t len)
{
	_cleanup_close_ int dfd = open(data_dev, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int hfd = open(hash_dev, O_RDONLY | O_CLOEXEC);
	struct rv_params p;
	struct rv_report rep;
	uint64_t size;
	int r;

	if (dfd < 0 || hfd < 0)
		fatal("cannot open %s / %s: %s", data_dev, hash_dev, strerror(errno));
	r = fd_get_size(dfd, &size);
	if (r < 0)
		fatal("cannot get the size of %s: %s", data_dev, strerror(-r));
	rv_params_default(&p);
	r = rv_verify_root(hfd, size, &p, roothash, len, &rep);
	if (r == -EBADMSG && rep.problem == RV_ROOT_MISMATCH)
		fatal("the verity tree on %s does not match rempart.roothash of the signed kernel command line: "
		      "the root slot was modified or holds another build", hash_dev);
	if (r == -EBADMSG)
		fatal("the verity tree on %s is inconsistent with %s (%s at block %llu)", hash_dev, data_dev,
		      rv_problem_str(rep.problem), (unsigned long long)rep.block);
	if (r < 0)
		fatal("%s holds no valid verity superblock (%s)", hash_dev, strerror(-r));
}

static __attribute__((unused)) void open_verity(const char *data_dev, const char *hash_dev, const uint8_t *roothash, size_t len)
{
	struct crypt_device *cd = NULL;
	struct crypt_params_verity params = { 0 };
	struct crypt_active_device cad;
	int r;

	check_tree_top(data_dev, hash_dev, roothash, len);

	r = crypt_init_data_device(&cd, hash_dev, data_dev);
	if (r < 0)
		fatal("libcryptsetup cannot open %s / %s: %s", data_dev, hash_dev, strerror(-r));
	r = crypt_load(cd, CRYPT_VERITY, &params);
	if (r < 0)
		fatal("%s holds no valid verity superblock: %s", hash_dev, strerror(-r));
	r = crypt_activate_by_volume_key(cd, ROOT_DM_NAME, (const char *)roothash, len, CRYPT_ACTIVATE_READONLY);
	if (r < 0)
		fatal("dm-verity refused %s with the root hash of the kernel command line (%s): the root "
		      "filesystem or its hash tree was modified or belongs to another build",
		      data_dev, strerror(-r));
	if (crypt_status(cd, ROOT_DM_NAME) != CRYPT_ACTIVE)
		fatal("dm-verity device %s is not active after activation", ROOT_DM_NAME);
	r = crypt_get_active_device(cd, ROOT_DM_NAME, &cad);
	if (r < 0)
		fatal("cannot query the dm-verity device status: %s", strerror(-r));
	if (cad.flags & CRYPT_ACTIVATE_CORRUPTED)
		fatal("dm-verity reports corruption of %s (status C)", data_dev);
	if (!(cad.flags & CRYPT_ACTIVATE_READONLY))
		fatal("dm-verity device %s is not read-only", ROOT_DM_NAME);
	crypt_free(cd);
}

static void bind_rw(const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		fatal("cannot bind %s on %s: %s", src, dst, strerror(errno));
}

/* The sealed state: unseal (or provision), then bind its allow-list of
 * writable paths into the read-only root. */
/* The allow-list of writable paths the state gives the verified root. */
static void bind_state(void)
{
	bind_rw(STATE_MNT "/var", SYSROOT "/var");
	bind_rw(STATE_MNT "/home", SYSROOT "/home");
	bind_rw(STATE_MNT "/etc/machine-id", SYSROOT "/etc/machine-id");
}

static __attribute__((unused)) void setup_state(void)
{
	struct state_result res;

	mount_or_die("efivarfs", "/sys/firmware/efi/efivars", "efivarfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     NULL);
	if (state_setup(SYSROOT "/var", &res) < 0)
		fatal("state partition %s: %s", *res.device ? res.device : "(not found)", res.msg);
	say("state %s %s", res.device,
	    res.provisioned ? "provisioned: LUKS2 + dm-integrity, key sealed in the TPM, recovery secret escrowed "
			      "to rempart/escrow.bin on the ESP" :
			      "unlocked with the TPM-sealed key");
	bind_state();
	umount("/sys/firmware/efi/efivars");
}

/* Frees the initramfs: deletes everything on the root device, not
 * crossing into other mounts. */
static void delete_tree(int fd, dev_t rootdev)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != rootdev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				delete_tree(sub, rootdev);
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd(d), e->d_name, 0);
		}
	}
	closedir(d);
}

/* The ESP next to the verified root, mounted at /efi by systemd. Without it
 * the system still runs (the release stays bootable), but boot counting and
 * updates cannot write boot entries: said once, not fatal. */
static void esp_for_systemd(void)
{
	char esp[300];
	int r = part_find(NULL, GPT_ESP_TYPE, "esp", esp, sizeof(esp));

	if (r == 0)
		r = esp_mount_unit_write("/run/systemd/system", esp);
	if (r < 0)
		say("WARNING: no mount unit for the ESP (%s): boot counting and updates cannot write boot entries",
		    strerror(-r));
}

static void switch_root(void)
{
	static const char *const moves[] = { "/dev", "/proc", "/sys", "/run" };
	struct stat st;
	int fd;

	for (size_t i = 0; i < ARRAY_SIZE(moves); i++) {
		char dst[64];

		snprintf(dst, sizeof(dst), SYSROOT "%s", moves[i]);
		if (mount(moves[i], dst, NULL, MS_MOVE, NULL) < 0)
			fatal("cannot move %s into the new root: %s", moves[i], strerror(errno));
	}
	if (chdir(SYSROOT) < 0)
		fatal("chdir %s: %s", SYSROOT, strerror(errno));
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0)
		delete_tree(fd, st.st_dev);
	else if (fd >= 0)
		close(fd);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		fatal("cannot move the new root to /: %s", strerror(errno));
	if (chroot(".") < 0 || chdir("/") < 0)
		fatal("chroot into the new root: %s", strerror(errno));
}

/* Before systemd starts: no more kernel modules (the profile's are loaded),
 * the capability bounding set trimmed as the product decided
 * (products/rempart/hardening/capabilities), and no_new_privs for PID 1 and
 * therefore for every process of the system. */
static void lock_down(void)
{
	_cleanup_free_ uint8_t *buf = NULL;
	char *save = NULL;
	unsigned dropped = 0;
	size_t len;
	int fd, r;

	r = read_file("/etc/rempart/capabilities", 64 * 1024, &buf, &len);
	if (r < 0)
		fatal("cannot read the capability policy /etc/rempart/capabilities: %s", strerror(-r));
	for (char *line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64], action[16];
		cap_value_t v;

		if (line[0] == '#' || sscanf(line, "%63s %15s", name, action) != 2)
			continue;
		if (strcmp(action, "drop") != 0)
			continue;
		for (char *p = name; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		if (cap_from_name(name, &v) < 0)
			fatal("unknown capability %s in the capability policy", name);
		if (prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0 && errno != EINVAL)
			fatal("cannot drop %s from the bounding set: %s", name, strerror(errno));
		dropped++;
	}
	fd = open("/proc/sys/kernel/modules_disabled", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1)
		fatal("cannot set kernel.modules_disabled=1: %s", strerror(errno));
	close(fd);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fatal("cannot set no_new_privs: %s", strerror(errno));
	say("locked down: %u capabilities out of the bounding set, module loading disabled, no_new_privs", dropped);
}

int main(void)
{
	char data_uuid[UUID_STR_LEN], hash_uuid[UUID_STR_LEN], data_dev[300], hash_dev[300];
	uint8_t roothash[64];
	const char *failed = NULL, *hex;
	size_t len;
	int r;

	if (getpid() != 1)
		fatal("must run as PID 1 of the initramfs");
	umask(022);
	mount_or_die("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_die("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_die("devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
	mount_or_die("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=20%");
	say("starting");

	hex = cmdline_get("rempart.roothash");
	if (!hex)
		fatal("no rempart.roothash= on the kernel command line: this kernel was not built by rempart build");
	if (hex_decode(hex, roothash, sizeof(roothash), &len) < 0 || len < 32)
		fatal("rempart.roothash=%s is not a hex digest of at least 256 bits", hex);

	r = modules_load_list("/etc/rempart/modules", &failed);
	if (r < 0)
		fatal("cannot load kernel module %s: %s", failed, strerror(-r));

	uuid_format(roothash, data_uuid);
	uuid_format(roothash + len - 16, hash_uuid);
	wait_partition("root", data_uuid, GPT_ROOT_X86_64, data_dev, sizeof(data_dev));
	wait_partition("root verity", hash_uuid, GPT_ROOT_X86_64_VERITY, hash_dev, sizeof(hash_dev));
	say("root %s, hash tree %s", data_dev, hash_dev);

#ifdef REMPART_BENCH_BASELINE
	/* bench/boot.sh only: the same root without verification, to measure
	 * what verification costs. Never installed into an image. */
	mount_or_die(data_dev, SYSROOT, "squashfs", MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
	say("BASELINE: root mounted WITHOUT verification (benchmark build)");
#else
	setenv("DM_DISABLE_UDEV", "1", 1);
	open_verity(data_dev, hash_dev, roothash, len);
	mount_or_die("/dev/mapper/" ROOT_DM_NAME, SYSROOT, "squashfs", MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
	say("root filesystem verified by dm-verity and mounted read-only");
#endif

#ifdef REMPART_BENCH_BASELINE
	/* benchmark baseline: no Secure Boot, so the TPM cannot unseal; the
	 * same state volume is opened with a key slot's passphrase given by
	 * bench/boot.sh, else /var is a tmpfs */
	{
		const char *pass = cmdline_get("rempart.bench_passphrase");
		struct state_result res;

		if (!pass) {
			mount_or_die("tmpfs", SYSROOT "/var", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755");
		} else {
			if (state_open_with_passphrase(pass, &res) < 0)
				fatal("BASELINE: state %s: %s", res.device, res.msg);
			say("BASELINE: state opened with a passphrase (no TPM)");
			bind_state();
		}
	}
#else
	setup_state();
#endif
	esp_for_systemd();
	lock_down();
	switch_root();
	mkdir("/dev/shm", 01777);
	if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777") < 0)
		fatal("cannot mount /dev/shm: %s", strerror(errno));
	say("switching to systemd");
	execl("/sbin/init", "/sbin/init", (char *)NULL);
	fatal("cannot execute /sbin/init in the verified root: %s", strerror(errno));
}
