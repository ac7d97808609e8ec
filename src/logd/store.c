/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "parse.h"
#include "walk.h"

#define BUF_CAP (256u * 1024)
/* Record nonces are reserved this many at a time in the sealing state
 * (one state save per 16 M records; tests use small blocks). */
#define NONCE_BLOCK (1ull << 24)

struct file_info {
	uint64_t index, size, last_seq; /* last_seq valid for closed files */
};

struct logstore {
	char *dir;
	int dirfd, lockfd, statefd;
	struct ls_options opt;
	struct lf_state st;         /* persistent sealing state; st.key = K[epoch] */
	bool plain;
	struct seal_mac mac;
	/* chain position of the appended (possibly buffered) records */
	uint8_t tip[LS_TAG_LEN];
	uint64_t seq, epoch_entries;
	uint64_t nonce;             /* next MAC nonce; below st.nonce_limit once taken */
	/* chain position at the end of what is on disk */
	uint8_t flushed_tip[LS_TAG_LEN];
	uint64_t flushed_seq;
	/* active file */
	int fd;
	uint64_t file_index, file_off, file_created_usec;
	bool file_has_records;
	bool torn;                  /* a failed write left junk after file_off */
	bool seal_pending;          /* a seal record is buffered; evolve after the flush */
	uint64_t last_seal_mono;
	/* Records waiting for write(). LS_TAG_LEN bytes before buf hold the
	 * chain tip when the buffer is empty, so that the previous tag always
	 * directly precedes a record and its MAC input (prev_tag || record) is
	 * one contiguous run of bytes. */
	uint8_t *mbuf, *buf;
	size_t blen;
	/* closed files, oldest first (for retention) */
	struct file_info *files;
	size_t nfiles;
};

void ls_options_default(struct ls_options *o)
{
	*o = (struct ls_options){
		.max_file_size = 16ull << 20,
		.max_file_age = 86400,
		.seal_interval = 900,
		.max_store_size = 1ull << 30,
		.require_flags = true,
		.nonce_block = NONCE_BLOCK,
	};
}

static uint64_t now_usec(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int ls_set_inode_flags(int fd, int set, int clear)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return -errno;
	flags = (flags | set) & ~clear;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
		return -errno;
	return 0;
}

static int set_flags(const struct ls_options *o, int fd, int set, int clear)
{
	int r = ls_set_inode_flags(fd, set, clear);

	if (r < 0 && !o->require_flags) {
		log_debug("cannot set inode flags (%s), continuing as allowed", strerror(-r));
		return 0;
	}
	return r;
}

/* Overwrites both slots in place (slot 1, then slot 0), each synced, so
 * that the previous key does not survive on disk and a crash leaves one
 * valid slot (docs/logd.md). */
static int write_state(int fd, struct lf_state *st)
{
	uint8_t buf[LF_STATE_SIZE];
	int r;

	st->generation++;
	lf_state_encode(st, buf);
	r = pwrite_full(fd, buf, sizeof(buf), LF_STATE_SIZE);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (r == 0)
		r = pwrite_full(fd, buf, sizeof(buf), 0);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	secure_wipe(buf, sizeof(buf));
	return r;
}

static int save_state(struct logstore *s)
{
	return write_state(s->statefd, &s->st);
}

/* The next MAC nonce. GMAC must never see one nonce twice under a key (a
 * second message would reveal its authentication key), and a crash can
 * lose records that were already read or forwarded, so nonces do not come
 * from positions: they are reserved NONCE_BLOCK at a time in the sealing
 * state, which is saved before any of them is used, and a restarted writer
 * starts above the saved limit. */
static int take_nonce(struct logstore *s, uint64_t *nonce)
{
	if (s->plain) {
		*nonce = 0;
		return 0;
	}
	if (s->nonce >= s->st.nonce_limit) {
		uint64_t old = s->st.nonce_limit;
		int r;

		if (s->nonce > UINT64_MAX - s->opt.nonce_block)
			return -EOVERFLOW;
		s->st.nonce_limit = s->nonce + s->opt.nonce_block;
		r = save_state(s);
		if (r < 0) {
			s->st.nonce_limit = old;
			return r;
		}
	}
	*nonce = s->nonce++;
	return 0;
}

