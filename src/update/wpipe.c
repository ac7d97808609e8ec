/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "wpipe.h"

struct slot {
	uint8_t *buf;
	size_t len;
	uint64_t off;
};

enum { WRITER, CHECKER, N_CONSUMERS };

struct consumer {
	struct wpipe *p;
	unsigned id;
	uint64_t next; /* sequence number of the next buffer to consume */
	pthread_t thread;
	bool running;
};

struct wpipe {
	int fd;
	uint64_t base, off;
	EVP_MD_CTX *digest;
	wpipe_check_fn check;
	void *check_ud;
	struct slot slots[WPIPE_SLOTS];
	/* Buffers are numbered in submission order; buffer n lives in slot
	 * n % WPIPE_SLOTS. [oldest unconsumed, head) are queued; head is
	 * being filled by the producer. */
	uint64_t head;
	struct slot *fill;
	struct consumer cons[N_CONSUMERS];
	unsigned n_cons;
	bool done;
	int error;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_free;
};

/* Sequence number of the oldest buffer some consumer still needs. mu held. */
static uint64_t oldest_locked(const struct wpipe *p)
{
	uint64_t o = p->head;

	for (unsigned i = 0; i < p->n_cons; i++)
		if (p->cons[i].next < o)
			o = p->cons[i].next;
	return o;
}

static int consume(struct wpipe *p, unsigned id, const struct slot *s)
{
	if (id == CHECKER)
		return p->check(p->check_ud, s->buf, s->len);
	int r = pwrite_full(p->fd, s->buf, s->len, (off_t)(p->base + s->off));

	if (r < 0)
		return r;
	if (p->digest && EVP_DigestUpdate(p->digest, s->buf, s->len) != 1)
		return -EIO;
	return 0;
}

static void *worker(void *arg)
{
	struct consumer *c = arg;
	struct wpipe *p = c->p;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct slot *s;
		int r = 0;

		while (c->next == p->head && !p->done)
			pthread_cond_wait(&p->cv_work, &p->mu);
		if (c->next == p->head)
			break;
		s = &p->slots[c->next % WPIPE_SLOTS];
		if (!p->error) {
			pthread_mutex_unlock(&p->mu);
			r = consume(p, c->id, s);
			pthread_mutex_lock(&p->mu);
			if (r < 0 && !p->error)
				p->error = r;
		}
		c->next++;
		pthread_cond_broadcast(&p->cv_free);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void free_slots(struct wpipe *p)
{
	for (unsigned i = 0; i < WPIPE_SLOTS; i++)
		free(p->slots[i].buf);
}

int wpipe_start(int fd, uint64_t base, EVP_MD_CTX *digest, wpipe_check_fn check, void *check_userdata,
		struct wpipe **out)
{
	struct wpipe *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->fd = fd;
	p->base = base;
	p->digest = digest;
	p->check = check;
	p->check_ud = check_userdata;
	p->n_cons = check ? 2 : 1;
	for (unsigned i = 0; i < WPIPE_SLOTS; i++) {
		p->slots[i].buf = malloc(WPIPE_BUF);
		if (!p->slots[i].buf) {
			free_slots(p);
			free(p);
			return -ENOMEM;
		}
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv_work, NULL);
	pthread_cond_init(&p->cv_free, NULL);
	p->fill = &p->slots[0];
	for (unsigned i = 0; i < p->n_cons; i++) {
		p->cons[i] = (struct consumer){ .p = p, .id = i };
		if (pthread_create(&p->cons[i].thread, NULL, worker, &p->cons[i]) != 0) {
			p->error = -EAGAIN;
			(void)wpipe_finish(p);
			return -EAGAIN;
		}
		p->cons[i].running = true;
	}
	*out = p;
	return 0;
}

/* Queues the buffer being filled and waits for a free one. mu held. */
static void submit_locked(struct wpipe *p)
{
	p->fill->off = p->off;
	p->off += p->fill->len;
	p->head++;
	pthread_cond_broadcast(&p->cv_work);
	while (p->head - oldest_locked(p) == WPIPE_SLOTS)
		pthread_cond_wait(&p->cv_free, &p->mu);
	p->fill = &p->slots[p->head % WPIPE_SLOTS];
	p->fill->len = 0;
}

int wpipe_push(struct wpipe *p, const uint8_t *buf, size_t len)
{
	int err;

	while (len) {
		size_t take = WPIPE_BUF - p->fill->len;

		if (take > len)
			take = len;
		memcpy(p->fill->buf + p->fill->len, buf, take);
		p->fill->len += take;
		buf += take;
		len -= take;
		if (p->fill->len == WPIPE_BUF) {
			pthread_mutex_lock(&p->mu);
			submit_locked(p);
			err = p->error;
			pthread_mutex_unlock(&p->mu);
			if (err)
				return err;
		}
	}
	pthread_mutex_lock(&p->mu);
	err = p->error;
	pthread_mutex_unlock(&p->mu);
	return err;
}

int wpipe_finish(struct wpipe *p)
{
	int err;

	pthread_mutex_lock(&p->mu);
	if (p->fill->len && !p->error)
		submit_locked(p);
	p->done = true;
	pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->n_cons; i++)
		if (p->cons[i].running)
			pthread_join(p->cons[i].thread, NULL);
	err = p->error;
	free_slots(p);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_free);
	free(p);
	return err;
}
