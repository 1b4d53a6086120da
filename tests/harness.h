/* SPDX-License-Identifier: ISC */
/*
 * harness.h - start, poll, poke and clean up timenode nodes in tests.
 *
 * Each node gets its own temporary directory, config file, log file and
 * loopback address.  Every process the harness starts is recorded by pid
 * and killed at exit (also on a failed assertion or a fatal signal), and
 * every wait is bounded in time.  Nothing is ever killed by name.
 */
#ifndef TIMENODE_HARNESS_H
#define TIMENODE_HARNESS_H

#include <sys/types.h>

#include <jansson.h>

#define TN_MAX_ARGS	64
#define TN_NOBODY	65534	/* uid and gid of nobody on Debian */

struct tn_node {
	char	dir[256];	/* temporary directory of this node */
	char	data[300];
	char	run[320];
	char	sock[360];
	char	conf[300];
	char	log[300];
	char	ip[48];	/* IPv4, or IPv6 without brackets */
	int	port;
	uid_t	run_as;		/* 0: as we are; else setuid before exec */
	char	netns[32];	/* "": ours; else setns into this one */
	pid_t	pid;		/* timenoded */
	int	exited;
	int	status;		/* wait status once exited */
};

/*
 * A TCP connection to dst:port from src (NULL: any address), both IPv4 or
 * IPv6 addresses without brackets: the connected socket (close-on-exec,
 * blocking), or -1 with errno set.
 */
int		 tn_tcp_connect(const char *src, const char *dst, int port);
/* a connected Unix stream socket to path, or -1 */
int		 tn_connect_unix(const char *path);
/* enter the network namespace "ip netns add NAME" made: 0 or -1 */
int		 tn_enter_netns(const char *name);
/* build dir's bin/ (from $TIMENODE_BIN) */
const char	*tn_bin(const char *prog, char *buf, size_t len);
/* a fixed config for fast process tests: short heartbeats and delays */
extern const char tn_fast_supervisor[];
/*
 * the same, lenient with workers other than the one under test: late
 * heartbeats (5 s) and crash loops (1000 restarts) do not stop the node.
 * A key may be given only once in a file (timenode.conf(5)), so a test
 * that wants other values uses this, not tn_fast_supervisor plus keys.
 */
extern const char tn_lenient_supervisor[];
/* [p2p] for process tests: ping every 1 s, dead after 3 s, quick redial */
/*
 * Fast [p2p] timers for process tests (seconds): the keys alone, to follow
 * a "[p2p]" line of a test's own (e.g. one that adds plaintext = yes);
 * tn_p2p_fast is the section with them.
 */
#define TN_P2P_FAST_KEYS						\
    "ping_interval = 1\n"						\
    "ping_timeout = 3\n"						\
    "max_missed_pings = 3\n"						\
    "backoff_min = 0.2\n"						\
    "backoff_max = 2\n"							\
    "handshake_timeout = 2\n"
extern const char tn_p2p_fast[];
/*
 * Make the node's directory and config file: its [node] data_dir and
 * listen (ip:port), then the INI text of each conf argument in order (one
 * or more; NULL ones left out), e.g.
 *	tn_node_init(n, ip, PORT, tn_fast_supervisor, p2p, extra)
 * 0, or -1 when a file cannot be made.
 */
int		 tn_node_initv(struct tn_node *, const char *ip, int port,
		    const char *const *conf, size_t nconf);
#define TN_STRS(...)	((const char *const []){ __VA_ARGS__ })
#define tn_node_init(n, ip, port, ...)					\
	tn_node_initv((n), (ip), (port), TN_STRS(__VA_ARGS__),		\
	    sizeof(TN_STRS(__VA_ARGS__)) / sizeof(const char *))
/*
 * As root: run the node as nobody (Landlock mode, like an unprivileged
 * operator) and give it its directory and config.  A no-op otherwise.
 */
int		 tn_node_unprivileged(struct tn_node *);
/* tn_node_init, then tn_node_unprivileged: 0 or -1 */
#define tn_node_new(n, ip, port, ...)					\
	(tn_node_init((n), (ip), (port), __VA_ARGS__) == -1 ? -1 :	\
	    tn_node_unprivileged(n))
/* start timenoded -f with the node's config, extra arguments appended */
int		 tn_node_start(struct tn_node *, const char *const *extra_args,
		    const char *const *env);
/* SIGTERM, wait up to timeout; SIGKILL after.  Returns the exit status. */
int		 tn_node_stop(struct tn_node *, double timeout);
/* wait for timenoded to exit by itself, up to timeout; -1 on timeout */
int		 tn_node_wait_exit(struct tn_node *, double timeout);
void		 tn_node_cleanup(struct tn_node *);

