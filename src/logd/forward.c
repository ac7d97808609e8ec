/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "forward.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cleanup.h"
#include "hex.h"
#include "log.h"
#include "reader.h"
#include "store.h"
#include "walk.h"

DEFINE_POINTER_CLEANUP(SSL_CTX, SSL_CTX_free)

static void sanitize_field(char *out, size_t cap, const char *in, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < len && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 33 && c <= 126)
			out[k++] = (char)c;
	}
	if (k == 0 && cap >= 2)
		out[k++] = '-';
	out[k] = 0;
}

int fwd_format(char *out, size_t cap, const struct lf_record *rec, const struct lf_entry *e,
	       const char *hostname)
{
	char app[49], host[256], pid[16], ts[40], tag[2 * LS_TAG_LEN + 1], head[512];
	time_t secs = (time_t)(rec->realtime_usec / 1000000u);
	struct tm tm;
	size_t hl, ml = 0, total;
	int n, pl;

	sanitize_field(app, sizeof(app), e->ident, e->ident_len);
	sanitize_field(host, sizeof(host), hostname, strlen(hostname));
	if (e->pid)
		snprintf(pid, sizeof(pid), "%" PRIu32, e->pid);
	else
		strcpy(pid, "-");
	if (!gmtime_r(&secs, &tm))
		return -EINVAL;
	n = (int)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - (size_t)n, ".%06" PRIu64 "Z", rec->realtime_usec % 1000000u);
	hex_encode(rec->tag, LS_TAG_LEN, tag);
	n = snprintf(head, sizeof(head), "<%u>1 %s %s %s %s - [" FWD_SD_ID " seq=\"%" PRIu64 "\" epoch=\"%" PRIu64
		     "\" tag=\"%s\"] ", e->facility * 8u + e->priority, ts, host, app, pid, rec->seq, rec->epoch, tag);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -ENOBUFS;
	hl = (size_t)n;
	total = hl + e->msg_len;
	pl = snprintf(out, cap, "%zu ", total);
	if (pl < 0 || (size_t)pl + total > cap)
		return -ENOBUFS;
	memcpy(out + pl, head, hl);
	for (size_t i = 0; i < e->msg_len; i++) {
		unsigned char c = e->msg[i];
		out[pl + hl + ml++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
	}
	return pl + (int)total;
}

/* ---- store tailing ---- */

struct tail {
	int dirfd;
	struct lf_reader rd;
	uint64_t file;
	bool open;
};

static int tail_open_file(struct tail *t, uint64_t idx, uint64_t off)
{
	char name[LF_NAME_LEN + 1];
	struct lf_header h;
	int r;

	lf_reader_close(&t->rd);
	t->open = false;
	lf_file_name(idx, name);
	r = lf_reader_open(&t->rd, t->dirfd, name);
	if (r < 0)
		return r;
	r = lf_reader_header(&t->rd, &h, NULL);
	if (r < 0)
		return r;
	if (off > LF_HEADER_SIZE)
		lf_reader_seek(&t->rd, off);
	t->file = idx;
	t->open = true;
	return 0;
}

static bool file_exists(int dirfd, uint64_t idx)
{
	char name[LF_NAME_LEN + 1];

	lf_file_name(idx, name);
	return faccessat(dirfd, name, F_OK, 0) == 0;
}

/* Next ENTRY record: 1, 0 when none is available now, negative errno. */
static int tail_next(struct tail *t, struct lf_record *rec)
{
	for (;;) {
		int r = lf_reader_next(&t->rd, rec);

		if (r == 1) {
			if (rec->type != LF_ENTRY)
				continue;
			return 1;
		}
		if (r != 0 && r != -ENODATA && r != -EBADMSG)
			return r;
		if (!file_exists(t->dirfd, t->file + 1))
			return 0;
		/* The file is closed: read what was appended before the rotation. */
		r = lf_reader_next(&t->rd, rec);
		if (r == 1) {
			if (rec->type != LF_ENTRY)
				continue;
			return 1;
		}
		r = tail_open_file(t, t->file + 1, 0);
		if (r < 0)
			return r;
	}
}

