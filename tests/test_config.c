/* SPDX-License-Identifier: ISC */
/*
 * test_config.c - the configuration of every process (common/config.c).
 *
 * Defaults and the systemd directory variables (also as timenodectl
 * resolves them); every command-line option, with the values each refuses
 * and the error text naming them; -h, -V, -n; every key read into its
 * field; the precedence of the command line over the file whatever the
 * argument order; lines longer than inih reads; and the round trip of
 * config_worker_argv() back through config_parse_args(), which is how a
 * worker learns the supervisor's effective configuration.
 *
 * What the file may say (every key's bounds and bad values, unknown
 * sections and keys, syntax errors with their line, the timings that must
 * agree with each other) is tested as golden files in tests/config/, run
 * through timenoded -nv (tests/config/run.sh).
 *
 * getopt may permute argv and keeps pointers into it between calls, so
 * every argv string lives (like a real argv) until the end of the program.
 */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "config.h"
#include "cunit.h"
#include "decimal.h"
#include "harness.h"		/* tn_fast_supervisor */

#define MAXARGS		300
#define EPS		1e-9
#define INI_LINE_MAX_DEBIAN	197	/* Debian's inih: INI_MAX_LINE 200 - 3 */

struct args {
	int	 argc;
	char	*argv[MAXARGS + 1];
};

static char	**pool;		/* every string handed to getopt */
static size_t	  npool, pool_cap;
static char	**tmpfiles;
static size_t	  ntmp, tmp_cap;

static char *
keep(const char *s)
{
	char **p;

	if (npool == pool_cap) {
		pool_cap = pool_cap ? 2 * pool_cap : 256;
		if ((p = realloc(pool, pool_cap * sizeof(*p))) == NULL)
			abort();
		pool = p;
	}
	if ((pool[npool] = strdup(s)) == NULL)
		abort();
	return pool[npool++];
}

static void
args_init(struct args *a)
{
	a->argc = 0;
	a->argv[a->argc++] = keep("timenode");
	a->argv[a->argc] = NULL;
}

static void
args_add(struct args *a, const char *s)
{
	if (a->argc >= MAXARGS)
		abort();
	a->argv[a->argc++] = keep(s);
	a->argv[a->argc] = NULL;
}

/* defaults, then parse the arguments (NULL-terminated list) */
static int
vparse(struct config *cfg, struct worker_opts *w, char *err, va_list ap)
{
	struct args	 a;
	const char	*s;

	args_init(&a);
	while ((s = va_arg(ap, const char *)) != NULL)
		args_add(&a, s);
	config_defaults(cfg);
	if (w)
		memset(w, 0, sizeof(*w));
	memset(err, 0, CONFIG_ERR_MAX);
	return config_parse_args(cfg, w, a.argc, a.argv, err, CONFIG_ERR_MAX);
}

static int
parse(struct config *cfg, char *err, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, err);
	rc = vparse(cfg, NULL, err, ap);
	va_end(ap);
	return rc;
}

static int
parse_w(struct config *cfg, struct worker_opts *w, char *err, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, err);
	rc = vparse(cfg, w, err, ap);
	va_end(ap);
	return rc;
}

static int
parse_args(struct config *cfg, struct args *a, char *err)
{
	config_defaults(cfg);
	memset(err, 0, CONFIG_ERR_MAX);
	return config_parse_args(cfg, NULL, a->argc, a->argv, err,
	    CONFIG_ERR_MAX);
}

/* a temporary config file with these bytes; removed at exit */
static const char *
conf_n(const char *text, size_t len)
{
	char	 path[] = "/tmp/test_config.XXXXXX";
	char	**p;
	int	 fd;

	if ((fd = mkstemp(path)) == -1)
		abort();
	if (write(fd, text, len) != (ssize_t)len || close(fd) == -1)
		abort();
	if (ntmp == tmp_cap) {
		tmp_cap = tmp_cap ? 2 * tmp_cap : 32;
		if ((p = realloc(tmpfiles, tmp_cap * sizeof(*p))) == NULL)
			abort();
		tmpfiles = p;
	}
	tmpfiles[ntmp++] = keep(path);
	return tmpfiles[ntmp - 1];
}

static const char *
conf(const char *text)
{
	return conf_n(text, strlen(text));
}

static const char *
hp(const struct hostport *h)
{
	static char buf[64];

	return hostport_str(h, buf, sizeof(buf));
}

static int
has(const char *err, const char *word)
{
	return strstr(err, word) != NULL;
}

/* the error must name each of the words */
#define ASSERT_ERR(err, ...) do {					\
	const char *w_[] = { __VA_ARGS__, NULL };			\
	size_t i_;							\
	for (i_ = 0; w_[i_] != NULL; i_++) {				\
		if (!has((err), w_[i_]))				\
			fprintf(stderr, "\nline %d: error \"%s\" does "	\
			    "not name \"%s\"\n", __LINE__, (err), w_[i_]); \
		CU_ASSERT(has((err), w_[i_]));				\
	}								\
} while (0)

static void
clear_env(void)
{
	unsetenv("STATE_DIRECTORY");
	unsetenv("RUNTIME_DIRECTORY");
}

static void
test_defaults(void)
{
	struct config	cfg;
	char		err[CONFIG_ERR_MAX];

	clear_env();
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.network, "devnet");
	CU_ASSERT_STRING_EQUAL(cfg.user, "timenode");
	CU_ASSERT_STRING_EQUAL(hp(&cfg.listen[0]), "127.0.0.1:24100");
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "./timenode-data");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "./timenode-data/run");
	CU_ASSERT_STRING_EQUAL(cfg.worker_dir, "");
	CU_ASSERT_STRING_EQUAL(cfg.config_file, "");
	CU_ASSERT_EQUAL(cfg.npeers, 0);
	CU_ASSERT_EQUAL(cfg.foreground, 0);
	CU_ASSERT_EQUAL(cfg.debug, 0);
	/* the design's heartbeat defaults: 60 s, 120 s, 5 missed pongs */
	CU_ASSERT_DOUBLE_EQUAL(cfg.ping_interval, 60, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg.ping_timeout, 120, EPS);
	CU_ASSERT_EQUAL(cfg.max_missed_pings, 5);
	CU_ASSERT(cfg.restart_delay_min > 0 &&
	    cfg.restart_delay_min <= cfg.restart_delay_max);
	CU_ASSERT(cfg.backoff_min > 0 && cfg.backoff_min <= cfg.backoff_max);
	CU_ASSERT(cfg.restart_intensity >= 1 && cfg.restart_window > 0);
	CU_ASSERT(cfg.heartbeat_interval < cfg.heartbeat_deadline);
	/* not producing, no timed production, until configured */
	CU_ASSERT_STRING_EQUAL(cfg.producer_key, "");
	CU_ASSERT_DOUBLE_EQUAL(cfg.block_interval, 0, EPS);
	CU_ASSERT(cfg.per_peer >= 1 && cfg.per_peer <= cfg.window);
}

static void
test_env_dirs(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	const char	*f;

	clear_env();
	setenv("STATE_DIRECTORY", "/x/y", 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/x/y");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/x/y/run");

	/* systemd's list of several directories: the first */
	setenv("STATE_DIRECTORY", "/a/b:/c/d", 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/a/b");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/a/b/run");

	setenv("STATE_DIRECTORY", "", 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "./timenode-data");

	clear_env();
	setenv("RUNTIME_DIRECTORY", "/r", 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "./timenode-data");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/r");
	/* --data-dir does not move an explicit run directory */
	CU_ASSERT_EQUAL(parse(&cfg, err, "--data-dir", "/d", NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/d");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/r");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--run-dir", "/q", NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/q");

	/* without it, --data-dir alone moves both */
	clear_env();
	CU_ASSERT_EQUAL(parse(&cfg, err, "--data-dir", "/d", NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/d");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/d/run");

	/* the file wins over the environment */
	setenv("STATE_DIRECTORY", "/x/y", 1);
	setenv("RUNTIME_DIRECTORY", "/r", 1);
	f = conf("[node]\ndata_dir = /from/file\nrun_dir = /run/file\n");
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", f, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/from/file");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/run/file");
	clear_env();
}

