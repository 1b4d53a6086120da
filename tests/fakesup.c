/* SPDX-License-Identifier: ISC */
/*
 * fakesup.c - a fake supervisor that runs the real stored, and a chain
 * generator; see fakesup.h.
 *
 * The fake plays three parts from one process and one libevent loop: the
 * supervisor (control channel, heartbeats naming our pid as syncd and
 * netd) and both requesters.  stored is started the way timenoded starts
 * it: fork, wait on a gate until the control listener knows the child's
 * pid, exec.  Loops run with a timer so that every wait ends on time.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "fakesup.h"
#include "sandbox.h"

#define FS_HB_INTERVAL	0.25
#define FS_MAX_LIVE	16

static pid_t	live[FS_MAX_LIVE];
static int	cleanup_installed;

double
fs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* chains */

int
fs_chain_init(struct fs_chain *c, uint64_t cap, uint32_t payload, int sign)
{
	uint8_t	pk[BLOCK_PUBKEY_LEN];
	char	err[128];

	memset(c, 0, sizeof(c[0]));
	if (cap < 1 || payload > BLOCK_PAYLOAD_MAX ||
	    genesis_load(&c->genesis, "devnet", "/nonexistent", err,
	    sizeof(err)) == -1)
		return -1;
	devnet_keypair(pk, c->sk);
	c->sign = sign;
	c->payload = payload;
	c->cap = cap;
	c->fork_at = UINT64_MAX;
	c->hash = calloc(cap, sizeof(*c->hash));
	c->time_ms = calloc(cap, sizeof(*c->time_ms));
	c->pbuf = malloc(payload ? payload : 1);
	if (c->hash == NULL || c->time_ms == NULL || c->pbuf == NULL) {
		fs_chain_free(c);
		return -1;
	}
	memcpy(c->hash[0], c->genesis.block.hash, BLOCK_HASH_LEN);
	c->time_ms[0] = c->genesis.block.h.time_ms;
	c->n = 1;
	return 0;
}

int
fs_chain_fork(struct fs_chain *dst, const struct fs_chain *src, uint64_t at,
    uint32_t variant)
{
	if (at >= src->n ||
	    fs_chain_init(dst, src->cap, src->payload, src->sign) == -1)
		return -1;
	memcpy(dst->hash, src->hash, (at + 1) * sizeof(*dst->hash));
	memcpy(dst->time_ms, src->time_ms, (at + 1) * sizeof(*dst->time_ms));
	dst->n = at + 1;
	dst->variant = variant;
	dst->fork_at = at;
	return 0;
}

size_t
fs_chain_block(struct fs_chain *c, uint64_t h, uint8_t *out)
{
	struct block_header	hdr;
	struct block		b;
	uint8_t			*p;
	uint32_t		variant = h > c->fork_at ? c->variant : 0;
	size_t			len, i;

	if (h == 0 || h > c->n || h >= c->cap)
		return 0;
	memset(&hdr, 0, sizeof(hdr));
	hdr.height = h;
	memcpy(hdr.prev, c->hash[h - 1], BLOCK_HASH_LEN);
	hdr.time_ms = c->time_ms[h - 1] + 1000;
	hdr.producer = 0;
	p = c->pbuf;
	for (i = 0; i < c->payload; i++)
		p[i] = (uint8_t)(h * 131 + i * 7 + variant * 29);
	if (c->payload >= 12) {
		be64_store(p, h);
		be32_store(p + 8, variant);
	}
	len = block_build(out, &hdr, p, c->payload, c->sign ? c->sk : NULL,
	    &b);
	if (len == 0)
		return 0;
	if (h == c->n) {
		memcpy(c->hash[h], b.hash, BLOCK_HASH_LEN);
		c->time_ms[h] = hdr.time_ms;
		c->n++;
	}
	return len;
}

void
fs_chain_free(struct fs_chain *c)
{
	free(c->hash);
	free(c->time_ms);
	free(c->pbuf);
	c->hash = NULL;
	c->time_ms = NULL;
	c->pbuf = NULL;
}

