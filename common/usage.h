/* SPDX-License-Identifier: ISC */
/*
 * usage.h - the command-line shape timenode's own programs share
 * (timenodectl, timenode-genesis): --help to stdout with exit 0, a usage
 * error as "PROG: reason" and the usage on stderr with exit 2, -V and
 * --version as "PROG VERSION", getopt_long's errors said by us (opterr =
 * 0, optstring starting with ':') so that messages name the program and
 * never argv[0], and no stray word after --help or --version (issue 13).
 * Stands alone (tn_usage): the programs link it without the rest of
 * common/.  The daemons parse their options in config.c (scan_args).
 */
#ifndef TIMENODE_USAGE_H
#define TIMENODE_USAGE_H

/*
 * Set once, before any other call: the program's name (as in its
 * messages, "timenodectl") and its usage text (one or more lines, each
 * ending in '\n').  Both are kept by pointer: static storage.
 */
void	usage_set(const char *prog, const char *text);

/* The usage: to stdout and exit 0 when status is 0 (--help), else to
 * stderr and exit status. */
void	usage_exit(int status) __attribute__((noreturn));

/* A usage error: "PROG: " fmt "\n", then the usage, on stderr; exit 2. */
void	usage_error(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));

/*
 * getopt_long's error c (':' a value missing, else an unknown option) as
 * a usage error naming the option as given (-x or --name); argv and
 * optind as getopt_long left them.
 */
void	usage_bad_option(int c, char *const *argv)
	    __attribute__((noreturn));

/*
 * After the options: helpver is the first of 'h' and 'V' seen (0:
 * neither), args and nargs the words left.  With helpver and a word: a
 * usage error (issue 13); 'h': the usage, exit 0; 'V': "PROG VERSION"
 * (TIMENODE_VERSION_FULL), exit 0; 0: returns.
 */
void	usage_help_version(int helpver, char *const *args, int nargs);

#endif
