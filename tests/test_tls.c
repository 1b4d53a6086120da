/* SPDX-License-Identifier: ISC */
/*
 * test_tls.c - encrypted, authenticated connections between nodes (issue
 * 14, "Encrypted, authenticated transport"; docs/protocol.md section 12):
 * two nodes connect over TLS and catch up; plaintext is refused unless
 * [p2p] plaintext = yes; a pinned key is required of the peer, a wrong
 * one refused; pinned_only refuses the others; a key that changes for a
 * known address is logged and counted; a capture of loopback during a
 * catch-up holds no block payload (and does with plaintext).
 *
 * A node key does not travel with a node nonce: a second machine
 * reusing a peer's nonce with another key does not displace it.
 *
 * Nodes on 127.0.14.1-127.0.14.11, port 24900; fake peers on
 * 127.0.14.20-35 and 127.0.14.41.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <CUnit/Basic.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit.h"
#include "ipc.h"
#include "fakepeer.h"
#include "harness.h"
#include "tls.h"
#include "wire.h"

#define PORT		24900
#define A_IP		"127.0.14.1"

static uint32_t	magic;		/* the devnet's */
#define B_IP		"127.0.14.2"

static const char p2p_fast[] =
    "ping_interval = 1\n"
    "ping_timeout = 4\n"
    "backoff_min = 0.2\n"
    "backoff_max = 1\n"
    "handshake_timeout = 2\n";

/* a node at ip: [p2p] p2p_fast plus p2p_extra, then extra sections */
static int
start(struct tn_node *n, const char *ip, const char *p2p_extra,
    const char *extra)
{
	if (tn_node_init(n, ip, PORT, tn_fast_supervisor, "[p2p]\n",
	    p2p_fast, p2p_extra, extra) == -1)
		return -1;
	return tn_node_run(n, 20);
}

/* n's log has a line with needle within timeout */
static int
wait_log(struct tn_node *n, const char *needle, double timeout)
{
	double end = tn_now() + timeout;

	while (tn_now() < end) {
		if (tn_log_count(n->log, needle) > 0)
			return 1;
		tn_sleep(0.05);
	}
	return 0;
}

/*
 * The number at path in n's status once it is at least min, within
 * timeout; else the last value read (-1: no answer).
 */
static long long
wait_status_int(struct tn_node *n, const char *path, long long min,
    double timeout)
{
	double		end = tn_now() + timeout;
	long long	v;

	while ((v = tn_status_int(n, path)) < min && tn_now() < end)
		tn_sleep(0.05);
	return v;
}

/* one step of an in-memory handshake: 1 done, 0 not yet, -1 failed */
static int
hs_step(SSL *s)
{
	int rc = SSL_do_handshake(s), e;

	if (rc == 1)
		return 1;
	e = SSL_get_error(s, rc);
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/*
 * Issue 14, F8: the server chooses the cipher suite by its own order
 * (protocol.md section 12 lists them "in order"), whatever the client
 * prefers: a client offering ChaCha20 first gets AES-128-GCM.  An
 * in-memory handshake (a BIO pair) of two contexts of tls_ctx_new.
 */
static void
test_cipher_server_order(void)
{
	SSL_CTX		*cctx = tls_ctx_new(), *sctx = tls_ctx_new();
	SSL		*cl = NULL, *sv = NULL;
	BIO		*cb = NULL, *sb = NULL;
	struct tls_peer	 cp, sp;
	uint8_t		 seed[NODE_KEY_LEN], pub[NODE_KEY_LEN];
	int		 i, cdone = 0, sdone = 0;

	CU_ASSERT_FATAL(cctx != NULL && sctx != NULL);
	memset(seed, 1, sizeof(seed));
	CU_ASSERT_FATAL(tls_ctx_set_key(cctx, seed, pub) == 0);
	memset(seed, 2, sizeof(seed));
	CU_ASSERT_FATAL(tls_ctx_set_key(sctx, seed, pub) == 0);
	memset(&cp, 0, sizeof(cp));
	memset(&sp, 0, sizeof(sp));
	cl = tls_new(cctx, &cp);
	sv = tls_new(sctx, &sp);
	CU_ASSERT_FATAL(cl != NULL && sv != NULL);
	CU_ASSERT_FATAL(SSL_set_ciphersuites(cl, "TLS_CHACHA20_POLY1305_SHA256:"
	    "TLS_AES_128_GCM_SHA256") == 1);
	CU_ASSERT_FATAL(BIO_new_bio_pair(&cb, 0, &sb, 0) == 1);
	SSL_set_bio(cl, cb, cb);
	SSL_set_bio(sv, sb, sb);
	SSL_set_connect_state(cl);
	SSL_set_accept_state(sv);
	for (i = 0; i < 20 && (!cdone || !sdone); i++) {
		if (!cdone)
			cdone = hs_step(cl);
		if (!sdone)
			sdone = hs_step(sv);
		if (cdone == -1 || sdone == -1)
			break;
	}
	CU_ASSERT_FATAL(cdone == 1 && sdone == 1);
	CU_ASSERT_STRING_EQUAL(SSL_get_cipher_name(sv),
	    "TLS_AES_128_GCM_SHA256");
	CU_ASSERT_STRING_EQUAL(SSL_get_cipher_name(cl),
	    "TLS_AES_128_GCM_SHA256");
	SSL_free(cl);
	SSL_free(sv);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

/* Two nodes, default settings: TLS both ways, B catches up from A. */
static void
test_two_nodes_tls(void)
{
	struct tn_node a, b;

	CU_ASSERT_FATAL(start(&a, A_IP, NULL, "[sync]\nproducer_key = "
	    "devnet\n") == 0);
	CU_ASSERT_FATAL(tn_produce(&a, 300, 1000));
	CU_ASSERT_FATAL(start(&b, B_IP, NULL, "[node]\npeer = " A_IP
	    ":24900\n") == 0);
	CU_ASSERT(tn_wait_height(&b, 300, 30));
	CU_ASSERT(wait_log(&b, A_IP " outbound: connected", 10));
	CU_ASSERT(tn_log_count(b.log, "outbound: connected") > 0 &&
	    tn_log_count(b.log, "TLS, key ed25519:") > 0);
	CU_ASSERT(tn_log_count(a.log, B_IP " inbound: connected") > 0 &&
	    tn_log_count(a.log, "TLS, key ed25519:") > 0);
	CU_ASSERT(tn_log_count(a.log, "plaintext)") == 0);
	tn_node_cleanup(&b);
	tn_node_cleanup(&a);
}

/*
 * A plaintext hello is refused by default with a goodbye that says why,
 * and accepted with [p2p] plaintext = yes.
 */
static void
test_plaintext(void)
{
	struct tn_node	n;
	struct fake	f;

	CU_ASSERT_FATAL(start(&n, "127.0.14.3", NULL, NULL) == 0);
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.14.20", n.ip, PORT) == 0);
	CU_ASSERT(fake_hello(&f, 1401, NULL) == 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_PROTOCOL, 5));
	fake_close(&f);
	CU_ASSERT(wait_log(&n, "plaintext refused", 5));
	tn_node_cleanup(&n);

	CU_ASSERT_FATAL(start(&n, "127.0.14.4", "plaintext = yes\n", NULL)
	    == 0);
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.14.21", n.ip, PORT, 1402)
	    == 0);
	CU_ASSERT(fake_alive(&f));
	fake_close(&f);
	tn_node_cleanup(&n);
}

