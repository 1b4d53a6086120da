/* SPDX-License-Identifier: ISC */
/*
 * sandbox.c - the privilege drop of every worker, written once.
 *
 * A worker calls sandbox_apply() once, after it has opened what it needs
 * from the outside and before it reads untrusted input.  Two modes:
 *
 *  - root: look up the service user (fall back to "nobody"), chroot,
 *    chdir("/"), setgroups, setresgid, setresuid, then check that the ids
 *    really changed and that root cannot be regained.
 *  - unprivileged: a Landlock ruleset that leaves read/write access only
 *    beneath sb->rw_paths and, with Landlock ABI >= 4, restricts TCP.
 *    Landlock is spoken through raw syscalls (there is no library) and the
 *    installed <linux/landlock.h> predates the network rules, so the newer
 *    constants and structures are defined here.
 *
 * Then, in both modes: every capability dropped (a non-root worker started
 * with ambient capabilities, say CAP_SETUID, would otherwise keep them
 * under Landlock; capset only when one is held, for units whose
 * SystemCallFilter= refuses @privileged), PR_SET_NO_NEW_PRIVS,
 * PR_SET_DUMPABLE 0 and a seccomp allow-list (libseccomp; chrony's
 * sys_linux.c is the model): the calls the workers need, some with their
 * arguments checked (socket by family, clone only with CLONE_THREAD: a
 * worker makes threads, never processes, so the supervisor knows every
 * process of a worker by its pid; clone3 ENOSYS so that glibc uses clone;
 * tgkill to itself; harmless ioctl and prctl requests).  execve,
 * execveat, ptrace, process_vm_readv/writev, io_uring_setup (its
 * IORING_OP_SOCKET would create sockets without socket(2)), fork and
 * vfork fail quietly with EPERM; anything else traps, is logged with its
 * number by a SIGSYS handler and fails with EPERM.
 *
 * Every step that fails is logged with its errno and makes sandbox_apply()
 * return -1: a worker must never run half sandboxed.  The one exception is
 * a kernel without Landlock (ENOSYS, EOPNOTSUPP): that is logged as a
 * warning and the worker continues with NO_NEW_PRIVS and seccomp only.
 *
 * Threads: chroot, the ids (glibc broadcasts set*id) and the seccomp filter
 * (TSYNC, which also copies NO_NEW_PRIVS) cover every thread, but Landlock
 * before ABI 8 only restricts the calling thread.  Landlock mode therefore
 * refuses to run once a second thread exists: call sandbox_apply() before
 * the first nng call, which starts nng's threads.
 *
 * Afterwards nothing outside the chroot or rw_paths can be opened: load
 * shared objects, NSS (getpwnam, getaddrinfo), /etc/localtime, /dev/null
 * and the like before; getrandom(2) keeps working (libsodium uses it).
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/sched.h>
#include <linux/sockios.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>
#include <ucontext.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

#define SANDBOX_FALLBACK_USER	"nobody"

/*
 * Landlock definitions missing from older <linux/landlock.h>.  Macros are
 * guarded so that a newer header wins; the structures and the rule type
 * (an enum in newer headers, which #ifndef cannot see) get private names
 * with the kernel's uapi layout.
 */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule		445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self	446
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION	(1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER	(1ULL << 13)	/* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP	(1ULL << 0)	/* ABI 4 */
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP	(1ULL << 1)	/* ABI 4 */
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)	/* ABI 6 */
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL		(1ULL << 1)	/* ABI 6 */
#endif

#define TN_LANDLOCK_RULE_PATH_BENEATH	1
#define TN_LANDLOCK_RULE_NET_PORT	2	/* ABI 4 */

/* The newest ABI whose rights this file knows; newer kernels get these. */
#define TN_LANDLOCK_ABI_MAX		7

struct tn_landlock_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

struct tn_landlock_path_beneath_attr {
	uint64_t	allowed_access;
	int32_t		parent_fd;
} __attribute__((packed));

struct tn_landlock_net_port_attr {
	uint64_t	allowed_access;
	uint64_t	port;
};