/* a string of n times c after a slash, in a buffer kept to the end */
static const char *
long_path(size_t n, char c)
{
	char *p, *k;

	if ((p = malloc(n + 2)) == NULL)
		abort();
	p[0] = '/';
	memset(p + 1, c, n);
	p[n + 1] = '\0';
	k = keep(p);
	free(p);
	return k;
}

/* never cut short: a value that does not fit is an error naming it */
static void
test_env_dirs_too_long(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX], env[400];
	const char	*p254 = long_path(254, 's');	/* 255 characters */
	const char	*p255 = long_path(255, 't');	/* 256 */
	const char	*p309 = long_path(309, 'u');	/* 310 */

	clear_env();
	setenv("STATE_DIRECTORY", p309, 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), -1);
	ASSERT_ERR(err, "$STATE_DIRECTORY", "310", "255");
	/* whatever overrides it: a bad file value is an error too */
	CU_ASSERT_EQUAL(parse(&cfg, err, "--data-dir", "/d", NULL), -1);
	ASSERT_ERR(err, "STATE_DIRECTORY");
	setenv("STATE_DIRECTORY", p255, 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, "--run-dir", "/r", NULL), -1);
	ASSERT_ERR(err, "STATE_DIRECTORY", "256");
	/* 255 characters fit (with a run dir of its own) */
	setenv("STATE_DIRECTORY", p254, 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, "--run-dir", "/r", NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, p254);
	/* the first of the list is what counts */
	snprintf(env, sizeof(env), "/short:%s", p309);
	setenv("STATE_DIRECTORY", env, 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/short");
	snprintf(env, sizeof(env), "%s:/short", p309);
	setenv("STATE_DIRECTORY", env, 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), -1);
	ASSERT_ERR(err, "STATE_DIRECTORY");
	/* an empty first directory is not the current one */
	setenv("STATE_DIRECTORY", ":/x", 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), -1);
	ASSERT_ERR(err, "STATE_DIRECTORY", "empty");

	clear_env();
	setenv("RUNTIME_DIRECTORY", p309, 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), -1);
	ASSERT_ERR(err, "$RUNTIME_DIRECTORY", "310");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--run-dir", "/r", NULL), -1);
	ASSERT_ERR(err, "RUNTIME_DIRECTORY");
	setenv("RUNTIME_DIRECTORY", p255, 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), -1);
	ASSERT_ERR(err, "RUNTIME_DIRECTORY", "256");
	setenv("RUNTIME_DIRECTORY", p254, 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, p254);

	/* the next defaults start afresh */
	clear_env();
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "./timenode-data");
}

/*
 * timenodectl's default socket is <config_default_run_dir()>/status.sock:
 * the run directory timenoded resolves when started without -c or
 * directory options, in every environment.
 */
static void
test_default_run_dir(void)
{
	static const struct {
		const char	*state, *runtime, *want;
	} cases[] = {
		{ NULL, NULL, "./timenode-data/run" },
		{ "", "", "./timenode-data/run" },
		{ "/var/lib/timenode", NULL, "/var/lib/timenode/run" },
		{ "/a:/b", NULL, "/a/run" },
		{ NULL, "/run/timenode", "/run/timenode" },
		{ "/var/lib/tn", "/run/tn:/run/other", "/run/tn" },
		{ "/ignored", "/r", "/r" },
	};
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX], run[CONFIG_PATH_MAX];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clear_env();
		if (cases[i].state)
			setenv("STATE_DIRECTORY", cases[i].state, 1);
		if (cases[i].runtime)
			setenv("RUNTIME_DIRECTORY", cases[i].runtime, 1);
		CU_ASSERT_EQUAL_FATAL(config_default_run_dir(run, sizeof(run),
		    err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(run, cases[i].want);
		CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, NULL), 0);
		CU_ASSERT_STRING_EQUAL(cfg.run_dir, run);
	}

	/* refused as the daemon refuses them */
	clear_env();
	setenv("STATE_DIRECTORY", long_path(300, 'x'), 1);
	CU_ASSERT_EQUAL(config_default_run_dir(run, sizeof(run), err,
	    sizeof(err)), -1);
	ASSERT_ERR(err, "STATE_DIRECTORY");
	setenv("STATE_DIRECTORY", "/s", 1);
	setenv("RUNTIME_DIRECTORY", ":/r", 1);
	CU_ASSERT_EQUAL(config_default_run_dir(run, sizeof(run), err,
	    sizeof(err)), -1);
	ASSERT_ERR(err, "RUNTIME_DIRECTORY");
	/* a data dir that fits, but not with /run */
	clear_env();
	setenv("STATE_DIRECTORY", long_path(254, 'y'), 1);
	CU_ASSERT_EQUAL(config_default_run_dir(run, sizeof(run), err,
	    sizeof(err)), -1);
	ASSERT_ERR(err, "data dir");
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), -1);
	ASSERT_ERR(err, "data dir");
	/* a buffer too small is an error, not a cut */
	clear_env();
	setenv("RUNTIME_DIRECTORY", "/run/timenode", 1);
	CU_ASSERT_EQUAL(config_default_run_dir(run, 13, err, sizeof(err)),
	    -1);
	CU_ASSERT_EQUAL(config_default_run_dir(run, 14, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(run, "/run/timenode");
	clear_env();
}

static void
test_all_options(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	const char	*f;

	clear_env();
	f = conf("[node]\nnetwork = fromfile\n");
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "-c", f, "-f", "-d",
	    "--data-dir", "/d", "--run-dir", "/r", "--listen", "10.1.2.3:4000",
	    "--peer", "10.0.0.1:1", "--peer", "10.0.0.2:65535",
	    "--network", "test_net-1.x", "--user", "nobody",
	    "--worker-dir", "/usr/libexec/timenode", NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.config_file, f);
	CU_ASSERT_EQUAL(cfg.foreground, 1);
	CU_ASSERT_EQUAL(cfg.debug, 1);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/d");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/r");
	CU_ASSERT_STRING_EQUAL(hp(&cfg.listen[0]), "10.1.2.3:4000");
	CU_ASSERT_EQUAL_FATAL(cfg.npeers, 2);
	CU_ASSERT_STRING_EQUAL(hp(&cfg.peers[0]), "10.0.0.1:1");
	CU_ASSERT_STRING_EQUAL(hp(&cfg.peers[1]), "10.0.0.2:65535");
	CU_ASSERT_STRING_EQUAL(cfg.network, "test_net-1.x");
	CU_ASSERT_STRING_EQUAL(cfg.user, "nobody");
	CU_ASSERT_STRING_EQUAL(cfg.worker_dir, "/usr/libexec/timenode");

	/* long spellings, --opt=value, grouped short options */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "--config", f, "--foreground",
	    "--debug", "--listen=0.0.0.0:65535", "--network=mainnet", NULL),
	    0);
	CU_ASSERT_STRING_EQUAL(cfg.config_file, f);
	CU_ASSERT(cfg.foreground && cfg.debug);
	CU_ASSERT_STRING_EQUAL(hp(&cfg.listen[0]), "0.0.0.0:65535");
	CU_ASSERT_STRING_EQUAL(cfg.network, "mainnet");
	CU_ASSERT_EQUAL(parse(&cfg, err, "-fd", NULL), 0);
	CU_ASSERT(cfg.foreground && cfg.debug);
	CU_ASSERT_STRING_EQUAL(cfg.config_file, "");
	CU_ASSERT_EQUAL(parse(&cfg, err, "-fdc", f, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.config_file, f);
	CU_ASSERT_STRING_EQUAL(cfg.network, "fromfile");
}

