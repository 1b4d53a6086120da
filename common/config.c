/* SPDX-License-Identifier: ISC */
/*
 * config.c - INI file (inih) and command-line parsing for every process.
 *
 * Precedence: built-in defaults < environment ($STATE_DIRECTORY,
 * $RUNTIME_DIRECTORY) < config file < command line.  The run directory
 * defaults to <data dir>/run and is resolved last, so that --data-dir alone
 * moves both.  Nothing here exits: errors come back as text naming the
 * option, section, key or value, and the caller exits 2.  Nothing is cut
 * short either: a directory variable that does not fit is an error, and
 * the file is read whole and its lines checked against inih's line limit
 * before inih parses it.  The timings are checked against each other
 * last, whichever source each came from.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "decimal.h"
#include "name.h"
#include "regfile.h"
#include "timenode_version.h"

#define CONFIG_FILE_MAX	(1 << 20)	/* bytes */
/* the longest line inih reads whole: its buffer also holds \r, \n, NUL */
#define CONFIG_LINE_MAX	(INI_MAX_LINE - 3)
#define SUP_TICK_MIN	0.01	/* proc.c's shortest heartbeat tick, s */
#define RESTART_DELAY_FLOOR 0.001	/* s */

struct ini_ctx {
	struct config	*cfg;
	char		*err;
	size_t		 errlen;
	int		 failed;
	int		 failed_line;	/* of the key that failed */
	/* the text, as config_line_reader() hands it to inih */
	const char	*next;		/* NUL-terminated */
	int		 lineno;	/* of the line last handed out */
};

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/* a refused variable is reported by config_parse_args() */
	if (config_default_dirs(cfg->data_dir, cfg->run_dir,
	    sizeof(cfg->data_dir), cfg->env_err, sizeof(cfg->env_err)) == -1) {
		snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s",
		    CONFIG_DATA_DIR);
		cfg->run_dir[0] = '\0';
	}
	strcpy(cfg->network, "devnet");
	strcpy(cfg->user, "timenode");
	cfg->listen[0].ip = netaddr_from_v4(0x7f000001);	/* 127.0.0.1 */
	cfg->listen[0].port = 24100;
	cfg->nlisten = 1;

	cfg->heartbeat_interval = 2;
	cfg->heartbeat_deadline = 5;
	cfg->start_deadline = 10;
	cfg->restart_delay_min = 0.5;
	cfg->restart_delay_max = 30;
	cfg->fast_crash = 10;
	cfg->restart_intensity = 5;
	cfg->restart_window = 60;
	cfg->stop_timeout = 10;

	cfg->ping_interval = 60;
	cfg->ping_timeout = 120;
	cfg->max_missed_pings = 5;
	cfg->backoff_min = 1;
	cfg->backoff_max = 300;
	cfg->max_inbound = 64;
	cfg->max_outbound = 8;
	cfg->handshake_timeout = 10;

	cfg->map_size_mb = 1024;
	cfg->addr_max = 10000;

	cfg->block_interval = 0;
	cfg->payload_bytes = 0;
	cfg->max_reorg_depth = 100;
	cfg->window = 4096;
	cfg->per_peer = 1024;
	cfg->request_timeout = 10;
}

int
parse_hostport(const char *s, struct hostport *hp)
{
	return netaddr_parse_port(s, &hp->ip, &hp->port);
}

const char *
hostport_str(const struct hostport *hp, char *buf, size_t len)
{
	return netaddr_str_port(&hp->ip, hp->port, buf, len);
}

/* Seconds, fractions allowed, strictly positive and at most a year. */
int
parse_seconds(const char *s, double *out)
{
	char	*end;
	double	 v;

	if (!is_decimal(s, 1))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v <= 0 ||
	    v > 366 * 86400.0)
		return -1;
	*out = v;
	return 0;
}

static int
parse_seconds_or_zero(const char *s, double *out)
{
	if (is_decimal(s, 1) && strtod(s, NULL) == 0) {
		*out = 0;
		return 0;
	}
	return parse_seconds(s, out);
}