#define LL_FS_ABI1 (LANDLOCK_ACCESS_FS_EXECUTE |			\
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |	\
	LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR |	\
	LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |	\
	LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |	\
	LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |	\
	LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

/* The only rights the kernel accepts in a rule on a non-directory. */
#define LL_FS_FILE (LANDLOCK_ACCESS_FS_EXECUTE |			\
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |	\
	LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Never granted, not even beneath rw_paths. */
#define LL_FS_NEVER (LANDLOCK_ACCESS_FS_EXECUTE |			\
	LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK)

static const char *
sb_name(const struct sandbox *sb)
{
	return sb->name != NULL ? sb->name : "worker";
}

/* ---- root mode ---------------------------------------------------- */

/*
 * The fall-back warning once per process: a worker looks its user up
 * twice (worker.c's service_user, then drop_root), and said it twice.
 */
static void
warn_fallback(const struct sandbox *sb, const char *user)
{
	static int warned;

	if (warned++)
		return;
	if (user != NULL && *user != '\0')
		log_warnx("sandbox %s: user \"%s\" not found, falling back "
		    "to \"%s\"", sb_name(sb), user, SANDBOX_FALLBACK_USER);
	else
		log_warnx("sandbox %s: no service user configured, falling "
		    "back to \"%s\"", sb_name(sb), SANDBOX_FALLBACK_USER);
}

/*
 * Find the uid and gid to drop to.  Must run before chroot(): it reads
 * /etc/passwd and may load NSS modules.
 */
static int
lookup_user(const struct sandbox *sb, uid_t *uid, gid_t *gid)
{
	const char	*user = sb->user;
	struct passwd	*pw = NULL;

	if (user != NULL && *user != '\0') {
		errno = 0;
		pw = getpwnam(user);
	}
	if (pw == NULL)
		warn_fallback(sb, user);
	if (pw == NULL) {
		user = SANDBOX_FALLBACK_USER;
		errno = 0;
		if ((pw = getpwnam(user)) == NULL) {
			if (errno == 0)
				errno = ENOENT;
			log_warn("sandbox %s: getpwnam \"%s\"", sb_name(sb),
			    user);
			return -1;
		}
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		log_warnx("sandbox %s: refusing to run as \"%s\" "
		    "(uid %lu, gid %lu): it is root", sb_name(sb), user,
		    (unsigned long)pw->pw_uid, (unsigned long)pw->pw_gid);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
enter_root(const struct sandbox *sb)
{
	if (sb->root == NULL || *sb->root == '\0') {
		log_warnx("sandbox %s: no chroot directory", sb_name(sb));
		return -1;
	}
	if (sb->root_fd > 0) {
		if (fchdir(sb->root_fd) == -1 || chroot(".") == -1) {
			log_warn("sandbox %s: chroot %s", sb_name(sb),
			    sb->root);
			return -1;
		}
	} else if (chroot(sb->root) == -1) {
		log_warn("sandbox %s: chroot %s", sb_name(sb), sb->root);
		return -1;
	}
	if (chdir("/") == -1) {
		log_warn("sandbox %s: chdir / in %s", sb_name(sb), sb->root);
		return -1;
	}
	return 0;
}

static int
set_ids(const struct sandbox *sb, uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) == -1) {
		log_warn("sandbox %s: setgroups %lu", sb_name(sb),
		    (unsigned long)gid);
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		log_warn("sandbox %s: setresgid %lu", sb_name(sb),
		    (unsigned long)gid);
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		log_warn("sandbox %s: setresuid %lu", sb_name(sb),
		    (unsigned long)uid);
		return -1;
	}
	return 0;
}

