/* SPDX-License-Identifier: ISC */
/*
 * sandbox.h - the privilege drop, written once, used by every worker.
 *
 * A worker calls sandbox_apply() before it touches any untrusted input.
 * As root, after it opened what lies outside its chroot (control channel,
 * listening sockets); unprivileged, before its first nng call, because
 * Landlock restricts only the calling thread and the threads it creates
 * later.  Two modes, chosen by who we are:
 *
 *  - root: look up the service user (falling back to "nobody" with a
 *    warning), chroot into sb->root, chdir("/"), setgroups, setresgid,
 *    setresuid; verify that the ids really changed.
 *  - unprivileged: Landlock: the filesystem is restricted to sb->rw_paths;
 *    TCP bind/connect restricted as sb->net says (Landlock ABI >= 4).
 *
 * Always: PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE 0 and a seccomp
 * allow-list (docs/architecture.md, "Privilege separation"): what the
 * workers need, SANDBOX_SYSCALLS_DATA adding file writes and syncs;
 * execve, execveat, ptrace, process_vm_readv/writev, io_uring_setup (it
 * could make sockets without socket(2)), processes and, with
 * SANDBOX_NET_NONE, socket(AF_INET/AF_INET6) fail with EPERM; any other
 * call is logged and fails with EPERM.  Any failure returns -1; the
 * caller must exit instead of running unsandboxed.
 */
#ifndef TIMENODE_SANDBOX_H
#define TIMENODE_SANDBOX_H

#include <sys/types.h>

#include <stdint.h>

enum sandbox_net {
	SANDBOX_NET_NONE,	/* no IPv4/IPv6 sockets at all (syncd, stored) */
	SANDBOX_NET_TCP,	/* TCP: bind only tcp_port (and 0), any connect */
};

#define SANDBOX_MAX_PATHS	4

/* groups of system calls a worker needs beyond the common allow-list */
#define SANDBOX_SYSCALLS_DATA	0x1	/* write and sync files (stored) */

#define SANDBOX_MAX_PORTS	8	/* config.h CONFIG_MAX_LISTEN */

struct sandbox {
	const char	*name;		/* worker name, for log lines */
	const char	*user;		/* service user in root mode */
	const char	*root;		/* chroot directory in root mode */
	int		 root_fd;	/* > 0: chroot into this one instead
					   (sandbox_open_dir), root names it */
	const char	*rw_paths[SANDBOX_MAX_PATHS]; /* Landlock mode; NULL ends */
	enum sandbox_net net;
	/* SANDBOX_NET_TCP: the listen ports ([node] listen), 0: none */
	uint16_t	 tcp_ports[SANDBOX_MAX_PORTS];
	uint16_t	 metrics_port;	/* and [metrics] listen's, 0: none */
	unsigned	 syscalls;	/* SANDBOX_SYSCALLS_* */
};

struct sandbox_result {
	int		chrooted;	/* paths are now relative to sb->root */
	int		landlock_abi;	/* 0 when Landlock was not used */
};

int	sandbox_apply(const struct sandbox *, struct sandbox_result *);
/*
 * The service user's ids: name, or "nobody" with a warning when name does
 * not exist.  Never uid 0.  -1 when neither can be used.
 */
int	sandbox_lookup_user(const char *name, uid_t *, gid_t *);
/*
 * Open directory dir for root's use (O_DIRECTORY, close-on-exec), made
 * first with its parents when create is set.  The part of its path below
 * 'owned' (NULL: none), a directory someone else may have filled with
 * symbolic links (the data dir), is walked without following any (".."
 * refused); the rest is the operator's and resolved as usual.  "Below" is
 * decided by the directories' identity, not by the spelling of the paths.
 * -1 with errno (ELOOP or ENOTDIR for a link) on failure.
 */
int	sandbox_open_dir(const char *dir, const char *owned, int create);

#endif
