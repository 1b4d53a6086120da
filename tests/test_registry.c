/* SPDX-License-Identifier: ISC */
/*
 * test_registry.c - the duplicate rule of netd's peer registry.
 *
 * Two nodes A and B and a set of TCP connections between them, each opened
 * by one side from an ephemeral port.  Both ends are simulated: each end
 * sees the same connections (with its own directions and ports) arrive in
 * every possible order, registers the first and runs reg_decide() on each
 * later one against the registered one, exactly as conn.c does.  Whatever
 * the orders, both ends must end up keeping the same connection, and it
 * must be the one opened by the lower IP.  The registration-order rule of
 * the plan this project replaces is run through the same simulation to
 * show that it does not have this property.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "cunit.h"
#include "registry.h"

#define IP_LO	0x7f000002u	/* 127.0.0.2, host order */
#define IP_HI	0x7f000003u
#define LISTEN	24100
#define MAXC	4

struct sim_conn {
	int		opener;		/* 0: A opened it, 1: B did */
	uint16_t	port;		/* the opener's ephemeral port */
};

struct end {
	uint32_t	ip;
	uint64_t	nonce;
	int		who;		/* 0: A, 1: B */
};

/* c as the end e sees it */
static struct reg_view
view(const struct end *e, const struct end *peer, const struct sim_conn *c)
{
	struct reg_view v;

	memset(&v, 0, sizeof(v));
	v.nonce = peer->nonce;
	if (c->opener == e->who) {
		v.dir = DIR_OUTBOUND;
		v.local_port = c->port;
		v.remote_port = LISTEN;
	} else {
		v.dir = DIR_INBOUND;
		v.local_port = LISTEN;
		v.remote_port = c->port;
	}
	return v;
}

typedef int (*rule_fn)(const struct end *, const struct end *,
    const struct reg_view *, const struct reg_view *);

/* the v4-mapped address of a host-order IPv4 address */
static struct netaddr
v4(uint32_t ip)
{
	return netaddr_from_v4(ip);
}

/* reg_decide with host-order IPv4 addresses */
static enum reg_verdict
decide(uint32_t local, uint32_t peer, const struct reg_view *old,
    const struct reg_view *new)
{
	struct netaddr l = v4(local), p = v4(peer);

	return reg_decide(&l, &p, old, new);
}

static enum net_direction
keep(uint32_t local, uint32_t peer)
{
	struct netaddr l = v4(local), p = v4(peer);

	return reg_keep_direction(&l, &p);
}

/* reg_decide: 1 if the new one replaces the registered one */
static int
rule_netd(const struct end *e, const struct end *p, const struct reg_view *old,
    const struct reg_view *new)
{
	enum reg_verdict v = decide(e->ip, p->ip, old, new);

	CU_ASSERT(v != REG_PROBE);
	return v == REG_KEEP_NEW;
}

/* the plan's should_keep_existing(): decided by registration order */
static int
rule_plan(const struct end *e, const struct end *p,
    const struct reg_view *old, const struct reg_view *new)
{
	if (old->dir == new->dir)
		return 0;
	return !(e->ip < p->ip);
}

/* run the arrivals at one end through a registry; the survivor's index */
static int
run_end(const struct end *e, const struct end *p, const struct sim_conn *cs,
    const int *order, int n, rule_fn rule)
{
	struct registry	 r;
	struct reg_view	 vold, vnew;
	int		 i, k, *cur, idx[MAXC];
	struct netaddr	 pip = v4(p->ip);

	reg_init(&r);
	for (i = 0; i < n; i++) {
		k = order[i];
		idx[k] = k;
		if ((cur = reg_get(&r, &pip)) == NULL) {
			CU_ASSERT_FATAL(reg_put(&r, &pip, &idx[k]) == 0);
			continue;
		}
		vold = view(e, p, &cs[*cur]);
		vnew = view(e, p, &cs[k]);
		if (rule(e, p, &vold, &vnew))
			CU_ASSERT_FATAL(reg_put(&r, &pip, &idx[k]) == 0);
	}
	cur = reg_get(&r, &pip);
	k = cur ? *cur : -1;
	reg_free(&r);
	return k;
}

