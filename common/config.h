/* SPDX-License-Identifier: ISC */
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "netaddr.h"

#define CONFIG_MAX_PEERS	64
#define CONFIG_MAX_LISTEN	8	/* [node] listen lines */
#define CONFIG_NKEYS		39	/* keys of the file, config.c's keydefs */
#define CONFIG_PATH_MAX		256
#define CONFIG_NAME_MAX		32
#define CONFIG_HASH_HEX		64	/* a block hash in hex */
#define CONFIG_ERR_MAX		256
#define CONFIG_DATA_DIR		"./timenode-data"	/* without systemd */
#define CONFIG_PLAINTEXT_ALWAYS	2	/* [p2p] plaintext = always */

/* an address and port: "a.b.c.d:PORT" or "[IPv6]:PORT" (netaddr.h) */
struct hostport {
	struct netaddr	ip;
	uint16_t	port;
};

/*
 * A node key (Ed25519 public key, 32 bytes) in its printable form:
 * "ed25519:" and 64 lower-case hex digits (docs/protocol.md section 12).
 * Used by `peer = IP:PORT KEY`, the status and timenoded -nv.
 */
#define NODE_KEY_LEN		32
#define NODE_KEY_PREFIX		"ed25519:"
#define NODE_KEY_STR_LEN	(8 + 2 * NODE_KEY_LEN + 1)	/* with NUL */
/* 0, or -1 when s is not exactly a key's printable form */
int		 node_key_parse(const char *s, uint8_t key[NODE_KEY_LEN]);
/* the printable form into buf (NODE_KEY_STR_LEN bytes at least) */
const char	*node_key_str(const uint8_t key[NODE_KEY_LEN], char *buf,
		    size_t len);

/* What the command line asks for besides running (config_parse_args). */
enum config_action {
	CONFIG_RUN = 0,
	CONFIG_HELP,		/* -h, --help: usage on stdout, exit 0 */
	CONFIG_VERSION,		/* -V, --version: version on stdout, exit 0 */
	CONFIG_CHECK,		/* -n (timenoded): check the config, exit */
};

struct config {
	char		config_file[CONFIG_PATH_MAX];
	char		data_dir[CONFIG_PATH_MAX];
	char		run_dir[CONFIG_PATH_MAX];
	char		worker_dir[CONFIG_PATH_MAX];	/* "" = find it */
	char		network[CONFIG_NAME_MAX];
	char		user[CONFIG_NAME_MAX];
	/* [node] listen, repeatable: every address netd accepts peers on */
	struct hostport	listen[CONFIG_MAX_LISTEN];
	size_t		nlisten;	/* 1 ... CONFIG_MAX_LISTEN */
	struct hostport	peers[CONFIG_MAX_PEERS];
	/* `peer = IP:PORT KEY`: the key pinned for peers[i], if pinned[i] */
	uint8_t		peer_key[CONFIG_MAX_PEERS][NODE_KEY_LEN];
	uint8_t		peer_pinned[CONFIG_MAX_PEERS];
	/* [metrics] listen: netd's HTTP endpoint; port 0 = off */
	struct hostport	metrics_listen;
	size_t		npeers;
	int		foreground;
	int		debug;
	enum config_action action;	/* -h, -V, -n: what main does */
	int		verbose;	/* -v: with -n, print the config */
	int		usage_error;	/* config_parse_args failed on the
					   shape of argv: show the usage */
	/* config_defaults() refused $STATE_DIRECTORY or $RUNTIME_DIRECTORY:
	 * why; config_parse_args() reports it */
	char		env_err[CONFIG_ERR_MAX];
	/* the file's line of each key (config.c's table order), 0 when the
	 * file does not set it or the command line overrides it */
	int		key_line[CONFIG_NKEYS];

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
	int		plaintext;	/* 1: accept plaintext, fall back to it;
					   CONFIG_PLAINTEXT_ALWAYS: and dial
					   it (docs/protocol.md section 12) */
	int		pinned_only;	/* only peers with a pinned key */

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
	int		validation_threads;	/* 0 = the online CPUs */
	/* trusted checkpoint: a block hash, 64 lowercase hex digits;
	   "" = off (docs/sync.md, "Trusted checkpoint") */
	char		assumevalid[CONFIG_HASH_HEX + 1];
};

/* Worker-only options the supervisor adds to a worker's command line. */
struct worker_opts {
	char		ctl_url[CONFIG_PATH_MAX];	/* --ctl */
	int		crash_at_start;			/* --test-crash (tests) */
	/* --expect-version: the supervisor's TIMENODE_VERSION_FULL */
	char		expect_version[CONFIG_PATH_MAX];
	int		journal;	/* --journal: stderr is the journal,
					   log with priority prefixes */
};

void	config_defaults(struct config *);
/* 0 on success, -1 with a message in err naming what is wrong. */
int	config_load_file(struct config *, const char *path, char *err,
	    size_t errlen);
