/*
 * log.c - timestamped, process-tagged log lines on stderr.
 *
 * The format is "YYYY-mm-ddTHH:MM:SS.mmm proc[pid]: level: message".  One
 * write(2) per line so that lines of concurrent processes sharing the same
 * stderr do not interleave.  fatal() exits with status 1; the supervisor
 * treats that like any other worker death.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char	log_proc[32] = "timenode";
static int	log_debug_on;

void
log_init(const char *procname, int debug)
{
	log_setproc(procname);
	log_debug_on = debug;
}

void
log_setproc(const char *procname)
{
	snprintf(log_proc, sizeof(log_proc), "%s", procname);
}

int
log_getdebug(void)
{
	return log_debug_on;
}

static void
vlog(const char *level, int with_errno, const char *fmt, va_list ap)
{
	char		 line[1024];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;
	int		 saved = errno, r;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ldZ %s[%ld]: %s%s",
	    ts.tv_nsec / 1000000, log_proc, (long)getpid(), level,
	    *level ? ": " : "");
	if (r > 0 && (size_t)r < sizeof(line) - n)
		n += (size_t)r;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n = (size_t)r < sizeof(line) - n ? n + (size_t)r : sizeof(line) - 1;
	if (with_errno && n < sizeof(line) - 1) {
		r = snprintf(line + n, sizeof(line) - n, ": %s",
		    strerror(saved));
		if (r > 0)
			n = (size_t)r < sizeof(line) - n ?
			    n + (size_t)r : sizeof(line) - 1;
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
	errno = saved;
}

#define LOGFN(name, level, en)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	vlog(level, en, fmt, ap);			\
	va_end(ap);					\
}
LOGFN(log_warn, "warning", 1)
LOGFN(log_warnx, "warning", 0)
LOGFN(log_info, "", 0)

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	vlog("debug", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