/* Trust nothing: read the ids back and try to become root again. */
static int
verify_ids(const struct sandbox *sb, uid_t uid, gid_t gid)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg, groups[2];
	int	n;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1) {
		log_warn("sandbox %s: getresuid/getresgid", sb_name(sb));
		return -1;
	}
	if (ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid) {
		log_warnx("sandbox %s: ids did not change: uid %lu/%lu/%lu "
		    "gid %lu/%lu/%lu, wanted %lu/%lu", sb_name(sb),
		    (unsigned long)ru, (unsigned long)eu, (unsigned long)su,
		    (unsigned long)rg, (unsigned long)eg, (unsigned long)sg,
		    (unsigned long)uid, (unsigned long)gid);
		return -1;
	}
	if ((n = getgroups(2, groups)) == -1) {
		log_warn("sandbox %s: getgroups", sb_name(sb));
		return -1;
	}
	if (n != 1 || groups[0] != gid) {
		log_warnx("sandbox %s: supplementary groups not dropped",
		    sb_name(sb));
		return -1;
	}
	if (setuid(0) != -1 || setgid(0) != -1) {
		log_warnx("sandbox %s: could regain root after the drop",
		    sb_name(sb));
		return -1;
	}
	return 0;
}

/*
 * Changing credentials clears the parent-death signal: arm it again (the
 * caller's signal if it had one, else SIGTERM), then make sure the parent
 * did not die in the window where no signal was armed: an orphan is
 * reparented (to 1 or to a subreaper).  Compare with the parent we had
 * rather than with 1, which is a legitimate parent in a container.
 */
static int
rearm_pdeathsig(const struct sandbox *sb, int sig, pid_t ppid)
{
	if (sig == 0)
		sig = SIGTERM;
	if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == -1) {
		log_warn("sandbox %s: prctl PR_SET_PDEATHSIG", sb_name(sb));
		return -1;
	}
	if (getppid() != ppid) {
		log_warnx("sandbox %s: parent %ld went away during the "
		    "privilege drop", sb_name(sb), (long)ppid);
		return -1;
	}
	return 0;
}

static int
drop_root(const struct sandbox *sb, struct sandbox_result *res)
{
	uid_t	uid;
	gid_t	gid;
	pid_t	ppid = getppid();
	int	sig = 0;

	if (lookup_user(sb, &uid, &gid) == -1)
		return -1;
	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) == -1) {
		log_warn("sandbox %s: prctl PR_GET_PDEATHSIG", sb_name(sb));
		return -1;
	}
	if (enter_root(sb) == -1)
		return -1;
	res->chrooted = 1;
	if (set_ids(sb, uid, gid) == -1 || verify_ids(sb, uid, gid) == -1)
		return -1;
	if (rearm_pdeathsig(sb, sig, ppid) == -1)
		return -1;
	log_debug("sandbox %s: chroot %s, uid %lu gid %lu", sb_name(sb),
	    sb->root, (unsigned long)uid, (unsigned long)gid);
	return 0;
}

/* ---- unprivileged mode: Landlock ---------------------------------- */

/*
 * Landlock ABI of the running kernel, capped at what this file knows.
 * 0: no Landlock (not built in, or disabled at boot); -1: error.
 */
static int
landlock_abi(const struct sandbox *sb)
{
	long	abi;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi == -1) {
		if (errno == ENOSYS || errno == EOPNOTSUPP) {
			log_warn("sandbox %s: Landlock unavailable, the "
			    "filesystem is NOT restricted (seccomp still "
			    "applies)", sb_name(sb));
			return 0;
		}
		log_warn("sandbox %s: landlock_create_ruleset version",
		    sb_name(sb));
		return -1;
	}
	if (abi < 1) {
		log_warnx("sandbox %s: bogus Landlock ABI %ld", sb_name(sb),
		    abi);
		return -1;
	}
	return abi > TN_LANDLOCK_ABI_MAX ? TN_LANDLOCK_ABI_MAX : (int)abi;
}

/*
 * landlock_restrict_self() only restricts the calling thread (before ABI
 * 8), so a thread started earlier (nng starts its own) would escape the
 * ruleset.  Refuse rather than pretend.  Without /proc we cannot tell.
 */
static int
check_single_threaded(const struct sandbox *sb)
{
	DIR		*dir;
	struct dirent	*de;
	int		 n = 0;

	if ((dir = opendir("/proc/self/task")) == NULL) {
		log_warn("sandbox %s: cannot count threads, assuming one",
		    sb_name(sb));
		return 0;
	}
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	if (n != 1) {
		log_warnx("sandbox %s: %d threads running; Landlock must be "
		    "applied before any thread is started", sb_name(sb), n);
		return -1;
	}
	return 0;
}

