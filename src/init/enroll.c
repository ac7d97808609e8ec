/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rempart-enroll: /init of the one-time enrollment boot (build time only).
 * Writes db, KEK and PK authenticated updates into efivarfs while the
 * firmware is in setup mode, checks that setup mode ended, powers off. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "modules.h"

#define EFIVARS "/sys/firmware/efi/efivars"
#define GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define SECDB_GUID "d719b2cb-3d3a-4596-a3bc-dad00e67656f"

static void die(const char *what, int err)
{
	fprintf(stderr, "rempart-enroll: FATAL: %s: %s\n", what, strerror(err < 0 ? -err : err));
	sync();
	reboot(RB_POWER_OFF);
	_exit(1);
}

static int read_var_byte(const char *name, uint8_t *v)
{
	uint8_t buf[5];
	_cleanup_close_ int fd = open(name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (read(fd, buf, sizeof(buf)) != 5)
		return -EIO;
	*v = buf[4];
	return 0;
}

static void write_var(const char *var, const char *guid, const char *auth)
{
	_cleanup_free_ uint8_t *data = NULL, *buf = NULL;
	_cleanup_close_ int fd = -1;
	char path[256];
	size_t len;
	int r;

	r = read_file(auth, 1u << 20, &data, &len);
	if (r < 0)
		die(auth, r);
	buf = malloc(len + 4);
	if (!buf)
		die("malloc", -ENOMEM);
	/* NV | BS | RT | TIME_BASED_AUTHENTICATED_WRITE_ACCESS */
	buf[0] = 0x27;
	buf[1] = buf[2] = buf[3] = 0;
	memcpy(buf + 4, data, len);
	snprintf(path, sizeof(path), EFIVARS "/%s-%s", var, guid);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path, -errno);
	if (write(fd, buf, len + 4) != (ssize_t)(len + 4))
		die(path, -errno);
	printf("rempart-enroll: %s written\n", var);
}

int main(void)
{
	const char *failed = NULL;
	uint8_t setup = 1;
	int r;

	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount proc/sys", -errno);
	r = modules_load_list("/etc/rempart/modules", &failed);
	if (r < 0)
		die(failed, r);
	if (mount("efivarfs", EFIVARS, "efivarfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount efivarfs", -errno);
	r = read_var_byte(EFIVARS "/SetupMode-" GLOBAL_GUID, &setup);
	if (r < 0 || setup != 1)
		die("firmware is not in setup mode", r < 0 ? r : -EPERM);
	write_var("db", SECDB_GUID, "/enroll/db.auth");
	write_var("KEK", GLOBAL_GUID, "/enroll/KEK.auth");
	write_var("PK", GLOBAL_GUID, "/enroll/PK.auth");
	r = read_var_byte(EFIVARS "/SetupMode-" GLOBAL_GUID, &setup);
	if (r < 0 || setup != 0)
		die("setup mode did not end after enrolling PK", r < 0 ? r : -EPERM);
	printf("rempart-enroll: OK (setup mode off, PK/KEK/db enrolled)\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
