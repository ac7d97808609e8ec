/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An OVMF variable store with our PK/KEK/db enrolled: a one-time boot of
 * our kernel in setup mode with an initramfs whose /init (rempart-enroll)
 * writes the authenticated updates into efivarfs (db, KEK, then PK, which
 * ends setup mode). Debian 12 has no virt-fw-vars or EnrollDefaultKeys.efi.
 * The result only depends on the keys: the store is byte-identical across
 * runs with the same key set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "cpio.h"
#include "fileio.h"
#include "log.h"
#include "vm.h"

int build_enroll_vars(struct build_ctx *b, const char *db_auth, const char *vars_out)
{
	_cleanup_free_ char *enroll = find_tool(b, "rempart-enroll");
	_cleanup_free_ char *cpio_path = pathjoin(b->work_dir, "enroll.cpio");
	_cleanup_free_ char *vars = pathjoin(b->work_dir, "enroll-vars.fd");
	_cleanup_free_ char *log = pathjoin(b->work_dir, "enroll-serial.log");
	_cleanup_free_ char *mods = pathjoin(b->work_dir, "enroll-modules");
	_cleanup_free_ char *kernel = NULL;
	const char *vnames[] = { "db", "KEK", "PK" };
	struct cpio c;
	int r;

	if (!enroll)
		return log_error("rempart-enroll not found under %s/src", b->tools_dir), -ENOENT;
	if (asprintf(&kernel, "%s/boot/vmlinuz-%s", b->kernel_dir, b->kernel_version) < 0)
		return -ENOMEM;
	step_begin("OVMF variable store: enrolling our PK/KEK/db (one boot in setup mode)");
	r = write_file_atomic(mods, "efivarfs\n", 9, 0644);
	if (r < 0)
		return r;
	cpio_init(&c, (uint32_t)b->sde);
	r = cpio_add_file(&c, "init", 0755, enroll);
	if (r == 0)
		r = cpio_add_node(&c, "dev/console", S_IFCHR | 0600, makedev(5, 1));
	for (const char *const *d = (const char *const[]){ "proc", "sys", NULL }; *d && r == 0; d++)
		r = cpio_add_dir(&c, *d, 0755);
	for (size_t i = 0; i < 3 && r == 0; i++) {
		char src[4096], dst[64];

		if (i == 0)
			snprintf(src, sizeof(src), "%s", db_auth);
		else
			snprintf(src, sizeof(src), "%s/%s.auth", b->keys_dir, vnames[i]);
		snprintf(dst, sizeof(dst), "enroll/%s.auth", vnames[i]);
		r = cpio_add_file(&c, dst, 0644, src);
	}
	if (r == 0)
		r = initramfs_add_libraries(b, &c, enroll);
	if (r == 0)
		r = initramfs_add_modules(b, &c, (const char *const[]){ mods }, 1);
	if (r == 0)
		r = cpio_write_file(&c, cpio_path);
	cpio_free(&c);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot build the enrollment initramfs");

	r = copy_file(OVMF_VARS_EMPTY, vars, 0644);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot copy %s (package ovmf)", OVMF_VARS_EMPTY);
	unlink(log);
	struct vm_opts o = {
		.vars = vars, .kernel = kernel, .initrd = cpio_path,
		.append = "console=ttyS0,115200 panic=-1 quiet", .serial_log = log, .headless = true,
		.memory_mib = 512, .timeout_s = 240, .vars_in_place = true,
	};
	r = vm_run(&o);
	if (r != 0) {
		log_error("the enrollment VM did not finish (%s); serial log: %s",
			  r == -ETIMEDOUT ? "timeout" : "QEMU failed", log);
		return r < 0 ? r : -EIO;
	}
	{
		_cleanup_free_ uint8_t *buf = NULL;
		size_t len;

		r = read_file(log, 16u << 20, &buf, &len);
		if (r < 0 || !memmem(buf, len, "rempart-enroll: OK", 18)) {
			log_error("key enrollment failed: the serial log %s has no 'rempart-enroll: OK'", log);
			return -EIO;
		}
	}
	r = copy_file(vars, vars_out, 0644);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "cannot write %s", vars_out);
	step_end();
	return 0;
}
