/* SPDX-License-Identifier: ISC */
/*
 * metrics_http.h - netd's HTTP endpoint for the metrics ([metrics]
 * listen); see metrics_http.c for its bounds and docs/architecture.md,
 * "Metrics", for why it lives in netd.
 */
#ifndef TIMENODE_METRICS_HTTP_H
#define TIMENODE_METRICS_HTTP_H

#include <stddef.h>

#include "config.h"
#include "ipc.h"

#define METRICS_HTTP_TEXT_MAX	IPC_METRICS_TEXT_MAX

struct event_base;
struct metrics_http;

/*
 * Listen on hp (before the sandbox: as root it binds a port below 1024;
 * unprivileged, Landlock allows this port, sandbox.c).  NULL with a log
 * line if the address cannot be bound.
 */
struct metrics_http	*metrics_http_open(struct event_base *,
			    const struct hostport *hp);
/* The text to serve from now on (copied; len <= METRICS_HTTP_TEXT_MAX). */
int			 metrics_http_set(struct metrics_http *,
			    const void *text, size_t len);
/* Close the listener and every connection; NULL is fine. */
void			 metrics_http_close(struct metrics_http *);

#endif