/* a pinned key that is not the peer's: refused, never connected */
static void
test_pinned_wrong_key(void)
{
	struct tn_node a, b;

	CU_ASSERT_FATAL(start(&a, A_IP, NULL, NULL) == 0);
	CU_ASSERT_FATAL(start(&b, B_IP, NULL, "[node]\npeer = " A_IP
	    ":24900 ed25519:00112233445566778899aabbccddeeff0011223344556677"
	    "8899aabbccddeeff\n") == 0);
	CU_ASSERT(wait_log(&b, "is not the pinned ed25519:0011", 10));
	tn_sleep(1.0);
	CU_ASSERT(tn_log_count(b.log, "outbound: connected") == 0);
	CU_ASSERT(tn_log_count(a.log, "inbound: connected") == 0);
	tn_node_cleanup(&b);
	tn_node_cleanup(&a);
}

/* pinned_only: an unpinned peer is refused, inbound and outbound */
static void
test_pinned_only(void)
{
	struct tn_node a, b;

	CU_ASSERT_FATAL(start(&a, A_IP, "pinned_only = yes\n", NULL) == 0);
	CU_ASSERT_FATAL(start(&b, B_IP, NULL, "[node]\npeer = " A_IP
	    ":24900\n") == 0);
	CU_ASSERT(wait_log(&a, "not a pinned peer", 10));
	tn_sleep(1.0);
	CU_ASSERT(tn_log_count(b.log, "outbound: connected") == 0);
	CU_ASSERT(tn_log_count(a.log, "inbound: connected") == 0);
	tn_node_cleanup(&b);
	tn_node_cleanup(&a);
}

/* n's node key from its status ("ed25519:..."), into key; 0 or -1 */
static int
node_key(struct tn_node *n, char *key, size_t len)
{
	json_t		*st = tn_status(n);
	const char	*k;
	int		 rc = -1;

	k = json_string_value(json_object_get(json_object_get(st, "node"),
	    "node_key"));
	if (k != NULL && strncmp(k, "ed25519:", 8) == 0 && strlen(k) == 72 &&
	    strlen(k) < len) {
		memcpy(key, k, strlen(k) + 1);
		rc = 0;
	}
	json_decref(st);
	return rc;
}

/*
 * The node key: made at the first start (mode 0600 in the data dir),
 * the same after a restart, shown in the status; pinned, it lets the
 * peer in.
 */
