/* SPDX-License-Identifier: ISC */
/*
 * scenario.c - multi-node scenarios on loopback or in namespaces; see
 * scenario.h.  All traffic stays on 127.0.0.0/8 or inside namespaces this
 * file created; every namespace is deleted at exit.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

const char scn_fast_conf[] =
    "[supervisor]\n"
    "heartbeat_interval = 0.5\n"
    "heartbeat_deadline = 5\n"
    "restart_delay_min = 0.2\n"
    "restart_delay_max = 2\n"
    "fast_crash = 2\n"
    "restart_intensity = 30\n"
    "restart_window = 60\n"
    "[p2p]\n"
    "ping_timeout = 3\n"
    "max_missed_pings = 3\n"
    "backoff_min = 0.5\n"
    "backoff_max = 4\n";
/* [p2p] ping_interval, unless the test gives its own: a key goes once */
static const char scn_fast_ping[] = "ping_interval = 1\n";

static struct scn *active;	/* for the exit-time namespace cleanup */

/* the /24 on loopback; TN_SCN_NET=127.0.5 moves a run out of the way */
const char *
scn_net(void)
{
	const char *n = getenv("TN_SCN_NET");

	return n && *n ? n : "127.0.0";
}

/* node i's families: SCN_V4 unless the namespaces say otherwise */
static unsigned
scn_fam(const struct scn *s, int i)
{
	return s->netns && s->fam[i] ? s->fam[i] : SCN_V4;
}

const char *
scn_ip6(const struct scn *s, int i, char *buf, size_t len)
{
	if (scn_fam(s, i) & SCN_V6)
		snprintf(buf, len, "fd00:213::%x", i + 2);
	else
		snprintf(buf, len, "%s", "");
	return buf;
}

const char *
scn_ip(const struct scn *s, int i, char *buf, size_t len)
{
	if (!(scn_fam(s, i) & SCN_V4))
		return scn_ip6(s, i, buf, len);
	if (s->netns)
		snprintf(buf, len, "10.213.0.%d", i + 2);
	else
		snprintf(buf, len, "%s.%d", scn_net(), i + 2);
	return buf;
}

int
scn_index(const struct scn *s, const char *ip)
{
	char	buf[48];
	int	i;

	for (i = 0; ip && i < s->n; i++)
		if (strcmp(scn_ip(s, i, buf, sizeof(buf)), ip) == 0 ||
		    strcmp(scn_ip6(s, i, buf, sizeof(buf)), ip) == 0)
			return i;
	return -1;
}

/* node i's peer lines for node k: each family they share */
static size_t
scn_peer_lines(const struct scn *s, int i, int k, char *buf, size_t len)
{
	unsigned	both = scn_fam(s, i) & scn_fam(s, k);
	char		ip[48];
	size_t		n = 0;

	if (both & SCN_V4)
		n += (size_t)snprintf(buf, len, "[node]\npeer = %s:%d\n",
		    scn_ip(s, k, ip, sizeof(ip)), SCN_PORT);
	if ((both & SCN_V6) && n < len)
		n += (size_t)snprintf(buf + n, len - n, "[node]\npeer = "
		    "[%s]:%d\n", scn_ip6(s, k, ip, sizeof(ip)), SCN_PORT);
	return n;
}

int
scn_start(struct scn *s, int i, const int *peers, const char *conf_extra)
{
	struct tn_node	*n = &s->node[i];
	char		 conf[8192], ip[48];
	size_t		 len;
	int		 k;

	if (i >= SCN_MAX_NODES)
		return -1;
	if (i >= s->n)
		s->n = i + 1;
	if (n->dir[0] == '\0') {
		len = (size_t)snprintf(conf, sizeof(conf), "%s%s",
		    scn_fast_conf, conf_extra && strstr(conf_extra,
		    "ping_interval") ? "" : scn_fast_ping);
		for (k = 0; peers && peers[k] >= 0 && len < sizeof(conf); k++)
			len += scn_peer_lines(s, i, peers[k], conf + len,
			    sizeof(conf) - len);
		/* a dual-stack node listens on its IPv6 address too */
		if (scn_fam(s, i) == (SCN_V4 | SCN_V6) && len < sizeof(conf))
			len += (size_t)snprintf(conf + len, sizeof(conf) - len,
			    "[node]\nlisten = [%s]:%d\n", scn_ip6(s, i, ip,
			    sizeof(ip)), SCN_PORT);
		if (conf_extra && len < sizeof(conf))
			snprintf(conf + len, sizeof(conf) - len, "%s",
			    conf_extra);
		if (tn_node_init(n, scn_ip(s, i, ip, sizeof(ip)), SCN_PORT,
		    conf) == -1)
			return -1;
		if (s->netns)
			snprintf(n->netns, sizeof(n->netns), "%s%d", s->prefix,
			    i);
	}
	return tn_node_run(n, 20);
}

int
scn_stop(struct scn *s, int i)
{
	return tn_node_stop(&s->node[i], 15);
}

static void
netns_teardown(struct scn *s)
{
	char	cmd[256];
	int	i;

	if (!s->netns)
		return;
	for (i = 0; i < s->n; i++) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s%d 2>/dev/null",
		    s->prefix, i);
		(void)!system(cmd);
	}
	snprintf(cmd, sizeof(cmd), "ip link del %sbr 2>/dev/null", s->prefix);
	(void)!system(cmd);
	s->netns = 0;
}

static void
scn_atexit(void)
{
	if (active)
		netns_teardown(active);
}

void
scn_cleanup(struct scn *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		tn_node_cleanup(&s->node[i]);
	netns_teardown(s);
	active = NULL;
	memset(s, 0, sizeof(*s));
}

static json_t *
status_of(struct scn *s, int i)
{
	return tn_status(&s->node[i]);
}

