/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "profile.h"

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXEC LANDLOCK_ACCESS_FS_EXECUTE
#define FS_WRITE                                                                                       \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |     \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM)
/* ABI 1 rights; REFER (ABI 2) is added when the kernel has it. MAKE_CHAR
 * and MAKE_BLOCK are handled and never granted: no device nodes anywhere. */
#define FS_ALL_V1                                                                                      \
	(FS_READ | FS_EXEC | FS_WRITE | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK)

int cage_landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : (int)v;
}

static int add_rule(int ruleset, const char *path, uint64_t access, uint64_t handled, struct cage_err *e)
{
	struct landlock_path_beneath_attr attr = { .allowed_access = access & handled };
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return cage_err_set(e, -errno, "landlock: cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return -errno;
	/* Directory-only rights are invalid on a file. */
	if (!S_ISDIR(st.st_mode))
		attr.allowed_access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
				       LANDLOCK_ACCESS_FS_WRITE_FILE;
	attr.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
		return cage_err_set(e, -errno, "landlock: cannot add a rule for %s: %s", path, strerror(errno));
	return 0;
}

int cage_landlock_apply(const struct cage_profile *p, struct cage_err *e)
{
	struct landlock_ruleset_attr ra = { 0 };
	_cleanup_close_ int ruleset = -1;
	int abi = cage_landlock_abi(), r;
	uint64_t handled = FS_ALL_V1;

	if (p->landlock == CAGE_LANDLOCK_OFF)
		return 0;
	if (abi < 1) {
		if (p->landlock == CAGE_LANDLOCK_REQUIRED)
			return cage_err_set(e, -EOPNOTSUPP, "the profile requires Landlock but this kernel does not "
					    "offer it (landlock_create_ruleset failed); enable CONFIG_SECURITY_"
					    "LANDLOCK and lsm=landlock,...");
		return 0;
	}
	if (abi >= 2)
		handled |= LANDLOCK_ACCESS_FS_REFER;
	ra.handled_access_fs = handled;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra), 0);
	if (ruleset < 0)
		return cage_err_set(e, -errno, "landlock_create_ruleset: %s", strerror(errno));

	/* Listing directories is allowed everywhere; reading, executing and
	 * writing only where the profile says. */
	r = add_rule(ruleset, "/", LANDLOCK_ACCESS_FS_READ_DIR, handled, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct cage_mount *m = &p->mounts[i];
		uint64_t acc;

		switch (m->kind) {
		case CAGE_MOUNT_RO:
			acc = FS_READ | FS_EXEC;
			break;
		case CAGE_MOUNT_HOME:
		case CAGE_MOUNT_TMPFS:
			acc = FS_READ | FS_WRITE | LANDLOCK_ACCESS_FS_REFER;
			break;
		default:
			continue;
		}
		if (m->optional && access(m->dst, F_OK) < 0)
			continue;
		r = add_rule(ruleset, m->dst, acc, handled, e);
		if (r < 0)
			return r;
	}
	r = add_rule(ruleset, "/dev", FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE, handled, e);
	if (r < 0)
		return r;
	r = add_rule(ruleset, "/proc", FS_READ, handled, e);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return cage_err_set(e, -errno, "landlock_restrict_self: %s", strerror(errno));
	return 1;
}