static void
test_node_key_pinned(void)
{
	struct tn_node	a, b;
	char		key[80], again[80], conf[256], path[400];
	struct stat	sb;

	CU_ASSERT_FATAL(start(&a, A_IP, NULL, NULL) == 0);
	CU_ASSERT_FATAL(node_key(&a, key, sizeof(key)) == 0);
	snprintf(path, sizeof(path), "%s/node.key", a.data);
	CU_ASSERT(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	CU_ASSERT(tn_node_stop(&a, 10) == 0);
	CU_ASSERT_FATAL(tn_node_run(&a, 20) == 0);
	CU_ASSERT_FATAL(node_key(&a, again, sizeof(again)) == 0);
	CU_ASSERT_STRING_EQUAL(key, again);

	snprintf(conf, sizeof(conf), "[node]\npeer = " A_IP ":24900 %s\n",
	    key);
	CU_ASSERT_FATAL(start(&b, B_IP, "pinned_only = yes\n", conf) == 0);
	CU_ASSERT(tn_wait_peer(&b, A_IP, 10));
	CU_ASSERT(tn_log_count(b.log, key) > 0);
	tn_node_cleanup(&b);
	tn_node_cleanup(&a);
}

/*
 * A known address with another key (A lost its data dir's node.key):
 * logged and counted by B, the connection stays (opportunistic).
 */
static void
test_key_changed(void)
{
	struct tn_node	a, b;
	char		path[400];

	CU_ASSERT_FATAL(start(&a, A_IP, NULL, NULL) == 0);
	CU_ASSERT_FATAL(start(&b, B_IP, NULL, "[node]\npeer = " A_IP
	    ":24900\n") == 0);
	CU_ASSERT_FATAL(tn_wait_peer(&b, A_IP, 10));
	CU_ASSERT(tn_status_int(&b, "counters.peer_key_changed") == 0);
	CU_ASSERT(tn_node_stop(&a, 10) == 0);
	snprintf(path, sizeof(path), "%s/node.key", a.data);
	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT_FATAL(tn_node_run(&a, 20) == 0);
	CU_ASSERT(wait_log(&b, A_IP ": node key changed", 15));
	CU_ASSERT(tn_wait_peer(&b, A_IP, 10));
	CU_ASSERT(tn_status_int(&b, "counters.peer_key_changed") == 1);
	tn_node_cleanup(&b);
	tn_node_cleanup(&a);
}

/* the connection is closed by the node (EOF or reset) within timeout */
static int
closed_within(struct fake *f, double timeout)
{
	struct wire_msg	m;
	int		r;

	/* the node's bytes (TLS alerts, a plaintext goodbye) are not
	 * frames: fake_recv says -1 for them as for EOF */
	while ((r = fake_recv(f, &m, timeout)) == 1)
		;
	return r == -1;
}

/*
 * Hostile first bytes (docs/protocol.md sections 11 and 12): garbage
 * after a TLS record byte fails the TLS handshake at once; a ClientHello
 * record header that stalls, or a lone 0x16, holds the connection no
 * longer than the handshake deadline (2 s here), as a silent plaintext
 * peer; the node serves an honest peer all along.
 */
static void
test_hostile_handshake(void)
{
	static const uint8_t	stall[] = { 0x16, 0x03, 0x01, 0x02, 0x00 };
	struct tn_node		n;
	struct fake		f, g;
	uint8_t			junk[200];
	double			t0;

	CU_ASSERT_FATAL(start(&n, "127.0.14.8", "plaintext = yes\n", NULL)
	    == 0);
	/* garbage after 0x16 */
	randombytes_buf(junk, sizeof(junk));
	junk[0] = 0x16;
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.14.23", n.ip, PORT) == 0);
	t0 = tn_now();
	CU_ASSERT(send(f.fd, junk, sizeof(junk), MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(junk));
	CU_ASSERT(closed_within(&f, 1.5));
	CU_ASSERT(tn_now() - t0 < 1.5);
	fake_close(&f);

	/* a stalled ClientHello, and a lone record byte */
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.14.24", n.ip, PORT) == 0);
	CU_ASSERT_FATAL(fake_connect(&g, "127.0.14.25", n.ip, PORT) == 0);
	t0 = tn_now();
	CU_ASSERT(send(f.fd, stall, sizeof(stall), MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(stall));
	CU_ASSERT(send(g.fd, stall, 1, MSG_NOSIGNAL) == 1);
	CU_ASSERT(closed_within(&f, 5));
	CU_ASSERT(closed_within(&g, 5));
	CU_ASSERT(tn_now() - t0 >= 1.9 && tn_now() - t0 < 4);
	fake_close(&f);
	fake_close(&g);

	/* all the while an honest peer is served */
	CU_ASSERT(fake_handshake(&f, "127.0.14.26", n.ip, PORT, 1404) == 0);
	CU_ASSERT(fake_alive(&f));
	fake_close(&f);
	tn_sleep(0.3);
	CU_ASSERT(tn_status_int(&n, "counters.handshakes_failed") == 3);
	CU_ASSERT(tn_status_int(&n, "counters.connections_closed.timeout")
	    == 2);
	tn_node_cleanup(&n);
}

/*
 * Outbound fallback with plaintext = yes: B dials an older node (a fake
 * that listens and sends its plaintext hello at once, as version 1
 * does); TLS fails on that answer, the address is marked, and the next
 * dial speaks plaintext: B's hello arrives in the clear.
 */
static void
test_plaintext_fallback(void)
{
	struct tn_node	b;
	struct fake	f;
	struct wire_msg	m;
	int		lfd, got = 0;

	CU_ASSERT_FATAL((lfd = fake_listen("127.0.14.27", PORT)) != -1);
	CU_ASSERT_FATAL(start(&b, B_IP, "plaintext = yes\n", "[node]\npeer "
	    "= 127.0.14.27:24900\n") == 0);
	/* first dial: a ClientHello comes, an older node's hello goes */
	CU_ASSERT_FATAL(fake_accept(&f, lfd, 10) == 0);
	CU_ASSERT(fake_hello_version(&f, WIRE_VERSION_PLAIN, 1405, NULL) == 0);
	CU_ASSERT(fake_recv(&f, &m, 3) == -1);	/* TLS bytes, then closed */
	fake_close(&f);
	CU_ASSERT(wait_log(&b, "dialling plaintext for 3600 s", 5));
	/* the next dial, after the backoff (0.2-1 s): plaintext */
	CU_ASSERT_FATAL(fake_accept(&f, lfd, 10) == 0);
	CU_ASSERT(fake_hello_version(&f, WIRE_VERSION_PLAIN, 1405, NULL) == 0);
	got = fake_recv(&f, &m, 3) == 1 && m.type == WIRE_HELLO;
	CU_ASSERT(got);
	fake_close(&f);
	close(lfd);
	tn_node_cleanup(&b);
}

/* the first byte the node sends on f within timeout s (peeked), or -1 */
static int
first_byte(struct fake *f, double timeout)
{
	struct pollfd	pfd = { .fd = f->fd, .events = POLLIN };
	uint8_t		b;

	if (poll(&pfd, 1, (int)(timeout * 1000)) != 1 ||
	    recv(f->fd, &b, 1, MSG_PEEK) != 1)
		return -1;
	return b;
}

/*
 * Issue 14, F2: an active attacker answering our ClientHello with a
 * version-2 hello in plaintext (a node that speaks TLS) gets no
 * fallback: refused, counted, and every later dial is TLS again.  A
 * version-1 hello (an older node) marks the address plaintext; a
 * version-2 hello on that plaintext dial drops the mark.
 */
static void
test_plaintext_downgrade(void)
{
	struct tn_node	b;
	struct fake	f;
	int		lfd, i;

	CU_ASSERT_FATAL((lfd = fake_listen("127.0.14.28", PORT)) != -1);
	CU_ASSERT_FATAL(start(&b, "127.0.14.29", "plaintext = yes\n",
	    "[node]\npeer = 127.0.14.28:24900\n") == 0);
	for (i = 0; i < 3; i++) {	/* each dial: TLS, v2 answer */
		CU_ASSERT_FATAL(fake_accept(&f, lfd, 10) == 0);
		CU_ASSERT(first_byte(&f, 5) == 0x16);	/* a TLS record */
		CU_ASSERT(fake_hello(&f, 1406, NULL) == 0);
		tn_sleep(0.3);
		fake_close(&f);
	}
	CU_ASSERT(wait_log(&b, "refused, not marked", 5));
	/* the first refusal's line is out; the third may still be read */
	CU_ASSERT(wait_status_int(&b, "counters.downgrades_refused", 3, 5) >=
	    3);
	CU_ASSERT(tn_log_count(b.log, "dialling plaintext") == 0);
	/* an older node: marked; its plaintext dial answered by version 2 */
	CU_ASSERT_FATAL(fake_accept(&f, lfd, 10) == 0);
	CU_ASSERT(first_byte(&f, 5) == 0x16);
	CU_ASSERT(fake_hello_version(&f, WIRE_VERSION_PLAIN, 1406, NULL) == 0);
	tn_sleep(0.3);
	fake_close(&f);
	CU_ASSERT(wait_log(&b, "dialling plaintext for", 5));
	CU_ASSERT_FATAL(fake_accept(&f, lfd, 10) == 0);
	CU_ASSERT(first_byte(&f, 5) != 0x16);		/* plaintext */
	CU_ASSERT(fake_hello(&f, 1406, NULL) == 0);
	CU_ASSERT(wait_log(&b, "marked as an older node's", 5));
	fake_close(&f);
	/* the mark is gone: TLS again */
	CU_ASSERT_FATAL(fake_accept(&f, lfd, 10) == 0);
	CU_ASSERT(first_byte(&f, 5) == 0x16);
	fake_close(&f);
	close(lfd);
	tn_node_cleanup(&b);
}

/*
 * Issue 14, F2, inbound: plaintext from an address that spoke TLS with
 * us this run is refused and counted; a version-2 hello in plaintext
 * from another address (plaintext = yes) is let in, logged and counted.
 */
static void
test_plaintext_inbound_after_tls(void)
{
	struct tn_node	a, b;
	struct fake	f;

	CU_ASSERT_FATAL(start(&b, "127.0.14.31", NULL, NULL) == 0);
	CU_ASSERT_FATAL(start(&a, "127.0.14.30", "plaintext = yes\n",
	    "[node]\npeer = 127.0.14.31:24900\n") == 0);
	CU_ASSERT_FATAL(wait_log(&a, "outbound: connected", 10));
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.14.31", a.ip, PORT) == 0);
	CU_ASSERT(fake_hello_version(&f, WIRE_VERSION_PLAIN, 1407, NULL) == 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_PROTOCOL, 5));
	fake_close(&f);
	CU_ASSERT(wait_log(&a, "spoke TLS with us before", 5));
	CU_ASSERT(tn_status_int(&a, "counters.downgrades_refused") == 1);
	/* another address, version 2 in plaintext: in, but counted */
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.14.32", a.ip, PORT, 1408)
	    == 0);
	CU_ASSERT(fake_alive(&f));
	fake_close(&f);
	CU_ASSERT(tn_status_int(&a, "counters.plaintext_v2_hellos") == 1);
	CU_ASSERT(wait_log(&a, "a version-2 hello in plaintext", 5));
	tn_node_cleanup(&a);
	tn_node_cleanup(&b);
}

/*
 * The capture: tcpdump on lo, of this test's addresses only, in the
 * network namespace the test made for itself (capture_netns).
 */
#define NHASH		6		/* tips recorded while producing */
#define CAPTURE_NET	"127.0.14.0/24"

static pid_t
capture_start(const char *path)
{
	struct stat	sb;
	double		end = tn_now() + 10;
	pid_t		pid;
	int		fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* every packet written as it comes, none left in the
		 * kernel's ring at SIGINT */
		execlp("tcpdump", "tcpdump", "-i", "lo", "-n", "-s", "0", "-U",
		    "--immediate-mode", "-Z", "root", "-w", path, "net",
		    CAPTURE_NET, (char *)NULL);
		_exit(127);
	}
	tn_track_pid(pid);
	/* the file's pcap header: tcpdump is listening */
	while (tn_now() < end && (stat(path, &sb) == -1 || sb.st_size < 24))
		tn_sleep(0.05);
	tn_sleep(0.3);
	return stat(path, &sb) == 0 && sb.st_size >= 24 ? pid : -1;
}