uint64_t
scn_height(struct scn *s, int i)
{
	long long h = tn_node_height(&s->node[i]);

	return h < 0 ? 0 : (uint64_t)h;
}

const char *
scn_tip(struct scn *s, int i, char *buf, size_t len)
{
	json_t		*st = status_of(s, i);
	const char	*t = NULL;

	if (st)
		t = json_string_value(json_object_get(json_object_get(st,
		    "node"), "tip"));
	snprintf(buf, len, "%s", t ? t : "");
	json_decref(st);
	return buf;
}

int
scn_peer_count(struct scn *s, int i)
{
	json_t	*st = status_of(s, i);
	int	 n = st ? (int)json_array_size(json_object_get(st, "peers")) :
		    -1;

	json_decref(st);
	return n;
}

long long
scn_counter(struct scn *s, int i, const char *name)
{
	json_t		*st = status_of(s, i);
	char		 path[128];
	long long	 v;

	snprintf(path, sizeof(path), "counters.%s", name);
	v = st ? tn_json_int(st, path) : -1;
	json_decref(st);
	return v;
}

int
scn_produce(struct scn *s, int i, int count, int payload)
{
	char		 cmd[64], *ans;
	const char	*tip;
	json_t		*o;
	double		 t0;
	int		 ok;

	if (payload > 0)
		snprintf(cmd, sizeof(cmd), "produce %d %d\n", count, payload);
	else
		snprintf(cmd, sizeof(cmd), "produce %d\n", count);
	/* right after a start syncd may still be loading its tip */
	for (t0 = tn_now(); ; tn_sleep(0.2)) {
		ans = tn_exchange(s->node[i].sock, cmd, strlen(cmd), 300);
		ok = ans && strstr(ans, "\"ok\":true") != NULL;
		if (ok || ans == NULL || strstr(ans, "not ready") == NULL ||
		    tn_now() - t0 > 20)
			break;
		free(ans);
	}
	if (!ok)
		fprintf(stderr, "produce on node %d: %s\n", i, ans ? ans :
		    "no answer");
	else if ((o = json_loads(ans, 0, NULL)) != NULL) {
		/* the status shows the new tip with the next heartbeat */
		tip = json_string_value(json_object_get(o, "tip"));
		if (tip == NULL || scn_wait_tip(s, i, tip, 10) < 0)
			ok = 0;
		json_decref(o);
	}
	free(ans);
	return ok ? 0 : -1;
}

double
scn_wait_tip(struct scn *s, int i, const char *tip, double timeout)
{
	double	t0 = tn_now();
	char	t[80];

	while (tn_now() - t0 < timeout) {
		if (strcmp(scn_tip(s, i, t, sizeof(t)), tip) == 0)
			return tn_now() - t0;
		tn_sleep(0.1);
	}
	return -1;
}

double
scn_wait_peers(struct scn *s, int i, int want, double timeout)
{
	double t0 = tn_now();

	while (tn_now() - t0 < timeout) {
		if (scn_peer_count(s, i) == want)
			return tn_now() - t0;
		tn_sleep(0.1);
	}
	return -1;
}

pid_t
scn_pid(struct scn *s, int i, const char *component)
{
	json_t	*st = status_of(s, i);
	pid_t	 pid = st ? tn_component_pid(st, component) : -1;

	json_decref(st);
	return pid;
}

int
scn_verify(struct scn *s, int i)
{
	char	bin[400], cmd[1024];
	int	st;

	snprintf(cmd, sizeof(cmd), "%s --verify '%s' >>'%s' 2>&1",
	    tn_bin("stored", bin, sizeof(bin)), s->node[i].data,
	    s->node[i].log);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char	cmd[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

int
scn_netns_setup(struct scn *s, int n)
{
	return scn_netns_setup_fam(s, n, NULL);
}

int
scn_netns_setup_fam(struct scn *s, int n, const unsigned *fam)
{
	char	ip[48];
	int	i;

	snprintf(s->prefix, sizeof(s->prefix), "tn%d", (int)getpid() % 10000);
	s->netns = 1;
	s->n = n;
	for (i = 0; i < n && i < SCN_MAX_NODES; i++)
		s->fam[i] = fam ? fam[i] : SCN_V4;
	active = s;
	atexit(scn_atexit);
	if (sh("ip link add %sbr type bridge && ip link set %sbr up",
	    s->prefix, s->prefix) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (sh("ip netns add %s%d", s->prefix, i) == -1 ||
		    sh("ip link add %sv%d type veth peer name %sp%d",
		    s->prefix, i, s->prefix, i) == -1 ||
		    sh("ip link set %sv%d master %sbr up", s->prefix, i,
		    s->prefix) == -1 ||
		    sh("ip link set %sp%d netns %s%d", s->prefix, i, s->prefix,
		    i) == -1 ||
		    ((scn_fam(s, i) & SCN_V4) && sh("ip -n %s%d addr add "
		    "%s/24 dev %sp%d", s->prefix, i, scn_ip(s, i, ip,
		    sizeof(ip)), s->prefix, i) == -1) ||
		    ((scn_fam(s, i) & SCN_V6) && sh("ip -n %s%d addr add "
		    "%s/64 dev %sp%d nodad", s->prefix, i, scn_ip6(s, i, ip,
		    sizeof(ip)), s->prefix, i) == -1) ||
		    sh("ip -n %s%d link set %sp%d up", s->prefix, i, s->prefix,
		    i) == -1 ||
		    sh("ip -n %s%d link set lo up", s->prefix, i) == -1)
			return -1;
	}
	return 0;
}

int
scn_link(struct scn *s, int i, int up)
{
	return sh("ip link set %sv%d %s", s->prefix, i, up ? "up" : "down");
}