/* a K_INT key's value: plain decimal in min..max (min >= 0) */
static int
parse_int(const char *s, int min, int max, int *out)
{
	uint64_t v;

	if (min < 0 ||
	    parse_decimal(s, (uint64_t)min, (uint64_t)max, &v) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

static int
set_string(char *dst, size_t len, const char *v)
{
	if (*v == '\0' || strlen(v) >= len)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
set_name(char *dst, size_t len, const char *v)
{
	if (name_ok(v, len) == -1)
		return -1;
	return set_string(dst, len, v);
}

/* 0-15 for a lower-case hex digit, else -1 */
static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
node_key_parse(const char *s, uint8_t key[NODE_KEY_LEN])
{
	size_t	plen = strlen(NODE_KEY_PREFIX), i;
	int	hi, lo;

	if (strncmp(s, NODE_KEY_PREFIX, plen) != 0 ||
	    strlen(s) != plen + 2 * NODE_KEY_LEN)
		return -1;
	s += plen;
	for (i = 0; i < NODE_KEY_LEN; i++) {
		if ((hi = hex_digit(s[2 * i])) < 0 ||
		    (lo = hex_digit(s[2 * i + 1])) < 0)
			return -1;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

const char *
node_key_str(const uint8_t key[NODE_KEY_LEN], char *buf, size_t len)
{
	static const char	digits[] = "0123456789abcdef";
	char			tmp[NODE_KEY_STR_LEN];
	size_t			i, plen = strlen(NODE_KEY_PREFIX);

	memcpy(tmp, NODE_KEY_PREFIX, plen);
	for (i = 0; i < NODE_KEY_LEN; i++) {
		tmp[plen + 2 * i] = digits[key[i] >> 4];
		tmp[plen + 2 * i + 1] = digits[key[i] & 0xf];
	}
	tmp[plen + 2 * NODE_KEY_LEN] = '\0';
	snprintf(buf, len, "%s", tmp);
	return buf;
}

/* "IP:PORT" or "IP:PORT KEY" (a pinned key, one space or tab between) */
static int
add_peer(struct config *cfg, const char *v)
{
	char		 hp[64];
	const char	*sp;
	size_t		 n, i = cfg->npeers;

	if (i >= CONFIG_MAX_PEERS)
		return -1;
	n = (sp = strpbrk(v, " \t")) ? (size_t)(sp - v) : strlen(v);
	if (n >= sizeof(hp))
		return -1;
	memcpy(hp, v, n);
	hp[n] = '\0';
	if (parse_hostport(hp, &cfg->peers[i]) == -1)
		return -1;
	cfg->peer_pinned[i] = 0;
	if (sp != NULL) {
		sp += strspn(sp, " \t");
		if (node_key_parse(sp, cfg->peer_key[i]) == -1)
			return -1;
		cfg->peer_pinned[i] = 1;
	}
	cfg->npeers++;
	return 0;
}

/* peers[i] as add_peer reads it: "IP:PORT", or "IP:PORT KEY" */
static const char *
peer_str(const struct config *cfg, size_t i, char *buf, size_t len)
{
	char hp[64], key[NODE_KEY_STR_LEN];

	hostport_str(&cfg->peers[i], hp, sizeof(hp));
	if (cfg->peer_pinned[i])
		snprintf(buf, len, "%s %s", hp, node_key_str(cfg->peer_key[i],
		    key, sizeof(key)));
	else
		snprintf(buf, len, "%s", hp);
	return buf;
}

/* yes/no (also true/false, on/off, 1/0) */
static int
parse_bool(const char *s, int *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "on") ||
	    !strcmp(s, "1"))
		*out = 1;
	else if (!strcmp(s, "no") || !strcmp(s, "false") ||
	    !strcmp(s, "off") || !strcmp(s, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

/*
 * Whether a listen address v (its text, parsed into a) can ever be bound:
 * the wildcards 0.0.0.0 and [::], or an address of netaddr_scope loopback,
 * private or global.  Refused (issue 14 F6): link-local fe80::/10 (it needs
 * a scope id, which the address syntax here has not), multicast,
 * documentation, 0/8 but 0.0.0.0, the IPv4 broadcast, and any v4-mapped
 * literal "[::ffff:a.b.c.d]" (written as IPv6 it is no IPv6 wildcard).
 */
static int
listen_bindable(const char *v, const struct netaddr *a)
{
	enum netaddr_scope	scope = netaddr_scope(a);

	if (netaddr_is_v4(a) && v[0] == '[')
		return 0;
	if (netaddr_is_zero(a) || (netaddr_is_v4(a) && netaddr_v4(a) == 0))
		return 1;
	return scope != NETADDR_UNUSABLE && scope != NETADDR_LINK &&
	    !(netaddr_is_v4(a) && netaddr_v4(a) == 0xffffffffu);
}

/*
 * [node] listen, repeatable: the first line (of the file, or the first
 * --listen) replaces the default or the file's list.
 */
static int
add_listen(struct config *cfg, const char *v)
{
	if (cfg->nlisten >= CONFIG_MAX_LISTEN)
		return -1;
	if (parse_hostport(v, &cfg->listen[cfg->nlisten]) == -1 ||
	    !listen_bindable(v, &cfg->listen[cfg->nlisten].ip))
		return -1;
	cfg->nlisten++;
	return 0;
}

enum keykind { K_PATH, K_NAME, K_HOSTPORT, K_PEER, K_SECONDS, K_INT,
	K_SECONDS0, K_HOSTPORT0, K_BOOL, K_PLAINTEXT, K_LISTEN, K_HASH };

struct keydef {
	const char	*section;
	const char	*name;
	enum keykind	 kind;
	size_t		 off;
	size_t		 len;		/* strings */
	int		 min, max;	/* integers */
};

#define S(f)	offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define N(f)	offsetof(struct config, f), 0
static const struct keydef keydefs[] = {
	{ "node", "data_dir", K_PATH, S(data_dir), 0, 0 },
	{ "node", "run_dir", K_PATH, S(run_dir), 0, 0 },
	{ "node", "worker_dir", K_PATH, S(worker_dir), 0, 0 },
	{ "node", "network", K_NAME, S(network), 0, 0 },
	{ "node", "user", K_NAME, S(user), 0, 0 },
	{ "node", "listen", K_LISTEN, 0, 0, 0, 0 },
	{ "node", "peer", K_PEER, 0, 0, 0, 0 },
	{ "supervisor", "heartbeat_interval", K_SECONDS, N(heartbeat_interval),
	    0, 0 },
	{ "supervisor", "heartbeat_deadline", K_SECONDS, N(heartbeat_deadline),
	    0, 0 },
	{ "supervisor", "start_deadline", K_SECONDS, N(start_deadline), 0, 0 },
	{ "supervisor", "restart_delay_min", K_SECONDS, N(restart_delay_min),
	    0, 0 },
	{ "supervisor", "restart_delay_max", K_SECONDS, N(restart_delay_max),
	    0, 0 },
	{ "supervisor", "fast_crash", K_SECONDS, N(fast_crash), 0, 0 },
	{ "supervisor", "restart_intensity", K_INT, N(restart_intensity),
	    1, 1000 },
	{ "supervisor", "restart_window", K_SECONDS, N(restart_window), 0, 0 },
	{ "supervisor", "stop_timeout", K_SECONDS, N(stop_timeout), 0, 0 },
	{ "p2p", "ping_interval", K_SECONDS, N(ping_interval), 0, 0 },
	{ "p2p", "ping_timeout", K_SECONDS, N(ping_timeout), 0, 0 },
	{ "p2p", "max_missed_pings", K_INT, N(max_missed_pings), 1, 1000 },
	{ "p2p", "backoff_min", K_SECONDS, N(backoff_min), 0, 0 },
	{ "p2p", "backoff_max", K_SECONDS, N(backoff_max), 0, 0 },
	{ "p2p", "max_inbound", K_INT, N(max_inbound), 0, 1024 },
	{ "p2p", "max_outbound", K_INT, N(max_outbound), 0, 256 },
	{ "p2p", "handshake_timeout", K_SECONDS, N(handshake_timeout), 0, 0 },
	{ "p2p", "plaintext", K_PLAINTEXT, N(plaintext), 0, 0 },
	{ "p2p", "pinned_only", K_BOOL, N(pinned_only), 0, 0 },
	{ "store", "map_size_mb", K_INT, N(map_size_mb), 16, 1 << 20 },
	{ "store", "addr_max", K_INT, N(addr_max), 16, 1000000 },
	{ "sync", "genesis_dir", K_PATH, S(genesis_dir), 0, 0 },
	{ "sync", "producer_key", K_PATH, S(producer_key), 0, 0 },
	{ "sync", "block_interval", K_SECONDS0, N(block_interval), 0, 0 },
	{ "sync", "payload_bytes", K_INT, N(payload_bytes), 0, 262144 },
	{ "sync", "max_reorg_depth", K_INT, N(max_reorg_depth), 1, 100000 },
	{ "sync", "window", K_INT, N(window), 1, 100000 },
	{ "sync", "per_peer", K_INT, N(per_peer), 1, 100000 },
	{ "sync", "request_timeout", K_SECONDS, N(request_timeout), 0, 0 },
	{ "sync", "validation_threads", K_INT, N(validation_threads), 0, 256 },
	{ "sync", "assumevalid", K_HASH, S(assumevalid), 0, 0 },
	{ "metrics", "listen", K_HOSTPORT0, N(metrics_listen), 0, 0 },
};
#undef S
#undef N
#define NKEYDEFS	(sizeof(keydefs) / sizeof(keydefs[0]))
_Static_assert(NKEYDEFS == CONFIG_NKEYS, "CONFIG_NKEYS is the key count");

/*
 * What a key's value must be, for its "bad value" error (issue 13: a
 * value out of range said only "bad value"): ", an integer from MIN to
 * MAX" and so on; "" where the value speaks for itself.
 */
static const char *
value_hint(const struct keydef *k)
{
	static char buf[96];

	switch (k->kind) {
	case K_INT:
		snprintf(buf, sizeof(buf), ": an integer from %d to %d",
		    k->min, k->max);
		return buf;
	case K_SECONDS:
		return ": seconds (a decimal number, fractions allowed), more "
		    "than 0 and at most 31622400 (366 days)";
	case K_SECONDS0:
		return ": 0 (off), or seconds (a decimal number), at most "
		    "31622400 (366 days)";
	case K_BOOL:
		return ": yes or no";
	case K_PLAINTEXT:
		return ": yes, no or always";
	case K_HOSTPORT:
	case K_HOSTPORT0:
		return ": IPv4:PORT or [IPv6]:PORT, port 1 to 65535";
	case K_LISTEN:
		return ": IPv4:PORT or [IPv6]:PORT, port 1 to 65535, of an "
		    "address a socket can be bound to (not link-local, "
		    "multicast, documentation, broadcast, 0/8 or a "
		    "::ffff: literal)";
	case K_PEER:
		return ": IPv4:PORT or [IPv6]:PORT, then optionally one blank "
		    "and the peer's key (ed25519:64 hex digits)";
	case K_NAME:
		snprintf(buf, sizeof(buf), ": 1 to %zu %s", k->len - 1,
		    NAME_RULE);
		return buf;
	case K_PATH:
		snprintf(buf, sizeof(buf), ": a path of 1 to %zu bytes",
		    k->len - 1);
		return buf;
	case K_HASH:
		return ": a block hash, 64 hex digits";
	}
	return "";
}

/* ctx failed at the line last handed out, with a message */
static void
ctx_fail(struct ini_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
ctx_fail(struct ini_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->err, ctx->errlen, fmt, ap);
	va_end(ap);
	ctx->failed = 1;
	ctx->failed_line = ctx->lineno;
}

int
config_key_line(const struct config *cfg, const char *section,
    const char *name)
{
	size_t i;

	for (i = 0; i < NKEYDEFS; i++)
		if (strcmp(keydefs[i].section, section) == 0 &&
		    strcmp(keydefs[i].name, name) == 0)
			return cfg->key_line[i];
	return 0;
}

/* an option overrides the file's key of the same name (- for _) */
static void
forget_key_line(struct config *cfg, const char *option)
{
	char	name[32];
	size_t	i;

	snprintf(name, sizeof(name), "%s", option);
	for (i = 0; name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
	for (i = 0; i < NKEYDEFS; i++)
		if (strcmp(keydefs[i].name, name) == 0 &&
		    keydefs[i].kind != K_HOSTPORT0)	/* [metrics] listen */
			cfg->key_line[i] = 0;
}

static int
known_section(const char *section, size_t len)
{
	size_t i;

	for (i = 0; i < NKEYDEFS; i++)
		if (strlen(keydefs[i].section) == len &&
		    strncmp(keydefs[i].section, section, len) == 0)
			return 1;
	return 0;
}

/*
 * A block hash: exactly CONFIG_HASH_HEX hex digits (either case), kept in
 * lowercase; -1 for anything else.
 */
static int
set_hash(char *dst, size_t len, const char *v)
{
	char	h[CONFIG_HASH_HEX + 1];
	size_t	i;

	if (strlen(v) != CONFIG_HASH_HEX || len < sizeof(h))
		return -1;
	for (i = 0; i < CONFIG_HASH_HEX; i++) {
		if (!isxdigit((unsigned char)v[i]))
			return -1;
		h[i] = (char)tolower((unsigned char)v[i]);
	}
	h[i] = '\0';
	return set_string(dst, len, h);
}

static int
apply_key(struct config *cfg, const struct keydef *k, const char *v)
{
	char *base = (char *)cfg;

	switch (k->kind) {
	case K_PATH:
		return set_string(base + k->off, k->len, v);
	case K_NAME:
		return set_name(base + k->off, k->len, v);
	case K_HASH:
		return set_hash(base + k->off, k->len, v);
	case K_HOSTPORT:
	case K_HOSTPORT0:	/* unset: off */
		return parse_hostport(v, (struct hostport *)(base + k->off));
	case K_PEER:
		return add_peer(cfg, v);
	case K_LISTEN:
		return add_listen(cfg, v);
	case K_SECONDS:
		return parse_seconds(v, (double *)(base + k->off));
	case K_SECONDS0:	/* 0 allowed: "off" */
		return parse_seconds_or_zero(v, (double *)(base + k->off));
	case K_INT:
		return parse_int(v, k->min, k->max, (int *)(base + k->off));
	case K_BOOL:
		return parse_bool(v, (int *)(base + k->off));
	case K_PLAINTEXT:	/* yes/no, or always */
		if (strcmp(v, "always") == 0) {
			*(int *)(base + k->off) = CONFIG_PLAINTEXT_ALWAYS;
			return 0;
		}
		return parse_bool(v, (int *)(base + k->off));
	}
	return -1;
}

static int
config_ini_key(void *user, const char *section, const char *name,
    const char *value)
{
	struct ini_ctx	*ctx = user;
	size_t		 i;

	if (ctx->failed)
		return 0;
	for (i = 0; i < NKEYDEFS; i++) {
		if (strcmp(keydefs[i].section, section) != 0 ||
		    strcmp(keydefs[i].name, name) != 0)
			continue;
		/* a second line for a single-valued key is a mistake */
		if (keydefs[i].kind != K_PEER &&
		    keydefs[i].kind != K_LISTEN && ctx->cfg->key_line[i]) {
			ctx_fail(ctx, "[%s] %s: set again (first at line %d)",
			    section, name, ctx->cfg->key_line[i]);
			return 0;
		}
		if (keydefs[i].kind == K_LISTEN && !ctx->cfg->key_line[i])
			ctx->cfg->nlisten = 0;	/* the file's replace the
						   default */
		if ((keydefs[i].kind == K_LISTEN &&
		    ctx->cfg->nlisten >= CONFIG_MAX_LISTEN) ||
		    (keydefs[i].kind == K_PEER &&
		    ctx->cfg->npeers >= CONFIG_MAX_PEERS)) {
			ctx_fail(ctx, "[%s] %s: more than %d (at most %d "
			    "lines)", section, name, keydefs[i].kind ==
			    K_PEER ? CONFIG_MAX_PEERS : CONFIG_MAX_LISTEN,
			    keydefs[i].kind == K_PEER ? CONFIG_MAX_PEERS :
			    CONFIG_MAX_LISTEN);
			return 0;
		}
		if (apply_key(ctx->cfg, &keydefs[i], value) == -1) {
			ctx_fail(ctx, "[%s] %s: bad value \"%s\"%s", section,
			    name, value, value_hint(&keydefs[i]));
			return 0;
		}
		ctx->cfg->key_line[i] = ctx->lineno;
		return 1;
	}
	/* config_line_reader() refused unknown sections at their line */
	if (section[0] == '\0')
		ctx_fail(ctx, "\"%s\": a key outside a section (keys go under "
		    "[node], [supervisor], [p2p], [store], [sync] or "
		    "[metrics])", name);
	else if (!known_section(section, strlen(section)))
		ctx_fail(ctx, "unknown section [%s]", section);	/* none */
	else
		ctx_fail(ctx, "[%s]: unknown key \"%s\"", section, name);
	return 0;
}

/*
 * An unknown section is an error at its own line, keys or not: inih calls
 * the key handler only for keys, so the line reader looks at section
 * lines ('[' after blanks, as inih) itself.  A line without ']' is left to
 * inih's syntax error.
 */
static void
check_section_line(struct ini_ctx *ctx, const char *line)
{
	const char *end;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '[' || (end = strchr(line, ']')) == NULL)
		return;
	line++;
	if (!known_section(line, (size_t)(end - line)))
		ctx_fail(ctx, "unknown section [%.*s]", (int)(end - line),
		    line);
}

/*
 * An inline comment starts with ';' or '#' after a blank, either of them
 * (timenode.conf(5)): inih (as Debian builds it) knows only ';' there, so
 * the first blank-preceded '#' becomes ';' (issue 13: "; x" was accepted
 * and "# x" made the value bad).  A line that is a comment is left alone.
 */
static void
inline_comment(char *line)
{
	char *p = line + strspn(line, " \t");

	if (*p == '#' || *p == ';')
		return;
	for (; *p != '\0'; p++)
		if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = ';';
			return;
		}
}

/*
 * inih's line reader (ini_reader, as fgets: at most size - 1 bytes, up to
 * and including a newline) over ctx->next, counting lines, so that the
 * key handler knows the line it is called for: inih calls it for the line
 * it has just read.  check_lines() made sure every line fits.
 */
static char *
config_line_reader(char *str, int size, void *stream)
{
	struct ini_ctx	*ctx = stream;
	const char	*p = ctx->next;
	size_t		 n = 0;

	if (*p == '\0' || size < 2)
		return NULL;
	while (p[n] != '\0' && n < (size_t)size - 1) {
		if (p[n++] == '\n')
			break;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	inline_comment(str);
	ctx->next = p + n;
	ctx->lineno++;
	if (!ctx->failed)
		check_section_line(ctx, str);
	return str;
}

/*
 * The whole file into a NUL-terminated buffer; *len bytes without the NUL.
 * A config file is small: more than CONFIG_FILE_MAX bytes is refused.
 */
static char *
read_file(FILE *f, const char *path, size_t *len, char *err, size_t errlen)
{
	char	*buf;
	size_t	 n;

	if ((buf = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		return NULL;
	}
	if (n > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    CONFIG_FILE_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * inih reads a line into a buffer of INI_MAX_LINE bytes and parses the rest
 * of a longer one as lines of their own (a misleading syntax error, or a
 * key taken from the tail of a comment); ini_parse_string() would stop at a
 * NUL byte.  Refuse both, naming the line.
 */
static int
check_lines(const char *buf, size_t len, const char *path, char *err,
    size_t errlen)
{
	const char	*p = buf, *end = buf + len, *nl;
	size_t		 n;
	int		 lineno;

	for (lineno = 1; p < end; lineno++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (memchr(p, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte", path, lineno);
			return -1;
		}
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%d: line longer than %d bytes",
			    path, lineno, CONFIG_LINE_MAX);
			return -1;
		}
		p = nl + 1;
	}
	return 0;
}

int
config_load_file(struct config *cfg, const char *path, char *err,
    size_t errlen)
{
	struct ini_ctx	 ctx = { cfg, err, errlen, 0, 0, NULL, 0 };
	FILE		*f;
	char		*buf;
	size_t		 len;
	int		 fd, r;

	if (strlen(path) >= sizeof(cfg->config_file)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = regfile_open(path, 0, NULL, err, errlen)) == -1)
		return -1;		/* a FIFO: refused, not waited on */
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	buf = read_file(f, path, &len, err, errlen);
	fclose(f);
	if (buf == NULL)
		return -1;
	if (check_lines(buf, len, path, err, errlen) == -1) {
		free(buf);
		return -1;
	}
	ctx.next = buf;
	r = ini_parse_stream(config_line_reader, &ctx, config_ini_key, &ctx);
	free(buf);
	/* the first error: inih returns the first bad line, ours or its */
	if (ctx.failed && (r == 0 || r >= ctx.failed_line)) {
		/* prefix the file name and line, keep the message */
		char tmp[CONFIG_ERR_MAX];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "%s:%d: %s", path, ctx.failed_line, tmp);
		return -1;
	}
	if (r != 0) {
		snprintf(err, errlen, "%s:%d: syntax error", path, r);
		return -1;
	}
	snprintf(cfg->config_file, sizeof(cfg->config_file), "%s", path);
	return 0;
}

enum {
	OPT_DATA_DIR = 256, OPT_RUN_DIR, OPT_LISTEN, OPT_PEER, OPT_NETWORK,
	OPT_USER, OPT_WORKER_DIR, OPT_CTL, OPT_TEST_CRASH, OPT_EXPECT_VERSION,
	OPT_GENESIS_DIR, OPT_PRODUCER_KEY, OPT_JOURNAL,
};

#define SHORTOPTS	":c:fdhVnv"

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "debug", no_argument, NULL, 'd' },
	{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
	{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "user", required_argument, NULL, OPT_USER },
	{ "worker-dir", required_argument, NULL, OPT_WORKER_DIR },
	{ "ctl", required_argument, NULL, OPT_CTL },
	{ "test-crash", no_argument, NULL, OPT_TEST_CRASH },
	{ "expect-version", required_argument, NULL, OPT_EXPECT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "check", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "genesis-dir", required_argument, NULL, OPT_GENESIS_DIR },
	{ "producer-key", required_argument, NULL, OPT_PRODUCER_KEY },
	{ "journal", no_argument, NULL, OPT_JOURNAL },
	{ NULL, 0, NULL, 0 },
};

static const char *
optname(int c)
{
	static char	buf[3];
	size_t		i;

	for (i = 0; longopts[i].name; i++)
		if (longopts[i].val == c)
			return longopts[i].name;
	buf[0] = '-';
	buf[1] = (char)c;
	buf[2] = '\0';
	return buf;
}

static int
apply_opt(struct config *cfg, struct worker_opts *w, int c, const char *arg)
{
	switch (c) {
	case 'f':
		cfg->foreground = 1;
		return 0;
	case 'd':
		cfg->debug = 1;
		return 0;
	case OPT_DATA_DIR:
		return set_string(cfg->data_dir, sizeof(cfg->data_dir), arg);
	case OPT_RUN_DIR:
		return set_string(cfg->run_dir, sizeof(cfg->run_dir), arg);
	case OPT_WORKER_DIR:
		return set_string(cfg->worker_dir, sizeof(cfg->worker_dir),
		    arg);
	case OPT_LISTEN:
		return add_listen(cfg, arg);
	case OPT_PEER:
		return add_peer(cfg, arg);
	case OPT_NETWORK:
		return set_name(cfg->network, sizeof(cfg->network), arg);
	case OPT_USER:
		return set_name(cfg->user, sizeof(cfg->user), arg);
	case OPT_CTL:
		return w ? set_string(w->ctl_url, sizeof(w->ctl_url), arg) : -1;
	case OPT_TEST_CRASH:
		if (w == NULL)
			return -1;
		w->crash_at_start = 1;
		return 0;
	case OPT_EXPECT_VERSION:
		return w ? set_string(w->expect_version,
		    sizeof(w->expect_version), arg) : -1;
	case 'n':
		cfg->action = CONFIG_CHECK;
		return 0;
	case 'v':
		cfg->verbose = 1;
		return 0;
	case OPT_GENESIS_DIR:
		return w ? set_string(cfg->genesis_dir,
		    sizeof(cfg->genesis_dir), arg) : -1;
	case OPT_PRODUCER_KEY:
		return w ? set_string(cfg->producer_key,
		    sizeof(cfg->producer_key), arg) : -1;
	case OPT_JOURNAL:
		if (w == NULL)
			return -1;
		w->journal = 1;
		return 0;
	}
	return -1;
}

/* Options only the supervisor gives its workers. */
static int
worker_only(int c)
{
	return c == OPT_CTL || c == OPT_TEST_CRASH || c == OPT_EXPECT_VERSION ||
	    c == OPT_GENESIS_DIR || c == OPT_PRODUCER_KEY || c == OPT_JOURNAL;
}

/*
 * The keys a check across keys found at fault, so that its error names
 * the line of the file that set one of them (issue 13): section and name
 * of each, the second NULL for a check of one key.
 */
struct culprit {
	const char	*sec, *key, *sec2, *key2;
};

/* 0 when hi >= times * lo (hi > lo when strict), else -1 naming both */
static int
need(const char *sec, const char *hi_key, double hi, const char *rel,
    double times, int strict, const char *lo_key, double lo,
    struct culprit *cu, char *err, size_t errlen)
{
	if (strict ? hi > times * lo : hi >= times * lo)
		return 0;
	snprintf(err, errlen, "[%s] %s (%g s) must be %s %s (%g s)", sec,
	    hi_key, hi, rel, lo_key, lo);
	*cu = (struct culprit){ sec, hi_key, sec, lo_key };
	return -1;
}

static int
floor_of(const char *sec, const char *key, double v, double min,
    const char *why, struct culprit *cu, char *err, size_t errlen)
{
	if (v >= min)
		return 0;
	snprintf(err, errlen, "[%s] %s (%g s) must be at least %g s: %s", sec,
	    key, v, min, why);
	*cu = (struct culprit){ sec, key, NULL, NULL };
	return -1;
}

/*
 * The timings the supervisor (proc.c, policy.c) and the workers
 * (worker.c) rely on, whichever source each value came from:
 *
 * - proc.c's tick runs at most every SUP_TICK_MIN s, so heartbeats go out
 *   no more often than that, whatever heartbeat_interval says.
 * - The gap between two heartbeat answers is up to one interval plus one
 *   tick (at most one interval): heartbeat_deadline below twice the
 *   interval has running workers killed as hung.  (The workers' orphan
 *   check, 3 * heartbeat_deadline, then holds by itself.)
 * - A new worker answers the first heartbeat after its start-up, not the
 *   greeting it waits for before it: start_deadline below twice the
 *   interval has new workers killed as hung before they can answer.
 * - Restarts in a window no longer than fast_crash are forgotten before a
 *   slow crash can follow: a crash loop without delay that never fails.
 * - A restart delay shorter than the supervisor's timers is no delay.
 */
/*
 * netd binds them all: [node] listen twice the same is a mistake, and
 * [metrics] listen may not take a peers' port.
 */
static int
check_listen(const struct config *c, struct culprit *cu, char *err,
    size_t errlen)
{
	char	hp[NETADDR_PORT_STRLEN];
	size_t	i, j;

	for (i = 0; i < c->nlisten; i++) {
		for (j = 0; j < i; j++)
			if (netaddr_eq(&c->listen[i].ip, &c->listen[j].ip) &&
			    c->listen[i].port == c->listen[j].port) {
				snprintf(err, errlen, "[node] listen: %s "
				    "given twice", hostport_str(&c->listen[i],
				    hp, sizeof(hp)));
				*cu = (struct culprit){ "node", "listen",
				    NULL, NULL };
				return -1;
			}
		if (c->metrics_listen.port != 0 &&
		    c->metrics_listen.port == c->listen[i].port) {
			snprintf(err, errlen, "[metrics] listen: port %u is "
			    "[node] listen's", c->listen[i].port);
			*cu = (struct culprit){ "metrics", "listen", "node",
			    "listen" };
			return -1;
		}
	}
	return 0;
}

static int
check_timings(const struct config *c, struct culprit *cu, char *err,
    size_t errlen)
{
	if (floor_of("supervisor", "heartbeat_interval",
	    c->heartbeat_interval, SUP_TICK_MIN, "the supervisor's timer "
	    "resolution", cu, err, errlen) == -1 ||
	    need("supervisor", "heartbeat_deadline", c->heartbeat_deadline,
	    "at least twice", 2, 0, "heartbeat_interval",
	    c->heartbeat_interval, cu, err, errlen) == -1 ||
	    need("supervisor", "start_deadline", c->start_deadline,
	    "at least twice", 2, 0, "heartbeat_interval",
	    c->heartbeat_interval, cu, err, errlen) == -1 ||
	    floor_of("supervisor", "restart_delay_min", c->restart_delay_min,
	    RESTART_DELAY_FLOOR, "a shorter delay is no delay", cu, err,
	    errlen) == -1 ||
	    need("supervisor", "restart_delay_max", c->restart_delay_max,
	    "at least", 1, 0, "restart_delay_min", c->restart_delay_min, cu,
	    err, errlen) == -1 ||
	    need("supervisor", "restart_window", c->restart_window,
	    "larger than", 1, 1, "fast_crash", c->fast_crash, cu, err,
	    errlen) == -1 ||
	    need("p2p", "backoff_max", c->backoff_max, "at least", 1, 0,
	    "backoff_min", c->backoff_min, cu, err, errlen) == -1)
		return -1;
	return check_listen(c, cu, err, errlen);
}

/*
 * "FILE:LINE: " before a check_timings() error, the line of the first
 * culprit key the file set; "FILE: " when the file set neither (an option
 * or a default is at fault, but the file's values are the usual
 * culprits); nothing without a file.
 */
static void
prefix_culprit(const struct config *cfg, const char *file,
    const struct culprit *cu, char *err, size_t errlen)
{
	char	tmp[CONFIG_ERR_MAX];
	int	line;

	if (file == NULL)
		return;
	line = config_key_line(cfg, cu->sec, cu->key);
	if (line == 0 && cu->key2 != NULL)
		line = config_key_line(cfg, cu->sec2, cu->key2);
	snprintf(tmp, sizeof(tmp), "%s", err);
	if (line > 0)
		snprintf(err, errlen, "%s:%d: %s", file, line, tmp);
	else
		snprintf(err, errlen, "%s: %s", file, tmp);
}

/*
 * Pass 1 over argv: the shape of the command line (options known to this
 * process, their values present, no stray argument, with -h and -V too),
 * -h and -V (the first of them is the action), -n, and where the file
 * and any --peer are.  -1 with a message on a usage error.
 */
static int
scan_args(struct config *cfg, struct worker_opts *w, int argc, char **argv,
    const char **file, int *lists_from_cli, char *err, size_t errlen)
{
	int c, helpver = 0;

	/* optind 0 makes glibc forget any earlier argv completely */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, SHORTOPTS, longopts, NULL)) !=
	    -1) {
		/* the first of -h and -V wins; the scan goes on, so that a
		 * stray word after --help is refused (issue 13) */
		if (c == 'h' || c == 'V') {
			if (!helpver)
				cfg->action = c == 'h' ? CONFIG_HELP :
				    CONFIG_VERSION;
			helpver = 1;
			continue;
		}
		if (c == '?') {
			if (optopt > 0 && optopt < 128 &&
			    argv[optind - 1][1] != '-')
				snprintf(err, errlen, "unknown option -%c",
				    optopt);
			else
				snprintf(err, errlen, "unknown option %s",
				    argv[optind - 1]);
			return -1;
		}
		if (c == ':') {
			snprintf(err, errlen, "option %s needs a value",
			    argv[optind - 1]);
			return -1;
		}
		if (worker_only(c) && w == NULL) {
			snprintf(err, errlen, "unknown option --%s",
			    optname(c));
			return -1;
		}
		if ((c == 'n' || c == 'v') && w != NULL) {
			snprintf(err, errlen, "unknown option -%c", c);
			return -1;
		}
		if (c == 'c')
			*file = optarg;
		if (c == 'n' && !helpver)
			cfg->action = CONFIG_CHECK;
		if (c == OPT_PEER)
			*lists_from_cli |= 1;
		if (c == OPT_LISTEN)
			*lists_from_cli |= 2;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument \"%s\"",
		    argv[optind]);
		return -1;
	}
	return 0;
}

/* config_parse_args(), its error not yet escaped */
static int
parse_args(struct config *cfg, struct worker_opts *w, int argc,
    char **argv, char *err, size_t errlen)
{
	struct culprit	 cu;
	const char	*file = NULL;
	int		 c, lists_from_cli = 0;

	if (cfg->env_err[0]) {
		snprintf(err, errlen, "%s", cfg->env_err);
		return -1;
	}
	/* pass 1: find -c so the file is applied before the overrides */
	if (scan_args(cfg, w, argc, argv, &file, &lists_from_cli, err,
	    errlen) == -1) {
		cfg->usage_error = 1;
		return -1;
	}
	if (cfg->action == CONFIG_HELP || cfg->action == CONFIG_VERSION)
		return 0;
	if (file && config_load_file(cfg, file, err, errlen) == -1)
		return -1;
	/* --peer on the command line replaces the file's peer list */
	if (lists_from_cli & 1)
		cfg->npeers = 0;
	/* and --listen the file's (or the default) listen list */
	if (lists_from_cli & 2)
		cfg->nlisten = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, SHORTOPTS, longopts, NULL)) !=
	    -1) {
		if (c == 'c')
			continue;
		if (apply_opt(cfg, w, c, optarg) == -1) {
			snprintf(err, errlen, "--%s: bad value \"%s\"",
			    optname(c), optarg ? optarg : "");
			return -1;
		}
		forget_key_line(cfg, optname(c));
	}
	if (cfg->verbose && cfg->action != CONFIG_CHECK) {
		snprintf(err, errlen, "-v goes with -n");
		cfg->usage_error = 1;
		return -1;
	}
	if (cfg->run_dir[0] == '\0' && config_data_run_dir(cfg->data_dir,
	    cfg->run_dir, sizeof(cfg->run_dir)) == -1) {
		snprintf(err, errlen, "data dir path too long");
		return -1;
	}
	if (check_timings(cfg, &cu, err, errlen) == -1) {
		prefix_culprit(cfg, file, &cu, err, errlen);
		return -1;
	}
	return 0;
}

