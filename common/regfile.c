/* SPDX-License-Identifier: ISC */
/*
 * regfile.c - open a file that must be a regular file, without hanging
 * on a FIFO (regfile.h says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "regfile.h"

int
regfile_open(const char *path, int flags, struct stat *st, char *err,
    size_t errlen)
{
	struct stat	sb;
	int		fd, oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;

	if (flags & REGFILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	if ((fd = open(path, oflags)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st != NULL)
		*st = sb;
	return fd;
}