/* all permutations of n (n <= 4) */
static int
perms(int n, int out[][MAXC])
{
	int a[MAXC], i, j, k, np = 0, c[MAXC];

	for (i = 0; i < n; i++) {
		a[i] = i;
		c[i] = 0;
	}
	memcpy(out[np++], a, sizeof(a));
	for (i = 1; i < n; ) {
		if (c[i] < i) {
			j = i % 2 ? c[i] : 0;
			k = a[j];
			a[j] = a[i];
			a[i] = k;
			memcpy(out[np++], a, sizeof(a));
			c[i]++;
			i = 1;
		} else
			c[i++] = 0;
	}
	return np;
}

/*
 * Every order at A times every order at B: the number of combinations in
 * which the two ends kept different connections.  *winner is set to the
 * connection both kept (the same in every combination, or -1).
 */
static int
disagreements(uint32_t ip_a, uint32_t ip_b, const struct sim_conn *cs, int n,
    rule_fn rule, int *winner)
{
	struct end	a = { ip_a, 0x1111, 0 }, b = { ip_b, 0x2222, 1 };
	int		orders[24][MAXC], np, i, j, wa, wb, bad = 0;

	np = perms(n, orders);
	*winner = -2;
	for (i = 0; i < np; i++)
		for (j = 0; j < np; j++) {
			wa = run_end(&a, &b, cs, orders[i], n, rule);
			wb = run_end(&b, &a, cs, orders[j], n, rule);
			if (wa != wb)
				bad++;
			else if (*winner == -2)
				*winner = wa;
			else if (*winner != wa)
				*winner = -1;
		}
	return bad;
}

static void
test_keep_direction(void)
{
	CU_ASSERT_EQUAL(keep(IP_LO, IP_HI), DIR_OUTBOUND);
	CU_ASSERT_EQUAL(keep(IP_HI, IP_LO), DIR_INBOUND);
	/* numeric, host order: 127.0.0.10 is above 127.0.0.9 */
	CU_ASSERT_EQUAL(keep(0x7f000009, 0x7f00000a),
	    DIR_OUTBOUND);
	CU_ASSERT_EQUAL(keep(0x0a000001, 0x7f000001),
	    DIR_OUTBOUND);
}

/*
 * Every combination of existing/new direction and lower/higher local IP,
 * straight from reg_decide.
 */
static void
test_decide_table(void)
{
	static const struct {
		uint32_t		local, peer;
		enum net_direction	old, new;
		enum reg_verdict	want;
	} t[] = {
		{ IP_LO, IP_HI, DIR_OUTBOUND, DIR_INBOUND, REG_KEEP_EXISTING },
		{ IP_LO, IP_HI, DIR_INBOUND, DIR_OUTBOUND, REG_KEEP_NEW },
		{ IP_HI, IP_LO, DIR_OUTBOUND, DIR_INBOUND, REG_KEEP_NEW },
		{ IP_HI, IP_LO, DIR_INBOUND, DIR_OUTBOUND, REG_KEEP_EXISTING },
	};
	struct reg_view	o, n;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&o, 0, sizeof(o));
		memset(&n, 0, sizeof(n));
		o.nonce = n.nonce = 42;
		o.dir = t[i].old;
		n.dir = t[i].new;
		o.local_port = o.dir == DIR_OUTBOUND ? 40000 : LISTEN;
		o.remote_port = o.dir == DIR_OUTBOUND ? LISTEN : 40000;
		n.local_port = n.dir == DIR_OUTBOUND ? 50000 : LISTEN;
		n.remote_port = n.dir == DIR_OUTBOUND ? LISTEN : 50000;
		CU_ASSERT_EQUAL(decide(t[i].local, t[i].peer, &o, &n),
		    t[i].want);
		/* and the same connections in the other arrival order */
		CU_ASSERT_EQUAL(decide(t[i].local, t[i].peer, &n, &o),
		    t[i].want == REG_KEEP_NEW ? REG_KEEP_EXISTING :
		    REG_KEEP_NEW);
	}
}

