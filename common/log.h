/*
 * log.h - the one logging module of every timenode process.
 *
 * Every line names the process that wrote it ("netd[1234]: ...") so that the
 * merged output of the supervisor and its workers (a terminal, journald)
 * says who spoke.  Lines go to stderr, which the supervisor hands to each
 * worker unchanged.
 */
#ifndef TIMENODE_LOG_H
#define TIMENODE_LOG_H

#include <stdarg.h>

void	log_init(const char *procname, int debug);
void	log_setproc(const char *procname);
int	log_getdebug(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
