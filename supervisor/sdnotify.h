/* SPDX-License-Identifier: ISC */
/*
 * sdnotify.h - the systemd notify protocol without libsystemd.
 */
#ifndef TIMENODE_SDNOTIFY_H
#define TIMENODE_SDNOTIFY_H

/* 0 sent, 1 no $NOTIFY_SOCKET (not under systemd), -1 error */
int	sd_notify_send(const char *state);
/* half of $WATCHDOG_USEC in seconds if the watchdog is for us, else 0 */
double	sd_watchdog_interval(void);

#endif
