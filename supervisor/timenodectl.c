/* SPDX-License-Identifier: ISC */
/*
 * timenodectl - talk to timenoded's status socket.
 *
 * Sends one command line, reads one JSON line back, prints it as tables
 * for people or raw with --json.  Exit 0 on success, 1 when the daemon is
 * not reachable or answers an error, 2 on a usage error.  The tables show
 * control characters of the answer's strings as '?', so that an answer
 * cannot drive the terminal; --json prints the answer as received.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/config.h"	/* the default run directory, inline */
#include "decimal.h"
#include "progress.h"		/* catchup_eta_str */
#include "usage.h"

#define ANSWER_MAX	(1u << 20)
#define TIMEOUT_MS	10000
#define LONG_TIMEOUT_MS	600000	/* produce, verify */
#define PROGRESS_BAR	30	/* characters */
#define WATCH_MIN_S	0.1	/* status --watch --interval */
#define WATCH_MAX_S	3600.0
#define WATCH_MAX_COUNT	1000000	/* --count */

static int	timeout_ms = TIMEOUT_MS;
/* status --watch: SIGINT or SIGTERM came (also during an exchange) */
static volatile sig_atomic_t	interrupted;

/* what --help and every usage error show (usage.h) */
static const char usage_text[] =
    "usage: timenodectl [-s socket] [--json] command\n"
    "       timenodectl [-s socket] [--json] status --watch "
    "[--interval SECONDS] [--count N]\n"
    "       timenodectl -h | --help | -V | --version\n"
    "commands: status | peers | metrics | restart COMPONENT | verify |\n"
    "          help | produce COUNT [--payload-bytes BYTES] |\n"
    "          bans | unban IP\n";

static int
connect_to(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "timenodectl: %s: path too long\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "timenodectl: cannot connect to %s: %s "
		    "(is timenoded running?)\n", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* One line out, one line back, within the timeout; *lenp without the \n. */
static char *
exchange(int fd, const char *cmd, size_t *lenp)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		*buf, *nl;
	size_t		 len = 0;
	ssize_t		 n;
	int		 r;

	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) == -1 ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) == -1) {
		fprintf(stderr, "timenodectl: send: %s\n", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(ANSWER_MAX + 1)) == NULL)
		return NULL;
	while (len < ANSWER_MAX) {
		/*
		 * A signal while the node answers: go on waiting, unless it
		 * was --watch's Ctrl-C, which ends the wait quietly.
		 */
		while ((r = poll(&pfd, 1, timeout_ms)) == -1 &&
		    errno == EINTR && !interrupted)
			;
		if (r == -1 && errno == EINTR)
			break;
		if (r <= 0) {
			fprintf(stderr, "timenodectl: no answer within %d s\n",
			    timeout_ms / 1000);
			break;
		}
		if ((n = read(fd, buf + len, ANSWER_MAX - len)) <= 0) {
			fprintf(stderr, "timenodectl: connection closed\n");
			break;
		}
		if ((nl = memchr(buf + len, '\n', (size_t)n)) != NULL) {
			*nl = '\0';
			*lenp = (size_t)(nl - buf);
			return buf;
		}
		len += (size_t)n;
	}
	if (len == ANSWER_MAX)
		fprintf(stderr, "timenodectl: answer longer than %u bytes "
		    "without its end of line, not read\n", ANSWER_MAX);
	free(buf);
	return NULL;
}

/*
 * A copy of s for a terminal: control characters (C0, DEL and, UTF-8
 * encoded, C1) become '?'.
 */
static char *
printable(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *o;
	size_t			 i;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			*o++ = '?';
		else if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f) {
			*o++ = '?';
			i++;
		} else
			*o++ = (char)p[i];
	}
	*o = '\0';
	return out;
}

static json_t *
printable_string(const char *s, size_t len)
{
	json_t	*v;
	char	*p;

	if ((p = printable(s, len)) == NULL)
		return NULL;
	v = json_string(p);
	free(p);
	return v;
}