/* Positions the tail just after entry `cursor`. */
static int tail_seek_seq(struct tail *t, uint64_t cursor)
{
	_cleanup_free_ uint64_t *files = NULL;
	size_t n = 0, pick = 0;
	int r = walk_list_files(t->dirfd, &files, &n);

	if (r < 0)
		return r;
	if (n == 0)
		return -ENOENT;
	for (size_t i = 0; i < n; i++) {
		char name[LF_NAME_LEN + 1];
		_cleanup_(lf_reader_close) struct lf_reader rd = LF_READER_INIT;
		struct lf_header h;

		lf_file_name(files[i], name);
		if (lf_reader_open(&rd, t->dirfd, name) < 0)
			continue;
		if (lf_reader_header(&rd, &h, NULL) == 0 && h.first_seq <= cursor + 1)
			pick = i;
	}
	r = tail_open_file(t, files[pick], 0);
	if (r < 0)
		return r;
	for (;;) {
		struct lf_record rec;

		r = tail_next(t, &rec);
		if (r <= 0)
			return r;
		if (rec.seq > cursor)
			return tail_open_file(t, t->file, lf_reader_offset(&t->rd) - rec.size);
	}
}

/* ---- TLS ---- */

static SSL_CTX *tls_context(const struct fwd_options *o)
{
	_cleanup_(SSL_CTX_freep) SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		return NULL;
	/* The pinned CA only: no system trust store. */
	if (!SSL_CTX_load_verify_locations(ctx, o->ca, NULL)) {
		log_error("cannot load the pinned CA %s", o->ca);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		log_error("cannot load the client certificate %s and key %s", o->cert, o->key);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
	return TAKE_PTR(ctx);
}

static int tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC }, *ai = NULL;
	struct timeval tv = { .tv_sec = 10 };
	int fd = -1, r;

	r = getaddrinfo(host, port, &hints, &ai);
	if (r != 0)
		return -EHOSTUNREACH;
	r = -ECONNREFUSED;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		r = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd >= 0 ? fd : r;
}

struct conn {
	int fd;
	SSL *ssl;
	char out[64 * 1024];
	size_t olen;
};

static void conn_close(struct conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	c->olen = 0;
}

static int conn_settle(struct conn *c, int ms);

static int conn_open(struct conn *c, SSL_CTX *ctx, const struct fwd_options *o, char *why, size_t wlen)
{
	const char *name = o->server_name ? o->server_name : o->host;
	long vr;

	c->fd = tcp_connect(o->host, o->port);
	if (c->fd < 0) {
		snprintf(why, wlen, "cannot connect to %s:%s: %s", o->host, o->port, strerror(-c->fd));
		return c->fd;
	}
	c->ssl = SSL_new(ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) || !SSL_set_tlsext_host_name(c->ssl, name) ||
	    !SSL_set1_host(c->ssl, name)) {
		snprintf(why, wlen, "cannot set up TLS");
		conn_close(c);
		return -ENOMEM;
	}
	if (SSL_connect(c->ssl) != 1) {
		unsigned long e = ERR_get_error();
		vr = SSL_get_verify_result(c->ssl);
		snprintf(why, wlen, "TLS handshake with %s:%s failed: %s%s%s", o->host, o->port,
			 e ? ERR_reason_error_string(e) : "connection closed",
			 vr != X509_V_OK ? ", certificate: " : "", vr != X509_V_OK ? X509_verify_cert_error_string(vr) : "");
		ERR_clear_error();
		conn_close(c);
		return -EPROTO;
	}
	if (conn_settle(c, 200) < 0) {
		snprintf(why, wlen, "%s:%s closed the session after the TLS handshake (is this client permitted?)",
			 o->host, o->port);
		conn_close(c);
		return -ECONNREFUSED;
	}
	return 0;
}

