/* SPDX-License-Identifier: ISC */
/*
 * vpool.h - a small pool of threads for syncd's validation work: the
 * signature checks (and payload hashing) of the received blocks are
 * spread over the cores (issue 12 item 1), while commit order, fork
 * choice and IPC stay in syncd's one event-loop thread.
 *
 * vpool_run is a parallel for-loop: the caller's thread takes part and
 * the call returns when every item is done.  vpool_start is the same
 * loop on the pool's own threads alone, and returns at once: syncd's
 * event loop receives the next answers, encodes batches and plans while
 * the signatures of the last ones are checked (a synchronous check left
 * the cores idle for the loop's own work, a tenth of a catch-up: issue 12,
 * bench/REPORT.md "Session 2026-12-01").  One started job at a time; its
 * items must not touch what the caller changes meanwhile.  Items must be
 * independent of each other (each touches only its own data).  Threads are POSIX threads, never
 * processes (the sandbox allows threads only), started by vpool_new after
 * the sandbox is in place: they need clone (with CLONE_THREAD), futex,
 * mmap, mprotect, munmap, madvise, set_robust_list, rseq, rt_sigprocmask
 * and exit (docs/sync.md, "Parallel validation").
 */
#ifndef TIMENODE_VPOOL_H
#define TIMENODE_VPOOL_H

#include <stddef.h>

#define VPOOL_MAX	257	/* threads at most: syncd's 256 and its loop */

struct vpool;

/* one item: fn(arg, i) for i in 0 .. n-1, in any order, on any thread */
typedef void (*vpool_fn)(void *arg, size_t i);

/*
 * A pool working with threads threads in all, the caller's included
 * (1..VPOOL_MAX; 1 starts none and runs everything in the caller).  NULL
 * when memory or a thread could not be had (errno set).
 */
struct vpool	*vpool_new(unsigned threads);
/*
 * fn over 0 .. n-1; returns when all are done.  p NULL, or a started job
 * not finished yet: in the caller's thread alone.
 */
void		 vpool_run(struct vpool *p, size_t n, vpool_fn fn, void *arg);
/*
 * fn over 0 .. n-1 on the pool's threads, the caller's not among them;
 * returns at once.  1 when the job is already done (p NULL, a pool of
 * one thread, or n 0: it ran in the caller), 0 when started: then
 * vpool_fd becomes readable when it finishes, and vpool_done or
 * vpool_wait must be called before the next vpool_start.  fn's writes
 * are visible to the caller once vpool_done returned 1 or vpool_wait
 * returned.  A job started while one runs is a bug: abort().
 */
int		 vpool_start(struct vpool *p, size_t n, vpool_fn fn, void *arg);
/* the started job finished (1; also with none), or still runs (0) */
int		 vpool_done(struct vpool *p);
/* the caller takes part in the started job and waits for its end */
void		 vpool_wait(struct vpool *p);
/*
 * An eventfd (EFD_NONBLOCK) with a count when a started job finished, for
 * the caller's event loop; read it to clear.  -1 for p NULL.  Owned by
 * the pool.
 */
int		 vpool_fd(const struct vpool *p);
/* threads working a call, the caller's included (1 for NULL) */
unsigned	 vpool_threads(const struct vpool *);
/* stop and join the threads, free the pool (NULL: nothing) */
void		 vpool_free(struct vpool *);
/* the online CPUs (sysconf; call before the sandbox hides /sys), 1..256 */
unsigned	 vpool_cpus(void);

#endif