/* A copy of the answer whose strings and keys are printable(). */
static json_t *
printable_json(json_t *v)
{
	json_t		*c, *e, *ce;
	const char	*k;
	char		*pk;
	size_t		 i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return printable_string(json_string_value(v),
		    json_string_length(v));
	case JSON_ARRAY:
		if ((c = json_array()) == NULL)
			return NULL;
		json_array_foreach(v, i, e)
			if ((ce = printable_json(e)) == NULL ||
			    json_array_append_new(c, ce) == -1)
				goto fail;
		return c;
	case JSON_OBJECT:
		if ((c = json_object()) == NULL)
			return NULL;
		json_object_foreach(v, k, e) {
			if ((pk = printable(k, strlen(k))) == NULL)
				goto fail;
			ce = printable_json(e);
			if (ce == NULL || json_object_set_new(c, pk, ce) == -1) {
				free(pk);
				goto fail;
			}
			free(pk);
		}
		return c;
	default:
		return json_incref(v);
	}
fail:
	json_decref(c);
	return NULL;
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/* A number as an integer: a real out of range is clamped, not cast. */
static long long
num(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);
	double	 d;

	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	d = json_number_value(v);	/* 0 when not a number */
	if (isnan(d))
		return 0;
	if (d >= 0x1p63)
		return LLONG_MAX;
	if (d < -0x1p63)
		return LLONG_MIN;
	return (long long)d;
}

/* "timenodectl: [what: ]msg" on stderr, msg printable() */
static void
print_clean(const char *what, const char *msg)
{
	char *p = printable(msg, strlen(msg));

	fprintf(stderr, "timenodectl: %s%s%s\n", what ? what : "",
	    what ? ": " : "", p ? p : "(out of memory)");
	free(p);
}

/*
 * The socket of the packaged node: the units' RuntimeDirectory=timenode
 * (systemd/timenoded.service.in), whatever the configuration says.
 */
#define INSTALLED_SOCKET	"/run/timenode/status.sock"

/*
 * The status socket of a node started without -c or directory options;
 * when that is not there and the environment names no directory, the
 * packaged node's (issue 13: a plain "timenodectl status" on a host
 * running the package looked in ./timenode-data/run).
 */
static int
default_socket(char *path, size_t len)
{
	char	run_dir[CONFIG_PATH_MAX], err[CONFIG_ERR_MAX];
	int	n;

	if (config_default_run_dir(run_dir, sizeof(run_dir), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "timenodectl: %s\n", err);
		return -1;
	}
	n = snprintf(path, len, "%s/status.sock", run_dir);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "timenodectl: %s/status.sock: path too long\n",
		    run_dir);
		return -1;
	}
	if (getenv("RUNTIME_DIRECTORY") == NULL &&
	    getenv("STATE_DIRECTORY") == NULL && access(path, F_OK) == -1 &&
	    access(INSTALLED_SOCKET, F_OK) == 0)
		snprintf(path, len, "%s", INSTALLED_SOCKET);
	return 0;
}

static void
print_peers(json_t *peers)
{
	json_t	*p, *also, *x;
	size_t	 i, k;

	printf("%-15s %6s %-8s %6s %9s %8s %6s %10s %12s %12s\n", "PEER",
	    "LISTEN", "DIR", "RPORT", "UP(s)", "RTT(ms)", "MISSED", "HEIGHT",
	    "BYTES_IN", "BYTES_OUT");
	json_array_foreach(peers, i, p) {
		printf("%-15s %6lld %-8s %6lld %9lld %8.1f %6lld %10lld "
		    "%12lld %12lld\n", str(p, "ip"), num(p, "listen_port"),
		    str(p, "direction"), num(p, "remote_port"),
		    num(p, "connected_s"),
		    json_number_value(json_object_get(p, "ping_rtt_ms")),
		    num(p, "missed_pongs"), num(p, "height"),
		    num(p, "bytes_in"), num(p, "bytes_out"));
		/* a dual-stack peer's other addresses */
		also = json_object_get(p, "also");
		json_array_foreach(also, k, x)
			printf("%s%s", k ? ", " : "  also known as ",
			    json_string_value(x) ? json_string_value(x) : "");
		if (json_array_size(also) > 0)
			printf("\n");
	}
	if (json_array_size(peers) == 0)
		printf("(no peers)\n");
}