static void
capture_stop(pid_t pid)
{
	int st;

	tn_sleep(0.3);			/* the last packets written (-U) */
	kill(pid, SIGINT);
	(void)waitpid(pid, &st, 0);
}

/* how many of the n 32-byte patterns are somewhere in the file */
static int
capture_count(const char *path, uint8_t (*pat)[32], int n)
{
	FILE	*f;
	uint8_t	*buf;
	size_t	 len = 0, cap = 1 << 20, r, i;
	int	 found = 0, k;

	if ((f = fopen(path, "rb")) == NULL || (buf = malloc(cap)) == NULL)
		return -1;
	while ((r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			return -1;
	}
	fclose(f);
	for (k = 0; k < n; k++)
		for (i = 0; i + 32 <= len; i++)
			if (memcmp(buf + i, pat[k], 32) == 0) {
				found++;
				break;
			}
	free(buf);
	return found;
}

/* the node's tip hash from its status into h: 0 or -1 */
static int
tip_hash(struct tn_node *n, uint8_t h[32])
{
	json_t		*st = tn_status(n);
	const char	*hex;
	size_t		 len = 0;
	int		 rc;

	hex = json_string_value(json_object_get(json_object_get(st, "node"),
	    "tip"));
	rc = hex != NULL && sodium_hex2bin(h, 32, hex, strlen(hex), NULL,
	    &len, NULL) == 0 && len == 32 ? 0 : -1;
	json_decref(st);
	return rc;
}

/* a namespace of our own with lo up, so tcpdump sees only our traffic */
static int
capture_netns(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) == -1)
		return -1;
	return system("ip link set lo up") == 0 ? 0 : -1;
}