/*
 * Parse argv: -c FILE, -f, -d, --data-dir, --run-dir, --listen, --peer,
 * --network, --user, --worker-dir, -h/--help and -V/--version (which end
 * the parse at once: cfg->action says which), and, when wopts is not NULL,
 * the worker options, else -n/--check and -v/--verbose (timenoded's).  The
 * file named by -c is loaded before the overrides are applied whatever
 * their order.  Fills in the run dir from the data dir last.  An error in
 * the file names it and, where one line is at fault, the line:
 * "FILE:LINE: ...".
 */
int	config_parse_args(struct config *, struct worker_opts *wopts, int argc,
	    char **argv, char *err, size_t errlen);
/*
 * The effective configuration in config-file syntax: every key of every
 * section, in the parser's own order and spelling, values that read back
 * to the same configuration (a key whose value is unset, such as an empty
 * producer_key, is printed commented out: "# key =").  For timenoded -nv
 * and the key-set check of the man page (tests/check_manpage_keys.sh).
 */
void	config_print(const struct config *, FILE *);
/*
 * Make every relative path of cfg (config file, data, run, worker and
 * genesis dirs, producer key unless "devnet") absolute against cwd, an
 * absolute path: the supervisor calls it once, before it starts any
 * worker or changes directory, so that all processes agree on every path
 * whatever their working directory (issue 10).  A relative path is taken
 * from timenoded's working directory, whether it came from the command
 * line or the file.  -1 with a message naming the key when one does not
 * fit CONFIG_PATH_MAX.
 */
int	config_resolve_paths(struct config *, const char *cwd, char *err,
	    size_t errlen);
/*
 * Append the arguments that reproduce cfg's overrides for a worker.  The
 * file's paths (genesis_dir, producer_key) are passed resolved, as the
 * worker-only options --genesis-dir and --producer-key, which override
 * the file's.
 */
int	config_worker_argv(const struct config *, char **argv, size_t max,
	    size_t *n);
/*
 * The line of config_file that set [section] name, 0 when none did (a
 * default, or a command-line option overrides it): for errors found after
 * parsing (timenoded -n) to name FILE:LINE as the parser's do.
 */
int	config_key_line(const struct config *, const char *section,
	    const char *name);
int	parse_hostport(const char *, struct hostport *);
int	parse_seconds(const char *, double *);
const char *hostport_str(const struct hostport *, char *, size_t);
void	config_free_worker_argv(char **argv, size_t from, size_t n);

/*
 * The default directories, shared with timenodectl so that it finds the
 * status socket timenoded uses by default.  They are inline because
 * timenodectl links nothing of ours.
 *
 * config_env_dir: the first directory of $name (systemd passes several,
 * separated by colons) into buf.  1 when set, 0 when unset or empty (buf
 * untouched), -1 with a message naming the variable when the first
 * directory is empty or does not fit: never cut short.
 */
static inline int
config_env_dir(const char *name, char *buf, size_t len, char *err,
    size_t errlen)
{
	const char	*s = getenv(name);
	size_t		 n;

	if (s == NULL || *s == '\0')
		return 0;
	n = strcspn(s, ":");
	if (n == 0) {
		snprintf(err, errlen, "$%s: the first directory is empty",
		    name);
		return -1;
	}
	if (n >= len) {
		snprintf(err, errlen, "$%s: the first directory is %zu "
		    "characters long, at most %zu are allowed", name, n,
		    len - 1);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 1;
}

/*
 * Data dir: $STATE_DIRECTORY, else CONFIG_DATA_DIR.  Run dir:
 * $RUNTIME_DIRECTORY, else "" for "<data dir>/run, resolved last" (see
 * config_data_run_dir).  Both buffers have len bytes.
 */
static inline int
config_default_dirs(char *data_dir, char *run_dir, size_t len, char *err,
    size_t errlen)
{
	snprintf(data_dir, len, "%s", CONFIG_DATA_DIR);
	run_dir[0] = '\0';
	if (config_env_dir("STATE_DIRECTORY", data_dir, len, err,
	    errlen) == -1 ||
	    config_env_dir("RUNTIME_DIRECTORY", run_dir, len, err,
	    errlen) == -1)
		return -1;
	return 0;
}

/* "<data dir>/run": the run directory when nothing names one. */
static inline int
config_data_run_dir(const char *data_dir, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/run", data_dir);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The run directory of a node started without -c, --data-dir, --run-dir. */
static inline int
config_default_run_dir(char *buf, size_t len, char *err, size_t errlen)
{
	char data_dir[CONFIG_PATH_MAX], run_dir[CONFIG_PATH_MAX];

	if (config_default_dirs(data_dir, run_dir, sizeof(data_dir), err,
	    errlen) == -1)
		return -1;
	if (run_dir[0] == '\0' && config_data_run_dir(data_dir, run_dir,
	    sizeof(run_dir)) == -1) {
		snprintf(err, errlen, "data dir path too long");
		return -1;
	}
	if (strlen(run_dir) >= len) {
		snprintf(err, errlen, "run dir path too long");
		return -1;
	}
	memcpy(buf, run_dir, strlen(run_dir) + 1);
	return 0;
}

#endif
