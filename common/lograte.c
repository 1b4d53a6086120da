/* SPDX-License-Identifier: ISC */
/*
 * lograte.c - token buckets per (peer, kind) and in total for log lines
 * that remote parties cause, with counted, summarised suppression.  The
 * rules and the bound are in lograte.h and docs/operations.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "lograte.h"

void
lograte_init(struct lograte *lr)
{
	memset(lr, 0, sizeof(*lr));
}

static double
refill(double tokens, double *since, double now, double per_s, double cap)
{
	if (now > *since)
		tokens += (now - *since) * per_s;
	*since = now;
	return tokens > cap ? cap : tokens;
}

static void
key_refill(struct lograte_key *k, double now)
{
	k->tokens = refill(k->tokens, &k->refilled, now,
	    1.0 / LOGRATE_KEY_EVERY_S, LOGRATE_KEY_BURST);
}

static void
key_reset(struct lograte_key *k, struct netaddr ip, unsigned kind, double now)
{
	memset(k, 0, sizeof(*k));
	k->used = 1;
	k->ip = ip;
	k->kind = kind;
	k->tokens = LOGRATE_KEY_BURST;
	k->refilled = now;
}

/* A slot that owes nothing: no summary pending, its bucket full again. */
static int
key_idle(struct lograte_key *k, double now)
{
	if (!k->used)
		return 1;
	key_refill(k, now);
	return k->refused == 0 && k->tokens >= LOGRATE_KEY_BURST;
}

/* The key's slot: its own, an idle one taken over, else the overflow. */
static struct lograte_key *
key_get(struct lograte *lr, struct netaddr ip, unsigned kind, double now)
{
	struct lograte_key	*k, *idle = NULL;
	int			 i;

	for (i = 0; i < LOGRATE_KEYS; i++) {
		k = &lr->keys[i];
		if (k->used && netaddr_eq(&k->ip, &ip) && k->kind == kind)
			return k;
		if (idle == NULL && key_idle(k, now))
			idle = k;
	}
	if (idle != NULL) {
		key_reset(idle, ip, kind, now);
		return idle;
	}
	k = &lr->overflow;
	if (!k->used)
		key_reset(k, NETADDR_NONE, 0, now);
	return k;
}

static void
total_refill(struct lograte *lr, double now)
{
	if (!lr->started) {
		lr->started = 1;
		lr->tokens = LOGRATE_TOTAL_BURST;
		lr->refilled = now;
	}
	lr->tokens = refill(lr->tokens, &lr->refilled, now,
	    LOGRATE_TOTAL_PER_S, LOGRATE_TOTAL_BURST);
}

int
lograte_take(struct lograte *lr, struct netaddr ip, unsigned kind,
    enum lograte_level level, const char *text, double now)
{
	struct lograte_key *k;

	if (level == LOGRATE_DEBUG && !log_getdebug())
		return 0;		/* not written anyway: free */
	total_refill(lr, now);
	k = key_get(lr, ip, kind, now);
	key_refill(k, now);
	if (k->tokens >= 1.0 && lr->tokens >= 1.0) {
		k->tokens -= 1.0;
		lr->tokens -= 1.0;
		lr->c.written++;
		return 1;
	}
	if (k->refused++ == 0)
		k->first_refused = now;
	k->last_refused = now;
	k->level = level;
	snprintf(k->sample, sizeof(k->sample), "%s", text ? text : "");
	lr->c.suppressed++;
	return 0;
}

static void
emit(enum lograte_level level, const char *line)
{
	switch (level) {
	case LOGRATE_DEBUG:
		log_debug("%s", line);
		break;
	case LOGRATE_INFO:
		log_info("%s", line);
		break;
	case LOGRATE_WARN:
		log_warnx("%s", line);
		break;
	}
}

void
lograte_log(struct lograte *lr, struct netaddr ip, unsigned kind,
    enum lograte_level level, double now, const char *fmt, ...)
{
	char	line[1024];
	va_list	ap;

	if (level == LOGRATE_DEBUG && !log_getdebug())
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (lograte_take(lr, ip, kind, level, line, now))
		emit(level, line);
}

/* monotonic time t as the wall clock's UTC "HH:MM:SS", given both now */
static const char *
clock_str(double t, double now, double wall_now, char *buf, size_t len)
{
	struct tm	tm;
	time_t		w = (time_t)(wall_now - (now - t) + 0.5);

	if (gmtime_r(&w, &tm) == NULL ||
	    strftime(buf, len, "%H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

void
lograte_summary(const struct lograte_key *k, int other, double now,
    double wall_now, char *buf, size_t len)
{
	char	since[16], last[16];

	clock_str(k->first_refused, now, wall_now, since, sizeof(since));
	clock_str(k->last_refused, now, wall_now, last, sizeof(last));
	if (k->refused <= 1)
		snprintf(buf, len, "%s (held back: at %s, %.0f s ago)",
		    k->sample, last, now - k->last_refused);
	else
		snprintf(buf, len, "%s ... and %llu more like it%s in the "
		    "%.0f s since %s (the last at %s)", k->sample,
		    (unsigned long long)(k->refused - 1), other ?
		    " from other peers" : "", now - k->first_refused, since,
		    last);
}

/* the wall clock, Unix s */
static double
wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The window of k has ended: its summary (lograte_summary).  0 when the
 * total's bucket has no token for it now.
 */
static int
summarise(struct lograte *lr, struct lograte_key *k, double now)
{
	char	line[LOGRATE_SAMPLE_MAX + 160];

	if (k->refused == 0 || now - k->first_refused < LOGRATE_WINDOW_S)
		return 0;
	if (lr->tokens < 1.0)
		return 0;
	lr->tokens -= 1.0;
	lograte_summary(k, k == &lr->overflow, now, wall_clock(), line,
	    sizeof(line));
	emit(k->level, line);
	lr->c.summaries++;
	k->refused = 0;
	k->first_refused = 0;
	return 1;
}

int
lograte_tick(struct lograte *lr, double now)
{
	int i, n = 0;

	if (!lr->started)
		return 0;
	total_refill(lr, now);
	for (i = 0; i < LOGRATE_KEYS; i++)
		if (lr->keys[i].used)
			n += summarise(lr, &lr->keys[i], now);
	if (lr->overflow.used)
		n += summarise(lr, &lr->overflow, now);
	return n;
}
