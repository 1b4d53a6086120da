/* SPDX-License-Identifier: ISC */
/*
 * test_stored_readers.c - LMDB reader slots of dead processes (issue 11,
 * item 11; the fault of PowerDNS#9888).
 *
 * A process that dies inside a read transaction (`stored --verify` hit
 * by Ctrl-C) leaves its reader slot behind; the snapshot it names keeps
 * every page freed after it, so each later commit of the running stored
 * grew chain.mdb by tens of KiB until stored restarted.  Two cases:
 *
 *   dead reader	a child opens a read transaction and exits without
 *			ending it; the running stored (the real binary, under
 *			the fake supervisor) clears the slot within its check
 *			period and the file stops growing over many commits
 *   verify SIGINT	`stored --verify` interrupted by SIGINT ends its read
 *			transaction and leaves no dead slot
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <CUnit/Basic.h>
#include <dirent.h>
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit.h"
#include "fakesup.h"
#include "harness.h"
#include "store.h"

#define START_TIMEOUT	20
/*
 * Commits after the dead reader was cleared; without the check each of
 * them grew the file by about 32 KiB (one small block per commit: 6.3
 * MiB for the 200, measured on the code before the fix).
 */
#define COMMITS		200
#define GROWTH_MAX	(256u << 10)	/* what page reuse may still add */

static struct fakesup	fs;
static struct fs_chain	chain;

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static int
append_one(uint64_t h)
{
	struct fs_batch		bt;
	struct ipc_result	res;
	int			rc;

	if (fs_batch_make(&bt, &chain, h, 1) == -1)
		return -1;
	rc = fs_append(&fs, &bt.a, &res, 20);
	fs_batch_free(&bt);
	return rc == 0 && res.code == IPC_OK ? 0 : -1;
}

/* an environment handle on path, read-only (NULL on failure) */
static MDB_env *
env_open_ro(const char *path)
{
	MDB_env *env;

	if (mdb_env_create(&env) != 0)
		return NULL;
	if (mdb_env_set_maxdbs(env, 4) != 0 || mdb_env_open(env, path,
	    MDB_NOSUBDIR | MDB_RDONLY, 0600) != 0) {
		mdb_env_close(env);
		return NULL;
	}
	return env;
}

/* a child begins a read transaction and dies inside it */
static int
leave_dead_reader(const char *path)
{
	MDB_env	*env;
	MDB_txn	*txn;
	pid_t	 pid;
	int	 st;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((env = env_open_ro(path)) == NULL ||
		    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0)
			_exit(1);
		_exit(0);	/* no abort, no close: the slot stays */
	}
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* reader slots of dead processes in path's lock file (cleared), or -1 */
static int
dead_readers(const char *path)
{
	MDB_env	*env;
	int	 dead = -1;

	if ((env = env_open_ro(path)) == NULL)
		return -1;
	if (mdb_reader_check(env, &dead) != 0)
		dead = -1;
	mdb_env_close(env);
	return dead;
}

static void
test_dead_reader(void)
{
	char		path[300];
	off_t		before, after;
	uint64_t	h;
	int		i, ok = 1;

	CU_ASSERT_FATAL(fs_init(&fs, NULL) == 0);
	CU_ASSERT_FATAL(fs_chown(&fs) == 0);
	CU_ASSERT_FATAL(fs_chain_init(&chain, 1000, 200, 0) == 0);
	if (fs_start(&fs, NULL, START_TIMEOUT) == -1) {
		fs_dump_log(&fs);
		CU_FAIL_FATAL("stored did not start");
	}
	snprintf(path, sizeof(path), "%s/%s", fs.data, STORE_FILE);
	for (h = 1; h <= 20 && ok; h++)
		ok = append_one(h) == 0;
	CU_ASSERT_FATAL(ok);

	CU_ASSERT_FATAL(leave_dead_reader(path) == 0);
	/* a few commits behind the dead snapshot, then the check runs */
	for (i = 0; i < 10 && ok; i++, h++)
		ok = append_one(h) == 0;
	fs_pump(&fs, 2.5);
	CU_ASSERT(tn_file_contains(fs.log, "reader slot(s) of dead "
	    "processes"));
	before = file_size(path);
	for (i = 0; i < COMMITS && ok; i++, h++)
		ok = append_one(h) == 0;
	CU_ASSERT(ok);
	after = file_size(path);
	printf("\n  chain.mdb: %lld bytes, %lld after %d more commits\n",
	    (long long)before, (long long)after, COMMITS);
	CU_ASSERT(before > 0 && after >= before);
	CU_ASSERT(after - before <= (off_t)GROWTH_MAX);
	CU_ASSERT(fs.pid > 0 && kill(fs.pid, 0) == 0);
	fs_cleanup(&fs);
	fs_chain_free(&chain);
}

