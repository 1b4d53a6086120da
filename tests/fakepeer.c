/* SPDX-License-Identifier: ISC */
/*
 * fakepeer.c - a scripted wire-protocol peer for process tests (see
 * fakepeer.h).
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "block.h"
#include "fakepeer.h"
#include "harness.h"

static uint32_t	net_magic;
static uint8_t	net_genesis[BLOCK_HASH_LEN];

void
fake_setup(uint32_t magic, const uint8_t genesis[BLOCK_HASH_LEN])
{
	net_magic = magic;
	memcpy(net_genesis, genesis, BLOCK_HASH_LEN);
}

int
fake_setup_devnet(uint8_t hash[BLOCK_HASH_LEN], uint32_t *magic)
{
	struct genesis	g;
	char		err[256];

	if (sodium_init() < 0 ||
	    genesis_load(&g, "devnet", "/nonexistent", err, sizeof(err)) == -1)
		return -1;
	fake_setup(wire_magic(g.block.hash), g.block.hash);
	if (hash != NULL)
		memcpy(hash, g.block.hash, BLOCK_HASH_LEN);
	if (magic != NULL)
		*magic = net_magic;
	return 0;
}

int
fake_connect(struct fake *f, const char *src, const char *dst, int port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	memcpy(f->tip, net_genesis, BLOCK_HASH_LEN);
	if ((f->buf = malloc(WIRE_MAX_FRAME)) == NULL)
		return -1;
	if ((f->fd = tn_tcp_connect(src, dst, port)) == -1 ||
	    getsockname(f->fd, (struct sockaddr *)&sin, &len) == -1) {
		fake_close(f);
		return -1;
	}
	f->port = ntohs(sin.sin_port);
	return 0;
}

void
fake_close(struct fake *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	free(f->buf);
	f->buf = NULL;
	f->have = 0;
}

int
fake_listen(const char *ip, int port)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || inet_pton(AF_INET, ip, &sin.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 8) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
fake_accept(struct fake *f, int lfd, double timeout)
{
	struct pollfd	pfd = { lfd, POLLIN, 0 };

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	memcpy(f->tip, net_genesis, BLOCK_HASH_LEN);
	if (poll(&pfd, 1, (int)(timeout * 1000)) != 1 ||
	    (f->buf = malloc(WIRE_MAX_FRAME)) == NULL ||
	    (f->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		fake_close(f);
		return -1;
	}
	return 0;
}

int
fake_send(struct fake *f, const struct wire_msg *m, uint32_t magic)
{
	struct wbuf	w;
	int		r;

	wbuf_init(&w, WIRE_MAX_FRAME);
	r = wire_encode(&w, magic, m) == 0 && send(f->fd, w.data, w.len,
	    MSG_NOSIGNAL) == (ssize_t)w.len ? 0 : -1;
	wbuf_free(&w);
	return r;
}

int
fake_hello(struct fake *f, uint64_t nonce, const uint8_t *genesis)
{
	return fake_hello_version(f, WIRE_VERSION, nonce, genesis);
}

int
fake_hello_version(struct fake *f, uint16_t version, uint64_t nonce,
    const uint8_t *genesis)
{
	static struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_HELLO;
	m.u.hello.version = version;
	m.u.hello.magic = net_magic;
	memcpy(m.u.hello.genesis, genesis ? genesis : net_genesis,
	    BLOCK_HASH_LEN);
	m.u.hello.nonce = nonce;
	m.u.hello.listen_port = 0;
	m.u.hello.height = f->height;
	memcpy(m.u.hello.tip, f->tip, BLOCK_HASH_LEN);
	strcpy(m.u.hello.agent, "fakepeer");
	return fake_send(f, &m, net_magic);
}

int
fake_first_byte(struct fake *f)
{
	uint8_t b = (uint8_t)(net_magic >> 24);

	return send(f->fd, &b, 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int
fake_handshake(struct fake *f, const char *src, const char *dst, int port,
    uint64_t nonce)
{
	static struct wire_msg m;

	if (fake_connect(f, src, dst, port) == -1)
		return -1;
	if (fake_hello(f, nonce, net_genesis) == -1 ||
	    fake_recv(f, &m, 3) != 1 || m.type != WIRE_HELLO) {
		fake_close(f);
		return -1;
	}
	return 0;
}

int
fake_recv(struct fake *f, struct wire_msg *m, double timeout)
{
	struct pollfd	pfd = { f->fd, POLLIN, 0 };
	double		end = tn_now() + timeout;
	size_t		used;
	ssize_t		r;
	int		st, ms;

	for (;;) {
		st = f->tls ? wire_frame_parse_tls(f->buf, f->have,
		    net_magic, m, &used) : wire_frame_parse(f->buf, f->have,
		    net_magic, m, &used);
		if (st == WIRE_OK) {
			/* a BLOCKS answer's blobs point into buf: only
			 * its reqid and count outlive the next read */
			if (m->type == WIRE_HELLO)
				f->their_nonce = m->u.hello.nonce;
			memmove(f->buf, f->buf + used, f->have - used);
			f->have -= used;
			return 1;
		}
		if (st != WIRE_NEED_MORE)
			return -1;
		ms = (int)((end - tn_now()) * 1000);
		if (ms <= 0)
			return 0;
		if (poll(&pfd, 1, ms) <= 0)
			continue;
		r = recv(f->fd, f->buf + f->have, WIRE_MAX_FRAME - f->have, 0);
		if (r <= 0)
			return -1;
		f->have += (size_t)r;
	}
}

int
fake_wait_type(struct fake *f, uint16_t t, double timeout,
    struct wire_msg *out)
{
	double	end = tn_now() + timeout;
	int	r;

	while (tn_now() < end) {
		r = fake_recv(f, out, end - tn_now());
		if (r <= 0)
			return r;
		if (out->type == t)
			return 1;
		fake_answer_ping(f, out);
	}
	return 0;
}

int
fake_answer_ping(struct fake *f, struct wire_msg *m)
{
	if (m->type != WIRE_PING)
		return 0;
	m->type = WIRE_PONG;
	(void)fake_send(f, m, net_magic);
	return 1;
}

void
fake_serve(struct fake *f, double secs)
{
	static struct wire_msg m;

	(void)fake_wait_type(f, WIRE_TYPE_MAX, secs, &m);
}

int
fake_alive(struct fake *f)
{
	static struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	m.u.nonce = 4242;
	return fake_send(f, &m, net_magic) == 0 &&
	    fake_wait_type(f, WIRE_PONG, 3, &m) == 1 && m.u.nonce == 4242;
}

int
fake_goodbye_with(struct fake *f, int reason, double timeout)
{
	static struct wire_msg m;

	return fake_wait_type(f, WIRE_GOODBYE, timeout, &m) == 1 &&
	    m.u.goodbye.reason == reason;
}
