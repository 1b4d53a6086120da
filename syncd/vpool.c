/* SPDX-License-Identifier: ISC */
/*
 * vpool.c - syncd's validation thread pool; see vpool.h.
 *
 * One job at a time: the caller publishes it under the mutex with a new
 * generation number and wakes the workers; everybody, the caller too,
 * takes items in small chunks from an atomic counter; each worker reports
 * once per generation, and the caller returns when all have.  No item is
 * ever run twice or skipped, whatever the timing.  A started job
 * (vpool_start) is the same without the caller; the last worker to
 * finish it also adds to an eventfd, which the caller's event loop
 * watches.  Only the caller's thread starts, polls and waits.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

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
	int		 started;	/* vpool_start's job not yet seen done */
	int		 efd;		/* counts started jobs finished */
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

/*
 * A started job is done: tell the caller's loop.  The one write that can
 * fail is at a full count (EAGAIN), which is readable already; vpool_done
 * is the truth, the eventfd only the wakeup.
 */
static void
job_finished(struct vpool *p)
{
	uint64_t one = 1;

	if (write(p->efd, &one, sizeof(one)) == -1)
		return;
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
		if (--p->busy == 0) {
			pthread_cond_signal(&p->done);
			if (p->started)
				job_finished(p);
		}
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
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		free(p->tid);
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

/* publish a job of n items to the workers (n >= 1, none running) */
static void
publish(struct vpool *p, size_t n, vpool_fn fn, void *arg, int started)
{
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	atomic_store(&p->next, 0);
	p->busy = p->nthreads;
	p->started = started;
	p->gen++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/* the caller takes items, then waits for the workers to finish theirs */
static void
join(struct vpool *p)
{
	take_items(p);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	p->started = 0;
	pthread_mutex_unlock(&p->mu);
}

void
vpool_run(struct vpool *p, size_t n, vpool_fn fn, void *arg)
{
	size_t i;

	if (p == NULL || p->nthreads == 0 || n < 2 || p->started) {
		for (i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	publish(p, n, fn, arg, 0);
	join(p);
}

int
vpool_start(struct vpool *p, size_t n, vpool_fn fn, void *arg)
{
	size_t i;

	if (p != NULL && p->started)
		fatalx("vpool_start: a job is running");
	if (p == NULL || p->nthreads == 0 || n == 0) {
		for (i = 0; i < n; i++)
			fn(arg, i);
		return 1;
	}
	publish(p, n, fn, arg, 1);
	return 0;
}

int
vpool_done(struct vpool *p)
{
	int done;

	if (p == NULL || !p->started)
		return 1;
	pthread_mutex_lock(&p->mu);
	done = p->busy == 0;
	if (done)
		p->started = 0;
	pthread_mutex_unlock(&p->mu);
	return done;
}

void
vpool_wait(struct vpool *p)
{
	if (p != NULL && p->started)
		join(p);
}

int
vpool_fd(const struct vpool *p)
{
	return p == NULL ? -1 : p->efd;
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
	vpool_wait(p);
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	(void)close(p->efd);
	free(p->tid);
	free(p);
}

unsigned
vpool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > VPOOL_MAX - 1 ? VPOOL_MAX - 1 : (unsigned)n;
}
