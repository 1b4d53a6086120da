/*
 * config.h - the node's configuration, shared by the supervisor and workers.
 *
 * One parser for everybody: the INI file (inih) first, then command-line
 * overrides.  The supervisor passes its own file and overrides on to every
 * worker it starts, so all processes compute the same effective
 * configuration with the same code.  Every error names the option, key or
 * value at fault; callers exit 2 on it.
 */
#ifndef TIMENODE_CONFIG_H
#define TIMENODE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define CONFIG_MAX_PEERS	64
#define CONFIG_PATH_MAX		256
#define CONFIG_NAME_MAX		32
#define CONFIG_ERR_MAX		256

struct hostport {
	struct in_addr	ip;
	uint16_t	port;
};

struct config {
	char		config_file[CONFIG_PATH_MAX];
	char		data_dir[CONFIG_PATH_MAX];
	char		run_dir[CONFIG_PATH_MAX];
	char		worker_dir[CONFIG_PATH_MAX];	/* "" = find it */
	char		network[CONFIG_NAME_MAX];
	char		user[CONFIG_NAME_MAX];
	struct hostport	listen;
	struct hostport	peers[CONFIG_MAX_PEERS];
	size_t		npeers;
	int		foreground;
	int		debug;

	/* [supervisor] */
	double		heartbeat_interval;	/* s between heartbeats */
	double		heartbeat_deadline;	/* s without an answer = hung */
	double		start_deadline;		/* s to the first answer */
	double		restart_delay_min;	/* first delay after fast crash */
	double		restart_delay_max;	/* cap of the doubling delay */
	double		fast_crash;		/* died sooner = fast crash */
	int		restart_intensity;	/* more restarts than this ... */
	double		restart_window;		/* ... in this many s = failed */
	double		stop_timeout;		/* SIGTERM, then SIGKILL */

	/* [p2p] */
	double		ping_interval;
	double		ping_timeout;
	int		max_missed_pings;
	double		backoff_min;
	double		backoff_max;
	int		max_inbound;
	int		max_outbound;
	double		handshake_timeout;

	/* [store] */
	int		map_size_mb;		/* initial LMDB map size */
	int		addr_max;		/* address book entries */

	/* [sync] */
	char		genesis_dir[CONFIG_PATH_MAX];	/* <network>.genesis */
	char		producer_key[CONFIG_PATH_MAX];	/* "" = not producing */
	double		block_interval;		/* 0 = no timed production */
	int		payload_bytes;		/* of produced blocks */
	int		max_reorg_depth;
	int		window;			/* blocks in flight, total */
	int		per_peer;		/* blocks in flight per peer */
	double		request_timeout;	/* initial per-request deadline */
};

/* Worker-only options the supervisor adds to a worker's command line. */
struct worker_opts {
	char		ctl_url[CONFIG_PATH_MAX];	/* --ctl */
	int		crash_at_start;			/* --test-crash (tests) */
};

void	config_defaults(struct config *);
/* 0 on success, -1 with a message in err naming what is wrong. */
int	config_load_file(struct config *, const char *path, char *err,
	    size_t errlen);
/*
 * Parse argv: -c FILE, -f, -d, --data-dir, --run-dir, --listen, --peer,
 * --network, --user, --worker-dir, and, when wopts is not NULL, the worker
 * options.  The file named by -c is loaded before the overrides are applied
 * whatever their order.  Fills in the run dir from the data dir last.
 */
int	config_parse_args(struct config *, struct worker_opts *wopts, int argc,
	    char **argv, char *err, size_t errlen);
/* Append the arguments that reproduce cfg's overrides for a worker. */
int	config_worker_argv(const struct config *, char **argv, size_t max,
	    size_t *n);
int	parse_hostport(const char *, struct hostport *);
int	parse_seconds(const char *, double *);
const char *hostport_str(const struct hostport *, char *, size_t);
void	config_free_worker_argv(char **argv, size_t from, size_t n);

#endif
