/* SPDX-License-Identifier: ISC */
/*
 * log.h - the one logging module of every timenode process.
 *
 * Every line names the process that wrote it ("netd[1234]: ...") so that the
 * merged output of the supervisor and its workers (a terminal, journald)
 * says who spoke.  Lines go to stderr, which the supervisor hands to each
 * worker unchanged (detached, it logs to syslog and hands its workers a
 * pipe whose lines it relays there, log_relay).  When stderr is the journal, each line starts with its
 * syslog priority ("<4>"), which journald takes as the entry's priority
 * (sd-daemon(3)), so that journalctl -p warning shows every process's
 * warnings and errors.
 */
#ifndef TIMENODE_LOG_H
#define TIMENODE_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* syslog priorities of the lines (sd-daemon(3) SD_ERR and so on) */
#define LOG_PRIO_ERR		3	/* fatal, fatalx */
#define LOG_PRIO_WARNING	4	/* log_warn, log_warnx */
#define LOG_PRIO_INFO		6	/* log_info */
#define LOG_PRIO_DEBUG		7	/* log_debug */

void	log_init(const char *procname, int debug);
void	log_setproc(const char *procname);
int	log_getdebug(void);
/*
 * on: prefix every line with "<N>" and leave out the timestamp (the
 * journal keeps its own).  The supervisor decides (log_stderr_is_journal)
 * and tells its workers, which run with an empty environment, by the
 * --journal option.
 */
void	log_set_journal(int on);
/*
 * on: leave "proc[pid]: " out of our lines, since the sink shows our name
 * and pid itself: the supervisor's own lines under the journal, whose
 * entries of the unit's stream read "timenoded[PID]: " already (issue 13:
 * "timenoded[97]: timenoded[97]: ...").  The workers' lines keep theirs
 * (the journal shows the supervisor's name and pid for them too).
 */
void	log_set_bare(int on);
/*
 * on: every line goes to syslog(3), facility LOG_DAEMON, tagged
 * "proc[pid]", instead of stderr: a detached timenoded (timenoded(8)),
 * whose stderr is /dev/null once it has started.
 */
void	log_set_syslog(int on);
/*
 * One line (len bytes, no '\n' needed, cut at about 1 KiB) in the journal
 * form "<prio>proc[pid]: level: message" to syslog(3) at that priority
 * and tagged "proc[pid]"; a line of another form goes at LOG_INFO under
 * our own name.  The supervisor relays its workers' stderr with it.
 */
void	log_relay(const char *line, size_t len);
/*
 * 1 when $JOURNAL_STREAM ("DEV:INODE", decimal, systemd.exec(5)) names
 * the file open on stderr, 0 otherwise (unset, malformed, or stderr
 * redirected elsewhere since systemd set it).
 */
int	log_stderr_is_journal(void);
/*
 * Format one line into buf (at most len bytes, len >= 2, always ending in
 * '\n', no NUL added, cut short when too long): "[<prio>]" in journal
 * mode, else a UTC timestamp, then "proc[pid]: level: message".  Returns
 * the number of bytes.  err: strerror(err) appended when not 0.
 */
size_t	log_format(char *buf, size_t len, int prio, int err, const char *fmt,
	    va_list ap) __attribute__((format(printf, 5, 0)));

/*
 * Async-signal-safe: one line "msg NUM" at prio, without timestamp, for
 * a signal handler (the seccomp trap).  Only getpid(2) and write(2).
 */
void	log_signal_safe(int prio, const char *msg, long num);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
