/* SPDX-License-Identifier: ISC */
/*
 * sdnotify.c - one datagram to $NOTIFY_SOCKET per state change.
 *
 * The protocol is a datagram of "KEY=VALUE\n" lines to the Unix socket
 * named by $NOTIFY_SOCKET ('@' for the abstract namespace).  This is the
 * short sender OpenSSH and HAProxy carry instead of linking libsystemd.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decimal.h"
#include "log.h"
#include "sdnotify.h"

int
sd_notify_send(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	socklen_t		 len;
	size_t			 plen;
	int			 fd, ret = 0;

	if (path == NULL || *path == '\0')
		return 1;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET: unsupported address \"%s\"", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("sd_notify: socket");
		return -1;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1) {
		log_warn("sd_notify: sendto %s", path);
		ret = -1;
	}
	close(fd);
	return ret;
}

double
sd_watchdog_interval(void)
{
	const char	*s = getenv("WATCHDOG_USEC"), *p = getenv("WATCHDOG_PID");
	uint64_t	 usec, pid;

	if (s == NULL)
		return 0;
	if (p != NULL && (parse_decimal(p, 1, INT32_MAX, &pid) == -1 ||
	    pid != (uint64_t)getpid()))
		return 0;
	if (parse_decimal(s, 1, UINT64_MAX, &usec) == -1)
		return 0;
	return (double)usec / 2e6;
}