static void
test_worker_opts(void)
{
	struct config		cfg;
	struct worker_opts	w;
	char			err[CONFIG_ERR_MAX];

	clear_env();
	CU_ASSERT_EQUAL(parse_w(&cfg, &w, err, "--ctl",
	    "ipc:///run/timenode/ctl-netd.sock", "--test-crash", "-f", NULL),
	    0);
	CU_ASSERT_STRING_EQUAL(w.ctl_url, "ipc:///run/timenode/ctl-netd.sock");
	CU_ASSERT_EQUAL(w.crash_at_start, 1);
	CU_ASSERT_EQUAL(cfg.foreground, 1);

	CU_ASSERT_EQUAL(parse_w(&cfg, &w, err, "-d", NULL), 0);
	CU_ASSERT_STRING_EQUAL(w.ctl_url, "");
	CU_ASSERT_EQUAL(w.crash_at_start, 0);

	/* not for the supervisor */
	CU_ASSERT_EQUAL(parse(&cfg, err, "--ctl", "ipc:///x", NULL), -1);
	ASSERT_ERR(err, "ctl");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--test-crash", NULL), -1);
	ASSERT_ERR(err, "test-crash");

	CU_ASSERT_EQUAL(parse_w(&cfg, &w, err, "--ctl", NULL), -1);
	ASSERT_ERR(err, "--ctl");
	CU_ASSERT_EQUAL(parse_w(&cfg, &w, err, "--ctl", "", NULL), -1);
	ASSERT_ERR(err, "ctl");
}

/*
 * -h and -V: the first of them is the action, but the rest of the command
 * line must still be well formed (issue 13: "--help extra" printed the
 * help and exited 0); -n and -v are the
 * supervisor's, -v only with -n; a usage error says so (usage_error) so
 * that the program shows its usage, a bad value does not.
 */
static void
test_actions(void)
{
	struct config		cfg;
	struct worker_opts	w;
	char			err[CONFIG_ERR_MAX];

	clear_env();
	CU_ASSERT_EQUAL(parse(&cfg, err, "-f", "-h", NULL), 0);
	CU_ASSERT_EQUAL(cfg.action, CONFIG_HELP);
	CU_ASSERT_EQUAL(parse(&cfg, err, "-n", "-V", "-h", NULL), 0);
	CU_ASSERT_EQUAL(cfg.action, CONFIG_VERSION);
	CU_ASSERT_EQUAL(parse(&cfg, err, "-f", "-h", "--bogus", NULL), -1);
	CU_ASSERT_EQUAL(cfg.usage_error, 1);
	ASSERT_ERR(err, "--bogus");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--help", "extra", NULL), -1);
	CU_ASSERT_EQUAL(cfg.usage_error, 1);
	ASSERT_ERR(err, "extra");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--version", NULL), 0);
	CU_ASSERT_EQUAL(cfg.action, CONFIG_VERSION);
	CU_ASSERT_EQUAL(parse_w(&cfg, &w, err, "--help", NULL), 0);
	CU_ASSERT_EQUAL(cfg.action, CONFIG_HELP);
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), 0);
	CU_ASSERT_EQUAL(cfg.action, CONFIG_RUN);
	CU_ASSERT_EQUAL(parse(&cfg, err, "-nv", NULL), 0);
	CU_ASSERT_EQUAL(cfg.action, CONFIG_CHECK);
	CU_ASSERT_EQUAL(cfg.verbose, 1);
	CU_ASSERT_EQUAL(parse(&cfg, err, "--check", NULL), 0);
	CU_ASSERT_EQUAL(cfg.action, CONFIG_CHECK);
	CU_ASSERT_EQUAL(cfg.verbose, 0);
	CU_ASSERT_EQUAL(parse(&cfg, err, "-v", NULL), -1);
	CU_ASSERT_EQUAL(cfg.usage_error, 1);
	ASSERT_ERR(err, "-v", "-n");
	CU_ASSERT_EQUAL(parse_w(&cfg, &w, err, "-n", NULL), -1);
	ASSERT_ERR(err, "-n");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--expect-version", "1", NULL), -1);
	CU_ASSERT_EQUAL(cfg.usage_error, 1);
	CU_ASSERT_EQUAL(parse_w(&cfg, &w, err, "--expect-version", "1.2",
	    NULL), 0);
	CU_ASSERT_STRING_EQUAL(w.expect_version, "1.2");
	/* a bad value is no usage error; -n does not hide it */
	CU_ASSERT_EQUAL(parse(&cfg, err, "-n", "--listen", "x", NULL), -1);
	CU_ASSERT_EQUAL(cfg.usage_error, 0);
	CU_ASSERT_EQUAL(cfg.action, CONFIG_CHECK);
}

static void
test_unknown_option(void)
{
	struct config	cfg;
	char		err[CONFIG_ERR_MAX];

	clear_env();
	CU_ASSERT_EQUAL(parse(&cfg, err, "--bogus", NULL), -1);
	ASSERT_ERR(err, "--bogus");
	CU_ASSERT_EQUAL(parse(&cfg, err, "-f", "--bogus=1", "-d", NULL), -1);
	ASSERT_ERR(err, "--bogus");
	CU_ASSERT_EQUAL(parse(&cfg, err, "-x", NULL), -1);
	ASSERT_ERR(err, "-x");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--listen", "1.2.3.4:5", "-q", NULL),
	    -1);
	ASSERT_ERR(err, "-q");
	/* an option file of the wrong process is unknown, not ignored */
	CU_ASSERT_EQUAL(parse(&cfg, err, "--ctl=ipc:///x", NULL), -1);
	ASSERT_ERR(err, "ctl");
}

static void
test_missing_value(void)
{
	static const char *const opts[] = { "-c", "--config", "--data-dir",
	    "--run-dir", "--listen", "--peer", "--network", "--user",
	    "--worker-dir" };
	struct config	cfg;
	char		err[CONFIG_ERR_MAX];
	size_t		i;

	clear_env();
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		CU_ASSERT_EQUAL(parse(&cfg, err, "-f", opts[i], NULL), -1);
		ASSERT_ERR(err, opts[i]);
	}
}

static void
test_stray_argument(void)
{
	struct config	cfg;
	char		err[CONFIG_ERR_MAX];

	clear_env();
	CU_ASSERT_EQUAL(parse(&cfg, err, "-f", "stray", NULL), -1);
	ASSERT_ERR(err, "stray");
	CU_ASSERT_EQUAL(parse(&cfg, err, "stray2", "-f", NULL), -1);
	ASSERT_ERR(err, "stray2");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--listen", "1.2.3.4:5", "extra",
	    NULL), -1);
	ASSERT_ERR(err, "extra");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--", "-d", NULL), -1);
	ASSERT_ERR(err, "-d");
}

static const char *const bad_hostports[] = {
	"127.0.0.1",			/* no port */
	"127.0.0.1:",			/* empty port */
	":24100",			/* no address */
	"127.0.0.1:0",
	"127.0.0.1:65536",
	"127.0.0.1:99999999999999999999999",
	"127.0.0.1:abc",
	"127.0.0.1:80x",
	"127.0.0.1:-1",
	"127.0.0.1:+80",
	"localhost:24100",		/* a hostname, not an IPv4 address */
	"example.org:80",
	"::1:80",			/* IPv6 */
	"1.2.3:80",
	"256.1.1.1:80",
	"1.2.3.4.5:80",
	"",
};

static void
test_bad_hostport(void)
{
	struct config	cfg;
	char		err[CONFIG_ERR_MAX];
	size_t		i;

	clear_env();
	for (i = 0; i < sizeof(bad_hostports) / sizeof(bad_hostports[0]);
	    i++) {
		CU_ASSERT_EQUAL(parse(&cfg, err, "--listen", bad_hostports[i],
		    NULL), -1);
		ASSERT_ERR(err, "listen", bad_hostports[i]);
		CU_ASSERT_EQUAL(parse(&cfg, err, "--peer", bad_hostports[i],
		    NULL), -1);
		ASSERT_ERR(err, "peer", bad_hostports[i]);
	}
	CU_ASSERT_EQUAL(parse(&cfg, err, "--listen", "0.0.0.0:1", NULL), 0);
	CU_ASSERT_STRING_EQUAL(hp(&cfg.listen[0]), "0.0.0.0:1");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--peer", "255.255.255.255:65535",
	    NULL), 0);
	CU_ASSERT_STRING_EQUAL(hp(&cfg.peers[0]), "255.255.255.255:65535");
	CU_ASSERT_EQUAL(ntohs(htons(cfg.peers[0].port)), 65535);
	/* a listen address netd can never bind (issue 14, F6) */
	CU_ASSERT_EQUAL(parse(&cfg, err, "--listen", "255.255.255.255:65535",
	    NULL), -1);
	CU_ASSERT_EQUAL(parse(&cfg, err, "--listen", "[fe80::1]:24102",
	    NULL), -1);
	ASSERT_ERR(err, "listen", "fe80::1");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--listen", "[::]:24102", NULL), 0);
	CU_ASSERT_EQUAL(parse(&cfg, err, "--listen", "[fd00::1]:24102",
	    NULL), 0);
}