static uint64_t
landlock_fs_rights(int abi)
{
	uint64_t	fs = LL_FS_ABI1;

	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return fs;
}

/* Fill the ruleset attribute; returns the size that matches the ABI. */
static size_t
landlock_attr(const struct sandbox *sb, int abi,
    struct tn_landlock_ruleset_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->handled_access_fs = landlock_fs_rights(abi);
	if (abi < 4)
		return offsetof(struct tn_landlock_ruleset_attr,
		    handled_access_net);
	attr->handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP;
	if (sb->net == SANDBOX_NET_NONE)
		attr->handled_access_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
	if (abi < 6)
		return offsetof(struct tn_landlock_ruleset_attr, scoped);
	/* Workers never signal anybody nor use abstract unix sockets. */
	attr->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET |
	    LANDLOCK_SCOPE_SIGNAL;
	return sizeof(*attr);
}

static int
landlock_add_path(const struct sandbox *sb, int rfd, const char *path,
    uint64_t handled)
{
	struct tn_landlock_path_beneath_attr	pb;
	struct stat				st;
	int					fd, rc = -1;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1) {
		log_warn("sandbox %s: open %s", sb_name(sb), path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("sandbox %s: fstat %s", sb_name(sb), path);
		goto out;
	}
	memset(&pb, 0, sizeof(pb));
	pb.parent_fd = fd;
	pb.allowed_access = handled & ~LL_FS_NEVER;
	if (!S_ISDIR(st.st_mode))
		pb.allowed_access &= LL_FS_FILE;
	if (syscall(SYS_landlock_add_rule, rfd, TN_LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0) == -1) {
		log_warn("sandbox %s: landlock_add_rule %s", sb_name(sb), path);
		goto out;
	}
	rc = 0;
 out:
	close(fd);
	return rc;
}

static int
landlock_add_port(const struct sandbox *sb, int rfd, uint16_t port)
{
	struct tn_landlock_net_port_attr	np;

	memset(&np, 0, sizeof(np));
	np.allowed_access = LANDLOCK_ACCESS_NET_BIND_TCP;
	np.port = port;
	if (syscall(SYS_landlock_add_rule, rfd, TN_LANDLOCK_RULE_NET_PORT,
	    &np, 0) == -1) {
		log_warn("sandbox %s: landlock_add_rule tcp port %u",
		    sb_name(sb), (unsigned)port);
		return -1;
	}
	return 0;
}

static int
landlock_add_rules(const struct sandbox *sb, int rfd, int abi,
    uint64_t handled_fs)
{
	size_t	i;

	for (i = 0; i < SANDBOX_MAX_PATHS && sb->rw_paths[i] != NULL; i++)
		if (landlock_add_path(sb, rfd, sb->rw_paths[i],
		    handled_fs) == -1)
			return -1;
	if (abi < 4 || sb->net != SANDBOX_NET_TCP)
		return 0;
	/* Outbound sockets are bound to the listen address with port 0. */
	if (landlock_add_port(sb, rfd, 0) == -1)
		return -1;
	for (i = 0; i < SANDBOX_MAX_PORTS; i++)
		if (sb->tcp_ports[i] != 0 &&
		    landlock_add_port(sb, rfd, sb->tcp_ports[i]) == -1)
			return -1;
	if (sb->metrics_port != 0 &&
	    landlock_add_port(sb, rfd, sb->metrics_port) == -1)
		return -1;
	return 0;
}

static int
set_no_new_privs(const struct sandbox *sb)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("sandbox %s: prctl PR_SET_NO_NEW_PRIVS", sb_name(sb));
		return -1;
	}
	return 0;
}