/* A catch-up in progress: a bar, the share done and the time left. */
static void
print_progress(json_t *node, json_t *sync)
{
	json_t		*eta = json_object_get(sync, "eta_s");
	char		 buf[32];
	double		 pct = json_number_value(json_object_get(sync,
			    "progress_pct"));
	int		 i, filled;

	if (strcmp(str(sync, "state"), "catching-up") != 0 ||
	    num(sync, "target_height") <= num(node, "height"))
		return;
	if (!(pct >= 0))
		pct = 0;
	if (pct > 100)
		pct = 100;
	filled = (int)(pct * PROGRESS_BAR / 100);
	printf("progress  [");
	for (i = 0; i < PROGRESS_BAR; i++)
		putchar(i < filled ? '#' : '.');
	printf("] %.1f%%, %lld blocks left, ", pct,
	    num(sync, "target_height") - num(node, "height"));
	if (json_is_number(eta))
		printf("about %s left\n", catchup_eta_str(
		    json_number_value(eta), buf, sizeof(buf)));
	else
		printf("time left unknown (no rate yet)\n");
}

/*
 * Unix seconds as UTC in ISO 8601 ("2026-11-30T07:54:51Z"), for people;
 * --json keeps the number.  "-" for a value gmtime cannot show.
 */
static const char *
utc_time(long long t, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (t < 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}

static void
print_bans(json_t *bans)
{
	json_t	*b;
	size_t	 i;
	char	 when[32];

	printf("%-15s %-14s %-20s %12s\n", "IP", "REASON", "UNTIL (UTC)",
	    "EXPIRES(s)");
	json_array_foreach(bans, i, b)
		printf("%-15s %-14s %-20s %12lld\n", str(b, "ip"),
		    str(b, "reason"), utc_time(num(b, "until"), when,
		    sizeof(when)), num(b, "expires_in_s"));
	if (json_array_size(bans) == 0)
		printf("(no bans)\n");
}

static void
print_status(json_t *o)
{
	json_t		*node = json_object_get(o, "node");
	json_t		*sync = json_object_get(o, "sync");
	json_t		*cnt = json_object_get(o, "counters");
	json_t		*c, *v;
	const char	*k;
	size_t		 i;

	printf("node      network %s, listen %s\n", str(node, "network"),
	    str(node, "listen"));
	printf("version   %s, peer protocol %lld, ipc %lld\n",
	    str(node, "version"), num(node, "protocol"),
	    num(node, "ipc_version"));
	printf("chain     height %lld, tip %s\n", num(node, "height"),
	    *str(node, "tip") ? str(node, "tip") : "(none)");
	printf("genesis   %s\n", *str(node, "genesis") ?
	    str(node, "genesis") : "(none)");
	printf("sync      %s, target %lld, %.1f blocks/s, %lld in flight\n",
	    str(sync, "state"), num(sync, "target_height"),
	    json_number_value(json_object_get(sync, "blocks_per_s")),
	    num(sync, "in_flight"));
	print_progress(node, sync);
	printf("\n%-8s %8s %-9s %9s %8s  %-26s %s\n", "WORKER", "PID",
	    "STATE", "UP(s)", "RESTARTS", "VERSION", "LAST EXIT");
	json_array_foreach(json_object_get(o, "components"), i, c)
		printf("%-8s %8lld %-9s %9lld %8lld  %-26s %s\n",
		    str(c, "name"), num(c, "pid"), str(c, "state"),
		    num(c, "uptime_s"), num(c, "restarts"), str(c, "version"),
		    str(c, "last_exit"));
	printf("\n");
	print_peers(json_object_get(o, "peers"));
	printf("\ncounters ");
	json_object_foreach(cnt, k, v)
		if (json_is_integer(v))
			printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\nclosed   ");
	json_object_foreach(json_object_get(cnt, "connections_closed"), k, v)
		printf(" %s=%lld", k, (long long)json_integer_value(v));
	printf("\n");
}

/*
 * Send cmd to the daemon at sock and print the answer: raw with json,
 * else as tables for status and peers (word is the command's first word).
 * 0 on success, 1 when the daemon is unreachable or answers an error.
 */
static int
run_command(const char *sock, const char *cmd, const char *word, int json)
{
	json_t		*o, *p;
	json_error_t	 jerr;
	char		*answer;
	size_t		 len;
	int		 fd, ret;

	if ((fd = connect_to(sock)) == -1)
		return 1;
	answer = exchange(fd, cmd, &len);
	close(fd);
	if (answer == NULL)
		return 1;
	if ((o = json_loadb(answer, len, 0, &jerr)) == NULL ||
	    !json_is_object(o)) {
		print_clean("unreadable answer", o ? "not a JSON object" :
		    jerr.text);
		json_decref(o);
		free(answer);
		return 1;
	}
	ret = json_object_get(o, "error") ? 1 : 0;
	if (!json && !ret && strcmp(word, "metrics") == 0)
		fputs(str(o, "metrics"), stdout);	/* the text alone */
	else if (json)
		printf("%s\n", answer);
	else if (ret)
		;	/* the error alone, on stderr, below */
	else if (strcmp(word, "status") != 0 &&
	    strcmp(word, "peers") != 0 && strcmp(word, "bans") != 0)
		printf("%s\n", answer);
	else if ((p = printable_json(o)) == NULL) {
		fprintf(stderr, "timenodectl: out of memory\n");
		ret = 1;
	} else {
		if (strcmp(word, "status") == 0)
			print_status(p);
		else if (strcmp(word, "bans") == 0)
			print_bans(json_object_get(p, "bans"));
		else
			print_peers(json_object_get(p, "peers"));
		json_decref(p);
	}
	if (ret)
		print_clean(NULL, str(o, "error"));
	json_decref(o);
	free(answer);
	return ret;
}

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * status --watch: the status again every interval seconds, count times
 * (0: until SIGINT or SIGTERM, which end it with status 0).  On a
 * terminal each refresh is drawn in place (cursor home, the new status,
 * the rest of the screen cleared) with the cursor hidden and shown again
 * at the end; otherwise each refresh follows the last under a line with
 * the time (with json: the answers alone, one per line, for jq).  Each refresh is one connection and one answer of at most
 * ANSWER_MAX bytes within the timeout, freed before the next: the loop
 * holds no more than one answer, however long it runs.  A daemon that
 * cannot be reached ends it with status 1.
 */
static int
watch(const char *sock, int json, double interval, long count)
{
	struct sigaction	 sa;
	struct timespec		 ts;
	char			 when[64];
	time_t			 now;
	long			 n;
	int			 tty = isatty(STDOUT_FILENO), ret = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;	/* no SA_RESTART: wakes nanosleep */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (tty)
		printf("\033[?25l\033[H\033[2J");
	for (n = 0; !interrupted && (count == 0 || n < count); n++) {
		if (n > 0) {
			ts.tv_sec = (time_t)interval;
			ts.tv_nsec = (long)((interval - (double)ts.tv_sec) *
			    1e9);
			while (nanosleep(&ts, &ts) == -1 && errno == EINTR &&
			    !interrupted)
				;
			if (interrupted)
				break;
		}
		now = time(NULL);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		    localtime(&now));
		if (tty)
			printf("\033[H");
		else if (n > 0 && !json)
			printf("\n");
		if (!json)	/* --json: one answer per line, nothing else */
			printf("timenodectl status --watch: %s, every %g s "
			    "(Ctrl-C ends)\n\n", when, interval);
		ret = run_command(sock, "status", "status", json);
		if (interrupted)	/* the answer it cut short: no error */
			ret = 0;
		if (tty)
			printf("\033[J");
		fflush(stdout);
		if (ret)
			break;
	}
	if (tty)
		printf("\033[?25h");
	fflush(stdout);
	return ret;
}