static int load_mac_key(struct logstore *s)
{
	uint8_t mk[LS_KEY_LEN];
	int r;

	if (s->plain)
		return 0;
	r = seal_mac_key(s->st.key, &s->st.ids, s->st.epoch, mk);
	if (r == 0)
		r = seal_mac_setkey(&s->mac, mk);
	secure_wipe(mk, sizeof(mk));
	return r;
}

/* Creates file `index` with its header; leaves it open (O_APPEND) in *fdp. */
static int create_file(int dirfd, const struct ls_options *o, struct seal_mac *mac, const struct lf_header *h0,
		       int *fdp)
{
	struct lf_header h = *h0;
	char name[LF_NAME_LEN + 1];
	uint8_t raw[LF_HEADER_SIZE];
	_cleanup_close_ int fd = -1;
	int r = 0;

	lf_file_name(h.file_index, name);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -errno;
	lf_header_encode(&h, raw);
	if (h.flags & LF_FLAG_PLAIN)
		memset(raw + LF_HEADER_MAC_OFF, 0, LS_TAG_LEN);
	else
		r = seal_mac_compute(mac, h.nonce, raw, LF_HEADER_MAC_OFF, raw + LF_HEADER_MAC_OFF);
	r = r < 0 ? r : write_full(fd, raw, sizeof(raw));
	if (r == 0 && (fdatasync(fd) < 0 || fsync(dirfd) < 0))
		r = -errno;
	/* The flag goes on last so that a failed creation can be undone. */
	if (r == 0)
		r = set_flags(o, fd, FS_APPEND_FL, 0);
	if (r < 0) {
		unlinkat(dirfd, name, 0);
		return r;
	}
	*fdp = TAKE_FD(fd);
	return 0;
}

int ls_create(const char *dir, const uint8_t machine_id[LS_ID_LEN], bool plain, bool require_flags,
	      char vkey[SEAL_VKEY_STRLEN + 1])
{
	struct logstore s = { .fd = -1, .dirfd = -1, .statefd = -1, .plain = plain };
	_cleanup_free_ uint64_t *files = NULL;
	_cleanup_close_ int fd = -1;
	uint8_t k0[LS_KEY_LEN];
	struct lf_header h = { 0 };
	size_t n;
	int r;

	ls_options_default(&s.opt);
	s.opt.require_flags = require_flags;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	s.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.dirfd < 0)
		return -errno;
	s.dir = strdup(dir);
	r = s.dir ? walk_list_files(s.dirfd, &files, &n) : -ENOMEM;
	if (r == 0 && (n > 0 || faccessat(s.dirfd, LS_STATE_NAME, F_OK, 0) == 0))
		r = -EEXIST;
	if (r == 0 && (getrandom(s.st.ids.store_id, LS_ID_LEN, 0) != LS_ID_LEN ||
		       getrandom(k0, sizeof(k0), 0) != sizeof(k0)))
		r = -EIO;
	if (r == 0 && !plain)
		r = seal_mac_new(&s.mac);
	if (r < 0)
		goto out;
	memcpy(s.st.ids.machine_id, machine_id, LS_ID_LEN);
	memcpy(s.st.key, k0, LS_KEY_LEN);
	s.st.flags = plain ? LF_FLAG_PLAIN : 0;
	/* Nonce 1 is file 0's header; the state holding this limit is saved
	 * before the store is usable. */
	s.st.nonce_limit = plain ? 0 : 2;
	r = load_mac_key(&s);
	if (r < 0)
		goto out;
	h = (struct lf_header){
		.version = LF_VERSION,
		.flags = s.st.flags,
		.ids = s.st.ids,
		.first_seq = 1,
		.created_usec = now_usec(CLOCK_REALTIME),
		.nonce = plain ? 0 : 1,
	};
	r = create_file(s.dirfd, &s.opt, &s.mac, &h, &fd);
	if (r < 0)
		goto out;
	s.st.sealed_offset = LF_HEADER_SIZE;
	s.statefd = openat(s.dirfd, LS_STATE_NAME, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s.statefd < 0) {
		r = -errno;
		goto out;
	}
	r = save_state(&s);
	if (r == 0 && fsync(s.dirfd) < 0)
		r = -errno;
	if (r < 0)
		goto out;
	seal_vkey_format(&s.st.ids, k0, vkey);