static int
landlock_restrict(const struct sandbox *sb, struct sandbox_result *res)
{
	struct tn_landlock_ruleset_attr	attr;
	size_t				size;
	int				abi, rfd, rc = -1;

	if ((abi = landlock_abi(sb)) <= 0)
		return abi;	/* 0: continue without Landlock */
	if (check_single_threaded(sb) == -1)
		return -1;
	size = landlock_attr(sb, abi, &attr);
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rfd == -1) {
		log_warn("sandbox %s: landlock_create_ruleset (ABI %d)",
		    sb_name(sb), abi);
		return -1;
	}
	if (landlock_add_rules(sb, rfd, abi, attr.handled_access_fs) == -1)
		goto out;
	/* Unprivileged processes may only restrict themselves with NNP. */
	if (set_no_new_privs(sb) == -1)
		goto out;
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1) {
		log_warn("sandbox %s: landlock_restrict_self", sb_name(sb));
		goto out;
	}
	res->landlock_abi = abi;
	log_debug("sandbox %s: Landlock ABI %d", sb_name(sb), abi);
	rc = 0;
 out:
	close(rfd);
	return rc;
}

/* ---- both modes --------------------------------------------------- */

/* 1 when a capability is left in any of the three sets, -1 on error. */
static int
caps_held(const struct sandbox *sb)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];
	int				i;

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1) {
		log_warn("sandbox %s: capget", sb_name(sb));
		return -1;
	}
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted ||
		    data[i].inheritable)
			return 1;
	return 0;
}

/*
 * No capability left in any set.  The bounding set needs CAP_SETPCAP to
 * shrink; without it, it only matters for execve, which seccomp denies.
 * capset(2) is called only when something is held: it is in systemd's
 * @privileged set, which an unprivileged unit's SystemCallFilter= refuses
 * (issue 10), and a worker that holds nothing has nothing to drop.
 */
static int
drop_capabilities(const struct sandbox *sb)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];
	int				cap, held;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1) {
		log_warn("sandbox %s: clear ambient capabilities",
		    sb_name(sb));
		return -1;
	}
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EPERM) {
			log_warn("sandbox %s: drop capability %d from the "
			    "bounding set", sb_name(sb), cap);
			return -1;
		}
	if ((held = caps_held(sb)) <= 0)
		return held;
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capset, &hdr, data) == -1) {
		log_warn("sandbox %s: capset", sb_name(sb));
		return -1;
	}
	if ((held = caps_held(sb)) != 0) {
		if (held == 1)
			log_warnx("sandbox %s: capabilities left after "
			    "capset", sb_name(sb));
		return -1;
	}
	return 0;
}

static int
harden_process(const struct sandbox *sb)
{
	if (drop_capabilities(sb) == -1 || set_no_new_privs(sb) == -1)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		log_warn("sandbox %s: prctl PR_SET_DUMPABLE", sb_name(sb));
		return -1;
	}
	return 0;
}

/* libseccomp returns -errno and leaves errno alone. */
static int
seccomp_fail(const struct sandbox *sb, const char *what, int rc)
{
	errno = -rc;
	log_warn("sandbox %s: seccomp %s", sb_name(sb), what);
	return -1;
}

/*
 * The allow-lists (chrony's sys_linux.c is the model).  What every worker
 * calls once sandboxed: glibc, libevent's loop, nng's threads and IPC
 * sockets, libsodium (getrandom), LMDB's readers, and the sanitizer
 * runtime of the ASan+UBSan builds (sigaltstack, prlimit64, readlink of
 * /proc/self/exe, ...).  Calls that take arguments worth checking are
 * not here but in the rules below (socket, clone, tgkill, ioctl, prctl).
 * A name that does not exist on the architecture is skipped.
 */