/*
 * The port is digits only: signs are refused explicitly, so white space
 * (which strtoul skips) must be too.
 */
static void
test_port_whitespace(void)
{
	struct hostport h;

	CU_ASSERT_EQUAL(parse_hostport("127.0.0.1: 80", &h), -1);
	CU_ASSERT_EQUAL(parse_hostport("127.0.0.1:\t80", &h), -1);
	CU_ASSERT_EQUAL(parse_hostport("127.0.0.1:80 ", &h), -1);
}

static void
test_bad_names(void)
{
	static const char *const bad[] = { "dev net", "dev/net", "../x", "",
	    "net\n", "dev:net", "0123456789012345678901234567890X" };
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	const char	*shown;
	size_t		 i;

	clear_env();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* a control character is shown escaped, not raw */
		shown = strcmp(bad[i], "net\n") == 0 ? "net\\x0a" : bad[i];
		CU_ASSERT_EQUAL(parse(&cfg, err, "--network", bad[i], NULL),
		    -1);
		ASSERT_ERR(err, "network", shown);
		CU_ASSERT_EQUAL(parse(&cfg, err, "--user", bad[i], NULL), -1);
		ASSERT_ERR(err, "user", shown);
		CU_ASSERT(strchr(err, '\n') == NULL);
	}
	/* 31 characters fit */
	CU_ASSERT_EQUAL(parse(&cfg, err, "--network",
	    "0123456789012345678901234567890", NULL), 0);
	CU_ASSERT_EQUAL(strlen(cfg.network), 31);
}

static void
test_long_paths(void)
{
	static const char *const opts[] = { "--data-dir", "--run-dir",
	    "--worker-dir" };
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	char		 p255[256], p256[257];
	size_t		 i;

	clear_env();
	memset(p255, 'a', 255);
	p255[0] = '/';
	p255[255] = '\0';
	memset(p256, 'b', 256);
	p256[0] = '/';
	p256[256] = '\0';
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		CU_ASSERT_EQUAL(parse(&cfg, err, opts[i], p256, NULL), -1);
		ASSERT_ERR(err, opts[i]);
		CU_ASSERT_EQUAL(parse(&cfg, err, opts[i], "", NULL), -1);
		ASSERT_ERR(err, opts[i]);
	}
	CU_ASSERT_EQUAL(parse(&cfg, err, "--run-dir", p255, "--worker-dir",
	    p255, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, p255);
	CU_ASSERT_STRING_EQUAL(cfg.worker_dir, p255);
	/* a data dir that fits, but not with "/run" after it */
	CU_ASSERT_EQUAL(parse(&cfg, err, "--data-dir", p255, NULL), -1);
	ASSERT_ERR(err, "data dir");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--data-dir", p255, "--run-dir",
	    "/r", NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, p255);
	/* and a config file path that is too long */
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", p256, NULL), -1);
	CU_ASSERT(has(err, "/bbbb"));
}

static const char all_keys[] =
	"; every key of every section\n"
	"[node]\n"
	"data_dir = /var/lib/tn\n"
	"run_dir = /run/tn\n"
	"worker_dir = /opt/tn/libexec\n"
	"network = testnet\n"
	"user = tnuser\n"
	"listen = 192.0.2.1:3000\n"
	"peer = 192.0.2.2:3001\n"
	"peer = 192.0.2.3:3002\n"
	"\n"
	"[supervisor]\n"
	"heartbeat_interval = 0.25\n"
	"heartbeat_deadline = 1.5\n"
	"start_deadline = 3\n"
	"restart_delay_min = 0.125\n"
	"restart_delay_max = 8\n"
	"fast_crash = 2.5\n"
	"restart_intensity = 7\n"
	"restart_window = 90\n"
	"stop_timeout = 4\n"
	"\n"
	"[p2p]\n"
	"# comments of both kinds\n"
	"ping_interval = 0.5\n"
	"ping_timeout = 1.75\n"
	"max_missed_pings = 3\n"
	"backoff_min = 0.1\n"
	"backoff_max = 20\n"
	"max_inbound = 10\n"
	"max_outbound = 0\n"
	"handshake_timeout = 2.5\n"
	"\n"
	"[store]\n"
	"map_size_mb = 64\n"
	"addr_max = 500\n"
	"\n"
	"[sync]\n"
	"genesis_dir = /etc/tn/genesis\n"
	"producer_key = /etc/tn/producer.key\n"
	"block_interval = 0.75\n"
	"payload_bytes = 1024\n"
	"max_reorg_depth = 10\n"
	"window = 256\n"
	"per_peer = 32\n"
	"request_timeout = 0.5\n";

static void
check_all_keys(const struct config *cfg)
{
	CU_ASSERT_STRING_EQUAL(cfg->data_dir, "/var/lib/tn");
	CU_ASSERT_STRING_EQUAL(cfg->run_dir, "/run/tn");
	CU_ASSERT_STRING_EQUAL(cfg->worker_dir, "/opt/tn/libexec");
	CU_ASSERT_STRING_EQUAL(cfg->network, "testnet");
	CU_ASSERT_STRING_EQUAL(cfg->user, "tnuser");
	CU_ASSERT_STRING_EQUAL(hp(&cfg->listen[0]), "192.0.2.1:3000");
	CU_ASSERT_EQUAL_FATAL(cfg->npeers, 2);
	CU_ASSERT_STRING_EQUAL(hp(&cfg->peers[0]), "192.0.2.2:3001");
	CU_ASSERT_STRING_EQUAL(hp(&cfg->peers[1]), "192.0.2.3:3002");
	CU_ASSERT_DOUBLE_EQUAL(cfg->heartbeat_interval, 0.25, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg->heartbeat_deadline, 1.5, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg->start_deadline, 3, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg->restart_delay_min, 0.125, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg->restart_delay_max, 8, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg->fast_crash, 2.5, EPS);
	CU_ASSERT_EQUAL(cfg->restart_intensity, 7);
	CU_ASSERT_DOUBLE_EQUAL(cfg->restart_window, 90, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg->stop_timeout, 4, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg->ping_interval, 0.5, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg->ping_timeout, 1.75, EPS);
	CU_ASSERT_EQUAL(cfg->max_missed_pings, 3);
	CU_ASSERT_DOUBLE_EQUAL(cfg->backoff_min, 0.1, EPS);
	CU_ASSERT_DOUBLE_EQUAL(cfg->backoff_max, 20, EPS);
	CU_ASSERT_EQUAL(cfg->max_inbound, 10);
	CU_ASSERT_EQUAL(cfg->max_outbound, 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg->handshake_timeout, 2.5, EPS);
	CU_ASSERT_EQUAL(cfg->map_size_mb, 64);
	CU_ASSERT_EQUAL(cfg->addr_max, 500);
	CU_ASSERT_STRING_EQUAL(cfg->genesis_dir, "/etc/tn/genesis");
	CU_ASSERT_STRING_EQUAL(cfg->producer_key, "/etc/tn/producer.key");
	CU_ASSERT_DOUBLE_EQUAL(cfg->block_interval, 0.75, EPS);
	CU_ASSERT_EQUAL(cfg->payload_bytes, 1024);
	CU_ASSERT_EQUAL(cfg->max_reorg_depth, 10);
	CU_ASSERT_EQUAL(cfg->window, 256);
	CU_ASSERT_EQUAL(cfg->per_peer, 32);
	CU_ASSERT_DOUBLE_EQUAL(cfg->request_timeout, 0.5, EPS);
}

static void
test_file_all_keys(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	const char	*f = conf(all_keys);

	clear_env();
	config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(config_load_file(&cfg, f, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.config_file, f);
	check_all_keys(&cfg);

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "-c", f, NULL), 0);
	check_all_keys(&cfg);
}