/*
 * A catch-up captured on lo: the hashes of blocks at heights 10, 20, ...
 * are inside the next block (its previous-block hash), so in any BLOCKS
 * frame sent in the clear.  Over TLS (the default) none is in the
 * capture.  The check itself is proved by the same search over the
 * same catch-up in plaintext ([p2p] plaintext = always): there they are
 * all found.
 */
static void
test_capture(void)
{
	struct tn_node	a, b;
	struct stat	sb;
	uint8_t		hash[NHASH][32];
	char		path[400], tls_path[400];
	pid_t		cap;
	int		i, n;

	if (capture_netns() == -1) {
		printf("\n  skipped: needs root and a network namespace ");
		return;
	}
	if (system("command -v tcpdump >/dev/null") != 0) {
		printf("\n  skipped: no tcpdump (scripts/deps.sh) ");
		return;
	}
	CU_ASSERT_FATAL(start(&a, "127.0.14.5", "plaintext = yes\n",
	    "[sync]\nproducer_key = devnet\n") == 0);
	for (i = 0; i < NHASH; i++) {
		CU_ASSERT_FATAL(tn_produce(&a, 10, 2000));
		CU_ASSERT_FATAL(tip_hash(&a, hash[i]) == 0);
	}
	CU_ASSERT_FATAL(tn_produce(&a, 10, 2000));

	/* TLS: B catches up all 70 blocks, none of the hashes in clear */
	snprintf(tls_path, sizeof(tls_path), "%s/tls.pcap", a.dir);
	CU_ASSERT_FATAL((cap = capture_start(tls_path)) > 0);
	CU_ASSERT_FATAL(start(&b, "127.0.14.6", NULL, "[node]\npeer = "
	    "127.0.14.5:24900\n") == 0);
	CU_ASSERT(tn_wait_height(&b, 10 * (NHASH + 1), 30));
	capture_stop(cap);
	/* the capture saw the catch-up: its blocks, encrypted */
	CU_ASSERT(stat(tls_path, &sb) == 0 && sb.st_size > 10 * NHASH *
	    2000);
	n = capture_count(tls_path, hash, NHASH);
	printf("\n    TLS catch-up: %d of %d block hashes in the capture", n,
	    NHASH);
	CU_ASSERT(n == 0);
	tn_node_cleanup(&b);

	/* plaintext: the same catch-up, C dialling in plaintext */
	snprintf(path, sizeof(path), "%s/plain.pcap", a.dir);
	CU_ASSERT_FATAL((cap = capture_start(path)) > 0);
	CU_ASSERT_FATAL(start(&b, "127.0.14.7", "plaintext = always\n",
	    "[node]\npeer = 127.0.14.5:24900\n") == 0);
	CU_ASSERT(tn_wait_height(&b, 10 * (NHASH + 1), 30));
	CU_ASSERT(tn_log_count(b.log, "outbound: connected") > 0 &&
	    tn_log_count(b.log, "plaintext)") > 0);
	capture_stop(cap);
	tn_node_cleanup(&b);
	n = capture_count(path, hash, NHASH);
	printf("\n    plaintext catch-up: %d of %d block hashes in the "
	    "capture ", n, NHASH);
	CU_ASSERT(n == NHASH);
	tn_node_cleanup(&a);
}

