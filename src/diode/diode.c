/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "diode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

#define MAX_ENTRIES 65536u

static int open_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Is the directory of fd (or one of its ancestors) the directory anc? */
static int dir_within(int fd, const struct stat *anc)
{
	_cleanup_close_ int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	struct stat st, up;

	if (cur < 0)
		return -errno;
	for (int depth = 0; depth < 4096; depth++) {
		int next;

		if (fstat(cur, &st) < 0)
			return -errno;
		if (st.st_dev == anc->st_dev && st.st_ino == anc->st_ino)
			return 1;
		next = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (next < 0)
			return -errno;
		if (fstat(next, &up) < 0) {
			close(next);
			return -errno;
		}
		close(cur);
		cur = next;
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino)
			return 0; /* reached / */
	}
	return -ELOOP;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(int dirfd, char ***out, size_t *n)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t cnt = 0, cap = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (cnt >= MAX_ENTRIES)
			break;
		if (cnt == cap) {
			char **nv = realloc(v, (cap ? cap * 2 : 32) * sizeof(*v));

			if (!nv)
				goto nomem;
			v = nv;
			cap = cap ? cap * 2 : 32;
		}
		v[cnt] = strdup(de->d_name);
		if (!v[cnt])
			goto nomem;
		cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*out = v;
	*n = cnt;
	return 0;
nomem:
	closedir(d);
	for (size_t i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

static int open_entry(int dirfd, const char *name)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, name, (int)how.flags);
	return fd < 0 ? -errno : (int)fd;
}

/* Copies at most max bytes of src into a sealed memfd (-EFBIG beyond):
 * what is confirmed, encrypted and delivered can no longer change. */