static const int allow_all[] = {
	/* descriptors and files (chroot or Landlock decide which files) */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(lseek), SCMP_SYS(close),
	SCMP_SYS(fcntl), SCMP_SYS(open), SCMP_SYS(openat),
	SCMP_SYS(newfstatat), SCMP_SYS(fstat), SCMP_SYS(stat),
	SCMP_SYS(lstat), SCMP_SYS(statx), SCMP_SYS(readlink),
	SCMP_SYS(readlinkat), SCMP_SYS(fstatfs), SCMP_SYS(dup),
	SCMP_SYS(dup3), SCMP_SYS(access), SCMP_SYS(faccessat),
	SCMP_SYS(faccessat2), SCMP_SYS(getcwd),
	/* nng's IPC listeners: unlink a stale socket, set its mode */
	SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(chmod),
	SCMP_SYS(fchmod), SCMP_SYS(fchmodat),
	/* memory */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(mprotect), SCMP_SYS(madvise),
	/* threads and time */
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(futex),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(gettid),
	SCMP_SYS(getpid), SCMP_SYS(getppid), SCMP_SYS(sched_yield),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(getrusage), SCMP_SYS(getcpu), SCMP_SYS(sysinfo),
	/* signals */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack),
	SCMP_SYS(restart_syscall),
	/* event loops: libevent, nng */
	SCMP_SYS(epoll_create), SCMP_SYS(epoll_create1),
	SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_pwait2), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(eventfd2),
	SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime),
	SCMP_SYS(timerfd_gettime),
	/* sockets (which families: socket's rule) */
	SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept),
	SCMP_SYS(accept4), SCMP_SYS(connect), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendto),
	SCMP_SYS(recvfrom), SCMP_SYS(shutdown),
	/* who we are, randomness, limits */
	SCMP_SYS(getrandom), SCMP_SYS(uname), SCMP_SYS(getuid),
	SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(getresuid), SCMP_SYS(getresgid), SCMP_SYS(getrlimit),
	SCMP_SYS(prlimit64), SCMP_SYS(capget),
};

/* Only SANDBOX_SYSCALLS_DATA (stored): LMDB writes and syncs its files. */
static const int allow_data[] = {
	SCMP_SYS(pwrite64), SCMP_SYS(pwritev), SCMP_SYS(fdatasync),
	SCMP_SYS(fsync), SCMP_SYS(msync), SCMP_SYS(ftruncate),
	SCMP_SYS(fallocate), SCMP_SYS(flock),
};

/*
 * Refused outright with EPERM, whatever the list: the calls the design
 * names (no execve, no ptrace, no reading another process's memory) and
 * io_uring, whose IORING_OP_SOCKET would make sockets without socket(2).
 * Refused without the log line of an unlisted call: code may try these.
 */
static const int deny_quiet[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(ptrace),
	SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
	SCMP_SYS(io_uring_setup), SCMP_SYS(fork), SCMP_SYS(vfork),
};

static int
seccomp_add_list(const struct sandbox *sb, scmp_filter_ctx ctx,
    uint32_t action, const int *nrs, size_t n)
{
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++) {
		if (nrs[i] < 0)		/* not a call of this architecture */
			continue;
		if ((rc = seccomp_rule_add(ctx, action, nrs[i], 0)) < 0)
			return seccomp_fail(sb, "rule", rc);
	}
	return 0;
}

/*
 * socket(2) by address family: AF_UNIX for everybody, AF_INET and
 * AF_INET6 for SANDBOX_NET_TCP only (EPERM otherwise, quietly: the status
 * socket's debug-socket command proves it), any other family unlisted.
 * The domain is an int: compare only the low 32 bits, or garbage in the
 * upper half would slip past the filter.
 */
static int
seccomp_socket(const struct sandbox *sb, scmp_filter_ctx ctx)
{
	static const int	 inet[] = { AF_INET, AF_INET6 };
	uint32_t		 act;
	size_t			 i;
	int			 rc;

	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffU, (scmp_datum_t)AF_UNIX));
	if (rc < 0)
		return seccomp_fail(sb, "rule socket", rc);
	act = sb->net == SANDBOX_NET_TCP ? SCMP_ACT_ALLOW :
	    SCMP_ACT_ERRNO(EPERM);
	for (i = 0; i < sizeof(inet) / sizeof(inet[0]); i++) {
		rc = seccomp_rule_add(ctx, act, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffU,
		    (scmp_datum_t)inet[i]));
		if (rc < 0)
			return seccomp_fail(sb, "rule socket", rc);
	}
	return 0;
}

/*
 * Threads, never processes: clone with CLONE_THREAD is allowed, without
 * it (fork, posix_spawn) it fails with EPERM; clone3, whose flags sit in
 * memory a filter cannot read, fails with ENOSYS so that glibc falls back
 * to clone.  The flags are clone's first argument, except on s390 and
 * CRIS (the second).
 */