/*
 * A fake peer over TLS with the node key seed: f (as fake_connect's,
 * from src) is one end of a socket pair whose other end a child process
 * relays through a TLS client connection (netd/tls.c's context, as a
 * node makes it).  The child's pid into *relay (stop_relay ends it), or
 * -1 with nothing left.
 */
static int
fake_tls_connect(struct fake *f, pid_t *relay, const uint8_t *seed,
    const char *src, const char *dst)
{
	struct tls_peer	 peer;
	struct pollfd	 pfd[2];
	SSL_CTX		*ctx;
	SSL		*ssl;
	uint8_t		 pub[NODE_KEY_LEN], buf[16384];
	int		 sv[2], tcp, r;

	if (fake_connect(f, src, dst, PORT) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		fake_close(f);
		return -1;
	}
	tcp = f->fd;
	if ((*relay = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		fake_close(f);
		return -1;
	}
	if (*relay > 0) {
		close(sv[1]);
		close(tcp);
		f->fd = sv[0];
		f->tls = 1;
		return 0;
	}
	/* the child: TLS, then bytes both ways until either end closes */
	alarm(120);
	signal(SIGPIPE, SIG_IGN);
	close(sv[0]);
	memset(&peer, 0, sizeof(peer));
	if ((ctx = tls_ctx_new()) == NULL ||
	    tls_ctx_set_key(ctx, seed, pub) == -1 ||
	    (ssl = tls_new(ctx, &peer)) == NULL ||
	    SSL_set_fd(ssl, tcp) != 1 || SSL_connect(ssl) != 1)
		_exit(1);
	pfd[0].fd = tcp;
	pfd[1].fd = sv[1];
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (SSL_pending(ssl) == 0 && poll(pfd, 2, -1) == -1)
			_exit(1);
		if (SSL_pending(ssl) > 0 || pfd[0].revents) {
			if ((r = SSL_read(ssl, buf, sizeof(buf))) <= 0 ||
			    send(sv[1], buf, (size_t)r, MSG_NOSIGNAL) != r)
				_exit(0);
		}
		if (pfd[1].revents) {
			if ((r = (int)read(sv[1], buf, sizeof(buf))) <= 0 ||
			    SSL_write(ssl, buf, r) != r)
				_exit(0);
		}
		pfd[0].revents = pfd[1].revents = 0;
	}
}

/* close f and end its relay (by pid) */
static void
stop_relay(struct fake *f, pid_t relay)
{
	fake_close(f);
	if (relay > 0) {
		kill(relay, SIGKILL);
		waitpid(relay, NULL, 0);
	}
}

/* a fake over TLS from src that says hello with nonce: 0, or -1 */
static int
tls_hello(struct fake *f, pid_t *relay, const uint8_t *seed,
    const char *src, const char *dst, uint64_t nonce)
{
	struct wire_msg m;

	if (fake_tls_connect(f, relay, seed, src, dst) == -1)
		return -1;
	if (fake_hello(f, nonce, NULL) == -1 || fake_recv(f, &m, 5) != 1 ||
	    m.type != WIRE_HELLO) {
		stop_relay(f, *relay);
		*relay = -1;
		return -1;
	}
	return 0;
}