/* A number of seconds for --interval: WATCH_MIN_S to WATCH_MAX_S. */
static double
parse_interval(const char *s)
{
	char	*end;
	double	 v;

	if (!is_decimal(s, 1))
		usage_error("--interval: \"%s\": a decimal number of seconds",
		    s);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= WATCH_MIN_S &&
	    v <= WATCH_MAX_S)) {
		usage_error("--interval: %g to %g seconds", WATCH_MIN_S,
		    WATCH_MAX_S);
	}
	return v;
}

/* --count: a plain decimal number, 1 to WATCH_MAX_COUNT. */
static long
parse_count(const char *s)
{
	uint64_t v;

	if (parse_decimal(s, 1, WATCH_MAX_COUNT, &v) == -1)
		usage_error("--count: \"%s\": a decimal number, 1 to %d", s,
		    WATCH_MAX_COUNT);
	return (long)v;
}

int
main(int argc, char **argv)
{
	enum { OPT_WATCH = 256, OPT_INTERVAL, OPT_COUNT };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "payload-bytes", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "watch", no_argument, NULL, OPT_WATCH },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ NULL, 0, NULL, 0 },
	};
	char		 path[512], cmd[256];
	const char	*sock = NULL, *payload = NULL;
	double		 interval = 1;
	long		 count = 0;
	int		 c, json = 0, i, watching = 0, watch_opts = 0;
	int		 helpver = 0;

	usage_set("timenodectl", usage_text);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":js:hV", longopts, NULL)) != -1) {
		if (c == 'h' || c == 'V') {
			if (helpver == 0)	/* the first wins */
				helpver = c;
		} else if (c == 'j')
			json = 1;
		else if (c == 's')
			sock = optarg;
		else if (c == 'p')
			payload = optarg;
		else if (c == OPT_WATCH)
			watching = 1;
		else if (c == OPT_INTERVAL) {
			interval = parse_interval(optarg);
			watch_opts = 1;
		} else if (c == OPT_COUNT) {
			count = parse_count(optarg);
			watch_opts = 1;
		} else
			usage_bad_option(c, argv);
	}
	argc -= optind;
	argv += optind;
	usage_help_version(helpver, argv, argc);
	if (argc < 1)
		usage_error("no command");
	if (strcmp(argv[0], "restart") == 0 || strcmp(argv[0],
	    "debug-socket") == 0 || strcmp(argv[0], "produce") == 0 ||
	    strcmp(argv[0], "unban") == 0) {
		if (argc != 2)
			usage_error("%s takes one argument", argv[0]);
	} else if (argc != 1)
		usage_error("%s takes no argument", argv[0]);
	if (payload && strcmp(argv[0], "produce") != 0)
		usage_error("--payload-bytes goes with produce");
	if (watching && strcmp(argv[0], "status") != 0)
		usage_error("--watch goes with status");
	if (watch_opts && !watching)
		usage_error("--interval and --count go with status --watch");
	if (strcmp(argv[0], "produce") == 0 || strcmp(argv[0], "verify") == 0)
		timeout_ms = LONG_TIMEOUT_MS;
	cmd[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t\r\n") ||
		    strlen(cmd) + strlen(argv[i]) + 2 >= sizeof(cmd))
			usage_error("\"%s\": a word without blanks, shorter "
			    "than %zu bytes", argv[i], sizeof(cmd) - 2);
		if (i)
			strcat(cmd, " ");
		strcat(cmd, argv[i]);
	}
	if (payload) {
		if (strpbrk(payload, " \t\r\n") ||
		    strlen(cmd) + strlen(payload) + 2 >= sizeof(cmd))
			usage_error("--payload-bytes: \"%s\": a number",
			    payload);
		strcat(cmd, " ");
		strcat(cmd, payload);
	}
	if (sock == NULL) {
		if (default_socket(path, sizeof(path)) == -1)
			return 2;
		sock = path;
	}
	if (watching)
		return watch(sock, json, interval, count);
	return run_command(sock, cmd, argv[0], json);
}