/*
 * Bytes of the input an error message repeats (a value, a key) that are
 * not printable ASCII are written \xHH: a 0xff in a value or an escape
 * sequence is not sent raw to the terminal (issue 13).  In place, cut
 * to errlen.
 */
static void
escape_err(char *err, size_t errlen)
{
	char		 tmp[CONFIG_ERR_MAX];
	size_t		 i, n = 0;
	unsigned char	 b;

	for (i = 0; err[i] != '\0' && n + 5 < sizeof(tmp); i++) {
		b = (unsigned char)err[i];
		if (b >= 0x20 && b < 0x7f)
			tmp[n++] = (char)b;
		else
			n += (size_t)snprintf(tmp + n, sizeof(tmp) - n,
			    "\\x%02x", b);
	}
	tmp[n] = '\0';
	snprintf(err, errlen, "%s", tmp);
}

int
config_parse_args(struct config *cfg, struct worker_opts *w, int argc,
    char **argv, char *err, size_t errlen)
{
	if (parse_args(cfg, w, argc, argv, err, errlen) == -1) {
		escape_err(err, errlen);
		return -1;
	}
	return 0;
}

static int
push(char **argv, size_t max, size_t *n, const char *a, const char *b)
{
	if (*n + (b ? 2 : 1) >= max)
		return -1;
	if ((argv[(*n)++] = strdup(a)) == NULL)
		return -1;
	if (b && (argv[(*n)++] = strdup(b)) == NULL)
		return -1;
	return 0;
}