/* A collector that refuses the client (its name is not permitted) closes
 * right after the handshake. Give it that moment before sending anything,
 * so that a refusing collector never sees data it would then drop. */
static int conn_settle(struct conn *c, int ms)
{
	int flags = fcntl(c->fd, F_GETFL), r = 0;
	char b;

	if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	for (int waited = 0; waited < ms && r == 0;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int step = ms - waited > 50 ? 50 : ms - waited;

		if (poll(&p, 1, step) > 0) {
			int n = SSL_peek(c->ssl, &b, 1);
			int e = SSL_get_error(c->ssl, n);
			ERR_clear_error();
			if (n <= 0 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				r = -ECONNRESET; /* closed or reset: refused */
		}
		waited += step;
	}
	if (fcntl(c->fd, F_SETFL, flags) < 0 && r == 0)
		r = -errno;
	return r;
}

static int conn_flush(struct conn *c)
{
	size_t done = 0;

	while (done < c->olen) {
		int n = SSL_write(c->ssl, c->out + done, (int)(c->olen - done));
		if (n <= 0) {
			ERR_clear_error();
			return -EPIPE;
		}
		done += (size_t)n;
	}
	c->olen = 0;
	return 0;
}

/* Called after the collector's FIN (end of stream) arrived. The session is
 * confirmed once the collector's kernel acknowledged our FIN (hence every
 * byte before it) and no reset came: a collector closing with unread data
 * sends a reset instead of a FIN, and so does one that closed before our
 * data arrived (our FIN is then never acknowledged). */
static int wait_fin_acked(int fd)
{
	for (int i = 0; i < 500; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);
		int err = 0;

		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
			return -errno;
		if (ti.tcpi_state != TCP_FIN_WAIT1 && ti.tcpi_state != TCP_CLOSING && ti.tcpi_unacked == 0) {
			len = sizeof(err);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				return -errno;
			return err ? -err : 0;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Sends close_notify, half-closes and waits for the collector to close:
 * a clean close after it read everything confirms the session's entries
 * (RFC 5425 has no acknowledgement). A reset or timeout does not. */
static int conn_finish(struct conn *c)
{
	char buf[256];
	int r = conn_flush(c);

	if (r < 0)
		return r;
	SSL_shutdown(c->ssl);
	shutdown(c->fd, SHUT_WR);
	for (;;) {
		int n = SSL_read(c->ssl, buf, sizeof(buf));
		if (n > 0)
			continue; /* the collector has nothing to say; ignore */
		int e = SSL_get_error(c->ssl, n);
		ERR_clear_error();
		if (e == SSL_ERROR_ZERO_RETURN)
			return wait_fin_acked(c->fd);
		return -ECONNRESET;
	}
}

/* ---- main loop ---- */

static void sleep_ms(uint64_t ms, volatile sig_atomic_t *stop)
{
	while (ms > 0 && !(stop && *stop)) {
		uint64_t step = ms > 100 ? 100 : ms;
		struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)step * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

int fwd_run(const struct fwd_options *o)
{
	_cleanup_(SSL_CTX_freep) SSL_CTX *ctx = NULL;
	_cleanup_close_ int dirfd = -1;
	struct tail t = { .rd = LF_READER_INIT };
	struct conn c = { .fd = -1 };
	char host[256], why[512];
	uint64_t cursor = 0, backoff = o->backoff_min_ms;
	bool down = false;
	int r;

	if (o->hostname)
		snprintf(host, sizeof(host), "%s", o->hostname);
	else if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "-");
	host[sizeof(host) - 1] = 0;
	ctx = tls_context(o);
	if (!ctx)
		return -EINVAL;
	dirfd = open(o->store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return log_errno(LOG_LVL_ERROR, -errno, "cannot open the store %s", o->store);
	t.dirfd = dirfd;
	r = ls_read_fwd_cursor(dirfd, &cursor);
	if (r < 0 && r != -ENOENT)
		return log_errno(LOG_LVL_ERROR, r, "cannot read the forwarding cursor in %s", o->store);
	r = tail_seek_seq(&t, cursor);
	if (r < 0) {
		lf_reader_close(&t.rd);
		return log_errno(LOG_LVL_ERROR, r, "cannot find entry %" PRIu64 " in the store", cursor + 1);
	}
	log_info("forwarding from entry %" PRIu64 " to %s:%s", cursor + 1, o->host, o->port);
	while (!(o->stop && *o->stop)) {
		uint64_t bfile, boff, sent = 0, last = cursor;
		struct lf_record rec;

		if (o->exit_at_seq && cursor >= o->exit_at_seq)
			break;
		r = tail_next(&t, &rec);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot read the store");
			break;
		}
		if (r == 0) {
			if (o->exit_on_idle)
				break;
			sleep_ms(200, o->stop);
			continue;
		}
		/* Step back: the record is sent from inside the session. */
		r = tail_open_file(&t, t.file, lf_reader_offset(&t.rd) - rec.size);
		if (r < 0)
			break;
		bfile = t.file;
		boff = lf_reader_offset(&t.rd);
		r = conn_open(&c, ctx, o, why, sizeof(why));
		if (r == 0) {
			while (sent < o->batch_entries && !(o->stop && *o->stop)) {
				struct lf_entry e;
				int n;

				r = tail_next(&t, &rec);
				if (r <= 0)
					break;
				if (lf_entry_decode(rec.payload, rec.len, &e) < 0) {
					log_warn("entry %" PRIu64 " is malformed; skipped (run rempart-logverify)", rec.seq);
					last = rec.seq;
					continue;
				}
				if (c.olen + 8192 + rec.len > sizeof(c.out) && (r = conn_flush(&c)) < 0)
					break;
				if (rec.len + 8192 > sizeof(c.out)) {
					/* Large entry: truncated to what one buffer holds. */
					e.msg_len = sizeof(c.out) - 8192 - e.ident_len;
				}
				n = fwd_format(c.out + c.olen, sizeof(c.out) - c.olen, &rec, &e, host);
				if (n < 0) {
					r = n;
					break;
				}
				c.olen += (size_t)n;
				last = rec.seq;
				sent++;
			}
			if (r >= 0)
				r = conn_finish(&c);
			if (r < 0)
				snprintf(why, sizeof(why), "the session to %s:%s ended before the collector confirmed it",
					 o->host, o->port);
		}
		conn_close(&c);
		if (r < 0) {
			if (!down)
				log_warn("%s; retrying with backoff, entries from %" PRIu64 " are kept", why, cursor + 1);
			down = true;
			r = tail_open_file(&t, bfile, boff);
			if (r < 0)
				break;
			{
				uint32_t jitter = 0;
				if (getrandom(&jitter, sizeof(jitter), 0) < 0)
					jitter = 0;
				sleep_ms(backoff + (backoff ? jitter % (backoff / 4 + 1) : 0), o->stop);
			}
			backoff = backoff * 2 > o->backoff_max_ms ? o->backoff_max_ms : backoff * 2;
			continue;
		}
		if (down)
			log_info("collector %s:%s reachable again", o->host, o->port);
		down = false;
		backoff = o->backoff_min_ms;
		cursor = last;
		r = ls_write_fwd_cursor(o->store, cursor);
		if (r < 0) {
			log_errno(LOG_LVL_ERROR, r, "cannot save the forwarding cursor");
			break;
		}
	}
	conn_close(&c);
	lf_reader_close(&t.rd);
	if (o->stop && *o->stop)
		return 0; /* stopped: what was not confirmed is sent again next time */
	return r < 0 ? r : 0;
}