/* both dial at once: A's and B's connection, A lower or higher */
static void
test_crossed_dial_both_ends(void)
{
	struct sim_conn	cs[2] = { { 0, 40001 }, { 1, 50001 } };
	int		w;

	/* A lower: A's own (outbound at A) survives at both ends */
	CU_ASSERT_EQUAL(disagreements(IP_LO, IP_HI, cs, 2, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 0);
	/* A higher: B's survives */
	CU_ASSERT_EQUAL(disagreements(IP_HI, IP_LO, cs, 2, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 1);
	/* whatever the ports */
	cs[0].port = 60000;
	cs[1].port = 1024;
	CU_ASSERT_EQUAL(disagreements(IP_LO, IP_HI, cs, 2, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 0);
	CU_ASSERT_EQUAL(disagreements(IP_HI, IP_LO, cs, 2, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 1);
}

/* one side opened two (a redial raced the first): lower opener port */
static void
test_same_direction_both_ends(void)
{
	struct sim_conn	a2[2] = { { 0, 40005 }, { 0, 40002 } };
	struct sim_conn	b2[2] = { { 1, 40005 }, { 1, 40009 } };
	int		w;

	CU_ASSERT_EQUAL(disagreements(IP_LO, IP_HI, a2, 2, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 1);
	CU_ASSERT_EQUAL(disagreements(IP_HI, IP_LO, a2, 2, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 1);
	CU_ASSERT_EQUAL(disagreements(IP_LO, IP_HI, b2, 2, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 0);
	CU_ASSERT_EQUAL(disagreements(IP_HI, IP_LO, b2, 2, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 0);
}

/* four connections, both directions, every order at both ends */
static void
test_many_both_ends(void)
{
	struct sim_conn	cs[4] = { { 1, 40007 }, { 0, 40003 }, { 1, 40001 },
			    { 0, 40004 } };
	int		w;

	CU_ASSERT_EQUAL(disagreements(IP_LO, IP_HI, cs, 4, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 1);		/* A's, lowest port among A's */
	CU_ASSERT_EQUAL(disagreements(IP_HI, IP_LO, cs, 4, rule_netd, &w), 0);
	CU_ASSERT_EQUAL(w, 2);		/* B's, lowest port among B's */
}

/* the plan's registration-order rule: the ends can disagree */
static void
test_plan_rule_disagrees(void)
{
	struct sim_conn	cs[2] = { { 0, 40001 }, { 1, 50001 } };
	int		w;

	CU_ASSERT(disagreements(IP_LO, IP_HI, cs, 2, rule_plan, &w) > 0);
}

/* another node nonce at the same IP: never decided without a probe */
static void
test_probe(void)
{
	struct reg_view	o, n;
	int		d1, d2;

	for (d1 = 0; d1 < 2; d1++)
		for (d2 = 0; d2 < 2; d2++) {
			memset(&o, 0, sizeof(o));
			memset(&n, 0, sizeof(n));
			o.dir = d1;
			n.dir = d2;
			o.nonce = 1;
			n.nonce = 2;
			CU_ASSERT_EQUAL(decide(IP_LO, IP_HI, &o, &n),
			    REG_PROBE);
			CU_ASSERT_EQUAL(decide(IP_HI, IP_LO, &o, &n),
			    REG_PROBE);
		}
}

static void
test_table(void)
{
	struct registry	r;
	struct netaddr	k[101];
	int		v[100], i;

	for (i = 0; i <= 100; i++)
		k[i] = v4((uint32_t)i);
	reg_init(&r);
	CU_ASSERT_PTR_NULL(reg_get(&r, &k[1]));
	for (i = 0; i < 100; i++)
		CU_ASSERT_FATAL(reg_put(&r, &k[i + 1], &v[i]) == 0);
	CU_ASSERT_EQUAL(r.n, 100);
	for (i = 0; i < 100; i++)
		CU_ASSERT_PTR_EQUAL(reg_get(&r, &k[i + 1]), &v[i]);
	/* one entry per IP: put replaces */
	CU_ASSERT(reg_put(&r, &k[5], &v[0]) == 0);
	CU_ASSERT_EQUAL(r.n, 100);
	CU_ASSERT_PTR_EQUAL(reg_get(&r, &k[5]), &v[0]);
	/* del removes only the named connection */
	reg_del(&r, &k[5], &v[4]);
	CU_ASSERT_PTR_EQUAL(reg_get(&r, &k[5]), &v[0]);
	reg_del(&r, &k[5], &v[0]);
	CU_ASSERT_PTR_NULL(reg_get(&r, &k[5]));
	CU_ASSERT_EQUAL(r.n, 99);
	CU_ASSERT_PTR_EQUAL(reg_get(&r, &k[100]), &v[99]);
	reg_free(&r);
}

/*
 * A dual-stack machine reached over both families (issue 14): two
 * connections with the same nonce and different peer IPs.  Each end
 * sees each connection as (its own address, the peer's); whatever order
 * each end registered them in, both keep the same one.
 */
static void
test_twin_both_ends(void)
{
	static const struct {
		const char *x, *y;	/* the connection's two ends */
	} c[][2] = {
		{ { "10.0.0.1", "10.0.0.2" }, { "fd00::1", "fd00::2" } },
		{ { "fd00::1", "fd00::2" }, { "10.0.0.1", "10.0.0.2" } },
		{ { "127.0.0.9", "127.0.0.10" }, { "::1", "::1" } },
		{ { "10.0.0.2", "10.0.0.1" }, { "fd00::1", "fd00::2" } },
		{ { "2a00::9", "2a00::1" }, { "fd00::1", "fd00::2" } },
		{ { "fd00::1", "fd00::3" }, { "fd00::2", "fd00::1" } },
		{ { "192.168.1.1", "10.0.0.1" }, { "10.0.0.2", "192.168.0.9" } },
	};
	struct netaddr	x[2], y[2];
	size_t		i;
	int		k, keep_x[2], keep_y[2];

	for (i = 0; i < TN_NCASES(c); i++) {
		for (k = 0; k < 2; k++) {
			CU_ASSERT_FATAL(netaddr_parse(c[i][k].x, &x[k]) == 0);
			CU_ASSERT_FATAL(netaddr_parse(c[i][k].y, &y[k]) == 0);
		}
		/* order k: connection k registered first, then the other */
		for (k = 0; k < 2; k++) {
			keep_x[k] = reg_decide_twin(&x[k], &y[k], &x[!k],
			    &y[!k]) == REG_KEEP_NEW ? !k : k;
			keep_y[k] = reg_decide_twin(&y[k], &x[k], &y[!k],
			    &x[!k]) == REG_KEEP_NEW ? !k : k;
		}
		/* one verdict at both ends, in both orders */
		CU_ASSERT(keep_x[0] == keep_x[1] && keep_y[0] == keep_y[1] &&
		    keep_x[0] == keep_y[0]);
		if (keep_x[0] != keep_x[1] || keep_x[0] != keep_y[0] ||
		    keep_y[0] != keep_y[1])
			fprintf(stderr, "\n    case %zu: %d %d %d %d\n", i,
			    keep_x[0], keep_x[1], keep_y[0], keep_y[1]);
	}
	/* the lower address pair survives: 10.0.0.x (v4-mapped) < fd00:: */
	CU_ASSERT_FATAL(netaddr_parse("10.0.0.1", &x[0]) == 0);
	CU_ASSERT_FATAL(netaddr_parse("10.0.0.2", &y[0]) == 0);
	CU_ASSERT_FATAL(netaddr_parse("fd00::1", &x[1]) == 0);
	CU_ASSERT_FATAL(netaddr_parse("fd00::2", &y[1]) == 0);
	CU_ASSERT_EQUAL(reg_decide_twin(&x[1], &y[1], &x[0], &y[0]),
	    REG_KEEP_NEW);
	CU_ASSERT_EQUAL(reg_decide_twin(&x[0], &y[0], &x[1], &y[1]),
	    REG_KEEP_EXISTING);
}

/* peer exchange: which advertised addresses a peer's scope allows */
static void
test_addr_scope(void)
{
	static const struct {
		const char	*ip, *from;
		int		 ok;
	} t[] = {
		/* public: from anybody */
		{ "8.8.8.8", "1.2.3.4", 1 },
		{ "8.8.8.8", "127.0.0.2", 1 },
		{ "8.8.8.8", "10.0.0.1", 1 },
		{ "172.32.0.1", "1.2.3.4", 1 },		/* not 172.16/12 */
		{ "172.15.255.1", "1.2.3.4", 1 },
		/* loopback: only from loopback */
		{ "127.0.0.1", "1.2.3.4", 0 },
		{ "127.0.0.1", "10.0.0.1", 0 },
		{ "127.0.0.1", "192.168.1.1", 0 },
		{ "127.9.9.9", "127.0.0.2", 1 },
		/* private and link-local: from private or loopback */
		{ "10.1.2.3", "1.2.3.4", 0 },
		{ "172.16.0.1", "1.2.3.4", 0 },
		{ "172.31.255.254", "8.8.8.8", 0 },
		{ "192.168.0.1", "1.2.3.4", 0 },
		{ "169.254.169.254", "1.2.3.4", 0 },
		{ "10.1.2.3", "192.168.0.7", 1 },
		{ "169.254.1.1", "172.20.0.1", 1 },
		{ "192.168.0.1", "127.0.0.5", 1 },
		/* 0/8 and multicast: never */
		{ "0.1.2.3", "127.0.0.1", 0 },
		{ "224.0.0.1", "127.0.0.1", 0 },
		/* IPv6 (issue 14): the same rules */
		{ "2a00:1450::1", "2001:4860::8888", 1 },
		{ "2a00:1450::1", "1.2.3.4", 1 },
		{ "8.8.8.8", "2a00:1450::1", 1 },
		{ "::1", "2a00:1450::1", 0 },
		{ "::1", "::1", 1 },
		{ "::1", "127.0.0.2", 1 },
		{ "127.0.0.3", "::1", 1 },
		{ "fd00::5", "2a00:1450::1", 0 },
		{ "fd00::5", "fd12::1", 1 },
		{ "fc00::5", "10.0.0.1", 1 },
		{ "10.0.0.9", "fd00::1", 1 },
		{ "fd00::5", "::1", 1 },
		{ "fd00::5", "fe80::1", 0 },
		/* link-local: never from peer exchange, not even a peer's */
		{ "fe80::1", "fe80::2", 0 },
		{ "fe80::1", "::1", 0 },
		{ "febf::1", "::1", 0 },
		{ "fec0::1", "2a00:1450::1", 1 },	/* not fe80::/10 */
		/* never: ::, multicast, documentation */
		{ "::", "::1", 0 },
		{ "ff02::1", "::1", 0 },
		{ "ff0e::1", "2a00:1450::1", 0 },
		{ "2001:db8::1", "2a00:1450::1", 0 },
		{ "2001:db9::1", "2a00:1450::1", 1 },
		/* v4-mapped written as IPv6 is the IPv4 address */
		{ "::ffff:127.0.0.1", "127.0.0.2", 1 },
		{ "::ffff:127.0.0.1", "1.2.3.4", 0 },
	};
	struct netaddr	ip, from;
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_FATAL(netaddr_parse(t[i].ip, &ip) == 0);
		CU_ASSERT_FATAL(netaddr_parse(t[i].from, &from) == 0);
		CU_ASSERT_EQUAL(addr_scope_ok(&ip, &from), t[i].ok);
		if (addr_scope_ok(&ip, &from) != t[i].ok)
			fprintf(stderr, "\n    case %zu: %s from %s\n", i,
			    t[i].ip, t[i].from);
	}
}

/*
 * Inbound eviction (registry.h, reg_evict; issue 11, item 8).  Squatters
 * from one /16 that only answer pings lose a slot to nobody but
 * themselves; a peer that sent blocks, the longest connected and one per
 * distinct group are protected; all protected: nobody is evicted.
 */
static void
cand(struct evict_cand *c, uint32_t ip, double up, uint32_t rtt,
    double block_age)
{
	memset(c, 0, sizeof(*c));
	c->group = (uint16_t)(ip >> 16);
	c->connected_s = up;
	c->rtt_us = rtt;
	c->block_age_s = block_age;
	c->group_rank = (uint64_t)(ip >> 16) * 2654435761u;
}

static void
test_evict(void)
{
	struct evict_cand	v[16] = { 0 };
	int			i, k;

	CU_ASSERT_EQUAL(reg_evict(v, 0), -1);
	/* four squatters on 127.0/16, all ping fine, none sent blocks */
	for (i = 0; i < 4; i++)
		cand(&v[i], 0x7f000410 + i, 100 + i, 500, -1);
	k = reg_evict(v, 4);
	CU_ASSERT(k >= 0 && k < 4);
	/* the youngest of the unprotected ones: not the two oldest */
	CU_ASSERT(k != 3 && k != 2);
	/* one that served blocks is never the one evicted */
	for (i = 0; i < 4; i++) {
		cand(&v[0], 0x7f000410, 1, 900, 2.0);	/* young, served */
		cand(&v[1], 0x7f000411, 50, 100, -1);
		cand(&v[2], 0x7f000412, 60, 100, -1);
		cand(&v[3], 0x7f000413, 70 + i, 100, -1);
		CU_ASSERT(reg_evict(v, 4) != 0);
	}
	/* eight: the crowded group loses, a lone group's peer stays */
	for (i = 0; i < 7; i++)
		cand(&v[i], 0x7f000420 + i, 10 + i, 300, -1);
	cand(&v[7], 0x0a010001, 1, 300, -1);	/* youngest, own group */
	k = reg_evict(v, 8);
	CU_ASSERT(k >= 0 && k < 7);
	/* a lone candidate: evicted (nothing protects half of one) */
	cand(&v[0], 0x7f000001, 5, 100, -1);
	CU_ASSERT_EQUAL(reg_evict(v, 1), 0);
	/* two serving blocks and a third old one: with n = 3 the
	 * quota protects none by blocks (3/4 = 0); half of 3 is 1 */
	cand(&v[0], 0x7f000001, 5, 100, 1);
	cand(&v[1], 0x7f000002, 6, 100, 1);
	cand(&v[2], 0x7f000003, 500, 100, -1);
	k = reg_evict(v, 3);
	CU_ASSERT(k == 0);			/* the youngest */
	/* 16 peers each in its own group, all serving: some are kept */
	for (i = 0; i < 16; i++)
		cand(&v[i], (uint32_t)(i + 1) << 24 | 1, 100 + i, 1000 +
		    (uint32_t)i, i);
	k = reg_evict(v, 16);
	CU_ASSERT(k >= 0);
	CU_ASSERT(k != 15);			/* the oldest is protected */
	CU_ASSERT(k != 0);			/* the freshest blocks too */
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "keep direction by IP", test_keep_direction },
		{ "every direction x lower/higher, both orders",
		    test_decide_table },
		{ "crossed dial: both ends keep the same", test_crossed_dial_both_ends },
		{ "same direction twice: both ends keep the same",
		    test_same_direction_both_ends },
		{ "four connections, every order at both ends",
		    test_many_both_ends },
		{ "registration-order rule disagrees", test_plan_rule_disagrees },
		{ "other nonce: probe", test_probe },
		{ "table", test_table },
		{ "dual stack: both ends keep the same connection",
		    test_twin_both_ends },
		{ "peer exchange: address scope", test_addr_scope },
		{ "inbound eviction", test_evict },
	};
	struct tn_suite	 ts = { .name = "registry", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
