/* SPDX-License-Identifier: ISC */
/*
 * test_sandbox.c - sandbox_apply() checked from the outside.
 *
 * Every case forks a child that applies the sandbox to itself (a process
 * cannot leave a sandbox, so the test runner must stay outside), probes what
 * it may still do and sends a struct report to the parent over a pipe.  The
 * child then waits for a "go" byte so that the parent can read
 * /proc/<child>/status and /proc/<child>/root while the child still runs:
 * inside a chroot or a Landlock domain the child cannot read /proc itself.
 *
 * Two modes per case.  "root": the child applies the sandbox as root
 * (chroot + setresuid).  "landlock": the child first becomes nobody (when
 * the test runs as root) and applies the sandbox unprivileged.  Whatever
 * cannot run here is skipped with a printed reason.  Every wait is bounded:
 * alarm() in the child, poll() and a waitpid() deadline in the parent.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <seccomp.h>

#include "cunit.h"
#include "log.h"
#include "sandbox.h"

#define NOBODY		65534
#define CHILD_ALARM	10	/* s a child may live */
#define WAIT_MS		10000	/* ms the parent waits for anything */
#define MARKER		"marker"
#define NEWFILE		"new"
#define OUTSIDE		"/etc/passwd"	/* world-readable, outside */

enum mode { MODE_ROOT, MODE_LANDLOCK };

struct params {
	enum mode	 mode;
	enum sandbox_net net;
	const char	*user;
	int		 with_thread;	/* start a thread before the sandbox */
	int		 with_caps;	/* Landlock mode: keep ambient caps */
	int		 deny_capset;	/* capset(2) refused before, as by
					   SystemCallFilter=~@privileged */
};

/* What the child saw; an *_errno of 0 means the call worked. */
struct report {
	int	setup_errno;		/* becoming nobody, starting a thread */
	int	ret;			/* sandbox_apply() */
	int	chrooted;
	int	abi;
	pid_t	thread_tid;		/* with_thread: the other thread */
	int	inet_errno;		/* socket(AF_INET, SOCK_STREAM) */
	int	inet_hi_errno;		/* same, garbage in the upper 32 bits */
	int	unix_errno;		/* socket(AF_UNIX, SOCK_STREAM) */
	int	exec_errno;		/* execve("/bin/true") */
	int	vm_errno;		/* process_vm_readv() on ourselves */
	int	bind_errno;		/* bind 127.0.0.1:port */
	int	bind0_errno;		/* bind 127.0.0.1:0 */
	int	bind_other_errno;	/* bind 127.0.0.1:other_port */
	int	connect_errno;		/* connect to 127.0.0.1:port */
	int	outside_errno;		/* open(OUTSIDE) */
	int	marker_errno;		/* open the marker in the sandbox dir */
	int	create_errno;		/* create a file in the sandbox dir */
	int	fork_errno;		/* fork() */
	int	thread_errno;		/* pthread_create() after the sandbox */
	int	setuid0_errno;		/* setresuid(0, 0, 0) */
	unsigned long long caps_left;	/* CapInh|CapPrm|CapEff|CapAmb */
};

/* What the parent saw in /proc/<child>. */
struct procinfo {
	long	uid[4];
	int	nnp;
	int	seccomp;
	int	thread_nnp;
	int	thread_seccomp;
	long	status_owner;	/* 0 (root) once the child is not dumpable */
	char	root[PATH_MAX];
};

static char	 tmpdir[PATH_MAX];
static uint16_t	 port, other_port;

/* ---- helpers ------------------------------------------------------ */

static int
errno_of(int rc)
{
	return rc == -1 ? errno : 0;
}

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint16_t
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s;
	uint16_t		p = 0;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(s, (struct sockaddr *)&sin, &len) == 0)
		p = ntohs(sin.sin_port);
	close(s);
	return p;
}

