/* SPDX-License-Identifier: ISC */
/*
 * log.c - process-tagged log lines on stderr, with journal priorities.
 *
 * The format is "YYYY-mm-ddTHH:MM:SS.mmmZ proc[pid]: level: message" on a
 * terminal or file, and "<prio>proc[pid]: level: message" when stderr is
 * the journal (sd-daemon(3): journald reads the prefix as the priority of
 * the entry and strips it; it stamps the time itself).  One write(2) per
 * line so that lines of concurrent processes sharing the same stderr do
 * not interleave.  A detached timenoded logs to syslog(3) instead
 * (LOG_DAEMON, tagged "proc[pid]") and relays its workers' lines there
 * (log_relay), as OpenBSD's daemons do.  fatal() exits with status 1; the supervisor treats
 * that like any other worker death.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "decimal.h"
#include "log.h"

static char	log_proc[32] = "timenode";
static int	log_debug_on;
static int	log_journal;
static int	log_syslog;
static int	log_bare;	/* no "proc[pid]: ": the sink names us */

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

void
log_set_journal(int on)
{
	log_journal = on != 0;
}

void
log_set_bare(int on)
{
	log_bare = on != 0;
}

void
log_set_syslog(int on)
{
	log_syslog = on != 0;
}

/*
 * One line to syslog(3), LOG_DAEMON: the tag is "proc[pid]" (given, so
 * that a worker's line relayed by the supervisor keeps its own name and
 * pid; glibc keeps the pointer, hence the static copy).
 */
static void
syslog_line(int prio, const char *tag, size_t taglen, const char *msg)
{
	static char	ident[64];

	if (taglen >= sizeof(ident))
		taglen = sizeof(ident) - 1;
	if (strncmp(ident, tag, taglen) != 0 || ident[taglen] != '\0') {
		memcpy(ident, tag, taglen);
		ident[taglen] = '\0';
		openlog(ident, LOG_NDELAY, LOG_DAEMON);
	}
	syslog(prio, "%s", msg);
}

void
log_relay(const char *line, size_t len)
{
	char		 buf[1200];
	const char	*tag, *msg;
	size_t		 taglen;
	int		 prio = LOG_PRIO_INFO;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	tag = buf;
	if (buf[0] == '<' && buf[1] >= '0' && buf[1] <= '7' && buf[2] == '>') {
		prio = buf[1] - '0';
		tag = buf + 3;
	}
	/* "proc[pid]: message", else the whole line under our own name */
	if ((msg = strstr(tag, "]: ")) != NULL && msg - tag < 48 &&
	    memchr(tag, ' ', (size_t)(msg - tag)) == NULL) {
		taglen = (size_t)(msg - tag) + 1;
		msg += 3;
	} else {
		msg = tag;
		tag = log_proc;
		taglen = strlen(log_proc);
	}
	syslog_line(prio, tag, taglen, msg);
}

int
log_stderr_is_journal(void)
{
	const char	*s = getenv("JOURNAL_STREAM"), *colon;
	char		 dev_s[24];
	struct stat	 st;
	uint64_t	 dev, ino;

	/* "DEV:INO", both plain decimal (systemd.exec(5)) */
	if (s == NULL || (colon = strchr(s, ':')) == NULL ||
	    (size_t)(colon - s) >= sizeof(dev_s))
		return 0;
	memcpy(dev_s, s, (size_t)(colon - s));
	dev_s[colon - s] = '\0';
	if (parse_decimal(dev_s, 0, UINT64_MAX, &dev) == -1 ||
	    parse_decimal(colon + 1, 0, UINT64_MAX, &ino) == -1 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino;
}

static const char *
prio_name(int prio)
{
	switch (prio) {
	case LOG_PRIO_ERR:
		return "fatal";
	case LOG_PRIO_WARNING:
		return "warning";
	case LOG_PRIO_DEBUG:
		return "debug";
	default:
		return "";	/* info: no word */
	}
}

/* n + what snprintf wrote, capped at the buffer's end */
static size_t
advance(size_t n, int r, size_t len)
{
	if (r < 0)
		return n;
	return (size_t)r < len - n ? n + (size_t)r : len - 1;
}

size_t
log_format(char *buf, size_t len, int prio, int err, const char *fmt,
    va_list ap)
{
	const char	*level = prio_name(prio);
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n = 0;

	if (log_journal || log_syslog)
		n = advance(n, snprintf(buf, len, "<%d>", prio), len);
	else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
		n = advance(n, snprintf(buf + n, len - n, ".%03ldZ ",
		    ts.tv_nsec / 1000000), len);
	}
	if (!log_bare)
		n = advance(n, snprintf(buf + n, len - n, "%s[%ld]: ",
		    log_proc, (long)getpid()), len);
	n = advance(n, snprintf(buf + n, len - n, "%s%s", level,
	    *level ? ": " : ""), len);
	n = advance(n, vsnprintf(buf + n, len - n, fmt, ap), len);
	if (err != 0 && n < len - 1)
		n = advance(n, snprintf(buf + n, len - n, ": %s",
		    strerror(err)), len);
	if (n >= len - 1)
		n = len - 2;
	buf[n++] = '\n';
	return n;
}

/* append s to buf at *n, within len */
static void
append(char *buf, size_t len, size_t *n, const char *s)
{
	while (*s != '\0' && *n < len)
		buf[(*n)++] = *s++;
}

/* append v in decimal */
static void
append_num(char *buf, size_t len, size_t *n, long v)
{
	char		 digits[24];
	unsigned long	 u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	size_t		 i = sizeof(digits) - 1;

	digits[i] = '\0';
	do
		digits[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0 && i > 1);
	if (v < 0)
		digits[--i] = '-';
	append(buf, len, n, digits + i);
}

void
log_signal_safe(int prio, const char *msg, long num)
{
	char	line[512];
	size_t	n = 0;
	int	saved = errno;

	if (log_journal) {
		append(line, sizeof(line) - 1, &n, "<");
		append_num(line, sizeof(line) - 1, &n, prio);
		append(line, sizeof(line) - 1, &n, ">");
	}
	append(line, sizeof(line) - 1, &n, log_proc);
	append(line, sizeof(line) - 1, &n, "[");
	append_num(line, sizeof(line) - 1, &n, (long)getpid());
	append(line, sizeof(line) - 1, &n, "]: ");
	append(line, sizeof(line) - 1, &n, prio_name(prio));
	append(line, sizeof(line) - 1, &n, prio_name(prio)[0] ? ": " : "");
	append(line, sizeof(line) - 1, &n, msg);
	append(line, sizeof(line) - 1, &n, " ");
	append_num(line, sizeof(line) - 1, &n, num);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
	errno = saved;
}

static void
vlog(int prio, int with_errno, const char *fmt, va_list ap)
{
	char	line[1024];
	size_t	n;
	int	saved = errno;

	n = log_format(line, sizeof(line), prio, with_errno ? saved : 0, fmt,
	    ap);
	if (log_syslog)
		log_relay(line, n - 1);		/* without the '\n' */
	else
		(void)!write(STDERR_FILENO, line, n);
	errno = saved;
}

#define LOGFN(name, prio, en)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	vlog(prio, en, fmt, ap);			\
	va_end(ap);					\
}
LOGFN(log_warn, LOG_PRIO_WARNING, 1)
LOGFN(log_warnx, LOG_PRIO_WARNING, 0)
LOGFN(log_info, LOG_PRIO_INFO, 0)

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	vlog(LOG_PRIO_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_PRIO_ERR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_PRIO_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