/*
 * The supervisor resolves everything; a worker gets the resolved values,
 * not the file, so that what it runs with is exactly what the supervisor
 * reports.  The file is passed too for the sections only workers read.
 */
int
config_worker_argv(const struct config *cfg, char **argv, size_t max,
    size_t *n)
{
	char	hp[64 + NODE_KEY_STR_LEN];
	size_t	i;

	if (cfg->config_file[0] &&
	    push(argv, max, n, "-c", cfg->config_file) == -1)
		return -1;
	if (push(argv, max, n, "--data-dir", cfg->data_dir) == -1 ||
	    push(argv, max, n, "--run-dir", cfg->run_dir) == -1 ||
	    push(argv, max, n, "--network", cfg->network) == -1 ||
	    push(argv, max, n, "--user", cfg->user) == -1)
		return -1;
	for (i = 0; i < cfg->nlisten; i++)
		if (push(argv, max, n, "--listen",
		    hostport_str(&cfg->listen[i], hp, sizeof(hp))) == -1)
			return -1;
	for (i = 0; i < cfg->npeers; i++)
		if (push(argv, max, n, "--peer",
		    peer_str(cfg, i, hp, sizeof(hp))) == -1)
			return -1;
	if (cfg->genesis_dir[0] &&
	    push(argv, max, n, "--genesis-dir", cfg->genesis_dir) == -1)
		return -1;
	if (cfg->producer_key[0] &&
	    push(argv, max, n, "--producer-key", cfg->producer_key) == -1)
		return -1;
	if (cfg->debug && push(argv, max, n, "-d", NULL) == -1)
		return -1;
	if (push(argv, max, n, "--expect-version", TIMENODE_VERSION_FULL) == -1)
		return -1;
	argv[*n] = NULL;
	return 0;
}

