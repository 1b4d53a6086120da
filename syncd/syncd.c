/*
 * syncd - chain logic: catch-up planning, validation, fork choice,
 * production.
 *
 * Lives chrooted in (or Landlocked to) the run directory with no network
 * sockets.  This is the process frame: it joins the supervisor's control
 * channel and reports its sync status.  The chain and catch-up are
 * issue 5.
 */
#include <string.h>

#include "log.h"
#include "worker.h"

static void
syncd_status(struct worker *w, struct wbuf *out, uint64_t seq)
{
	struct ipc_status_syncd st;

	(void)w;
	memset(&st, 0, sizeof(st));
	st.seq = seq;
	st.state = SYNC_IDLE;
	ipc_status_syncd_encode(out, &st);
}

static const struct worker_def syncd_def = {
	.proc = IPC_SYNCD,
	.net = SANDBOX_NET_NONE,
	.status = syncd_status,
};

int
main(int argc, char **argv)
{
	return worker_main(argc, argv, &syncd_def);
}
