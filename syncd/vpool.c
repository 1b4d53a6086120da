/* SPDX-License-Identifier: ISC */
/*
 * vpool.c - syncd's validation thread pool; see vpool.h.
 *
 * One job at a time: the caller publishes it under the mutex with a new
 * generation number and wakes the workers; everybody, the caller too,
 * takes items in small chunks from an atomic counter; each worker reports
 * once per generation, and the caller returns when all have.  No item is
 * ever run twice or skipped, whatever the timing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "vpool.h"

#define VPOOL_CHUNK	4	/* items taken at once */

struct vpool {
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* a new job, or stop */
	pthread_cond_t	 done;		/* a worker finished the job */
	pthread_t	*tid;
	unsigned	 nthreads;	/* started, the caller not counted */
	uint64_t	 gen;		/* the job's number */
	int		 stop;
	unsigned	 busy;		/* workers not done with this job */
	/* the job */
	vpool_fn	 fn;
	void		*arg;
	size_t		 n;
	atomic_size_t	 next;
};

static void
take_items(struct vpool *p)
{
	size_t i, end;

	for (;;) {
		i = atomic_fetch_add(&p->next, VPOOL_CHUNK);
		if (i >= p->n)
			return;
		end = p->n - i < VPOOL_CHUNK ? p->n : i + VPOOL_CHUNK;
		for (; i < end; i++)
			p->fn(p->arg, i);
	}
}

static void *
worker(void *arg)
{
	struct vpool	*p = arg;
	uint64_t	 seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->gen == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		take_items(p);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct vpool *
vpool_new(unsigned threads)
{
	struct vpool	*p;
	unsigned	 i;
	int		 e;

	if (threads < 1 || threads > VPOOL_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->tid = calloc(threads, sizeof(*p->tid))) == NULL) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	atomic_init(&p->next, 0);
	for (i = 0; i + 1 < threads; i++) {
		if ((e = pthread_create(&p->tid[i], NULL, worker, p)) != 0) {
			vpool_free(p);
			errno = e;
			return NULL;
		}
		p->nthreads++;
	}
	return p;
}

void
vpool_run(struct vpool *p, size_t n, vpool_fn fn, void *arg)
{
	size_t i;

	if (p == NULL || p->nthreads == 0 || n < 2) {
		for (i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	atomic_store(&p->next, 0);
	p->busy = p->nthreads;
	p->gen++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	take_items(p);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

unsigned
vpool_threads(const struct vpool *p)
{
	return p == NULL ? 1 : p->nthreads + 1;
}

void
vpool_free(struct vpool *p)
{
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p->tid);
	free(p);
}

unsigned
vpool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > VPOOL_MAX ? VPOOL_MAX : (unsigned)n;
}