static void
test_file_missing(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	const char	*path = "/nonexistent-dir/timenode.conf";

	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, path, err, sizeof(err)), -1);
	ASSERT_ERR(err, path);
	CU_ASSERT_STRING_EQUAL(cfg.config_file, "");
	CU_ASSERT_EQUAL(parse(&cfg, err, "-f", "-c", path, NULL), -1);
	ASSERT_ERR(err, path);
}

/* a directory is not a config file (fopen(3) opens one for reading) */
static void
test_file_directory(void)
{
	struct config	cfg;
	char		err[CONFIG_ERR_MAX];

	config_defaults(&cfg);
	memset(err, 0, sizeof(err));
	CU_ASSERT_EQUAL(config_load_file(&cfg, "/tmp", err, sizeof(err)), -1);
	ASSERT_ERR(err, "/tmp");
	CU_ASSERT_STRING_EQUAL(cfg.config_file, "");
}

/*
 * A FIFO is no config file either, and is refused at once (issue 14, F4:
 * fopen(3) of a FIFO waits for a writer; the alarm fails the old code).
 */
static void
test_file_fifo(void)
{
	struct config	cfg;
	char		err[CONFIG_ERR_MAX], path[64];

	snprintf(path, sizeof(path), "/tmp/tn-config-fifo.%d", (int)getpid());
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	config_defaults(&cfg);
	alarm(10);
	CU_ASSERT_EQUAL(config_load_file(&cfg, path, err, sizeof(err)), -1);
	alarm(0);
	ASSERT_ERR(err, "not a regular file");
	unlink(path);
}

/* the command line wins, before or after -c */
static void
test_precedence(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	const char	*f;

	clear_env();
	f = conf("[node]\nlisten = 10.9.9.9:999\nnetwork = filenet\n"
	    "data_dir = /file/data\nuser = fileuser\n");
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "--listen", "10.1.1.1:1",
	    "--network", "clinet", "-c", f, NULL), 0);
	CU_ASSERT_STRING_EQUAL(hp(&cfg.listen[0]), "10.1.1.1:1");
	CU_ASSERT_STRING_EQUAL(cfg.network, "clinet");
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/file/data");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/file/data/run");
	CU_ASSERT_STRING_EQUAL(cfg.user, "fileuser");

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "-c", f, "--listen",
	    "10.1.1.1:1", "--data-dir", "/cli", NULL), 0);
	CU_ASSERT_STRING_EQUAL(hp(&cfg.listen[0]), "10.1.1.1:1");
	CU_ASSERT_STRING_EQUAL(cfg.network, "filenet");
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/cli");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/cli/run");

	/* a bad file value is an error even when the command line has one */
	f = conf("[node]\nlisten = nonsense\n");
	CU_ASSERT_EQUAL(parse(&cfg, err, "--listen", "10.1.1.1:1", "-c", f,
	    NULL), -1);
	ASSERT_ERR(err, "nonsense");
}

static void
test_peers(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	const char	*f;

	clear_env();
	f = conf("[node]\npeer = 10.0.0.1:100\npeer = 10.0.0.2:200\n");
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "-c", f, NULL), 0);
	CU_ASSERT_EQUAL(cfg.npeers, 2);

	/* --peer replaces the file's list, before or after -c */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "--peer", "10.0.0.3:300", "-c",
	    f, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.npeers, 1);
	CU_ASSERT_STRING_EQUAL(hp(&cfg.peers[0]), "10.0.0.3:300");
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "-c", f, "--peer",
	    "10.0.0.3:300", "--peer", "10.0.0.4:400", NULL), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.npeers, 2);
	CU_ASSERT_STRING_EQUAL(hp(&cfg.peers[0]), "10.0.0.3:300");
	CU_ASSERT_STRING_EQUAL(hp(&cfg.peers[1]), "10.0.0.4:400");
}

static void
add_peers(struct args *a, char *text, size_t len, int n)
{
	char	buf[32];
	int	i;

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "10.0.%d.%d:%d", i / 256, i % 256,
		    1000 + i);
		if (a != NULL) {
			args_add(a, "--peer");
			args_add(a, buf);
		}
		if (text != NULL) {
			strncat(text, "peer = ", len - strlen(text) - 1);
			strncat(text, buf, len - strlen(text) - 1);
			strncat(text, "\n", len - strlen(text) - 1);
		}
	}
}

static void
test_too_many_peers(void)
{
	struct config	 cfg;
	struct args	 a;
	char		 err[CONFIG_ERR_MAX], text[4096];
	const char	*f;

	clear_env();
	args_init(&a);
	add_peers(&a, NULL, 0, CONFIG_MAX_PEERS);
	CU_ASSERT_EQUAL(parse_args(&cfg, &a, err), 0);
	CU_ASSERT_EQUAL(cfg.npeers, CONFIG_MAX_PEERS);
	CU_ASSERT_STRING_EQUAL(hp(&cfg.peers[CONFIG_MAX_PEERS - 1]),
	    "10.0.0.63:1063");

	args_init(&a);
	add_peers(&a, NULL, 0, CONFIG_MAX_PEERS + 1);
	CU_ASSERT_EQUAL(parse_args(&cfg, &a, err), -1);
	ASSERT_ERR(err, "peer", "10.0.0.64:1064");

	strcpy(text, "[node]\n");
	add_peers(NULL, text, sizeof(text), CONFIG_MAX_PEERS + 1);
	f = conf(text);
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)), -1);
	ASSERT_ERR(err, f, ":66:", "peer", "at most 64");

	/* a full file and a full command line: the command line replaces */
	strcpy(text, "[node]\n");
	add_peers(NULL, text, sizeof(text), CONFIG_MAX_PEERS);
	f = conf(text);
	args_init(&a);
	args_add(&a, "-c");
	args_add(&a, f);
	add_peers(&a, NULL, 0, CONFIG_MAX_PEERS);
	CU_ASSERT_EQUAL(parse_args(&cfg, &a, err), 0);
	CU_ASSERT_EQUAL(cfg.npeers, CONFIG_MAX_PEERS);
}

static void
test_min_max_order(void)
{
	struct config	cfg;
	char		err[CONFIG_ERR_MAX];

	clear_env();
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", conf("[supervisor]\n"
	    "restart_delay_min = 2\nrestart_delay_max = 1\n"), NULL), -1);
	ASSERT_ERR(err, "restart_delay_min", "restart_delay_max");
	/* against the default maximum */
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", conf("[supervisor]\n"
	    "restart_delay_min = 1000\n"), NULL), -1);
	ASSERT_ERR(err, "restart_delay_min");
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", conf("[supervisor]\n"
	    "restart_delay_min = 3\nrestart_delay_max = 3\n"), NULL), 0);
	CU_ASSERT_DOUBLE_EQUAL(cfg.restart_delay_min, 3, EPS);

	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", conf("[p2p]\n"
	    "backoff_max = 0.5\n"), NULL), -1);
	ASSERT_ERR(err, "backoff_min", "backoff_max");
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", conf("[p2p]\n"
	    "backoff_min = 7\nbackoff_max = 7\n"), NULL), 0);
}

/*
 * Every valid configuration of the tree stays valid: the defaults, the
 * harness's fast supervisor and the variants the tests run with (copied
 * here from tests/test_netd.c, scenario.c, test_supervisor.c and
 * scripts/demo.sh).
 */
