/*
 * stored - the only process that opens the data files.
 *
 * Lives chrooted in (or Landlocked to) the data directory, with no network
 * sockets.  This is the process frame: it joins the supervisor's control
 * channel and reports its chain status.  The LMDB chain and address book
 * service is issue 3.
 */
#include <string.h>

#include "log.h"
#include "worker.h"

static void
stored_status(struct worker *w, struct wbuf *out, uint64_t seq)
{
	struct ipc_status_stored st;

	(void)w;
	memset(&st, 0, sizeof(st));
	st.seq = seq;
	ipc_status_stored_encode(out, &st);
}

static const struct worker_def stored_def = {
	.proc = IPC_STORED,
	.net = SANDBOX_NET_NONE,
	.needs_data_dir = 1,
	.status = stored_status,
};

int
main(int argc, char **argv)
{
	return worker_main(argc, argv, &stored_def);
}