/*
 * path made absolute against cwd; "" (unset) and absolute paths stay.
 * -1 naming key when the result does not fit.
 */
static int
resolve_path(char *path, size_t len, const char *cwd, const char *key,
    char *err, size_t errlen)
{
	char	tmp[2 * CONFIG_PATH_MAX + 2];
	int	n;

	if (path[0] == '\0' || path[0] == '/')
		return 0;
	n = snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "%s: \"%s\" made absolute (in %s) is "
		    "longer than %zu characters", key, path, cwd, len - 1);
		return -1;
	}
	memcpy(path, tmp, (size_t)n + 1);
	return 0;
}

int
config_resolve_paths(struct config *cfg, const char *cwd, char *err,
    size_t errlen)
{
	if (cwd == NULL || cwd[0] != '/') {
		snprintf(err, errlen, "working directory \"%s\" is not "
		    "absolute", cwd ? cwd : "(none)");
		return -1;
	}
	if (resolve_path(cfg->config_file, sizeof(cfg->config_file), cwd,
	    "-c", err, errlen) == -1 ||
	    resolve_path(cfg->data_dir, sizeof(cfg->data_dir), cwd,
	    "data_dir", err, errlen) == -1 ||
	    resolve_path(cfg->run_dir, sizeof(cfg->run_dir), cwd,
	    "run_dir", err, errlen) == -1 ||
	    resolve_path(cfg->worker_dir, sizeof(cfg->worker_dir), cwd,
	    "worker_dir", err, errlen) == -1 ||
	    resolve_path(cfg->genesis_dir, sizeof(cfg->genesis_dir), cwd,
	    "genesis_dir", err, errlen) == -1)
		return -1;
	/* "devnet" names the well-known development key, not a file */
	if (strcmp(cfg->producer_key, "devnet") != 0 &&
	    resolve_path(cfg->producer_key, sizeof(cfg->producer_key), cwd,
	    "producer_key", err, errlen) == -1)
		return -1;
	return 0;
}