static void
test_timings_tree_configs(void)
{
	static const char *const extra[] = {
		"",
	};
	static const char *const others[] = {
		/* scenario.c */
		"[supervisor]\nheartbeat_interval = 0.5\n"
		"heartbeat_deadline = 5\nrestart_delay_min = 0.2\n"
		"restart_delay_max = 2\nfast_crash = 2\n"
		"restart_intensity = 30\nrestart_window = 60\n",
		/* test_supervisor.c */
		"[supervisor]\nheartbeat_interval = 0.2\n"
		"heartbeat_deadline = 2\nrestart_delay_min = 0.1\n"
		"restart_delay_max = 0.4\nfast_crash = 5\n"
		"restart_intensity = 3\nrestart_window = 30\n"
		"stop_timeout = 3\n",
		/* demo.sh */
		"[supervisor]\nheartbeat_interval = 0.2\n",
		"",
	};
	struct config	cfg;
	char		err[CONFIG_ERR_MAX], text[1024];
	size_t		i;

	clear_env();
	CU_ASSERT_EQUAL(parse(&cfg, err, NULL), 0);
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", tn_fast_supervisor,
		    extra[i]);
		CU_ASSERT_EQUAL(parse(&cfg, err, "-c", conf(text), NULL), 0);
	}
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		CU_ASSERT_EQUAL(parse(&cfg, err, "-c", conf(others[i]), NULL),
		    0);
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", conf(tn_lenient_supervisor),
	    NULL), 0);
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", conf(all_keys), NULL), 0);
}

/* "[node]\n" then a line "key = " + n times c, then "user = y\n" */
static const char *
conf_line(const char *key, size_t n, char c, const char *eol)
{
	char	text[1024];
	int	len;

	len = snprintf(text, sizeof(text), "[node]\n%s = /", key);
	if (len < 0 || (size_t)len + n + 32 > sizeof(text))
		abort();
	memset(text + len, c, n);
	snprintf(text + len + n, sizeof(text) - len - n, "%suser = y\n", eol);
	return conf(text);
}

/*
 * inih reads at most INI_MAX_LINE - 3 bytes of a line (Debian: 197) and
 * parses the rest as a line of its own: a longer line is refused by its
 * number, not reported as a syntax error, nor half-read.
 */
static void
test_file_long_lines(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX], want[128], *big;
	const char	*f;
	size_t		 i, n;

	clear_env();
	/* "data_dir = /" is 12 bytes */
	f = conf_line("data_dir", 197 - 12, 'a', "\n");
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(cfg.data_dir), 197 - 11);
	CU_ASSERT_STRING_EQUAL(cfg.user, "y");
	/* CR LF: the CR is not counted */
	f = conf_line("data_dir", 197 - 12, 'a', "\r\n");
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(cfg.data_dir), 197 - 11);

	/* one more, and the data dirs of 190 to 255 characters */
	for (n = 197 - 12 + 1; n <= 255; n += 11) {
		f = conf_line("data_dir", n, 'b', n % 2 ? "\n" : "\r\n");
		config_defaults(&cfg);
		CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)),
		    -1);
		snprintf(want, sizeof(want), "%s:2: line longer than %d bytes",
		    f, INI_LINE_MAX_DEBIAN);
		ASSERT_ERR(err, want);
		CU_ASSERT(!has(err, "syntax"));
		CU_ASSERT_STRING_EQUAL(cfg.data_dir, "./timenode-data");
		CU_ASSERT_STRING_EQUAL(cfg.config_file, "");
	}
	/* through -c */
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", f, NULL), -1);
	ASSERT_ERR(err, f, ":2:", "line longer");

	/* a long comment must not become a key by its tail */
	for (i = 0; i < 2; i++) {
		char text[600];

		memset(text, 0, sizeof(text));
		strcpy(text, "[node]\nnetwork = good\n# ");
		n = strlen(text);
		/* inih's first piece: 199 bytes; then "network = evil" */
		memset(text + n, 'c', i ? 199 - 2 : 197 - 2);
		strcat(text, i ? "network = evil\n" : "\n");
		f = conf(text);
		config_defaults(&cfg);
		CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)),
		    i ? -1 : 0);
		if (i) {
			snprintf(want, sizeof(want), "%s:3: line longer", f);
			ASSERT_ERR(err, want);
		}
		CU_ASSERT_STRING_EQUAL(cfg.network, i ? "devnet" : "good");
	}

	/* the last line without its newline */
	f = conf_n("[node]\n#2345678901234567890", 27);
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)), 0);
	big = calloc(1, 400);
	if (big == NULL)
		abort();
	strcpy(big, "[node]\n#");
	memset(big + 8, 'x', 300);
	f = conf(big);
	free(big);
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)), -1);
	ASSERT_ERR(err, ":2: line longer");

	/* a NUL byte would end the text early */
	f = conf_n("[node]\nnetwork = a\0b\nuser = z\n", 29);
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: NUL", f);
	ASSERT_ERR(err, want);
	CU_ASSERT_STRING_EQUAL(cfg.user, "timenode");

	/* more than 1 MiB of short lines */
	n = (1 << 20) + 104;		/* a multiple of 10 */
	if ((big = malloc(n)) == NULL)
		abort();
	for (i = 0; i + 10 <= n; i += 10)
		memcpy(big + i, "# comment\n", 10);
	f = conf_n(big, n);
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)), -1);
	ASSERT_ERR(err, f, "larger than 1048576 bytes");
	/* 1 MiB is fine */
	f = conf_n(big, 1 << 20);
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)), 0);
	free(big);

	/* the line numbers of other errors stay right after long-ish lines */
	f = conf("[node]\n# 195 ........................................"
	    "..............................................................."
	    "............................................................\n"
	    "network = ok\nbogus\n");
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load_file(&cfg, f, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:4: syntax error", f);
	ASSERT_ERR(err, want);
}