/* tmpdir/name; -1 if it does not fit. */
static int
tmp_path(char *buf, size_t len, const char *name)
{
	int	n = snprintf(buf, len, "%s/%s", tmpdir, name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
mode_runnable(enum mode mode)
{
	if (mode == MODE_ROOT && geteuid() != 0) {
		printf("\n  skipped: root mode needs the test to run as root ");
		CU_PASS("skipped: not root");
		return 0;
	}
	return 1;
}

/* ---- the child ---------------------------------------------------- */

static void
become_nobody(struct report *r)
{
	gid_t	gid = NOBODY;

	if (geteuid() != 0)
		return;		/* already unprivileged */
	if (setgroups(1, &gid) == -1 ||
	    setresgid(NOBODY, NOBODY, NOBODY) == -1 ||
	    setresuid(NOBODY, NOBODY, NOBODY) == -1)
		r->setup_errno = errno;
}

/*
 * Still root: keep CAP_SETUID, CAP_SETGID and CAP_SYS_CHROOT through the
 * change to nobody, as ambient capabilities (what "setpriv
 * --ambient-caps" or systemd's AmbientCapabilities= give a process).
 */
static void
become_nobody_with_caps(struct report *r)
{
	static const int		 keep[] = { CAP_SETUID, CAP_SETGID,
					    CAP_SYS_CHROOT };
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 d[_LINUX_CAPABILITY_U32S_3];
	size_t				 i;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) {
		r->setup_errno = errno;
		return;
	}
	become_nobody(r);
	if (r->setup_errno != 0)
		return;
	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	memset(d, 0, sizeof(d));
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		d[0].effective |= 1U << keep[i];
	d[0].permitted = d[0].inheritable = d[0].effective;
	if (syscall(SYS_capset, &hdr, d) == -1) {
		r->setup_errno = errno;
		return;
	}
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, keep[i], 0,
		    0) == -1)
			r->setup_errno = errno;
}

/*
 * Every capability the process still holds, all sets or'ed together (from
 * the kernel, not /proc: the sandbox hides /proc).
 */
static unsigned long long
caps_held(void)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	d[_LINUX_CAPABILITY_U32S_3];
	unsigned long long		all = 0;
	int				i, cap;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, d) == -1)
		return ~0ULL;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		all |= (unsigned long long)(d[i].effective | d[i].permitted |
		    d[i].inheritable) << (32 * i);
	for (cap = 0; cap < 64; cap++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) ==
		    1)
			all |= 1ULL << cap;
	return all;
}

/*
 * What systemd's SystemCallFilter=~@privileged does to capset(2): EPERM.
 * Unprivileged, a filter needs NO_NEW_PRIVS first.
 */
static void
refuse_capset(struct report *r)
{
	scmp_filter_ctx	ctx;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		r->setup_errno = errno;
		return;
	}
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		r->setup_errno = ENOMEM;
		return;
	}
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(capset),
	    0) < 0 || seccomp_load(ctx) < 0)
		r->setup_errno = EINVAL;
	seccomp_release(ctx);
}

static void *
thread_noop(void *arg)
{
	return arg;
}

/* Threads yes, processes no; no capability, no way back to root. */
static void
probe_processes(struct report *r)
{
	pthread_t	t;
	pid_t		pid;

	r->thread_errno = pthread_create(&t, NULL, thread_noop, NULL);
	if (r->thread_errno == 0)
		pthread_join(t, NULL);
	if ((pid = fork()) == 0)
		_exit(0);
	r->fork_errno = errno_of(pid);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	r->caps_left = caps_held();
	r->setuid0_errno = errno_of(setresuid(0, 0, 0));
}

static void *
idle_thread(void *arg)
{
	pid_t	*tid = arg;

	*tid = (pid_t)syscall(SYS_gettid);
	for (;;)
		sleep(1000);	/* nanosleep: on the allow-list, pause not */
	return NULL;
}

static void
start_thread(struct report *r)
{
	pthread_t	t;
	int		i, e;

	if ((e = pthread_create(&t, NULL, idle_thread, &r->thread_tid)) != 0) {
		r->setup_errno = e;
		return;
	}
	for (i = 0; i < 1000 && __atomic_load_n(&r->thread_tid,
	    __ATOMIC_SEQ_CST) == 0; i++)
		sleep_ms(1);
	if (__atomic_load_n(&r->thread_tid, __ATOMIC_SEQ_CST) == 0)
		r->setup_errno = ETIMEDOUT;
}

static void
inside(char *buf, size_t len, const struct report *r, const char *name)
{
	if (r->chrooted)
		snprintf(buf, len, "/%s", name);
	else if (tmp_path(buf, len, name) == -1)
		buf[0] = '\0';
}

static int
try_bind(int s, uint16_t p)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(p);
	return errno_of(bind(s, (struct sockaddr *)&sin, sizeof(sin)));
}

static int
bind_new(uint16_t p)
{
	int	s, e;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return errno;
	e = try_bind(s, p);
	close(s);
	return e;
}

