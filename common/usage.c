/* SPDX-License-Identifier: ISC */
/*
 * usage.c - the command-line shape of timenode's own programs; see
 * usage.h.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "timenode_version.h"
#include "usage.h"

static const char	*prog = "timenode";
static const char	*text = "";

void
usage_set(const char *p, const char *t)
{
	prog = p;
	text = t;
}

void
usage_exit(int status)
{
	fputs(text, status ? stderr : stdout);
	exit(status);
}

void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage_exit(2);
}

void
usage_bad_option(int c, char *const *argv)
{
	if (c == ':')
		usage_error("option %s needs a value", argv[optind - 1]);
	if (optopt > 0 && argv[optind - 1][1] != '-')
		usage_error("unknown option -%c", optopt);
	usage_error("unknown option %s", argv[optind - 1]);
}

void
usage_help_version(int helpver, char *const *args, int nargs)
{
	if (helpver && nargs > 0)
		usage_error("unexpected argument \"%s\" after %s", args[0],
		    helpver == 'h' ? "--help" : "--version");
	if (helpver == 'h')
		usage_exit(0);
	if (helpver == 'V') {
		printf("%s %s\n", prog, TIMENODE_VERSION_FULL);
		exit(0);
	}
}