int
fs_batch_make(struct fs_batch *bt, struct fs_chain *c, uint64_t from,
    uint32_t count)
{
	size_t		each = BLOCK_HEADER_LEN + BLOCK_SIG_LEN + c->payload;
	uint32_t	i;
	size_t		len;

	memset(bt, 0, sizeof(*bt));
	if (count && ((bt->buf = malloc(each * count)) == NULL ||
	    (bt->v = calloc(count, sizeof(*bt->v))) == NULL)) {
		fs_batch_free(bt);
		return -1;
	}
	for (i = 0; i < count; i++) {
		/* block_build writes exactly one block's bytes */
		len = fs_chain_block(c, from + i, bt->buf + each * i);
		if (len != each) {
			fs_batch_free(bt);
			return -1;
		}
		bt->v[i].p = bt->buf + each * i;
		bt->v[i].len = (uint32_t)len;
		bt->bytes += len;
	}
	bt->a.blocks.count = count;
	bt->a.blocks.v = bt->v;
	return 0;
}

void
fs_batch_free(struct fs_batch *bt)
{
	free(bt->buf);
	free(bt->v);
	memset(bt, 0, sizeof(*bt));
}

/* ------------------------------------------------------------------ */
/* processes */

static void
live_add(pid_t pid)
{
	int i;

	for (i = 0; i < FS_MAX_LIVE; i++)
		if (live[i] == 0) {
			live[i] = pid;
			return;
		}
}

static void
live_del(pid_t pid)
{
	int i;

	for (i = 0; i < FS_MAX_LIVE; i++)
		if (live[i] == pid)
			live[i] = 0;
}

/* at exit or on a fatal signal: our children, by pid, nothing else */
static void
kill_live(void)
{
	int i;

	for (i = 0; i < FS_MAX_LIVE; i++)
		if (live[i] > 0) {
			kill(live[i], SIGKILL);
			waitpid(live[i], NULL, 0);
			live[i] = 0;
		}
}

static void
fatal_signal(int sig)
{
	kill_live();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_cleanup(void)
{
	if (cleanup_installed)
		return;
	atexit(kill_live);
	signal(SIGINT, fatal_signal);
	signal(SIGTERM, fatal_signal);
	signal(SIGABRT, fatal_signal);
	signal(SIGSEGV, fatal_signal);
	signal(SIGPIPE, SIG_IGN);
	cleanup_installed = 1;
}

static const char *
bin_path(const char *prog, char *buf, size_t len)
{
	const char	*dir = getenv("TIMENODE_BIN");
	char		 self[512];
	ssize_t		 n;

	if (dir == NULL) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return NULL;
		self[n] = '\0';
		dir = dirname(self);
	}
	snprintf(buf, len, "%s/%s", dir, prog);
	return buf;
}

/* ------------------------------------------------------------------ */
/* the loop */

static void
heartbeat_send(struct fakesup *fs)
{
	struct ipc_heartbeat	hb;
	struct wbuf		w;

	if (fs->pid <= 0)
		return;
	memset(&hb, 0, sizeof(hb));
	hb.seq = ++fs->hb_seq;
	hb.pids[IPC_SUPERVISOR] = (uint32_t)getpid();
	hb.pids[IPC_STORED] = (uint32_t)fs->pid;
	hb.pids[IPC_SYNCD] = (uint32_t)getpid();
	hb.pids[IPC_NETD] = (uint32_t)getpid();
	wbuf_init(&w, 128);
	ipc_heartbeat_encode(&w, &hb);
	ipc_send(fs->ctl, IPC_HEARTBEAT, (uint32_t)hb.seq, &w);
	wbuf_free(&w);
}

static void
hb_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	heartbeat_send(arg);
}

/*
 * stored (re)connected: greet it at once, as timenoded's ctl_state does.
 * A heartbeat sent while it was away is not kept for the next stored.
 */
static void
ctl_state(struct ipc_chan *c, int connected, void *arg)
{
	(void)c;
	if (connected)
		heartbeat_send(arg);
}

static void
keep_answer(struct fakesup *fs, const struct ipc_hdr *h, struct rbuf *r)
{
	if (h->reqid != fs->want || fs->got)
		return;		/* late answer to an abandoned request */
	free(fs->ans.body);
	fs->ans.type = h->type;
	fs->ans.len = rbuf_left(r);
	fs->ans.body = malloc(fs->ans.len ? fs->ans.len : 1);
	if (fs->ans.body == NULL)
		return;
	memcpy(fs->ans.body, r->p + r->off, fs->ans.len);
	fs->got = 1;
}