static int snapshot(int src, uint64_t max, uint64_t *len)
{
	_cleanup_close_ int m = (int)memfd_create("diode", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	uint8_t buf[65536];
	uint64_t total = 0;

	if (m < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(src, buf, sizeof(buf));
		int r;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > max)
			return -EFBIG;
		r = write_full(m, buf, (size_t)n);
		if (r < 0)
			return r;
	}
	if (fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		return -errno;
	if (lseek(m, 0, SEEK_SET) < 0)
		return -errno;
	*len = total;
	return TAKE_FD(m);
}

static int run_hook(const char *hook, const char *name, uint64_t size, int content)
{
	char sz[32];
	int status;
	pid_t pid;

	snprintf(sz, sizeof(sz), "%" PRIu64, size);
	if (lseek(content, 0, SEEK_SET) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char *argv[] = { (char *)hook, (char *)name, sz, NULL };
		char *envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };

		if (dup2(content, 0) < 0)
			_exit(126);
		syscall(SYS_close_range, 3, ~0U, 0);
		execve(hook, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (lseek(content, 0, SEEK_SET) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EACCES;
}

static int copy_fd(int in, int out)
{
	uint8_t buf[65536];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		int r;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		r = write_full(out, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

/* Creates the output: an unnamed O_TMPFILE in the inbox, linked under its
 * final name only when complete (EEXIST: never replaces). Falls back to a
 * named temporary and renameat2(RENAME_NOREPLACE). */
static int deliver(const struct diode_opts *o, int infd, const char *final, int content, uint64_t len,
		   const char **why)
{
	char tmpname[64] = "", proc[64];
	_cleanup_close_ int t = openat(infd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	int r;

	if (t < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		uint8_t rnd[8];

		if (getentropy(rnd, sizeof(rnd)) < 0)
			return -errno;
		snprintf(tmpname, sizeof(tmpname), ".rdiode-tmp.%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
			 rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
		t = openat(infd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (t < 0) {
		*why = "cannot create a file in the inbox";
		return -errno;
	}
	if (o->encrypt)
		r = rd_seal(content, len, t, o->pk);
	else if (o->decrypt)
		r = rd_unseal(content, t, o->pk, o->sk, o->max_size);
	else
		r = copy_fd(content, t);
	if (r < 0) {
		*why = r == -EBADMSG ? "authentication failed (wrong key, corrupt, truncated or extended): not released"
		       : r == -EFBIG ? "decrypted content larger than the size limit: not released"
				     : "cannot write the file into the inbox";
		goto fail;
	}
	if ((o->owner != (uid_t)-1 || o->group != (gid_t)-1) && fchown(t, o->owner, o->group) < 0) {
		r = -errno;
		*why = "cannot give the file to the receiving level";
		goto fail;
	}
	if (fchmod(t, 0640) < 0 || fsync(t) < 0) {
		r = -errno;
		*why = "cannot write the file into the inbox";
		goto fail;
	}
	if (tmpname[0]) {
		r = renameat2(infd, tmpname, infd, final, RENAME_NOREPLACE) < 0 ? -errno : 0;
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t);
		r = linkat(AT_FDCWD, proc, infd, final, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
	}
	if (r < 0) {
		*why = r == -EEXIST ? "a file of that name is already in the inbox" : "cannot link the file into the inbox";
		goto fail;
	}
	if (fsync(infd) < 0) {
		*why = "cannot sync the inbox";
		return -errno;
	}
	return 0;
fail:
	if (tmpname[0])
		unlinkat(infd, tmpname, 0);
	return r;
}

static int pass_one(const struct diode_opts *o, int outfd, int infd, struct diode_file *f)
{
	char clean[DIODE_NAME_MAX + 1];
	_cleanup_close_ int src = -1, snap = -1;
	struct stat st, st2;
	uint64_t len = 0;
	size_t l;
	int r;

	if (fstatat(outfd, f->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		f->reason = "cannot stat";
		return -errno;
	}
	f->size = (uint64_t)st.st_size;
	if (S_ISLNK(st.st_mode)) {
		f->reason = "symbolic link refused";
		return -ELOOP;
	}
	if (!S_ISREG(st.st_mode)) {
		f->reason = "not a regular file (directory, device, FIFO or socket) refused";
		return -EINVAL;
	}
	if (st.st_nlink != 1) {
		f->reason = "hard link (link count > 1) refused";
		return -EMLINK;
	}
	if ((uint64_t)st.st_size > o->max_size) {
		f->reason = "larger than the size limit";
		return -EFBIG;
	}
	r = diode_name_sanitize(f->name, clean, sizeof(clean));
	if (r < 0) {
		f->reason = "unusable file name";
		return r;
	}
	l = strlen(clean);
	if (o->decrypt) {
		size_t sl = strlen(DIODE_SEALED_SUFFIX);

		if (l <= sl || strcmp(clean + l - sl, DIODE_SEALED_SUFFIX) != 0) {
			f->reason = "not a sealed file (" DIODE_SEALED_SUFFIX ")";
			return -EBADMSG;
		}
		clean[l - sl] = '\0';
		snprintf(f->delivered, sizeof(f->delivered), "%s", clean);
	} else {
		snprintf(f->delivered, sizeof(f->delivered), "%s%s", clean, o->encrypt ? DIODE_SEALED_SUFFIX : "");
	}

	src = open_entry(outfd, f->name);
	if (src < 0) {
		f->reason = src == -ELOOP ? "symbolic link refused" : "cannot open";
		return src;
	}
	/* The entry may have been swapped since fstatat: check the opened file. */
	if (fstat(src, &st2) < 0)
		return -errno;
	if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino || !S_ISREG(st2.st_mode) || st2.st_nlink != 1) {
		f->reason = "file changed while being checked";
		return -ESTALE;
	}
	snap = snapshot(src, o->max_size, &len);
	if (snap < 0) {
		f->reason = snap == -EFBIG ? "larger than the size limit" : "cannot read";
		return snap;
	}
	f->size = len;
	if (o->direction == DIODE_DOWN) {
		r = run_hook(o->confirm, f->delivered, len, snap);
		if (r < 0) {
			f->reason = "the confirmation hook did not approve the release";
			return r;
		}
	}
	r = deliver(o, infd, f->delivered, snap, len, &f->reason);
	if (r < 0)
		return r;
	if (!o->keep) {
		/* Remove the delivered file, and only that one. */
		if (fstatat(outfd, f->name, &st2, AT_SYMLINK_NOFOLLOW) == 0 && st2.st_dev == st.st_dev &&
		    st2.st_ino == st.st_ino)
			unlinkat(outfd, f->name, 0);
	}
	return 0;
}

int diode_pass(const struct diode_opts *o, diode_report_fn report, void *userdata, const char **what)
{
	_cleanup_close_ int outfd = -1, infd = -1;
	struct stat so, si;
	char **names = NULL;
	size_t n = 0;
	int r, refused = 0;

	if (o->direction == DIODE_DOWN && !o->confirm) {
		*what = "the high-to-low direction requires a confirmation hook (--confirm)";
		return -EPERM;
	}
	if (o->encrypt && o->decrypt) {
		*what = "encrypt and decrypt are exclusive";
		return -EINVAL;
	}
	outfd = open_dir(o->outbox);
	if (outfd < 0) {
		*what = "cannot open the outbox (a directory, not a symbolic link)";
		return outfd;
	}
	infd = open_dir(o->inbox);
	if (infd < 0) {
		*what = "cannot open the inbox (a directory, not a symbolic link)";
		return infd;
	}
	if (fstat(outfd, &so) < 0 || fstat(infd, &si) < 0)
		return -errno;
	/* One way only: the inbox must not be the outbox, nor inside it, nor contain it. */
	r = dir_within(infd, &so);
	if (r == 0)
		r = dir_within(outfd, &si);
	if (r != 0) {
		*what = "the inbox and the outbox overlap (one contains the other)";
		return r < 0 ? r : -EINVAL;
	}
	r = list_dir(outfd, &names, &n);
	if (r < 0) {
		*what = "cannot list the outbox";
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		struct diode_file f = { .name = names[i] };

		if (i >= o->max_files) {
			f.result = -EDQUOT;
			f.reason = "count limit of this run reached: left in the outbox";
		} else {
			f.result = pass_one(o, outfd, infd, &f);
			if (f.result < 0 && !f.reason)
				f.reason = "system error";
		}
		if (f.result < 0) {
			refused++;
			f.delivered[0] = '\0';
		}
		if (report)
			report(userdata, &f);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return refused;
}