/* SIGINT is caught (SigCgt bit 2), the lock file is open: env is open */
static int
verify_ready(pid_t pid)
{
	char		 v[64], fdpath[64], link[512];
	struct dirent	*de;
	unsigned long long mask;
	DIR		*d;
	ssize_t		 n;
	int		 open_env = 0;

	if (tn_read_proc_status(pid, "SigCgt", v, sizeof(v)) == -1)
		return 0;
	mask = strtoull(v, NULL, 16);
	if (!(mask & (1ull << (SIGINT - 1))))
		return 0;
	snprintf(fdpath, sizeof(fdpath), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(fdpath)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && !open_env) {
		if ((n = readlinkat(dirfd(d), de->d_name, link,
		    sizeof(link) - 1)) > 0) {
			link[n] = '\0';
			open_env = strstr(link, "chain.mdb-lock") != NULL;
		}
	}
	closedir(d);
	return open_env;
}

/*
 * stored --verify on a chain of a few thousand blocks, SIGINT as soon as
 * its environment is open, a little later each round.  Whether it ended
 * mid-walk ("interrupted") or had finished, no dead reader is left, and
 * it ends by SIGINT (or exit 0 when done first), never by a crash.
 */
static void
test_verify_sigint(void)
{
	char		 path[300], prog[512], line[512];
	int		 round, p[2], st, interrupted = 0, ready;
	pid_t		 pid;
	uint64_t	 h;
	double		 end;
	FILE		*f;
	int		 ok = 1;

	CU_ASSERT_FATAL(fs_init(&fs, NULL) == 0);
	CU_ASSERT_FATAL(fs_chown(&fs) == 0);
	CU_ASSERT_FATAL(fs_chain_init(&chain, 4100, 16384, 0) == 0);
	if (fs_start(&fs, NULL, START_TIMEOUT) == -1) {
		fs_dump_log(&fs);
		CU_FAIL_FATAL("stored did not start");
	}
	for (h = 1; h < 4000 && ok; h += 200) {
		struct fs_batch		bt;
		struct ipc_result	res;

		CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, h, 200) == 0);
		ok = fs_append(&fs, &bt.a, &res, 30) == 0 &&
		    res.code == IPC_OK;
		fs_batch_free(&bt);
	}
	CU_ASSERT_FATAL(ok);
	fs_kill(&fs, SIGTERM, 10);	/* verify alone: nobody clears slots */
	snprintf(path, sizeof(path), "%s/%s", fs.data, STORE_FILE);
	CU_ASSERT_FATAL(tn_bin("stored", prog, sizeof(prog)) != NULL);

	for (round = 0; round < 4; round++) {
		CU_ASSERT_FATAL(pipe(p) == 0);
		if ((pid = fork()) == 0) {
			dup2(p[1], STDOUT_FILENO);
			close(p[0]);
			close(p[1]);
			execl(prog, "stored", "--verify", fs.data, (char *)NULL);
			_exit(127);
		}
		CU_ASSERT_FATAL(pid > 0);
		tn_track_pid(pid);
		close(p[1]);
		for (ready = 0, end = tn_now() + 10; !ready && tn_now() < end;)
			if (!(ready = verify_ready(pid)))
				tn_sleep(0.0005);
		CU_ASSERT(ready);	/* never, when SIGINT is not caught */
		tn_sleep(0.005 * round);
		kill(pid, SIGINT);
		line[0] = '\0';
		f = fdopen(p[0], "r");
		if (f == NULL || fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		if (f)
			fclose(f);
		CU_ASSERT(waitpid(pid, &st, 0) == pid);
		printf("\n  round %d: %s", round, line[0] ? line : "(nothing)\n");
		if (strstr(line, "interrupted") != NULL) {
			interrupted++;
			CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
		} else
			CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
			    strstr(line, ": ok: ") != NULL);
		CU_ASSERT_EQUAL(dead_readers(path), 0);
	}
	printf("  %d of 4 rounds interrupted mid-walk\n", interrupted);
	fs_cleanup(&fs);
	fs_chain_free(&chain);
}

int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "dead reader: the file stops growing", test_dead_reader },
		{ "verify SIGINT: no dead reader left", test_verify_sigint },
	};
	struct tn_suite	 ts = { .name = "stored readers", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL };

	signal(SIGPIPE, SIG_IGN);
	alarm(300);
	return tn_cunit_run(&ts);
}
