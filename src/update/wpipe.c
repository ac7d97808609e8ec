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

struct wpipe {
	int fd;
	uint64_t base, off;
	EVP_MD_CTX *digest;
	struct slot slots[WPIPE_SLOTS];
	unsigned tail, queued;       /* ring of filled slots: [tail, tail + queued) */
	struct slot *fill;           /* being filled by the producer (not in the ring) */
	unsigned fill_idx;
	bool done;
	int error;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_free;
	pthread_t thread;
};

static void *worker(void *arg)
{
	struct wpipe *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct slot *s;
		int r = 0;

		while (p->queued == 0 && !p->done)
			pthread_cond_wait(&p->cv_work, &p->mu);
		if (p->queued == 0)
			break;
		s = &p->slots[p->tail];
		pthread_mutex_unlock(&p->mu);
		if (!p->error) {
			r = pwrite_full(p->fd, s->buf, s->len, (off_t)(p->base + s->off));
			if (r == 0 && p->digest && EVP_DigestUpdate(p->digest, s->buf, s->len) != 1)
				r = -EIO;
		}
		pthread_mutex_lock(&p->mu);
		if (r < 0 && !p->error)
			p->error = r;
		p->tail = (p->tail + 1) % WPIPE_SLOTS;
		p->queued--;
		pthread_cond_signal(&p->cv_free);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int wpipe_start(int fd, uint64_t base, EVP_MD_CTX *digest, struct wpipe **out)
{
	struct wpipe *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->fd = fd;
	p->base = base;
	p->digest = digest;
	for (unsigned i = 0; i < WPIPE_SLOTS; i++) {
		p->slots[i].buf = malloc(WPIPE_BUF);
		if (!p->slots[i].buf) {
			for (unsigned j = 0; j < i; j++)
				free(p->slots[j].buf);
			free(p);
			return -ENOMEM;
		}
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv_work, NULL);
	pthread_cond_init(&p->cv_free, NULL);
	p->fill = &p->slots[0];
	p->fill_idx = 0;
	if (pthread_create(&p->thread, NULL, worker, p) != 0) {
		for (unsigned i = 0; i < WPIPE_SLOTS; i++)
			free(p->slots[i].buf);
		free(p);
		return -EAGAIN;
	}
	*out = p;
	return 0;
}

/* Queues the slot being filled and moves to the next free one. The queue
 * is [tail, tail + queued); the producer fills the slot right after it. A
 * slot stays counted in `queued` while the worker writes it. mu held. */
static void submit_locked(struct wpipe *p)
{
	p->fill->off = p->off;
	p->off += p->fill->len;
	p->queued++;
	pthread_cond_signal(&p->cv_work);
	while (p->queued == WPIPE_SLOTS)
		pthread_cond_wait(&p->cv_free, &p->mu);
	p->fill_idx = (p->tail + p->queued) % WPIPE_SLOTS;
	p->fill = &p->slots[p->fill_idx];
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
	if (p->fill->len)
		submit_locked(p);
	p->done = true;
	pthread_cond_signal(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	err = p->error;
	for (unsigned i = 0; i < WPIPE_SLOTS; i++)
		free(p->slots[i].buf);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_free);
	free(p);
	return err;
}