static void
test_helpers(void)
{
	struct hostport	h;
	double		d;
	char		buf[8];

	CU_ASSERT_EQUAL(parse_seconds("0.25", &d), 0);
	CU_ASSERT_DOUBLE_EQUAL(d, 0.25, EPS);
	CU_ASSERT_EQUAL(parse_seconds(".001", &d), -1);	/* decimal only */
	CU_ASSERT_EQUAL(parse_seconds("0.001", &d), 0);
	CU_ASSERT_DOUBLE_EQUAL(d, 0.001, EPS);
	CU_ASSERT_EQUAL(parse_seconds("1e-3", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds("0x10", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds(" 1", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds("31622400", &d), 0);
	d = 42;
	CU_ASSERT_EQUAL(parse_seconds("31622400.5", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds("0", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds("-0", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds("", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds("1.5x", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds("nan", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds("infinity", &d), -1);
	CU_ASSERT_EQUAL(parse_seconds("1e-400", &d), -1);
	CU_ASSERT_DOUBLE_EQUAL(d, 42, EPS);	/* untouched on error */

	CU_ASSERT_EQUAL(parse_hostport("192.0.2.7:8080", &h), 0);
	CU_ASSERT_EQUAL(h.port, 8080);
	CU_ASSERT(netaddr_is_v4(&h.ip) && netaddr_v4(&h.ip) == 0xc0000207u);
	/* the last colon separates the port */
	CU_ASSERT_EQUAL(parse_hostport("1.2.3.4:5:6", &h), -1);
	/* hostport_str truncates, never overflows */
	hostport_str(&h, buf, sizeof(buf));
	CU_ASSERT_EQUAL(strlen(buf), sizeof(buf) - 1);
}

/*
 * decimal.h's parser, which every integer of a config file, command line,
 * status socket command and systemd variable goes through: digits only,
 * range inclusive, no wrap-around past 64 bits, *out untouched on error.
 */
static void
test_parse_decimal(void)
{
	static const char *const bad[] = {
		"", "+5", "-1", "-0", " 5", "5 ", "5\n", "0x10", "1e3", "5x",
		"1.0", ".5", "\xef\xbc\x95", "18446744073709551616",
		"99999999999999999999999",
	};
	uint64_t	v;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		if (parse_decimal(bad[i], 0, UINT64_MAX, &v) != -1 ||
		    v != 42) {
			fprintf(stderr, "parse_decimal(\"%s\") took it\n",
			    bad[i]);
			CU_FAIL("a bad decimal was taken");
		}
	}
	CU_ASSERT(parse_decimal("18446744073709551615", 0, UINT64_MAX, &v) == 0
	    && v == UINT64_MAX);
	CU_ASSERT(parse_decimal("007", 0, 10, &v) == 0 && v == 7);
	CU_ASSERT(parse_decimal("0", 0, 0, &v) == 0 && v == 0);
	CU_ASSERT(parse_decimal("10", 1, 10, &v) == 0 && v == 10);
	CU_ASSERT_EQUAL(parse_decimal("11", 1, 10, &v), -1);
	CU_ASSERT_EQUAL(parse_decimal("0", 1, 10, &v), -1);
	CU_ASSERT(is_decimal("1.25", 1) && !is_decimal("1.25", 0));
	CU_ASSERT(!is_decimal("1.", 1) && !is_decimal(".5", 1));
	CU_ASSERT(!is_decimal("1.2.3", 1) && !is_decimal("+1.5", 1));
}

/* compare every field a worker runs with */
static void
assert_same_config(const struct config *a, const struct config *b)
{
	size_t i;

	CU_ASSERT_STRING_EQUAL(a->config_file, b->config_file);
	CU_ASSERT_STRING_EQUAL(a->data_dir, b->data_dir);
	CU_ASSERT_STRING_EQUAL(a->run_dir, b->run_dir);
	CU_ASSERT_STRING_EQUAL(a->network, b->network);
	CU_ASSERT_STRING_EQUAL(a->user, b->user);
	CU_ASSERT_EQUAL_FATAL(a->nlisten, b->nlisten);
	for (i = 0; i < a->nlisten; i++) {
		CU_ASSERT(netaddr_eq(&a->listen[i].ip, &b->listen[i].ip));
		CU_ASSERT_EQUAL(a->listen[i].port, b->listen[i].port);
	}
	CU_ASSERT_EQUAL_FATAL(a->npeers, b->npeers);
	for (i = 0; i < a->npeers; i++) {
		CU_ASSERT(netaddr_eq(&a->peers[i].ip, &b->peers[i].ip));
		CU_ASSERT_EQUAL(a->peers[i].port, b->peers[i].port);
	}
	CU_ASSERT_EQUAL(a->debug, b->debug);
	CU_ASSERT_EQUAL(a->heartbeat_interval, b->heartbeat_interval);
	CU_ASSERT_EQUAL(a->heartbeat_deadline, b->heartbeat_deadline);
	CU_ASSERT_EQUAL(a->start_deadline, b->start_deadline);
	CU_ASSERT_EQUAL(a->restart_delay_min, b->restart_delay_min);
	CU_ASSERT_EQUAL(a->restart_delay_max, b->restart_delay_max);
	CU_ASSERT_EQUAL(a->fast_crash, b->fast_crash);
	CU_ASSERT_EQUAL(a->restart_intensity, b->restart_intensity);
	CU_ASSERT_EQUAL(a->restart_window, b->restart_window);
	CU_ASSERT_EQUAL(a->stop_timeout, b->stop_timeout);
	CU_ASSERT_EQUAL(a->ping_interval, b->ping_interval);
	CU_ASSERT_EQUAL(a->ping_timeout, b->ping_timeout);
	CU_ASSERT_EQUAL(a->max_missed_pings, b->max_missed_pings);
	CU_ASSERT_EQUAL(a->backoff_min, b->backoff_min);
	CU_ASSERT_EQUAL(a->backoff_max, b->backoff_max);
	CU_ASSERT_EQUAL(a->max_inbound, b->max_inbound);
	CU_ASSERT_EQUAL(a->max_outbound, b->max_outbound);
	CU_ASSERT_EQUAL(a->handshake_timeout, b->handshake_timeout);
	CU_ASSERT_EQUAL(a->map_size_mb, b->map_size_mb);
	CU_ASSERT_EQUAL(a->addr_max, b->addr_max);
	CU_ASSERT_STRING_EQUAL(a->genesis_dir, b->genesis_dir);
	CU_ASSERT_STRING_EQUAL(a->producer_key, b->producer_key);
	CU_ASSERT_EQUAL(a->block_interval, b->block_interval);
	CU_ASSERT_EQUAL(a->payload_bytes, b->payload_bytes);
	CU_ASSERT_EQUAL(a->max_reorg_depth, b->max_reorg_depth);
	CU_ASSERT_EQUAL(a->window, b->window);
	CU_ASSERT_EQUAL(a->per_peer, b->per_peer);
	CU_ASSERT_EQUAL(a->request_timeout, b->request_timeout);
}

/*
 * The supervisor's configuration, as a worker sees it: argv[0], --ctl, then
 * config_worker_argv(), parsed in an empty environment (the supervisor
 * execs workers with envp = { NULL }).  foreground and worker_dir are the
 * supervisor's own and are not passed on.
 */
static void
round_trip(const struct config *sup)
{
	struct config		 wcfg;
	struct worker_opts	 w;
	struct args		 a;
	char			*wargv[MAXARGS];
	char			 err[CONFIG_ERR_MAX];
	size_t			 n = 0, i;

	memset(wargv, 0, sizeof(wargv));
	CU_ASSERT_EQUAL_FATAL(config_worker_argv(sup, wargv, MAXARGS, &n), 0);
	CU_ASSERT_PTR_NULL(wargv[n]);
	args_init(&a);
	args_add(&a, "--ctl");
	args_add(&a, "ipc:///run/ctl-netd.sock");
	for (i = 0; i < n; i++)
		args_add(&a, wargv[i]);
	config_free_worker_argv(wargv, 0, n);

	clear_env();
	config_defaults(&wcfg);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL_FATAL(config_parse_args(&wcfg, &w, a.argc, a.argv,
	    err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(w.ctl_url, "ipc:///run/ctl-netd.sock");
	assert_same_config(sup, &wcfg);
}

static void
test_worker_argv_round_trip(void)
{
	struct config	 sup;
	struct args	 a;
	char		 err[CONFIG_ERR_MAX];
	const char	*f = conf(all_keys);

	/* defaults only */
	clear_env();
	CU_ASSERT_EQUAL_FATAL(parse(&sup, err, NULL), 0);
	round_trip(&sup);

	/* systemd directories that the worker's empty environment lacks */
	setenv("STATE_DIRECTORY", "/var/lib/timenode", 1);
	setenv("RUNTIME_DIRECTORY", "/run/timenode", 1);
	CU_ASSERT_EQUAL_FATAL(parse(&sup, err, "-f", NULL), 0);
	round_trip(&sup);

	/* every key from the file, some overridden */
	setenv("STATE_DIRECTORY", "/var/lib/timenode", 1);
	CU_ASSERT_EQUAL_FATAL(parse(&sup, err, "-d", "--listen",
	    "198.51.100.1:7000", "-c", f, "--peer", "198.51.100.2:7001",
	    "--data-dir", "/srv/tn", "--network", "othernet", NULL), 0);
	CU_ASSERT_DOUBLE_EQUAL(sup.heartbeat_interval, 0.25, EPS);
	round_trip(&sup);

	/* the file's own peers, and its data dir */
	CU_ASSERT_EQUAL_FATAL(parse(&sup, err, "-c", f, NULL), 0);
	round_trip(&sup);

	/* several listen addresses, both families (issue 14) */
	CU_ASSERT_EQUAL_FATAL(parse(&sup, err, "--listen", "[::]:7000",
	    "--listen", "0.0.0.0:7000", "--listen", "[fd00::7]:7001",
	    "--peer", "[::1]:7002", NULL), 0);
	CU_ASSERT_EQUAL(sup.nlisten, 3);
	round_trip(&sup);

	/* as many peers as allowed, with a file and -d */
	clear_env();
	args_init(&a);
	args_add(&a, "-d");
	args_add(&a, "-c");
	args_add(&a, f);
	add_peers(&a, NULL, 0, CONFIG_MAX_PEERS);
	CU_ASSERT_EQUAL_FATAL(parse_args(&sup, &a, err), 0);
	CU_ASSERT_EQUAL(sup.npeers, CONFIG_MAX_PEERS);
	round_trip(&sup);
}

/* a vector that is too short: -1, nothing written past its end */
static void
test_worker_argv_short(void)
{
	struct config	  cfg;
	char		  err[CONFIG_ERR_MAX];
	char		**v;
	size_t		  max, n, need = 0;

	clear_env();
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "-d", "-c", conf(all_keys),
	    NULL), 0);
	for (max = 0; max < 40; max++) {
		if ((v = calloc(max ? max : 1, sizeof(*v))) == NULL)
			abort();
		n = 0;
		if (config_worker_argv(&cfg, v, max, &n) == 0) {
			if (need == 0)
				need = n + 1;
			CU_ASSERT(n < max && v[n] == NULL);
		} else
			CU_ASSERT(n < max || max == 0);
		config_free_worker_argv(v, 0, n < max ? n : max);
		free(v);
	}
	/*
	 * -c f, 5 pairs, 2 peers, genesis dir, producer key, -d,
	 * --expect-version v and the NULL
	 */
	CU_ASSERT_EQUAL(need, 2 + 10 + 4 + 4 + 1 + 2 + 1);

	/* appends after what is there already */
	if ((v = calloc(MAXARGS, sizeof(*v))) == NULL)
		abort();
	v[0] = keep("netd");
	n = 1;
	CU_ASSERT_EQUAL(config_worker_argv(&cfg, v, MAXARGS, &n), 0);
	CU_ASSERT_STRING_EQUAL(v[0], "netd");
	CU_ASSERT_STRING_EQUAL(v[1], "-c");
	config_free_worker_argv(v, 1, n);
	free(v);
}

/*
 * Relative paths, from the command line or the file, are made absolute
 * against the supervisor's working directory once (issue 10: a worker,
 * working elsewhere, found no "node.ini"); they then reach the worker
 * absolute, the file's paths included.
 */
static void
test_resolve_paths(void)
{
	struct config	 cfg;
	struct worker_opts w;
	char		 err[CONFIG_ERR_MAX];
	char		 longcwd[CONFIG_PATH_MAX + 8], *wargv[MAXARGS];
	const char	*f = conf("[node]\ndata_dir = d\nworker_dir = ./wk\n"
			    "[sync]\ngenesis_dir = g\nproducer_key = k/key\n");
	struct args	 a;
	size_t		 n = 0, i;

	clear_env();
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "--run-dir", "/abs/run", NULL),
	    0);
	snprintf(cfg.config_file, sizeof(cfg.config_file), "node.ini");
	CU_ASSERT_EQUAL_FATAL(config_resolve_paths(&cfg, "/w", err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.config_file, "/w/node.ini");
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/w/./timenode-data");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/abs/run");	/* kept */
	CU_ASSERT_STRING_EQUAL(cfg.worker_dir, "");		/* unset */
	CU_ASSERT_STRING_EQUAL(cfg.genesis_dir, "");

	/* the file's paths, and "devnet", which names no file */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "-c", f, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(config_resolve_paths(&cfg, "/w", err,
	    sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/w/d");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/w/d/run");
	CU_ASSERT_STRING_EQUAL(cfg.worker_dir, "/w/./wk");
	CU_ASSERT_STRING_EQUAL(cfg.genesis_dir, "/w/g");
	CU_ASSERT_STRING_EQUAL(cfg.producer_key, "/w/k/key");
	snprintf(cfg.producer_key, sizeof(cfg.producer_key), "devnet");
	CU_ASSERT_EQUAL(config_resolve_paths(&cfg, "/w", err, sizeof(err)),
	    0);
	CU_ASSERT_STRING_EQUAL(cfg.producer_key, "devnet");

	/* a worker re-reading the (relative) file still gets them absolute */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "-c", f, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(config_resolve_paths(&cfg, "/w", err,
	    sizeof(err)), 0);
	memset(wargv, 0, sizeof(wargv));
	CU_ASSERT_EQUAL_FATAL(config_worker_argv(&cfg, wargv, MAXARGS, &n),
	    0);
	args_init(&a);
	args_add(&a, "--ctl");
	args_add(&a, "ipc:///w/d/run/ctl-syncd.sock");
	for (i = 0; i < n; i++)
		args_add(&a, wargv[i]);
	config_free_worker_argv(wargv, 0, n);
	config_defaults(&cfg);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL_FATAL(config_parse_args(&cfg, &w, a.argc, a.argv,
	    err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.config_file, f);	/* absolute already */
	CU_ASSERT_STRING_EQUAL(cfg.data_dir, "/w/d");
	CU_ASSERT_STRING_EQUAL(cfg.genesis_dir, "/w/g");
	CU_ASSERT_STRING_EQUAL(cfg.producer_key, "/w/k/key");

	/* --journal: the supervisor's decision, for a worker only */
	CU_ASSERT_EQUAL(parse_w(&cfg, &w, err, "--ctl", "ipc:///c",
	    "--journal", NULL), 0);
	CU_ASSERT_EQUAL(w.journal, 1);
	CU_ASSERT_EQUAL(parse_w(&cfg, &w, err, "--ctl", "ipc:///c", NULL), 0);
	CU_ASSERT_EQUAL(w.journal, 0);

	/* the supervisor-only view refuses the worker options */
	CU_ASSERT_EQUAL(parse(&cfg, err, "--genesis-dir", "/g", NULL), -1);
	CU_ASSERT_EQUAL(parse(&cfg, err, "--journal", NULL), -1);

	/* too long once absolute: an error naming the key, nothing cut */
	memset(longcwd, 'x', sizeof(longcwd) - 1);
	longcwd[0] = '/';
	longcwd[CONFIG_PATH_MAX - 3] = '\0';
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, err, "-c", f, NULL), 0);
	CU_ASSERT_EQUAL(config_resolve_paths(&cfg, longcwd, err,
	    sizeof(err)), -1);
	ASSERT_ERR(err, "run_dir", "d/run");
	CU_ASSERT_EQUAL(config_resolve_paths(&cfg, "relative", err,
	    sizeof(err)), -1);
}

/*
 * Each call parses its own argv from scratch, whatever the previous call
 * left in getopt's state: here an error in the middle of a group of short
 * options ("-x" of "-xf").
 */
static void
test_reparse_after_error(void)
{
	struct config	 cfg;
	char		 err[CONFIG_ERR_MAX];
	const char	*f = conf("[node]\nnetwork = afterwards\n");

	clear_env();
	CU_ASSERT_EQUAL(parse(&cfg, err, "-xf", NULL), -1);
	ASSERT_ERR(err, "-x");
	CU_ASSERT_EQUAL(parse(&cfg, err, "-c", f, NULL), 0);
	CU_ASSERT_STRING_EQUAL(cfg.network, "afterwards");
	CU_ASSERT_EQUAL(cfg.foreground, 0);
	if (err[0])
		fprintf(stderr, "\nsecond parse: %s\n", err);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "defaults", test_defaults },
		{ "environment directories", test_env_dirs },
		{ "environment directories too long", test_env_dirs_too_long },
		{ "default run directory (timenodectl)", test_default_run_dir },
		{ "all options", test_all_options },
		{ "worker options", test_worker_opts },
		{ "help, version, check", test_actions },
		{ "unknown option", test_unknown_option },
		{ "missing value", test_missing_value },
		{ "stray argument", test_stray_argument },
		{ "bad host:port", test_bad_hostport },
		{ "port with white space", test_port_whitespace },
		{ "bad names", test_bad_names },
		{ "long paths", test_long_paths },
		{ "file: every key", test_file_all_keys },
		{ "file: missing", test_file_missing },
		{ "file: a directory", test_file_directory },
		{ "config file a FIFO", test_file_fifo },
		{ "precedence", test_precedence },
		{ "peers", test_peers },
		{ "too many peers", test_too_many_peers },
		{ "min <= max", test_min_max_order },
		{ "timings of the tree's configs", test_timings_tree_configs },
		{ "file: long lines", test_file_long_lines },
		{ "helpers", test_helpers },
		{ "strict decimals", test_parse_decimal },
		{ "worker argv round trip", test_worker_argv_round_trip },
		{ "worker argv short", test_worker_argv_short },
		{ "reparse after error", test_reparse_after_error },
		{ "relative paths resolved", test_resolve_paths },
	};
	struct tn_suite	 ts = { .name = "config", .cases = tests,
	    .ncases = TN_NCASES(tests) };
	size_t		 i;
	int		 rc;

	rc = tn_cunit_run(&ts);
	for (i = 0; i < ntmp; i++)
		unlink(tmpfiles[i]);
	for (i = 0; i < npool; i++)
		free(pool[i]);
	free(pool);
	free(tmpfiles);
	return rc;
}