#if defined(__s390__) || defined(__CRIS__)
#define CLONE_FLAGS_ARG	SCMP_A1
#else
#define CLONE_FLAGS_ARG	SCMP_A0
#endif
static int
seccomp_threads(const struct sandbox *sb, scmp_filter_ctx ctx)
{
	int	rc;

	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    CLONE_FLAGS_ARG(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
	    CLONE_THREAD))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone),
	    1, CLONE_FLAGS_ARG(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0))) < 0)
		return seccomp_fail(sb, "rule clone", rc);
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0);
	if (rc < 0)
		return seccomp_fail(sb, "rule clone3", rc);
	/* raise(3) and abort(3): signals to ourselves only */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0));
	if (rc < 0)
		return seccomp_fail(sb, "rule tgkill", rc);
	return 0;
}

/*
 * ioctl(2) and prctl(2) with harmless requests only: non-blocking and
 * close-on-exec flags, bytes readable, a socket's bytes not yet sent
 * (netd's ping rule), isatty() (not TIOCSTI, which would
 * push input into a terminal on stderr); thread names and what ASan and
 * glibc ask.  Anything else is unlisted.
 */
static int
seccomp_requests(const struct sandbox *sb, scmp_filter_ctx ctx)
{
	static const unsigned long ioctls[] = {
		FIONBIO, FIONREAD, FIOCLEX, FIONCLEX, TCGETS, SIOCOUTQNSD,
	};
	static const int prctls[] = {
		PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_GET_NO_NEW_PRIVS,
		PR_GET_SECCOMP, PR_CAPBSET_READ, PR_CAP_AMBIENT,
		PR_GET_PDEATHSIG,
	};
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffU,
		    (scmp_datum_t)ioctls[i]));
		if (rc < 0)
			return seccomp_fail(sb, "rule ioctl", rc);
	}
	for (i = 0; i < sizeof(prctls) / sizeof(prctls[0]); i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffU,
		    (scmp_datum_t)prctls[i]));
		if (rc < 0)
			return seccomp_fail(sb, "rule prctl", rc);
	}
	return 0;
}

static int
seccomp_rules(const struct sandbox *sb, scmp_filter_ctx ctx)
{
	if (seccomp_add_list(sb, ctx, SCMP_ACT_ALLOW, allow_all,
	    sizeof(allow_all) / sizeof(allow_all[0])) == -1 ||
	    ((sb->syscalls & SANDBOX_SYSCALLS_DATA) && seccomp_add_list(sb,
	    ctx, SCMP_ACT_ALLOW, allow_data,
	    sizeof(allow_data) / sizeof(allow_data[0])) == -1) ||
	    seccomp_add_list(sb, ctx, SCMP_ACT_ERRNO(EPERM), deny_quiet,
	    sizeof(deny_quiet) / sizeof(deny_quiet[0])) == -1)
		return -1;
	if (seccomp_socket(sb, ctx) == -1 || seccomp_threads(sb, ctx) == -1 ||
	    seccomp_requests(sb, ctx) == -1)
		return -1;
	return 0;
}

/*
 * An unlisted call traps here (SIGSYS, in the thread that made it): one
 * line naming the call's number (scmp_sys_resolver NR names it), then the
 * call fails with EPERM where we know how to set its result (x86-64,
 * AArch64); elsewhere the worker dies of SIGSYS after the line.  Only
 * async-signal-safe calls, all of them on the list.
 */
static void
on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t	*uc = ctx;

	log_signal_safe(LOG_PRIO_WARNING, "seccomp: not on the allow-list, "
	    "refused: system call", si->si_syscall);
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
	(void)sig;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long long)-EPERM;
	(void)sig;
#else
	(void)uc;
	signal(sig, SIG_DFL);
	raise(sig);
#endif
}

static int
seccomp_trap_handler(const struct sandbox *sb)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1) {
		log_warn("sandbox %s: sigaction SIGSYS", sb_name(sb));
		return -1;
	}
	return 0;
}

/*
 * Default: SCMP_ACT_TRAP, so that a call missing from the list shows up
 * in the log with its number instead of failing silently (or killing the
 * worker without a word).
 */