/* n's status lists a peer at ip within timeout */
static int
has_peer(struct tn_node *n, const char *ip, double timeout)
{
	double	 end = tn_now() + timeout;
	json_t	*st;
	int	 ok = 0;

	while (!ok && tn_now() < end) {
		st = tn_status(n);
		ok = st != NULL && tn_peer(st, ip) != NULL;
		json_decref(st);
		if (!ok)
			tn_sleep(0.1);
	}
	return ok;
}

/*
 * The dual-stack rule trusts a node nonce only with the same node key
 * (docs/protocol.md section 6): a peer R (key 1, from .31) is connected;
 * X (key 2, from .30: the lower address pair, which the rule keeps)
 * presents R's nonce: two machines, both stay, a warning names the
 * keys.  Y (key 1 again, from .32) presenting that nonce is R's twin and
 * loses to R's lower pair, as before.
 */
static void
test_nonce_other_key(void)
{
	static const uint64_t	nonce = 0x7e57ab1e14;
	struct tn_node		n;
	struct fake		r, x, y;
	uint8_t			k1[NODE_KEY_LEN], k2[NODE_KEY_LEN];
	pid_t			pr, px, py;

	randombytes_buf(k1, sizeof(k1));
	randombytes_buf(k2, sizeof(k2));
	CU_ASSERT_FATAL(start(&n, "127.0.14.10", NULL, NULL) == 0);
	CU_ASSERT_FATAL(tls_hello(&r, &pr, k1, "127.0.14.31", n.ip, nonce)
	    == 0);
	fake_serve(&r, 0.5);
	CU_ASSERT(has_peer(&n, "127.0.14.31", 3));
	CU_ASSERT_FATAL(tls_hello(&x, &px, k2, "127.0.14.30", n.ip, nonce)
	    == 0);
	fake_serve(&r, 1);
	CU_ASSERT(fake_alive(&r));		/* not displaced */
	CU_ASSERT(fake_alive(&x));
	CU_ASSERT(has_peer(&n, "127.0.14.31", 3));
	CU_ASSERT(has_peer(&n, "127.0.14.30", 3));
	CU_ASSERT(wait_log(&n, "with another node key", 3));
	CU_ASSERT(tn_log_count(n.log, "keeping both") >= 1);
	/* the same key at another IP is the same machine */
	CU_ASSERT_FATAL(tls_hello(&y, &py, k1, "127.0.14.32", n.ip, nonce)
	    == 0);
	CU_ASSERT(fake_goodbye_with(&y, CLOSE_DUPLICATE, 3));
	CU_ASSERT(fake_alive(&r));
	CU_ASSERT(tn_status_int(&n, "counters.duplicates_resolved") == 1);
	stop_relay(&y, py);
	stop_relay(&x, px);
	stop_relay(&r, pr);
	tn_node_cleanup(&n);
}

/*
 * Over TLS the node still sends every frame with its checksum (a node of
 * the previous release checks it) and takes one with a zero checksum,
 * which TLS has authenticated (docs/protocol.md section 2).  The fake
 * checks every checksum it reads (tls = 0) and sends a PING whose
 * checksum is zero.
 */
static void
test_checksum_over_tls(void)
{
	struct tn_node	 n;
	struct fake	 f;
	struct wire_msg	 m;
	struct wbuf	 w;
	uint8_t		 k[NODE_KEY_LEN];
	pid_t		 pf;
	json_t		*st;

	randombytes_buf(k, sizeof(k));
	CU_ASSERT_FATAL(start(&n, "127.0.14.10", NULL, NULL) == 0);
	CU_ASSERT_FATAL(fake_tls_connect(&f, &pf, k, "127.0.14.33",
	    n.ip) == 0);
	f.tls = 0;
	CU_ASSERT(fake_hello(&f, 33, NULL) == 0);
	CU_ASSERT(fake_recv(&f, &m, 5) == 1 && m.type == WIRE_HELLO);
	CU_ASSERT(fake_alive(&f));		/* its PONG checksummed */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	m.u.nonce = 0x5eed;
	wbuf_init(&w, WIRE_MAX_FRAME);
	CU_ASSERT_FATAL(wire_encode(&w, magic, &m) == 0);
	memset(w.data + 10, 0, WIRE_CHECK_LEN);
	CU_ASSERT(write(f.fd, w.data, w.len) == (ssize_t)w.len);
	wbuf_free(&w);
	CU_ASSERT(fake_wait_type(&f, WIRE_PONG, 3, &m) == 1 &&
	    m.u.nonce == 0x5eed);
	st = tn_status(&n);
	CU_ASSERT_EQUAL(tn_json_int(st, "counters.connections_closed.protocol"),
	    0);
	json_decref(st);
	stop_relay(&f, pf);
	tn_node_cleanup(&n);
}

/*
 * A peer of a later version than ours is spoken to in ours, the lower of
 * the two (docs/protocol.md section 3): its hello answered, its ping too
 * (the fake checks every checksum, tls = 0).  Such a hello was refused
 * (protocol), so each version bump cut an upgraded node off from every
 * older one: a node of fbd6bac (version 3) and one that said version 4
 * never connected, over TLS or plaintext.
 */