void
config_free_worker_argv(char **argv, size_t from, size_t n)
{
	size_t i;

	for (i = from; i < n; i++) {
		free(argv[i]);
		argv[i] = NULL;
	}
}

/*
 * A number of seconds that reads back as the same double, in the plain
 * decimal form parse_seconds() takes (never an exponent): the fewest
 * fraction digits that strtod() turns into v again.  v is at most 366
 * days and, having been parsed from decimal text, has at most 400
 * significant fraction digits.
 */
static void
print_seconds(FILE *f, double v)
{
	char	buf[448];
	int	prec;

	for (prec = 0; prec < 400; prec++) {
		snprintf(buf, sizeof(buf), "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fprintf(f, "%s", buf);
}

static void
print_key(FILE *f, const struct config *cfg, const struct keydef *k)
{
	const char	*base = (const char *)cfg;
	char		 hp[64 + NODE_KEY_STR_LEN];
	size_t		 i;

	switch (k->kind) {
	case K_PATH:
	case K_NAME:
	case K_HASH:
		if (base[k->off] == '\0')	/* unset: cannot be written */
			fprintf(f, "# %s =\n", k->name);
		else
			fprintf(f, "%s = %s\n", k->name, base + k->off);
		return;
	case K_HOSTPORT0:
		if (((const struct hostport *)(base + k->off))->port == 0) {
			fprintf(f, "# %s =\n", k->name);	/* off */
			return;
		}
		/* FALLTHROUGH */
	case K_HOSTPORT:
		fprintf(f, "%s = %s\n", k->name, hostport_str(
		    (const struct hostport *)(base + k->off), hp, sizeof(hp)));
		return;
	case K_LISTEN:
		for (i = 0; i < cfg->nlisten; i++)
			fprintf(f, "%s = %s\n", k->name,
			    hostport_str(&cfg->listen[i], hp, sizeof(hp)));
		return;
	case K_PEER:
		if (cfg->npeers == 0)
			fprintf(f, "# %s =\n", k->name);
		for (i = 0; i < cfg->npeers; i++)
			fprintf(f, "%s = %s\n", k->name,
			    peer_str(cfg, i, hp, sizeof(hp)));
		return;
	case K_SECONDS:
	case K_SECONDS0:
		fprintf(f, "%s = ", k->name);
		print_seconds(f, *(const double *)(base + k->off));
		fprintf(f, "\n");
		return;
	case K_INT:
		fprintf(f, "%s = %d\n", k->name,
		    *(const int *)(base + k->off));
		return;
	case K_BOOL:
	case K_PLAINTEXT:
		fprintf(f, "%s = %s\n", k->name,
		    *(const int *)(base + k->off) == CONFIG_PLAINTEXT_ALWAYS ?
		    "always" : *(const int *)(base + k->off) ? "yes" : "no");
		return;
	}
}

void
config_print(const struct config *cfg, FILE *f)
{
	const char	*section = NULL;
	size_t		 i;

	for (i = 0; i < sizeof(keydefs) / sizeof(keydefs[0]); i++) {
		if (section == NULL || strcmp(section, keydefs[i].section)) {
			section = keydefs[i].section;
			fprintf(f, "%s[%s]\n", i ? "\n" : "", section);
		}
		print_key(f, cfg, &keydefs[i]);
	}
}