static int
seccomp_restrict(const struct sandbox *sb)
{
	scmp_filter_ctx	ctx;
	int		rc, ret = -1;

	if (seccomp_trap_handler(sb) == -1)
		return -1;
	if ((ctx = seccomp_init(SCMP_ACT_TRAP)) == NULL) {
		errno = ENOMEM;
		log_warn("sandbox %s: seccomp_init", sb_name(sb));
		return -1;
	}
	/* All threads of the process get the filter (and NO_NEW_PRIVS). */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0) {
		seccomp_fail(sb, "attribute TSYNC", rc);
		goto out;
	}
	if (seccomp_rules(sb, ctx) == -1)
		goto out;
	if ((rc = seccomp_load(ctx)) < 0) {
		seccomp_fail(sb, "load", rc);
		goto out;
	}
	ret = 0;
 out:
	seccomp_release(ctx);
	return ret;
}

int
sandbox_apply(const struct sandbox *sb, struct sandbox_result *res)
{
	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if (sb == NULL || res == NULL) {
		log_warnx("sandbox: %s is NULL", sb == NULL ? "sandbox" :
		    "result");
		return -1;
	}
	if (sb->net != SANDBOX_NET_NONE && sb->net != SANDBOX_NET_TCP) {
		log_warnx("sandbox %s: bad network mode %d", sb_name(sb),
		    (int)sb->net);
		return -1;
	}
	if (geteuid() == 0) {
		if (drop_root(sb, res) == -1)
			return -1;
	} else if (landlock_restrict(sb, res) == -1)
		return -1;
	if (harden_process(sb) == -1 || seccomp_restrict(sb) == -1)
		return -1;
	log_debug("sandbox %s: applied (%s, network %s)", sb_name(sb),
	    res->chrooted ? "chroot" : res->landlock_abi > 0 ? "landlock" :
	    "no filesystem restriction",
	    sb->net == SANDBOX_NET_NONE ? "none" : "tcp");
	return 0;
}

/*
 * The directory name in fd, made first if create and missing (mode 0755
 * for a parent in the operator's part of the tree, else 0700; callers
 * fchmod the last one).  Below the owned directory, links are not
 * followed.
 */
static int
open_step(int fd, const char *name, int below, int create, mode_t mode)
{
	int	flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, next;

	if (below)
		flags |= O_NOFOLLOW;
	next = openat(fd, name, flags);
	if (next == -1 && errno == ENOENT && create) {
		if (mkdirat(fd, name, below ? 0700 : mode) == -1 &&
		    errno != EEXIST)
			return -1;
		next = openat(fd, name, flags);
	}
	return next;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Walk dir one component at a time.  Which part is "below owned" is
 * decided by identity (device and inode), not by comparing strings, so
 * "./data/run", "/srv//tn/run" or a path through the owned directory's
 * real name are all recognised.
 */
int
sandbox_open_dir(const char *dir, const char *owned, int create)
{
	struct stat	 ost, st;
	const char	*p = dir;
	char		 name[NAME_MAX + 1];
	size_t		 len;
	int		 fd, next, e, below = 0;

	if (owned != NULL && stat(owned, &ost) == -1)
		return -1;
	if ((fd = open(*p == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if ((len = strcspn(p, "/")) == 0)
			break;
		if (len > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		if (strcmp(name, ".") == 0)
			continue;
		if (below && strcmp(name, "..") == 0) {	/* out of owned */
			close(fd);
			errno = EACCES;
			return -1;
		}
		next = open_step(fd, name, below, create,
		    p[strspn(p, "/")] == '\0' ? 0700 : 0755);
		e = errno;
		close(fd);
		if ((fd = next) == -1) {
			errno = e;
			return -1;
		}
		if (owned != NULL && !below && fstat(fd, &st) == 0 &&
		    same_file(&st, &ost))
			below = 1;
	}
	return fd;
}

int
sandbox_lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct sandbox sb;

	memset(&sb, 0, sizeof(sb));
	sb.name = "supervisor";
	sb.user = name;
	return lookup_user(&sb, uid, gid);
}