out:
	secure_wipe(k0, sizeof(k0));
	secure_wipe(&s.st, sizeof(s.st));
	seal_mac_free(&s.mac);
	free(s.dir);
	if (s.statefd >= 0)
		close(s.statefd);
	close(s.dirfd);
	return r;
}

static int file_last_seq(int dirfd, uint64_t index, uint64_t *first_seq)
{
	char name[LF_NAME_LEN + 1];
	uint8_t raw[LF_HEADER_SIZE];
	struct lf_header h;
	_cleanup_close_ int fd = -1;
	int r;

	lf_file_name(index, name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = pread_full(fd, raw, sizeof(raw), 0);
	if (r < 0)
		return r;
	r = lf_header_decode(raw, sizeof(raw), &h);
	if (r < 0)
		return r;
	*first_seq = h.first_seq;
	return 0;
}

/* Rebuilds the closed-file list (sizes, last entry seq) for retention. */
static int scan_files(struct logstore *s)
{
	_cleanup_free_ uint64_t *idx = NULL;
	size_t n = 0, k = 0;
	int r;

	r = walk_list_files(s->dirfd, &idx, &n);
	if (r < 0)
		return r;
	free(s->files);
	s->files = calloc(n ? n : 1, sizeof(*s->files));
	s->nfiles = 0;
	if (!s->files)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char name[LF_NAME_LEN + 1];
		struct stat sb;

		if (idx[i] >= s->file_index)
			break;
		lf_file_name(idx[i], name);
		if (fstatat(s->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		s->files[k++] = (struct file_info){ .index = idx[i], .size = (uint64_t)sb.st_size };
	}
	s->nfiles = k;
	for (size_t i = 0; i < k; i++) {
		uint64_t next_first = 0;
		uint64_t next = s->files[i].index + 1;

		r = file_last_seq(s->dirfd, next, &next_first);
		if (r < 0)
			return r;
		s->files[i].last_seq = next_first - 1;
	}
	return 0;
}

uint64_t ls_store_bytes(const struct logstore *s)
{
	uint64_t t = s->file_off + s->blen;

	for (size_t i = 0; i < s->nfiles; i++)
		t += s->files[i].size;
	return t;
}

/* Starts file_index+1 continuing the chain at the on-disk position. The
 * current file (possibly with a torn tail after file_off) is made immutable. */
static int next_file(struct logstore *s)
{
	struct lf_header h;
	struct file_info *nf;
	int fd = -1, r;

	if (s->fd >= 0) {
		r = set_flags(&s->opt, s->fd, FS_IMMUTABLE_FL, 0);
		if (r < 0)
			return r;
	}
	h = (struct lf_header){
		.version = LF_VERSION,
		.flags = s->st.flags,
		.ids = s->st.ids,
		.file_index = s->file_index + 1,
		.epoch = s->st.epoch,
		.first_seq = s->flushed_seq + 1,
		.retained_from = s->st.retained_from,
		.prev_file_len = s->file_off,
		.created_usec = now_usec(CLOCK_REALTIME),
	};
	memcpy(h.prev_tag, s->flushed_tip, LS_TAG_LEN);
	r = take_nonce(s, &h.nonce);
	if (r < 0)
		return r;
	r = create_file(s->dirfd, &s->opt, &s->mac, &h, &fd);
	if (r < 0)
		return r;
	nf = realloc(s->files, (s->nfiles + 1) * sizeof(*s->files));
	if (!nf) {
		close(fd);
		return -ENOMEM;
	}
	s->files = nf;
	s->files[s->nfiles++] = (struct file_info){ .index = s->file_index, .size = s->file_off,
						    .last_seq = s->flushed_seq };
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	s->file_index++;
	s->file_off = LF_HEADER_SIZE;
	s->file_created_usec = h.created_usec;
	s->file_has_records = false;
	s->torn = false;
	return 0;
}

static int append_record(struct logstore *s, uint16_t type, uint64_t seq, uint64_t realtime,
			 const void *p1, size_t l1, const void *p2, size_t l2)
{
	size_t plen = l1 + l2, total = LF_REC_HDR + plen + LS_TAG_LEN;
	uint64_t nonce;
	uint8_t *rec;
	int r;

	if (plen > LF_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (s->blen + total > BUF_CAP + LF_MAX_PAYLOAD + LF_REC_HDR + LS_TAG_LEN) {
		r = ls_flush(s, false);
		if (r < 0)
			return r;
	}
	r = take_nonce(s, &nonce);
	if (r < 0)
		return r;
	rec = s->buf + s->blen;
	if (s->blen == 0)
		memcpy(rec - LS_TAG_LEN, s->tip, LS_TAG_LEN);
	lf_record_header_encode(rec, type, (uint32_t)plen, seq, s->st.epoch, realtime, nonce);
	if (l1)
		memcpy(rec + LF_REC_HDR, p1, l1);
	if (l2)
		memcpy(rec + LF_REC_HDR + l1, p2, l2);
	if (s->plain)
		memset(rec + LF_REC_HDR + plen, 0, LS_TAG_LEN);
	else {
		/* rec - LS_TAG_LEN holds s->tip (see struct logstore). */
		r = seal_mac_compute(&s->mac, nonce, rec - LS_TAG_LEN, LS_TAG_LEN + LF_REC_HDR + plen,
				     rec + LF_REC_HDR + plen);
		if (r < 0)
			return r;
	}
	memcpy(s->tip, rec + LF_REC_HDR + plen, LS_TAG_LEN);
	s->blen += total;
	s->seq = seq;
	s->file_has_records = true;
	if (s->blen >= BUF_CAP)
		(void)ls_flush(s, false); /* the record is buffered; a failure recurs at the next flush */
	return 0;
}

int ls_append_entry(struct logstore *s, const struct lf_entry *e, uint64_t realtime_usec)
{
	uint8_t fixed[LF_ENTRY_FIXED + 255];
	struct lf_entry ee = *e;
	size_t total;
	int r;

	if (ee.ident_len > 255)
		ee.ident_len = 255;
	if (ee.msg_len > LF_MAX_PAYLOAD - sizeof(fixed))
		ee.msg_len = LF_MAX_PAYLOAD - sizeof(fixed);
	total = LF_REC_HDR + lf_entry_size(ee.ident_len, ee.msg_len) + LS_TAG_LEN;
	if (s->file_has_records && s->file_off + s->blen + total > s->opt.max_file_size) {
		r = ls_rotate(s);
		if (r < 0)
			return r;
	}
	/* Encode the fixed part and the identifier; the message is copied once. */
	{
		struct lf_entry hdr = ee;
		hdr.msg_len = 0;
		lf_entry_encode(fixed, &hdr);
	}
	r = append_record(s, LF_ENTRY, s->seq + 1, realtime_usec, fixed, LF_ENTRY_FIXED + ee.ident_len, ee.msg,
			  ee.msg_len);
	if (r == 0)
		s->epoch_entries++;
	return r;
}

int ls_append_notice(struct logstore *s, const char *text)
{
	return append_record(s, LF_NOTICE, s->seq, now_usec(CLOCK_REALTIME), text, strlen(text), NULL, 0);
}

/* The sealing state's anchor: the on-disk chain position, in the current epoch. */
static void set_anchor_here(struct logstore *s)
{
	s->st.file_index = s->file_index;
	s->st.sealed_offset = s->file_off;
	s->st.sealed_seq = s->flushed_seq;
	memcpy(s->st.sealed_tag, s->flushed_tip, LS_TAG_LEN);
}

static int finish_seal(struct logstore *s)
{
	int r;

	if (!s->plain) {
		r = seal_evolve(s->st.key, &s->st.ids, s->st.epoch);
		if (r < 0)
			return r;
	}
	s->st.epoch++;
	s->epoch_entries = 0;
	s->seal_pending = false;
	r = load_mac_key(s);
	if (r < 0)
		return r;
	set_anchor_here(s);
	s->last_seal_mono = now_usec(CLOCK_MONOTONIC);
	return save_state(s);
}

int ls_flush(struct logstore *s, bool sync)
{
	size_t done = 0;
	int r;

	if (s->torn) {
		/* The previous write failed half-way: continue the chain in a new file
		 * whose header says where the valid part of this one ends. */
		r = next_file(s);
		if (r < 0)
			return r;
	}
	while (done < s->blen) {
		ssize_t n = write(s->fd, s->buf + done, s->blen - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			if (done > 0) {
				/* Part of the buffer is on disk: it becomes a torn tail. */
				s->torn = true;
			}
			return r;
		}
		done += (size_t)n;
	}
	if (s->blen) {
		s->file_off += s->blen;
		s->blen = 0;
		memcpy(s->flushed_tip, s->tip, LS_TAG_LEN);
		s->flushed_seq = s->seq;
	}
	if (sync && fdatasync(s->fd) < 0)
		return -errno;
	if (s->seal_pending) {
		if (!sync && fdatasync(s->fd) < 0)
			return -errno;
		return finish_seal(s);
	}
	return 0;
}

int ls_seal(struct logstore *s)
{
	uint8_t p[LF_SEAL_LEN];
	int r;

	if (!s->seal_pending) {
		lf_le64enc(p, s->st.epoch + 1);
		lf_le64enc(p + 8, s->epoch_entries);
		r = append_record(s, LF_SEAL, s->seq, now_usec(CLOCK_REALTIME), p, sizeof(p), NULL, 0);
		if (r < 0)
			return r;
		s->seal_pending = true;
	}
	return ls_flush(s, true);
}

static int prune(struct logstore *s);

int ls_rotate(struct logstore *s)
{
	int r = ls_seal(s);

	if (r < 0)
		return r;
	r = next_file(s);
	if (r < 0)
		return r;
	set_anchor_here(s);
	r = save_state(s);
	if (r < 0)
		return r;
	return prune(s);
}

static int prune(struct logstore *s)
{
	uint64_t fwd = 0, total = ls_store_bytes(s);
	bool have_cursor = ls_read_fwd_cursor(s->dirfd, &fwd) == 0;
	size_t drop = 0;
	int r = 0;

	if (!s->opt.max_store_size || total <= s->opt.max_store_size)
		return 0;
	while (drop < s->nfiles && total > s->opt.max_store_size) {
		const struct file_info *f = &s->files[drop];
		if (!s->opt.prune_unforwarded && (!have_cursor || fwd < f->last_seq))
			break;
		total -= f->size;
		drop++;
	}
	if (drop) {
		uint8_t p[LF_PRUNE_LEN];
		uint64_t last = s->files[drop - 1].last_seq;

		/* Record the new floor first: a crash before the deletions leaves
		 * released files in place (harmless), never a file missing without
		 * a record (which would read as tampering). */
		s->st.retained_from = s->files[drop - 1].index + 1;
		lf_le64enc(p, s->st.retained_from);
		lf_le64enc(p + 8, last);
		r = append_record(s, LF_PRUNE, s->seq, now_usec(CLOCK_REALTIME), p, sizeof(p), NULL, 0);
		if (r == 0)
			r = ls_flush(s, true);
		if (r == 0)
			r = save_state(s);
		if (r < 0)
			return r;
		for (size_t i = 0; i < drop; i++) {
			char name[LF_NAME_LEN + 1];
			_cleanup_close_ int fd = -1;

			lf_file_name(s->files[i].index, name);
			fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0 && errno == ENOENT)
				continue; /* deleted by an earlier, interrupted pass */
			if (fd < 0)
				return -errno;
			r = set_flags(&s->opt, fd, 0, FS_IMMUTABLE_FL | FS_APPEND_FL);
			if (r < 0)
				return r;
			if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
				return -errno;
		}
		memmove(s->files, s->files + drop, (s->nfiles - drop) * sizeof(*s->files));
		s->nfiles -= drop;
		if (fsync(s->dirfd) < 0)
			return -errno;
		if (s->opt.notify) {
			char text[160];
			snprintf(text, sizeof(text), "retention: deleted %zu %sfile(s) up to entry %" PRIu64, drop,
				 s->opt.prune_unforwarded ? "" : "forwarded ", last);
			s->opt.notify(text);
		}
	}
	return total > s->opt.max_store_size ? -ENOSPC : 0;
}

int ls_maintain(struct logstore *s)
{
	uint64_t now = now_usec(CLOCK_MONOTONIC);
	int r;

	if (s->torn || s->seal_pending) {
		r = ls_flush(s, true);
		if (r < 0)
			return r;
	}
	if (s->file_has_records && s->opt.max_file_age &&
	    now_usec(CLOCK_REALTIME) - s->file_created_usec > s->opt.max_file_age * 1000000u) {
		r = ls_rotate(s);
		if (r < 0)
			return r;
	} else if (s->opt.seal_interval && s->epoch_entries > 0 &&
		   now - s->last_seal_mono > s->opt.seal_interval * 1000000u) {
		r = ls_seal(s);
		if (r < 0)
			return r;
	}
	return prune(s);
}

void ls_test_set_nonce(struct logstore *s, uint64_t n)
{
	s->nonce = n;
}

uint64_t ls_last_seq(const struct logstore *s)
{
	return s->seq;
}

uint64_t ls_epoch(const struct logstore *s)
{
	return s->st.epoch;
}

void ls_free(struct logstore *s)
{
	if (!s)
		return;
	secure_wipe(&s->st, sizeof(s->st));
	seal_mac_free(&s->mac);
	if (s->fd >= 0)
		close(s->fd);
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->statefd >= 0)
		close(s->statefd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->mbuf);
	free(s->files);
	free(s->dir);
	free(s);
}

int ls_close(struct logstore *s)
{
	int r = 0;

	if (!s)
		return 0;
	if (s->epoch_entries > 0 || s->blen > 0 || s->seal_pending)
		r = ls_seal(s);
	ls_free(s);
	return r;
}

static int load_state(struct logstore *s)
{
	uint8_t buf[LF_STATE_FILE_SIZE + 1];
	ssize_t n;
	int r;

	s->statefd = openat(s->dirfd, LS_STATE_NAME, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (s->statefd < 0)
		return -errno;
	n = pread(s->statefd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	r = lf_state_file_decode(buf, (size_t)n, &s->st);
	secure_wipe(buf, sizeof(buf));
	return r;
}

int ls_open(struct logstore **out, const char *dir, const struct ls_options *o, char *msg, size_t msglen)
{
	struct logstore *s;
	struct walk_ctx ctx = { 0 };
	struct walk_result res;
	char name[LF_NAME_LEN + 1];
	struct stat sb;
	int r;

	msg[0] = 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = s->dirfd = s->lockfd = s->statefd = -1;
	s->opt = *o;
	if (!s->opt.nonce_block)
		s->opt.nonce_block = NONCE_BLOCK;
	s->dir = strdup(dir);
	s->mbuf = malloc(LS_TAG_LEN + BUF_CAP + 2 * (LF_MAX_PAYLOAD + LF_REC_HDR + LS_TAG_LEN));
	s->buf = s->mbuf ? s->mbuf + LS_TAG_LEN : NULL;
	if (!s->dir || !s->buf) {
		r = -ENOMEM;
		goto fail;
	}
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		r = -errno;
		goto fail;
	}
	s->lockfd = openat(s->dirfd, LS_LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lockfd < 0) {
		r = -errno;
		goto fail;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(msg, msglen, "another rempart-logd writes to this store");
		goto fail;
	}
	r = load_state(s);
	if (r < 0) {
		snprintf(msg, msglen, "cannot load the sealing state %s/%s", dir, LS_STATE_NAME);
		goto fail;
	}
	s->plain = s->st.flags & LF_FLAG_PLAIN;
	if (!s->plain && (r = seal_mac_new(&s->mac)) < 0)
		goto fail;
	/* Recover: walk from the last sealed position with the current key. */
	ctx = (struct walk_ctx){
		.dirfd = s->dirfd,
		.ids = s->st.ids,
		.epoch = s->st.epoch,
		.plain = s->plain,
		.from_pos = true,
		.start_file = s->st.file_index,
		.start_off = s->st.sealed_offset,
		.start_seq = s->st.sealed_seq,
	};
	memcpy(ctx.key, s->st.key, LS_KEY_LEN);
	memcpy(ctx.start_tip, s->st.sealed_tag, LS_TAG_LEN);
	r = walk_store(&ctx, &res);
	if (r < 0)
		goto fail;
	if (res.problem != WALK_OK) {
		snprintf(msg, msglen, "%s", res.msg);
		r = res.problem == WALK_IO ? (res.err ? res.err : -EIO) : -EBADMSG;
		goto fail;
	}
	memcpy(s->st.key, ctx.key, LS_KEY_LEN);
	secure_wipe(ctx.key, sizeof(ctx.key));
	s->st.epoch = ctx.epoch;
	memcpy(s->tip, res.tip, LS_TAG_LEN);
	memcpy(s->flushed_tip, res.tip, LS_TAG_LEN);
	s->seq = s->flushed_seq = res.last_seq;
	s->epoch_entries = res.epoch_entries;
	s->file_index = res.last_file;
	s->file_off = res.last_off;
	s->file_has_records = res.last_off > LF_HEADER_SIZE;
	if (res.retained_from > s->st.retained_from)
		s->st.retained_from = res.retained_from;
	r = load_mac_key(s);
	if (r < 0)
		goto fail;
	/* Anchor at the end of what is on disk (this also catches up after a
	 * seal whose state was not saved), and take a new block of nonces:
	 * the ones below the old limit may have been used by records the
	 * crash lost, maybe after they were read or forwarded. */
	if (!s->plain) {
		s->nonce = s->st.nonce_limit > res.last_nonce ? s->st.nonce_limit : res.last_nonce + 1;
		if (s->nonce > UINT64_MAX - s->opt.nonce_block) {
			r = -EOVERFLOW;
			goto fail;
		}
		s->st.nonce_limit = s->nonce + s->opt.nonce_block;
	}
	set_anchor_here(s);
	r = save_state(s);
	if (r < 0) {
		snprintf(msg, msglen, "cannot save the sealing state %s/%s", dir, LS_STATE_NAME);
		goto fail;
	}
	lf_file_name(s->file_index, name);
	s->fd = openat(s->dirfd, name, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (s->fd < 0 && errno == EPERM) {
		/* Already immutable (closed by a crash during rotation). */
		s->torn = true;
	} else if (s->fd < 0) {
		r = -errno;
		goto fail;
	} else {
		if (fstat(s->fd, &sb) < 0) {
			r = -errno;
			goto fail;
		}
		s->torn = (uint64_t)sb.st_size != s->file_off;
	}
	{
		_cleanup_close_ int rfd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		uint8_t raw[LF_HEADER_SIZE];
		struct lf_header h;

		if (rfd < 0 || pread_full(rfd, raw, sizeof(raw), 0) < 0 || lf_header_decode(raw, sizeof(raw), &h) < 0) {
			r = -EBADMSG;
			snprintf(msg, msglen, "cannot read the header of the active file %s", name);
			goto fail;
		}
		s->file_created_usec = h.created_usec;
	}
	s->last_seal_mono = now_usec(CLOCK_MONOTONIC);
	r = scan_files(s);
	if (r < 0)
		goto fail;
	if (s->torn) {
		r = next_file(s);
		if (r < 0) {
			snprintf(msg, msglen, "cannot start a new file after the torn tail of file %s", name);
			goto fail;
		}
		set_anchor_here(s);
		r = save_state(s);
		if (r < 0)
			goto fail;
		if (s->opt.notify) {
			char text[200];
			snprintf(text, sizeof(text), "file %s ended with %" PRIu64 " bytes of an incomplete record "
				 "(crash or full disk); continued in the next file", name, res.torn_bytes);
			s->opt.notify(text);
		}
	}
	*out = s;
	return 0;
fail:
	secure_wipe(ctx.key, sizeof(ctx.key));
	ls_free(s);
	return r;
}

int ls_read_fwd_cursor(int dirfd, uint64_t *seq)
{
	char buf[32];
	_cleanup_close_ int fd = openat(dirfd, LS_FWD_CURSOR_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return parse_u64(buf, seq);
}

int ls_write_fwd_cursor(const char *dir, uint64_t seq)
{
	_cleanup_free_ char *path = NULL;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", seq);

	if (asprintf(&path, "%s/%s", dir, LS_FWD_CURSOR_NAME) < 0)
		return -ENOMEM;
	return write_file_atomic(path, buf, (size_t)n, 0640);
}
