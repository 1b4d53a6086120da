/*
 * timenodectl - talk to timenoded's status socket.
 *
 * Sends one command line, reads one JSON line back, prints it as tables
 * for people or raw with --json.  Exit 0 on success, 1 when the daemon is
 * not reachable or answers an error, 2 on a usage error.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ANSWER_MAX	(1u << 20)
#define TIMEOUT_MS	10000
#define LONG_TIMEOUT_MS	600000	/* produce, verify */

static int	timeout_ms = TIMEOUT_MS;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: timenodectl [-s socket] [--json] command\n"
	    "commands: status | peers | restart COMPONENT | verify | help |\n"
	    "          produce COUNT [--payload-bytes BYTES]\n");
	exit(2);
}

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

/* One line out, one line back, within the timeout. */
static char *
exchange(int fd, const char *cmd)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		*buf, *nl;
	size_t		 len = 0;
	ssize_t		 n;

	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) == -1 ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) == -1) {
		fprintf(stderr, "timenodectl: send: %s\n", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(ANSWER_MAX + 1)) == NULL)
		return NULL;
	while (len < ANSWER_MAX) {
		if (poll(&pfd, 1, timeout_ms) <= 0) {
			fprintf(stderr, "timenodectl: no answer within %d s\n",
			    timeout_ms / 1000);
			break;
		}
		if ((n = read(fd, buf + len, ANSWER_MAX - len)) <= 0) {
			fprintf(stderr, "timenodectl: connection closed\n");
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static long long
num(json_t *o, const char *key)
{
	return (long long)json_number_value(json_object_get(o, key));
}

static void
print_peers(json_t *peers)
{
	json_t	*p;
	size_t	 i;

	printf("%-15s %6s %-8s %6s %9s %8s %6s %10s %12s %12s\n", "PEER",
	    "LISTEN", "DIR", "RPORT", "UP(s)", "RTT(ms)", "MISSED", "HEIGHT",
	    "BYTES_IN", "BYTES_OUT");
	json_array_foreach(peers, i, p)
		printf("%-15s %6lld %-8s %6lld %9lld %8.1f %6lld %10lld "
		    "%12lld %12lld\n", str(p, "ip"), num(p, "listen_port"),
		    str(p, "direction"), num(p, "remote_port"),
		    num(p, "connected_s"),
		    json_number_value(json_object_get(p, "ping_rtt_ms")),
		    num(p, "missed_pongs"), num(p, "height"),
		    num(p, "bytes_in"), num(p, "bytes_out"));
	if (json_array_size(peers) == 0)
		printf("(no peers)\n");
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
	printf("chain     height %lld, tip %s\n", num(node, "height"),
	    *str(node, "tip") ? str(node, "tip") : "(none)");
	printf("genesis   %s\n", *str(node, "genesis") ?
	    str(node, "genesis") : "(none)");
	printf("sync      %s, target %lld, %.1f blocks/s, %lld in flight\n",
	    str(sync, "state"), num(sync, "target_height"),
	    json_number_value(json_object_get(sync, "blocks_per_s")),
	    num(sync, "in_flight"));
	printf("\n%-8s %8s %-9s %9s %8s  %s\n", "WORKER", "PID", "STATE",
	    "UP(s)", "RESTARTS", "LAST EXIT");
	json_array_foreach(json_object_get(o, "components"), i, c)
		printf("%-8s %8lld %-9s %9lld %8lld  %s\n", str(c, "name"),
		    num(c, "pid"), str(c, "state"), num(c, "uptime_s"),
		    num(c, "restarts"), str(c, "last_exit"));
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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "payload-bytes", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	char		 path[512], cmd[256], *answer;
	const char	*rt, *sock = NULL, *payload = NULL;
	json_t		*o;
	json_error_t	 jerr;
	int		 c, json = 0, fd, i, ret;

	while ((c = getopt_long(argc, argv, "js:", longopts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 's')
			sock = optarg;
		else if (c == 'p')
			payload = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage();
	if (strcmp(argv[0], "restart") == 0 || strcmp(argv[0],
	    "debug-socket") == 0 || strcmp(argv[0], "produce") == 0) {
		if (argc != 2)
			usage();
	} else if (argc != 1)
		usage();
	if (payload && strcmp(argv[0], "produce") != 0)
		usage();
	if (strcmp(argv[0], "produce") == 0 || strcmp(argv[0], "verify") == 0)
		timeout_ms = LONG_TIMEOUT_MS;
	cmd[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t\r\n") ||
		    strlen(cmd) + strlen(argv[i]) + 2 >= sizeof(cmd))
			usage();
		if (i)
			strcat(cmd, " ");
		strcat(cmd, argv[i]);
	}
	if (payload) {
		if (strpbrk(payload, " \t\r\n") ||
		    strlen(cmd) + strlen(payload) + 2 >= sizeof(cmd))
			usage();
		strcat(cmd, " ");
		strcat(cmd, payload);
	}
	if (sock == NULL) {
		rt = getenv("RUNTIME_DIRECTORY");
		snprintf(path, sizeof(path), "%s/status.sock",
		    rt && *rt ? rt : "./timenode-data/run");
		sock = path;
	}
	if ((fd = connect_to(sock)) == -1)
		return 1;
	answer = exchange(fd, cmd);
	close(fd);
	if (answer == NULL)
		return 1;
	if ((o = json_loads(answer, 0, &jerr)) == NULL ||
	    !json_is_object(o)) {
		fprintf(stderr, "timenodectl: unreadable answer: %s\n",
		    jerr.text);
		free(answer);
		return 1;
	}
	ret = json_object_get(o, "error") ? 1 : 0;
	if (json || (strcmp(argv[0], "status") != 0 &&
	    strcmp(argv[0], "peers") != 0))
		printf("%s\n", answer);
	else if (strcmp(argv[0], "status") == 0)
		print_status(o);
	else
		print_peers(json_object_get(o, "peers"));
	if (ret)
		fprintf(stderr, "timenodectl: %s\n", str(o, "error"));
	json_decref(o);
	free(answer);
	return ret;
}
