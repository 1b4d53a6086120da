/*
 * netd - every TCP connection of the node, inbound and outbound.
 *
 * The only process that touches the network.  This is the process frame:
 * it joins the supervisor's control channel and reports its peers and
 * counters.  The connection state machine, registry and ping/pong are
 * issue 4.
 */
#include <string.h>

#include "log.h"
#include "worker.h"

static void
netd_status(struct worker *w, struct wbuf *out, uint64_t seq)
{
	struct ipc_status_netd st;

	(void)w;
	memset(&st, 0, sizeof(st));
	st.seq = seq;
	ipc_status_netd_encode(out, &st);
}

static const struct worker_def netd_def = {
	.proc = IPC_NETD,
	.net = SANDBOX_NET_TCP,
	.status = netd_status,
};

int
main(int argc, char **argv)
{
	return worker_main(argc, argv, &netd_def);
}
