/* SPDX-License-Identifier: ISC */
/*
 * fakesup.h - a small fake supervisor for stored, and a chain generator.
 *
 * The fake supervisor listens on <run>/ctl-stored.sock, forks and execs
 * the real stored binary with --ctl, --data-dir and --run-dir (and -c
 * with extra configuration), heartbeats it naming its own pid as syncd
 * and netd, and so may dial store-syncd.sock and store-netd.sock itself
 * to send requests and read the answers.  As root it hands the data and
 * run directories to the service user first, as timenoded does.  Every
 * process it starts is killed by pid in fs_cleanup (and at exit); every
 * wait is bounded in time.
 *
 * The chain generator builds deterministic devnet chains (and forks of
 * them) with a given payload size, for the tests and the benchmark.
 */
#ifndef TIMENODE_FAKESUP_H
#define TIMENODE_FAKESUP_H

#include <sys/types.h>

#include "block.h"
#include "ipc.h"

struct event_base;
struct event;
struct ipc_chan;

struct fs_chain {
	struct genesis	 genesis;
	uint8_t		 sk[BLOCK_SECKEY_LEN];
	int		 sign;		/* devnet signatures, else zero */
	uint32_t	 payload;	/* bytes per block */
	uint32_t	 variant;	/* payload pattern: forks differ */
	uint64_t	 fork_at;	/* heights > fork_at use variant */
	uint64_t	 n;		/* heights 0..n-1 are known */
	uint64_t	 cap;
	uint8_t		(*hash)[BLOCK_HASH_LEN];
	uint64_t	*time_ms;
	uint8_t		*pbuf;		/* payload scratch */
};

int	fs_chain_init(struct fs_chain *, uint64_t cap, uint32_t payload,
	    int sign);
/* dst = src up to height at, then variant's own blocks */
int	fs_chain_fork(struct fs_chain *dst, const struct fs_chain *src,
	    uint64_t at, uint32_t variant);
/* block h (1 <= h <= n; h == n makes it known) into out (BLOCK_MAX_LEN) */
size_t	fs_chain_block(struct fs_chain *, uint64_t h, uint8_t *out);
void	fs_chain_free(struct fs_chain *);

/* blocks from..from+count-1 of a chain as an append request */
struct fs_batch {
	uint8_t			*buf;
	struct blob		*v;
	struct ipc_append	 a;
	size_t			 bytes;
};
int	fs_batch_make(struct fs_batch *, struct fs_chain *, uint64_t from,
	    uint32_t count);
void	fs_batch_free(struct fs_batch *);

struct fs_answer {
	uint16_t	 type;
	uint8_t		*body;
	size_t		 len;
};

struct fakesup {
	char			 dir[128];	/* temporary, removed */
	char			 data[192];
	char			 run[192];
	char			 conf[192];
	char			 log[192];
	char			 ctl_path[256];
	pid_t			 pid;		/* stored, 0 when not running */
	int			 status;	/* wait status of the last exit */
	int			 tmpfs;		/* data is a mount of ours */
	struct event_base	*base;
	struct event		*hb;
	struct ipc_chan		*ctl;
	struct ipc_chan		*chan[2];	/* as syncd, as netd */
	uint64_t		 hb_seq;
	unsigned		 hb_answers;
	struct ipc_status_stored st;		/* last heartbeat answer */
	uint32_t		 reqid;
	uint32_t		 want;		/* reqid awaited */
	int			 got;
	struct fs_answer	 ans;
};

enum fs_as { FS_SYNCD, FS_NETD };

/* the temporary directory and config (conf_extra: INI text, or NULL) */
int	fs_init(struct fakesup *, const char *conf_extra);
/* data on a tmpfs of size bytes (root only; -1 otherwise) */
int	fs_mount_tmpfs(struct fakesup *, const char *size);
/* hand data and run to the service user when root */
int	fs_chown(struct fakesup *);
/*
 * Start stored with extra arguments (NULL-terminated, may be NULL), wait
 * for its first heartbeat answer and connect both store channels.  -1
 * if it exited (fs->status) or did not come up in timeout seconds.
 */
int	fs_start(struct fakesup *, const char *const *extra, double timeout);
/*
 * One request, one answer: 0 and the answer in fs->ans (valid until the
 * next request), -1 on timeout or when stored died.
 */
int	fs_request(struct fakesup *, enum fs_as, uint16_t type,
	    const struct wbuf *body, double timeout);
/* send without waiting; returns the reqid (0 on failure) */
uint32_t fs_send(struct fakesup *, enum fs_as, uint16_t type,
	    const struct wbuf *body);
/* wait for the answer to reqid */
int	fs_wait(struct fakesup *, uint32_t reqid, double timeout);
/* run the loop for this long (heartbeats keep going) */
void	fs_pump(struct fakesup *, double seconds);
/* signal stored and reap it (SIGKILL after timeout); its wait status */
int	fs_kill(struct fakesup *, int sig, double timeout);
/* wait for stored to exit by itself; -1 on timeout, else wait status */
int	fs_wait_exit(struct fakesup *, double timeout);
/* stored --verify data: exit status, its output line in out */
int	fs_verify(struct fakesup *, char *out, size_t len);
/* print stored's log to stderr (after a failure) */
void	fs_dump_log(struct fakesup *);
void	fs_cleanup(struct fakesup *);
/* remove a directory holding only an environment (chain.mdb, -lock) */
void	fs_store_dir_remove(const char *dir);

/* requests with their answers decoded; -1 on timeout or wrong answer */
int	fs_append(struct fakesup *, const struct ipc_append *,
	    struct ipc_result *, double timeout);
int	fs_tip(struct fakesup *, struct ipc_tip *);
int	fs_result(struct fakesup *, struct ipc_result *);

double	fs_now(void);

#endif
