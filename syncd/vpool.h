/* SPDX-License-Identifier: ISC */
/*
 * vpool.h - a small pool of threads for syncd's validation work: the
 * signature checks (and payload hashing) of the received blocks are
 * spread over the cores (issue 12 item 1), while commit order, fork
 * choice and IPC stay in syncd's one event-loop thread.
 *
 * vpool_run is a parallel for-loop: the caller's thread takes part and
 * the call returns when every item is done, so nothing else in syncd ever
 * runs beside the pool.  Items must be independent of each other (each
 * touches only its own data).  Threads are POSIX threads, never
 * processes (the sandbox allows threads only), started by vpool_new after
 * the sandbox is in place: they need clone (with CLONE_THREAD), futex,
 * mmap, mprotect, munmap, madvise, set_robust_list, rseq, rt_sigprocmask
 * and exit (docs/sync.md, "Parallel validation").
 */
#ifndef TIMENODE_VPOOL_H
#define TIMENODE_VPOOL_H

#include <stddef.h>

#define VPOOL_MAX	256	/* threads at most */

struct vpool;

/* one item: fn(arg, i) for i in 0 .. n-1, in any order, on any thread */
typedef void (*vpool_fn)(void *arg, size_t i);

/*
 * A pool working with threads threads in all, the caller's included
 * (1..VPOOL_MAX; 1 starts none and runs everything in the caller).  NULL
 * when memory or a thread could not be had (errno set).
 */
struct vpool	*vpool_new(unsigned threads);
/* fn over 0 .. n-1; returns when all are done.  p NULL: in the caller. */
void		 vpool_run(struct vpool *p, size_t n, vpool_fn fn, void *arg);
/* threads working a call, the caller's included (1 for NULL) */
unsigned	 vpool_threads(const struct vpool *);
/* stop and join the threads, free the pool (NULL: nothing) */
void		 vpool_free(struct vpool *);
/* the online CPUs (sysconf; call before the sandbox hides /sys), >= 1 */
unsigned	 vpool_cpus(void);

#endif