static void
probe_tcp(struct report *r)
{
	int	l, c;

	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		r->bind_errno = r->connect_errno = errno;
		return;
	}
	if ((r->bind_errno = try_bind(l, port)) == 0 &&
	    (r->bind_errno = errno_of(listen(l, 1))) == 0) {
		struct sockaddr_in	sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(port);
		if ((c = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			r->connect_errno = errno;
		else {
			r->connect_errno = errno_of(connect(c,
			    (struct sockaddr *)&sin, sizeof(sin)));
			close(c);
		}
	}
	close(l);
	r->bind0_errno = bind_new(0);
	r->bind_other_errno = bind_new(other_port);
}

static void
probe_fs(struct report *r)
{
	char	path[PATH_MAX];
	int	fd;

	fd = open(OUTSIDE, O_RDONLY | O_CLOEXEC);
	r->outside_errno = errno_of(fd);
	if (fd != -1)
		close(fd);
	inside(path, sizeof(path), r, MARKER);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r->marker_errno = errno_of(fd);
	if (fd != -1)
		close(fd);
	inside(path, sizeof(path), r, NEWFILE);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	r->create_errno = errno_of(fd);
	if (fd != -1)
		close(fd);
}

static void
probe(struct report *r)
{
	char		*argv[] = { "true", NULL }, *envp[] = { NULL };
	char		 src[8] = "abcdefg", dst[8];
	struct iovec	 liov = { dst, sizeof(dst) };
	struct iovec	 riov = { src, sizeof(src) };
	int		 s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	r->inet_errno = errno_of(s);
	if (s != -1)
		close(s);
	/* The kernel reads an int: a filter comparing 64 bits is fooled. */
	s = (int)syscall(SYS_socket, (1UL << 32) | AF_INET, SOCK_STREAM, 0);
	r->inet_hi_errno = errno_of(s);
	if (s != -1)
		close(s);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	r->unix_errno = errno_of(s);
	if (s != -1)
		close(s);
	r->vm_errno = errno_of((int)process_vm_readv(getpid(), &liov, 1,
	    &riov, 1, 0));
	probe_tcp(r);
	probe_fs(r);
	probe_processes(r);
	/* Last: if it worked, the child is gone and the parent sees EOF. */
	r->exec_errno = errno_of(execve("/bin/true", argv, envp));
}

static void __attribute__((noreturn))
child(const struct params *p, int rep, int go)
{
	struct sandbox		sb;
	struct sandbox_result	res;
	struct report		r;
	char			c;

	alarm(CHILD_ALARM);
	memset(&r, 0, sizeof(r));
	if (p->mode == MODE_LANDLOCK && p->with_caps)
		become_nobody_with_caps(&r);
	else if (p->mode == MODE_LANDLOCK)
		become_nobody(&r);
	if (r.setup_errno == 0 && p->deny_capset)
		refuse_capset(&r);
	if (r.setup_errno == 0 && p->with_thread)
		start_thread(&r);
	if (r.setup_errno != 0)
		goto report;
	memset(&sb, 0, sizeof(sb));
	sb.name = "test";
	sb.user = p->user;
	sb.root = tmpdir;
	sb.rw_paths[0] = tmpdir;
	sb.net = p->net;
	sb.tcp_ports[0] = port;
	r.ret = sandbox_apply(&sb, &res);
	r.chrooted = res.chrooted;
	r.abi = res.landlock_abi;
	if (r.ret == 0)
		probe(&r);
 report:
	if (write(rep, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(2);
	(void)!read(go, &c, 1);
	_exit(0);
}

/* ---- the parent --------------------------------------------------- */

static int
read_full(int fd, void *buf, size_t len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if (poll(&pfd, 1, WAIT_MS) <= 0)
			return -1;
		if ((n = read(fd, p, len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
read_status(const char *path, long uid[4], int *nnp, int *seccomp)
{
	FILE	*f;
	char	 line[256];

	*nnp = *seccomp = -1;
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (uid != NULL)
			sscanf(line, "Uid: %ld %ld %ld %ld", &uid[0], &uid[1],
			    &uid[2], &uid[3]);
		sscanf(line, "NoNewPrivs: %d", nnp);
		sscanf(line, "Seccomp: %d", seccomp);
	}
	fclose(f);
}

static void
read_proc(pid_t pid, const struct report *r, struct procinfo *pi)
{
	struct stat	st;
	char		path[64];
	ssize_t		n;

	memset(pi, 0, sizeof(*pi));
	memset(pi->uid, 0xff, sizeof(pi->uid));
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	read_status(path, pi->uid, &pi->nnp, &pi->seccomp);
	pi->status_owner = stat(path, &st) == 0 ? (long)st.st_uid : -1;
	pi->thread_nnp = pi->thread_seccomp = -1;
	if (r->thread_tid != 0) {
		snprintf(path, sizeof(path), "/proc/%ld/task/%ld/status",
		    (long)pid, (long)r->thread_tid);
		read_status(path, NULL, &pi->thread_nnp, &pi->thread_seccomp);
	}
	snprintf(path, sizeof(path), "/proc/%ld/root", (long)pid);
	if ((n = readlink(path, pi->root, sizeof(pi->root) - 1)) > 0)
		pi->root[n] = '\0';
}

/* waitpid() with a deadline; kills the child when it is over. */
static int
wait_bounded(pid_t pid)
{
	int	status, i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		pid_t	w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return status;
		if (w == -1 && errno != EINTR)
			return -1;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Runs one child; 0 when a full report came back. */
static int
run_child(const struct params *p, struct report *r, struct procinfo *pi)
{
	int	rep[2], go[2], rc;
	pid_t	pid;

	if (pipe2(rep, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(go, O_CLOEXEC) == -1) {
		close(rep[0]);
		close(rep[1]);
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(rep[0]);
		close(go[1]);
		child(p, rep[1], go[0]);
	}
	close(rep[1]);
	close(go[0]);
	rc = read_full(rep[0], r, sizeof(*r));
	if (rc == 0)
		read_proc(pid, r, pi);
	(void)!write(go[1], "g", 1);
	close(go[1]);
	close(rep[0]);
	if (wait_bounded(pid) != 0)
		rc = -1;
	return rc;
}

/* The kernel's Landlock ABI, capped like sandbox.c does; 0: none. */
static int
kernel_landlock_abi(void)
{
	long	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);

	if (abi <= 0)
		return 0;
	return abi > 7 ? 7 : (int)abi;
}

/* Runs a standard child; aborts the case unless the sandbox applied. */
static void
run(enum mode mode, enum sandbox_net net, struct report *r,
    struct procinfo *pi)
{
	struct params	p = { mode, net, "nobody", 0, 0, 0 };
	int		rc;

	memset(r, 0, sizeof(*r));
	rc = run_child(&p, r, pi);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(r->setup_errno, 0);
	CU_ASSERT_EQUAL_FATAL(r->ret, 0);
	CU_ASSERT_EQUAL(r->chrooted, mode == MODE_ROOT);
	CU_ASSERT_EQUAL(r->abi, mode == MODE_ROOT ? 0 : kernel_landlock_abi());
}

/* Both modes: what always applies. */
static void
check_always(const struct report *r, const struct procinfo *pi)
{
	CU_ASSERT_EQUAL(r->exec_errno, EPERM);
	CU_ASSERT_EQUAL(r->vm_errno, EPERM);
	CU_ASSERT_EQUAL(r->unix_errno, 0);
	CU_ASSERT_EQUAL(r->fork_errno, EPERM);
	CU_ASSERT_EQUAL(r->thread_errno, 0);
	CU_ASSERT_EQUAL(r->caps_left, 0);
	CU_ASSERT_EQUAL(r->setuid0_errno, EPERM);
	CU_ASSERT_EQUAL(pi->nnp, 1);
	CU_ASSERT_EQUAL(pi->seccomp, 2);
	/* Not dumpable: /proc/<pid> belongs to root, not to the child. */
	if (pi->uid[1] != 0)
		CU_ASSERT_EQUAL(pi->status_owner, 0);
}

static int
landlock_runs(const struct report *r, int min_abi, const char *what)
{
	if (r->abi >= min_abi)
		return 1;
	printf("\n  skipped %s: Landlock ABI %d < %d ", what, r->abi, min_abi);
	CU_PASS("skipped: Landlock too old");
	return 0;
}

/* ---- cases -------------------------------------------------------- */

static void
net_none(enum mode mode)
{
	struct report	r;
	struct procinfo	pi;

	if (!mode_runnable(mode))
		return;
	run(mode, SANDBOX_NET_NONE, &r, &pi);
	check_always(&r, &pi);
	CU_ASSERT_EQUAL(r.inet_errno, EPERM);
	CU_ASSERT_EQUAL(r.inet_hi_errno, EPERM);
	CU_ASSERT_EQUAL(r.bind_errno, EPERM);
	if (mode == MODE_LANDLOCK)
		printf("\n  Landlock ABI %d ", r.abi);
}

static void
net_tcp(enum mode mode)
{
	struct report	r;
	struct procinfo	pi;

	if (!mode_runnable(mode))
		return;
	run(mode, SANDBOX_NET_TCP, &r, &pi);
	check_always(&r, &pi);
	CU_ASSERT_EQUAL(r.inet_errno, 0);
	CU_ASSERT_EQUAL(r.bind_errno, 0);
	CU_ASSERT_EQUAL(r.bind0_errno, 0);
	CU_ASSERT_EQUAL(r.connect_errno, 0);
	if (mode == MODE_LANDLOCK && landlock_runs(&r, 4, "TCP bind rule"))
		CU_ASSERT_EQUAL(r.bind_other_errno, EACCES);
}

static void
fs_root(void)
{
	struct report	r;
	struct procinfo	pi;
	int		i;

	if (!mode_runnable(MODE_ROOT))
		return;
	run(MODE_ROOT, SANDBOX_NET_NONE, &r, &pi);
	check_always(&r, &pi);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(pi.uid[i], NOBODY);
	CU_ASSERT_STRING_EQUAL(pi.root, tmpdir);
	CU_ASSERT_EQUAL(r.marker_errno, 0);
	CU_ASSERT_EQUAL(r.create_errno, 0);
	CU_ASSERT_EQUAL(r.outside_errno, ENOENT);
}

static void
fs_landlock(void)
{
	struct report	r;
	struct procinfo	pi;

	run(MODE_LANDLOCK, SANDBOX_NET_NONE, &r, &pi);
	check_always(&r, &pi);
	/* Only root may readlink the root of a non-dumpable process. */
	if (geteuid() == 0) {
		CU_ASSERT_STRING_EQUAL(pi.root, "/");
		CU_ASSERT_EQUAL(pi.uid[0], NOBODY);
	}
	CU_ASSERT_EQUAL(r.marker_errno, 0);
	CU_ASSERT_EQUAL(r.create_errno, 0);
	if (landlock_runs(&r, 1, "filesystem rules"))
		CU_ASSERT_EQUAL(r.outside_errno, EACCES);
}

static void test_net_none_root(void) { net_none(MODE_ROOT); }
static void test_net_none_landlock(void) { net_none(MODE_LANDLOCK); }
static void test_net_tcp_root(void) { net_tcp(MODE_ROOT); }
static void test_net_tcp_landlock(void) { net_tcp(MODE_LANDLOCK); }
static void test_fs_root(void) { fs_root(); }
static void test_fs_landlock(void) { fs_landlock(); }

/* A missing service user falls back to nobody. */
static void
test_user_fallback(void)
{
	struct params	p = { MODE_ROOT, SANDBOX_NET_NONE,
			    "timenode-no-such-user", 0, 0, 0 };
	struct report	r;
	struct procinfo	pi;

	if (!mode_runnable(MODE_ROOT))
		return;
	CU_ASSERT_EQUAL_FATAL(run_child(&p, &r, &pi), 0);
	CU_ASSERT_EQUAL(r.ret, 0);
	CU_ASSERT_EQUAL(pi.uid[0], NOBODY);
}

/* A service user with uid 0 is refused. */
static void
test_refuse_root(void)
{
	struct params	p = { MODE_ROOT, SANDBOX_NET_NONE, "root", 0, 0, 0 };
	struct report	r;
	struct procinfo	pi;

	if (!mode_runnable(MODE_ROOT))
		return;
	CU_ASSERT_EQUAL_FATAL(run_child(&p, &r, &pi), 0);
	CU_ASSERT_EQUAL(r.ret, -1);
	CU_ASSERT_EQUAL(pi.uid[0], 0);
	CU_ASSERT_EQUAL(pi.seccomp, 0);
}

/* Root mode: seccomp and NO_NEW_PRIVS reach a thread started before. */
static void
test_threads_root(void)
{
	struct params	p = { MODE_ROOT, SANDBOX_NET_NONE, "nobody", 1, 0, 0 };
	struct report	r;
	struct procinfo	pi;

	if (!mode_runnable(MODE_ROOT))
		return;
	CU_ASSERT_EQUAL_FATAL(run_child(&p, &r, &pi), 0);
	CU_ASSERT_EQUAL_FATAL(r.setup_errno, 0);
	CU_ASSERT_EQUAL(r.ret, 0);
	CU_ASSERT_EQUAL(pi.uid[0], NOBODY);
	CU_ASSERT_NOT_EQUAL(r.thread_tid, 0);
	CU_ASSERT_EQUAL(pi.thread_nnp, 1);
	CU_ASSERT_EQUAL(pi.thread_seccomp, 2);
}

/*
 * Landlock mode in a process that is not root but holds CAP_SETUID and
 * friends (ambient): the sandbox drops them all, so root stays out of
 * reach.
 */
static void
test_caps_landlock(void)
{
	struct params	p = { MODE_LANDLOCK, SANDBOX_NET_NONE, "nobody", 0,
			    1, 0 };
	struct report	r;
	struct procinfo	pi;

	if (!mode_runnable(MODE_ROOT))	/* only root can hand them out */
		return;
	CU_ASSERT_EQUAL_FATAL(run_child(&p, &r, &pi), 0);
	CU_ASSERT_EQUAL_FATAL(r.setup_errno, 0);
	CU_ASSERT_EQUAL_FATAL(r.ret, 0);
	CU_ASSERT_EQUAL(pi.uid[0], NOBODY);
	check_always(&r, &pi);
}

/*
 * Landlock mode holding no capability under a service-wide filter that
 * refuses capset(2) (systemd's SystemCallFilter=~@privileged, issue 10):
 * nothing to drop, so the sandbox must not call it and still applies.
 */
static void
test_no_caps_no_capset(void)
{
	struct params	p = { MODE_LANDLOCK, SANDBOX_NET_NONE, "nobody", 0,
			    0, 1 };
	struct report	r;
	struct procinfo	pi;

	CU_ASSERT_EQUAL_FATAL(run_child(&p, &r, &pi), 0);
	CU_ASSERT_EQUAL_FATAL(r.setup_errno, 0);
	CU_ASSERT_EQUAL_FATAL(r.ret, 0);
	check_always(&r, &pi);
}

/* fd's directory is path's */
static int
is_dir_of(int fd, const char *path)
{
	struct stat	a, b;

	return fd != -1 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * sandbox_open_dir: below the owned directory no link is followed,
 * however the paths are spelled; above it, links are the operator's.
 */
static void
test_open_dir(void)
{
	char	owned[PATH_MAX], other[PATH_MAX], link[PATH_MAX];
	char	run[PATH_MAX + 64], spelled[PATH_MAX + 64];
	char	deep[PATH_MAX + 64];
	int	fd;

	CU_ASSERT_FATAL(tmp_path(owned, sizeof(owned), "owned") == 0);
	CU_ASSERT_FATAL(tmp_path(other, sizeof(other), "other") == 0);
	CU_ASSERT_FATAL(mkdir(owned, 0700) == 0 && mkdir(other, 0700) == 0);
	snprintf(run, sizeof(run), "%s/run", owned);

	/* made, then opened; spelled with // and ./ it is the same */
	fd = sandbox_open_dir(run, owned, 1);
	CU_ASSERT(is_dir_of(fd, run));
	close(fd);
	snprintf(spelled, sizeof(spelled), "%s//./owned/./run", tmpdir);
	fd = sandbox_open_dir(spelled, owned, 0);
	CU_ASSERT(is_dir_of(fd, run));
	close(fd);

	/* run swapped for a link: refused whatever the spelling */
	CU_ASSERT_FATAL(rmdir(run) == 0 && symlink(other, run) == 0);
	errno = 0;
	CU_ASSERT_EQUAL(sandbox_open_dir(run, owned, 0), -1);
	CU_ASSERT(errno == ELOOP || errno == ENOTDIR);
	CU_ASSERT_EQUAL(sandbox_open_dir(spelled, owned, 1), -1);
	fd = sandbox_open_dir(run, NULL, 0);	/* no owner: followed */
	CU_ASSERT(is_dir_of(fd, other));
	close(fd);

	/* a link above owned (the operator's) is followed */
	CU_ASSERT_FATAL(tmp_path(link, sizeof(link), "owned-link") == 0);
	CU_ASSERT_FATAL(symlink(owned, link) == 0);
	snprintf(deep, sizeof(deep), "%s/run", link);
	CU_ASSERT_EQUAL(sandbox_open_dir(deep, owned, 0), -1);	/* still run */
	CU_ASSERT_FATAL(unlink(run) == 0 && mkdir(run, 0700) == 0);
	fd = sandbox_open_dir(deep, owned, 0);
	CU_ASSERT(is_dir_of(fd, run));
	close(fd);

	/* ".." below owned leaves it: refused */
	snprintf(deep, sizeof(deep), "%s/run/../run", owned);
	errno = 0;
	CU_ASSERT_EQUAL(sandbox_open_dir(deep, owned, 0), -1);
	CU_ASSERT_EQUAL(errno, EACCES);

	unlink(link);
	rmdir(run);
	rmdir(owned);
	rmdir(other);
}

/* Landlock mode: a thread started before would escape, so refuse. */
static void
test_threads_landlock(void)
{
	struct params	p = { MODE_LANDLOCK, SANDBOX_NET_NONE, "nobody", 1, 0,
			    0 };
	struct report	r;
	struct procinfo	pi;

	CU_ASSERT_EQUAL_FATAL(run_child(&p, &r, &pi), 0);
	CU_ASSERT_EQUAL_FATAL(r.setup_errno, 0);
	if (kernel_landlock_abi() == 0) {
		printf("\n  skipped: no Landlock, nothing to refuse ");
		CU_PASS("skipped: no Landlock");
		return;
	}
	CU_ASSERT_EQUAL(r.ret, -1);
	CU_ASSERT_EQUAL(pi.seccomp, 0);
}

/*
 * The allow-lists (issue 10 item 5), one profile per worker: calls no
 * worker needs are refused with EPERM and one log line naming the call's
 * number (mount, a netlink socket); ptrace and execve are refused quietly;
 * IPv4 sockets only for netd, file syncs only for stored; the worker goes
 * on afterwards.  The child's stderr comes back through a pipe; its exit
 * status carries one bit per expectation met.
 */
#define UNL_MOUNT	0x01	/* mount(2): EPERM */
#define UNL_NETLINK	0x02	/* socket(AF_NETLINK): EPERM */
#define UNL_PTRACE	0x04	/* ptrace(PTRACE_TRACEME): EPERM */
#define UNL_EXEC	0x08	/* execve: EPERM */
#define UNL_INET	0x10	/* socket(AF_INET) as the profile says */
#define UNL_SYNC	0x20	/* fdatasync as the profile says */
#define UNL_AFTER	0x40	/* still alive and working afterwards */
#define UNL_ALL		0x7f

struct profile {
	const char		*name;
	enum sandbox_net	 net;
	unsigned		 syscalls;
};

static const struct profile profiles[] = {
	{ "stored", SANDBOX_NET_NONE, SANDBOX_SYSCALLS_DATA },
	{ "syncd", SANDBOX_NET_NONE, 0 },
	{ "netd", SANDBOX_NET_TCP, 0 },
};

/* errno of a call, 0 when it worked */
static int
call_errno(long rc)
{
	return rc == -1 ? errno : 0;
}

static void __attribute__((noreturn))
unlisted_child(enum mode mode, const struct profile *pf, int err)
{
	char			*argv[] = { "true", NULL }, *envp[] = { NULL };
	char			 path[PATH_MAX];
	struct sandbox		 sb;
	struct sandbox_result	 res;
	struct report		 r;
	int			 bits = 0, s, fd, e;

	alarm(CHILD_ALARM);
	memset(&r, 0, sizeof(r));
	if (mode == MODE_LANDLOCK)
		become_nobody(&r);
	if (r.setup_errno != 0 || dup2(err, STDERR_FILENO) == -1 ||
	    tmp_path(path, sizeof(path), MARKER) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		_exit(100);
	memset(&sb, 0, sizeof(sb));
	sb.name = pf->name;
	sb.user = "nobody";
	sb.root = tmpdir;
	sb.rw_paths[0] = tmpdir;
	sb.net = pf->net;
	sb.syscalls = pf->syscalls;
	if (sandbox_apply(&sb, &res) == -1)
		_exit(101);
	if (call_errno(syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL)) ==
	    EPERM)
		bits |= UNL_MOUNT;
	if ((s = socket(AF_NETLINK, SOCK_RAW, 0)) == -1 && errno == EPERM)
		bits |= UNL_NETLINK;
	if (s != -1)
		close(s);
	if (call_errno(syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0,
	    0)) == EPERM)
		bits |= UNL_PTRACE;
	if (execve("/bin/true", argv, envp) == -1 && errno == EPERM)
		bits |= UNL_EXEC;
	s = socket(AF_INET, SOCK_STREAM, 0);
	e = s == -1 ? errno : 0;
	if (s != -1)
		close(s);
	if (e == (pf->net == SANDBOX_NET_TCP ? 0 : EPERM))
		bits |= UNL_INET;
	if (call_errno(fdatasync(fd)) == (pf->syscalls &
	    SANDBOX_SYSCALLS_DATA ? 0 : EPERM))
		bits |= UNL_SYNC;
	if (getpid() > 0 && write(STDERR_FILENO, "after\n", 6) == 6)
		bits |= UNL_AFTER;
	_exit(bits);
}

static void
unlisted_one(enum mode mode, const struct profile *pf)
{
	char	 out[4096], want[128];
	ssize_t	 n;
	size_t	 len = 0;
	pid_t	 pid;
	int	 p[2], status;

	CU_ASSERT_FATAL(pipe2(p, O_CLOEXEC) == 0);
	fflush(NULL);
	CU_ASSERT_FATAL((pid = fork()) != -1);
	if (pid == 0) {
		close(p[0]);
		unlisted_child(mode, pf, p[1]);
	}
	close(p[1]);
	while (len < sizeof(out) - 1 && (n = read(p[0], out + len,
	    sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	status = wait_bounded(pid);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), UNL_ALL);
	snprintf(want, sizeof(want), "test_sandbox[%ld]: warning: seccomp: "
	    "not on the allow-list, refused: system call %d\n", (long)pid,
	    (int)SYS_mount);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
	snprintf(want, sizeof(want), "refused: system call %d\n",
	    (int)SYS_socket);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));	/* AF_NETLINK */
	/* execve, ptrace, socket(AF_INET) are refused quietly */
	snprintf(want, sizeof(want), "system call %d\n", (int)SYS_execve);
	CU_ASSERT_PTR_NULL(strstr(out, want));
	snprintf(want, sizeof(want), "system call %d\n", (int)SYS_fdatasync);
	if (pf->syscalls & SANDBOX_SYSCALLS_DATA)
		CU_ASSERT_PTR_NULL(strstr(out, want))
	else
		CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
	if (WEXITSTATUS(status) != UNL_ALL || strstr(out, "after") == NULL)
		fprintf(stderr, "\n%s: exit %#x, said: %s", pf->name,
		    WEXITSTATUS(status), out);
}

static void
unlisted(enum mode mode)
{
	size_t	i;

	if (!mode_runnable(mode))
		return;
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		unlisted_one(mode, &profiles[i]);
}

static void test_unlisted_root(void) { unlisted(MODE_ROOT); }
static void test_unlisted_landlock(void) { unlisted(MODE_LANDLOCK); }

/* ---- setup -------------------------------------------------------- */

static int
make_file(const char *name)
{
	char	path[PATH_MAX];
	int	fd;

	if (tmp_path(path, sizeof(path), name) == -1)
		return -1;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* Before every case: an empty sandbox dir with only the marker. */
static int
suite_init(void)
{
	char	tmpl[] = "/tmp/test_sandbox.XXXXXX", *real;

	if (mkdtemp(tmpl) == NULL)
		return -1;
	if ((real = realpath(tmpl, NULL)) == NULL)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	if (geteuid() == 0 && chown(tmpdir, NOBODY, NOBODY) == -1)
		return -1;
	if ((port = free_port()) == 0)
		return -1;
	other_port = port == 65535 ? port - 1 : port + 1;
	return 0;
}

static void
case_setup(void)
{
	char	path[PATH_MAX];

	if (tmp_path(path, sizeof(path), NEWFILE) == 0)
		unlink(path);
	if (make_file(MARKER) == -1)
		fprintf(stderr, "cannot create %s/%s\n", tmpdir, MARKER);
}

static int
suite_clean(void)
{
	char	path[PATH_MAX];

	if (tmp_path(path, sizeof(path), NEWFILE) == 0)
		unlink(path);
	if (tmp_path(path, sizeof(path), MARKER) == 0)
		unlink(path);
	return rmdir(tmpdir);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "net none, root mode", test_net_none_root },
		{ "net none, landlock mode", test_net_none_landlock },
		{ "net tcp, root mode", test_net_tcp_root },
		{ "net tcp, landlock mode", test_net_tcp_landlock },
		{ "filesystem, root mode", test_fs_root },
		{ "filesystem, landlock mode", test_fs_landlock },
		{ "missing user falls back to nobody", test_user_fallback },
		{ "uid 0 service user refused", test_refuse_root },
		{ "threads, root mode (TSYNC)", test_threads_root },
		{ "threads, landlock mode refused", test_threads_landlock },
		{ "ambient capabilities dropped, landlock mode",
		    test_caps_landlock },
		{ "no capability held: no capset (~@privileged unit)",
		    test_no_caps_no_capset },
		{ "allow-list per worker, root mode",
		    test_unlisted_root },
		{ "allow-list per worker, landlock mode",
		    test_unlisted_landlock },
		{ "open a directory without following links below its owner",
		    test_open_dir },
	};
	struct tn_suite	 ts = { .name = "sandbox", .cases = tests,
	    .ncases = TN_NCASES(tests), .init = suite_init,
	    .clean = suite_clean, .setup = case_setup };

	log_init("test_sandbox", 1);
	return tn_cunit_run(&ts);
}