static void
test_later_version(void)
{
	struct tn_node	 n;
	struct fake	 f;
	struct wire_msg	 m;
	uint8_t		 k[NODE_KEY_LEN];
	pid_t		 pf;
	json_t		*st;

	randombytes_buf(k, sizeof(k));
	CU_ASSERT_FATAL(start(&n, "127.0.14.11", NULL, NULL) == 0);
	CU_ASSERT_FATAL(fake_tls_connect(&f, &pf, k, "127.0.14.35",
	    n.ip) == 0);
	f.tls = 0;
	CU_ASSERT(fake_hello_version(&f, WIRE_VERSION + 1, 35, NULL) == 0);
	CU_ASSERT(fake_recv(&f, &m, 5) == 1 && m.type == WIRE_HELLO &&
	    m.u.hello.version == WIRE_VERSION);
	CU_ASSERT(fake_alive(&f));
	st = tn_status(&n);
	CU_ASSERT_EQUAL(tn_json_int(st, "counters.connections_closed.protocol"),
	    0);
	json_decref(st);
	stop_relay(&f, pf);
	tn_node_cleanup(&n);
}

/*
 * A peer that accepts, reads our ClientHello and hangs up, or resets the
 * connection: an error (the peer closed), not a protocol violation (a full node's eviction did
 * this to 27 connections in bench/run.sh's 100-node network, all counted
 * "protocol").  Three dials at backoff_min.
 */
static void
test_hangup_in_handshake(void)
{
	struct sockaddr_in	 sa;
	struct tn_node		 n;
	char			 peer[64], buf[4096];
	json_t			*st;
	double			 end;
	int			 l, a, one = 1, hung = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(PORT);
	inet_pton(AF_INET, "127.0.14.41", &sa.sin_addr);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(l != -1);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CU_ASSERT_FATAL(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(l, 8) == 0);
	snprintf(peer, sizeof(peer), "[node]\npeer = 127.0.14.41:%d\n", PORT);
	CU_ASSERT_FATAL(start(&n, "127.0.14.10", NULL, peer) == 0);
	for (end = tn_now() + 15; hung < 3 && tn_now() < end; ) {
		struct pollfd pfd = { l, POLLIN, 0 };

		if (poll(&pfd, 1, 500) != 1 ||
		    (a = accept4(l, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		pfd.fd = a;
		if (poll(&pfd, 1, 2000) == 1 &&
		    read(a, buf, sizeof(buf)) > 0)	/* the ClientHello */
			hung++;
		if (hung % 2 == 0) {	/* every other one reset (RST) */
			struct linger lg = { 1, 0 };

			setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(a);
	}
	CU_ASSERT_EQUAL(hung, 3);
	st = NULL;
	for (end = tn_now() + 5; tn_now() < end; tn_sleep(0.1)) {
		json_decref(st);
		st = tn_status(&n);
		if (tn_json_int(st, "counters.connections_closed.error") >= 3)
			break;
	}
	CU_ASSERT(tn_json_int(st, "counters.connections_closed.error") >= 3);
	CU_ASSERT_EQUAL(tn_json_int(st,
	    "counters.connections_closed.protocol"), 0);
	CU_ASSERT(wait_log(&n, "connection closed by the peer in the "
	    "handshake", 1));
	json_decref(st);
	close(l);
	tn_node_cleanup(&n);
}

/* an argument runs only the tests whose name contains it */
int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "two nodes over TLS, catch-up", test_two_nodes_tls },
		{ "over TLS: checksums sent, a zero one taken",
		    test_checksum_over_tls },
		{ "a later version than ours: spoken as ours",
		    test_later_version },
		{ "a peer hanging up in the handshake: an error",
		    test_hangup_in_handshake },
		{ "plaintext refused by default, accepted when configured",
		    test_plaintext },
		{ "pinned key: a wrong one is refused",
		    test_pinned_wrong_key },
		{ "pinned_only refuses an unpinned peer", test_pinned_only },
		{ "node key kept, shown; pinned: let in",
		    test_node_key_pinned },
		{ "a changed key of a known address: logged, counted",
		    test_key_changed },
		{ "the server's cipher-suite order wins (F8)",
		    test_cipher_server_order },
		{ "a version-2 plaintext answer to TLS: no fallback (F2)",
		    test_plaintext_downgrade },
		{ "plaintext from an address that spoke TLS: refused (F2)",
		    test_plaintext_inbound_after_tls },
		{ "plaintext = yes: an older node is dialled in plaintext "
		    "next", test_plaintext_fallback },
		{ "hostile first bytes: garbage after 0x16, stalled "
		    "ClientHello", test_hostile_handshake },
		{ "a nonce with another node key is another machine",
		    test_nonce_other_key },
		/* last: it moves the program into a network namespace */
		{ "capture of a catch-up: no block in clear over TLS",
		    test_capture },
	};
	struct tn_suite	 ts = { .name = "tls", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL };

	if (fake_setup_devnet(NULL, &magic) == -1)
		return 1;
	alarm(600);	/* a hard bound on the whole program */
	return tn_cunit_run(&ts);
}
