/* SPDX-License-Identifier: ISC */
/*
 * regfile.h - open a file that must be a regular file, without hanging.
 *
 * open(2) of a FIFO for reading blocks until a writer appears, so a FIFO
 * (or a device) left where a key, genesis or configuration file belongs
 * would hang the process opening it until the supervisor's heartbeat
 * killed it, in a restart loop (issue 14, F4).  These files are opened
 * with O_NONBLOCK (a FIFO opens at once), then fstat(2): anything but a
 * regular file is refused.  O_NONBLOCK changes nothing for a regular
 * file's reads.
 */
#ifndef TIMENODE_REGFILE_H
#define TIMENODE_REGFILE_H

#include <stddef.h>
#include <sys/stat.h>

#define REGFILE_NOFOLLOW	0x1	/* refuse a symbolic link (keys) */

/*
 * Open path read-only, close-on-exec and non-blocking, and check that it
 * is a regular file; its stat into *st (may be NULL).  flags: 0 or
 * REGFILE_NOFOLLOW.  The descriptor (the caller closes it), or -1 with
 * "PATH: reason" in err (errlen bytes): strerror(errno) of open, or "not
 * a regular file".
 */
int	 regfile_open(const char *path, int flags, struct stat *st,
	    char *err, size_t errlen);

#endif