/* one command, one JSON answer; NULL on failure */
json_t		*tn_command(const char *sock, const char *cmd);
json_t		*tn_status(struct tn_node *);
/* raw exchange: send bytes, read one line (timeout); NULL on failure */
char		*tn_exchange(const char *sock, const void *buf, size_t len,
		    double timeout);
json_t		*tn_component(json_t *status, const char *name);
pid_t		 tn_component_pid(json_t *status, const char *name);
const char	*tn_component_state(json_t *status, const char *name);
long long	 tn_json_int(json_t *obj, const char *path);
/* the node's height from its status, -1 when it does not answer */
long long	 tn_node_height(struct tn_node *);
/* the node's height reaches h within timeout (polled every 10 ms): 1,
 * else 0 */
int		 tn_wait_height(struct tn_node *, long long h, double timeout);
/* one number of the node's status ("node.height"); -1 if no answer */
long long	 tn_status_int(struct tn_node *, const char *path);
/*
 * cmd (one line, no newline) on the status socket sock, its answer
 * within timeout seconds: 1 when it says "ok": true (the answer then in
 * *out, the caller's to json_decref, unless out is NULL), else 0.
 */
int		 tn_command_ok(const char *sock, const char *cmd, double timeout,
		    json_t **out);
/* "produce COUNT BYTES" on the node, waiting for the answer: 1 if ok */
int		 tn_produce(struct tn_node *, int count, int bytes);
/* poll status until every worker runs; returns the status or NULL */
json_t		*tn_wait_running(struct tn_node *, double timeout);
/*
 * The status once worker name ("netd", "syncd", "stored") runs ("running"
 * in the status, the process alive) with a pid other than old (0: any),
 * polled every 20 ms up to timeout seconds; NULL if it did not.
 */
json_t		*tn_wait_worker(struct tn_node *, const char *name, pid_t old,
		    double timeout);
/* tn_wait_worker(n, "netd", old, timeout) */
json_t		*tn_wait_netd(struct tn_node *, pid_t old, double timeout);
/*
 * "restart netd" to first, then at once to second (each new netd dials
 * the other at its start: a crossed dial), and both running again with
 * new pids within timeout (tn_wait_netd): 0, or -1.
 */
int		 tn_restart_netds(struct tn_node *first, struct tn_node *second,
		    double timeout);
/*
 * After a crossed dial (tn_restart_netds), sa and sb the two nodes'
 * status: 1 when either resolved a doubled connection
 * (counters.duplicates_resolved), else 0.  A loser closed as a protocol
 * error instead of a duplicate fails the running test.
 */
int		 tn_twins_resolved(json_t *sa, json_t *sb);
/* the pid of name once it runs in place of old (tn_wait_worker), or -1 */
pid_t		 tn_wait_replaced(struct tn_node *, const char *name, pid_t old,
		    double timeout);
/* start the node as it is configured and wait until it runs: 0 or -1 */
int		 tn_node_run(struct tn_node *, double timeout);

int		 tn_pid_alive(pid_t);
double		 tn_now(void);
void		 tn_sleep(double);
/* record a pid to kill at exit (the harness records its own) */
void		 tn_track_pid(pid_t);
/* CPU seconds (user + system, all threads) of pid so far, 0 if gone
 * (/proc/PID/stat, proc(5)) */
double		 tn_pid_cpu(pid_t);
int		 tn_read_proc_status(pid_t, const char *key, char *out,
		    size_t len);
int		 tn_file_contains(const char *path, const char *needle);

/* netd: the entry for ip in a status' peers, NULL if none */
json_t		*tn_peer(json_t *status, const char *ip);
int		 tn_npeers(json_t *status);
/*
 * Closes of peer connections netd counted, all reasons together (the sum
 * of counters.connections_closed.*): of a status (-1 when NULL), or of
 * the node's status now (-1 when it does not answer).
 */
long long	 tn_closed_total(json_t *status);
long long	 tn_node_closed_total(struct tn_node *);
/* n's status shows a peer at ip within timeout (polled): 1, else 0 */
int		 tn_wait_peer(struct tn_node *, const char *ip, double timeout);
/*
 * ESTABLISHED TCP connections from local_ip to remote_ip in
 * /proc/net/tcp (the kernel's view); their (local, remote) ports go to
 * ports[] up to max.  -1 if unreadable.
 */
int		 tn_tcp_established(const char *local_ip, const char *remote_ip,
		    int ports[][2], int max);
/*
 * The same in the network namespace of process pid (its /proc/PID/net
 * tables; 0: ours), IPv4 and IPv6 (/proc/net/tcp and tcp6), addresses in
 * any spelling netaddr_parse reads.
 */
int		 tn_tcp_established_in(pid_t pid, const char *local_ip,
		    const char *remote_ip, int ports[][2], int max);
/* lines of a log file containing needle; -1 if unreadable */
int		 tn_log_count(const char *path, const char *needle);

#endif