static void
ctl_cb(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r,
    void *arg)
{
	struct fakesup *fs = arg;

	(void)c;
	if (h->type == IPC_HEARTBEAT_STORED) {
		if (ipc_status_stored_decode(r, &fs->st) == 0)
			fs->hb_answers++;
		return;
	}
	keep_answer(fs, h, r);
}

static void
store_cb(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r,
    void *arg)
{
	(void)c;
	keep_answer(arg, h, r);
}

static int
flag_set(void *arg)
{
	const int *flag = arg;

	return flag != NULL && *flag;
}

/* run the loop until *flag or the deadline, 50 ms a turn at most */
static void
loop_until(struct fakesup *fs, const int *flag, double deadline)
{
	ipc_loop_until(fs->base, flag_set, (void *)(uintptr_t)flag, deadline,
	    0.05);
}

void
fs_pump(struct fakesup *fs, double seconds)
{
	loop_until(fs, NULL, fs_now() + seconds);
}

/* ------------------------------------------------------------------ */
/* setup */

static int
write_file(const char *path, const char *text)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

int
fs_init(struct fakesup *fs, const char *conf_extra)
{
	struct timeval tv = { 0, (long)(FS_HB_INTERVAL * 1e6) };

	memset(fs, 0, sizeof(*fs));
	install_cleanup();
	snprintf(fs->dir, sizeof(fs->dir), "/tmp/tn-stored-XXXXXX");
	if (mkdtemp(fs->dir) == NULL) {
		fs->dir[0] = '\0';
		return -1;
	}
	chmod(fs->dir, 0711);
	snprintf(fs->data, sizeof(fs->data), "%s/data", fs->dir);
	snprintf(fs->run, sizeof(fs->run), "%s/run", fs->dir);
	snprintf(fs->conf, sizeof(fs->conf), "%s/timenode.conf", fs->dir);
	snprintf(fs->log, sizeof(fs->log), "%s/stored.log", fs->dir);
	snprintf(fs->ctl_path, sizeof(fs->ctl_path), "%s/ctl-stored.sock",
	    fs->run);
	if (mkdir(fs->data, 0700) == -1 || mkdir(fs->run, 0700) == -1 ||
	    write_file(fs->conf, conf_extra ? conf_extra : "") == -1 ||
	    fs_chown(fs) == -1)
		return -1;
	if ((fs->base = event_base_new()) == NULL ||
	    ipc_base_setup(fs->base) == -1)
		return -1;
	fs->ctl = ipc_listen(fs->base, fs->ctl_path, IPC_SUPERVISOR,
	    IPC_STORED, 0, ctl_cb, fs);
	if (fs->ctl != NULL)
		ipc_set_state_handler(fs->ctl, ctl_state);
	fs->hb = event_new(fs->base, -1, EV_PERSIST, hb_cb, fs);
	if (fs->ctl == NULL || fs->hb == NULL || event_add(fs->hb, &tv) == -1)
		return -1;
	return 0;
}

int
fs_chown(struct fakesup *fs)
{
	uid_t	uid;
	gid_t	gid;

	if (geteuid() != 0)
		return 0;
	/* the user stored will drop to, as timenoded hands it over */
	if (sandbox_lookup_user("timenode", &uid, &gid) == -1)
		return -1;
	if (chown(fs->data, uid, gid) == -1 || chown(fs->run, uid, gid) == -1)
		return -1;
	return 0;
}

int
fs_mount_tmpfs(struct fakesup *fs, const char *size)
{
	char opts[64];

	if (geteuid() != 0)
		return -1;
	snprintf(opts, sizeof(opts), "size=%s,mode=0700", size);
	if (mount("tmpfs", fs->data, "tmpfs", 0, opts) == -1)
		return -1;
	fs->tmpfs = 1;
	return fs_chown(fs);
}

static void
chans_close(struct fakesup *fs)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (fs->chan[i])
			ipc_close(fs->chan[i]);
		fs->chan[i] = NULL;
	}
}

static int
reap(struct fakesup *fs, int flags)
{
	int st;

	if (fs->pid <= 0)
		return -1;
	if (waitpid(fs->pid, &st, flags) != fs->pid)
		return -1;
	live_del(fs->pid);
	fs->pid = 0;
	fs->status = st;
	ipc_set_peer_pid(fs->ctl, 0);
	return st;
}

static pid_t
spawn(struct fakesup *fs, const char *const *extra)
{
	char		 prog[512];
	const char	*argv[32];
	int		 gate[2], fd, n = 0, i;
	pid_t		 pid;
	char		 b;

	if (bin_path("stored", prog, sizeof(prog)) == NULL)
		return -1;
	argv[n++] = "stored";
	argv[n++] = "--ctl";
	argv[n++] = fs->ctl_path;
	argv[n++] = "--data-dir";
	argv[n++] = fs->data;
	argv[n++] = "--run-dir";
	argv[n++] = fs->run;
	argv[n++] = "-c";
	argv[n++] = fs->conf;
	for (i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	if (pipe2(gate, O_CLOEXEC) == -1)
		return -1;
	ipc_set_peer_pid(fs->ctl, 0);
	if ((pid = fork()) == -1) {
		close(gate[0]);
		close(gate[1]);
		return -1;
	}
	if (pid == 0) {
		close(gate[1]);
		fd = open(fs->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
			_exit(127);
		if (read(gate[0], &b, 1) != 1)
			_exit(127);
		close_range(3, ~0U, 0);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	close(gate[0]);
	fs->pid = pid;
	live_add(pid);
	ipc_set_peer_pid(fs->ctl, pid);
	(void)!write(gate[1], "x", 1);
	close(gate[1]);
	return pid;
}

int
fs_start(struct fakesup *fs, const char *const *extra, double timeout)
{
	static const char *const socks[2] = { "store-syncd.sock",
	    "store-netd.sock" };
	static const enum ipc_proc self[2] = { IPC_SYNCD, IPC_NETD };
	char		path[300];
	double		deadline = fs_now() + timeout;
	unsigned	seen;
	int		i, up;

	chans_close(fs);
	if (fs->pid > 0 || spawn(fs, extra) <= 0)
		return -1;
	seen = fs->hb_answers;
	heartbeat_send(fs);
	while (fs->hb_answers == seen && fs_now() < deadline) {
		fs_pump(fs, 0.05);
		if (reap(fs, WNOHANG) != -1)
			return -1;
	}
	if (fs->hb_answers == seen)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", fs->run, socks[i]);
		fs->chan[i] = ipc_dial(fs->base, path, self[i], IPC_STORED,
		    fs->pid, 0, store_cb, fs);
		if (fs->chan[i] == NULL)
			return -1;
	}
	do {
		fs_pump(fs, 0.02);
		up = ipc_connected(fs->chan[0]) && ipc_connected(fs->chan[1]);
	} while (!up && fs_now() < deadline);
	return up ? 0 : -1;
}

uint32_t
fs_send(struct fakesup *fs, enum fs_as as, uint16_t type,
    const struct wbuf *body)
{
	struct ipc_chan *c = fs->chan[as];

	if (c == NULL || fs->pid <= 0)
		return 0;
	if (++fs->reqid == 0)
		fs->reqid = 1;
	if (ipc_send(c, type, fs->reqid, body) == -1)
		return 0;
	return fs->reqid;
}

int
fs_wait(struct fakesup *fs, uint32_t reqid, double timeout)
{
	double deadline = fs_now() + timeout;

	fs->want = reqid;
	fs->got = 0;
	while (!fs->got && fs_now() < deadline && fs->pid > 0) {
		loop_until(fs, &fs->got, fs_now() + 0.2 < deadline ?
		    fs_now() + 0.2 : deadline);
		if (!fs->got && reap(fs, WNOHANG) != -1)
			break;
	}
	fs->want = 0;
	return fs->got ? 0 : -1;
}

int
fs_request(struct fakesup *fs, enum fs_as as, uint16_t type,
    const struct wbuf *body, double timeout)
{
	uint32_t	reqid;
	double		deadline = fs_now() + timeout;

	if (type == IPC_VERIFY) {
		if (++fs->reqid == 0)
			fs->reqid = 1;
		reqid = fs->reqid;
		if (ipc_send(fs->ctl, type, reqid, body) == -1)
			return -1;
	} else if ((reqid = fs_send(fs, as, type, body)) == 0)
		return -1;
	return fs_wait(fs, reqid, deadline - fs_now());
}

int
fs_kill(struct fakesup *fs, int sig, double timeout)
{
	double	deadline = fs_now() + timeout;
	int	st;

	if (fs->pid <= 0)
		return -1;
	kill(fs->pid, sig);
	while (fs_now() < deadline) {
		if ((st = reap(fs, WNOHANG)) != -1)
			return st;
		fs_pump(fs, 0.02);
	}
	kill(fs->pid, SIGKILL);
	return reap(fs, 0);
}

int
fs_wait_exit(struct fakesup *fs, double timeout)
{
	double	deadline = fs_now() + timeout;
	int	st;

	while (fs_now() < deadline) {
		if ((st = reap(fs, WNOHANG)) != -1)
			return st;
		fs_pump(fs, 0.02);
	}
	return -1;
}

int
fs_verify(struct fakesup *fs, char *out, size_t len)
{
	char	 prog[512], cmd[1024];
	FILE	*p;
	int	 st;

	if (bin_path("stored", prog, sizeof(prog)) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' --verify '%s' 2>&1", prog, fs->data);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	if (out && len) {
		out[0] = '\0';
		if (fgets(out, (int)len, p) != NULL)
			out[strcspn(out, "\n")] = '\0';
	}
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void
fs_dump_log(struct fakesup *fs)
{
	char	 line[1024];
	FILE	*f;

	if ((f = fopen(fs->log, "r")) == NULL)
		return;
	fprintf(stderr, "---- %s\n", fs->log);
	while (fgets(line, sizeof(line), f) != NULL)
		fputs(line, stderr);
	fclose(f);
}

void
fs_store_dir_remove(const char *dir)
{
	char p[300];

	snprintf(p, sizeof(p), "%s/chain.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/chain.mdb-lock", dir);
	unlink(p);
	rmdir(dir);
}

static void
rm_tree(const char *dir)
{
	char cmd[512];

	if (dir[0] == '\0' || strncmp(dir, "/tmp/tn-stored-", 15) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	(void)!system(cmd);
}

void
fs_cleanup(struct fakesup *fs)
{
	if (fs->pid > 0)
		fs_kill(fs, SIGKILL, 5);
	chans_close(fs);
	if (fs->ctl)
		ipc_close(fs->ctl);
	fs->ctl = NULL;
	if (fs->hb)
		event_free(fs->hb);
	fs->hb = NULL;
	if (fs->base)
		event_base_free(fs->base);
	fs->base = NULL;
	free(fs->ans.body);
	fs->ans.body = NULL;
	if (fs->tmpfs && umount(fs->data) == 0)
		fs->tmpfs = 0;
	rm_tree(fs->dir);
	fs->dir[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* typed requests */

int
fs_result(struct fakesup *fs, struct ipc_result *res)
{
	struct rbuf r;

	if (fs->ans.type != IPC_STORE_RESULT && fs->ans.type != IPC_VERIFY_ACK)
		return -1;
	rbuf_init(&r, fs->ans.body, fs->ans.len);
	return ipc_result_decode(&r, res);
}

int
fs_append(struct fakesup *fs, const struct ipc_append *a,
    struct ipc_result *res, double timeout)
{
	struct wbuf	w;
	int		rc;

	wbuf_init(&w, IPC_MAX_MSG);
	ipc_append_encode(&w, a);
	rc = w.err ? -1 : fs_request(fs, FS_SYNCD, IPC_STORE_APPEND, &w,
	    timeout);
	wbuf_free(&w);
	if (rc == -1)
		return -1;
	return fs_result(fs, res);
}

int
fs_tip(struct fakesup *fs, struct ipc_tip *t)
{
	struct rbuf r;

	if (fs_request(fs, FS_SYNCD, IPC_STORE_TIP_REQ, NULL, 10) == -1 ||
	    fs->ans.type != IPC_STORE_TIP)
		return -1;
	rbuf_init(&r, fs->ans.body, fs->ans.len);
	return ipc_tip_decode(&r, t);
}
