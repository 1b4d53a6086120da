/* SPDX-License-Identifier: ISC */
/*
 * registry.c - one live connection per peer IP, the rule that decides
 * which of two doubled connections survives (see registry.h), and which
 * addresses a peer may tell us about.
 *
 * The plan this project replaces decided by registration order ("keep the
 * existing one"), so two nodes that saw a crossed dial in different orders
 * each kept a different connection and closed both.  Here the verdict is a
 * function of the two connections alone.
 */
#include <stdlib.h>
#include <string.h>

#include "registry.h"

int
addr_scope_ok(const struct netaddr *ip, const struct netaddr *from)
{
	enum netaddr_scope from_scope = netaddr_scope(from);

	switch (netaddr_scope(ip)) {
	case NETADDR_UNUSABLE:
	case NETADDR_LINK:
		return 0;
	case NETADDR_LOOPBACK:
		return from_scope == NETADDR_LOOPBACK;
	case NETADDR_PRIVATE:
		return from_scope == NETADDR_PRIVATE ||
		    from_scope == NETADDR_LOOPBACK;
	case NETADDR_GLOBAL:
		break;
	}
	return 1;
}

enum net_direction
reg_keep_direction(const struct netaddr *local, const struct netaddr *peer)
{
	/* equal addresses cannot be two nodes; any fixed answer will do */
	return netaddr_cmp(local, peer) <= 0 ? DIR_OUTBOUND : DIR_INBOUND;
}

/* <0, 0, >0: the address pair (lower end, higher end) of a against b */
static int
pair_cmp(const struct netaddr *a1, const struct netaddr *a2,
    const struct netaddr *b1, const struct netaddr *b2)
{
	const struct netaddr *alo = a1, *ahi = a2, *blo = b1, *bhi = b2;
	int c;

	if (netaddr_cmp(a1, a2) > 0)
		alo = a2, ahi = a1;
	if (netaddr_cmp(b1, b2) > 0)
		blo = b2, bhi = b1;
	if ((c = netaddr_cmp(alo, blo)) != 0)
		return c;
	return netaddr_cmp(ahi, bhi);
}

enum reg_verdict
reg_decide_twin(const struct netaddr *ex_local, const struct netaddr *ex_peer,
    const struct netaddr *new_local, const struct netaddr *new_peer)
{
	return pair_cmp(new_local, new_peer, ex_local, ex_peer) < 0 ?
	    REG_KEEP_NEW : REG_KEEP_EXISTING;
}

/* the port of the side that opened the connection */
static uint16_t
opener_port(const struct reg_view *v)
{
	return v->dir == DIR_OUTBOUND ? v->local_port : v->remote_port;
}

enum reg_verdict
reg_decide(const struct netaddr *local, const struct netaddr *peer,
    const struct reg_view *existing, const struct reg_view *incoming)
{
	enum net_direction keep;

	if (existing->nonce != incoming->nonce)
		return REG_PROBE;
	if (existing->dir != incoming->dir) {
		keep = reg_keep_direction(local, peer);
		return existing->dir == keep ? REG_KEEP_EXISTING :
		    REG_KEEP_NEW;
	}
	return opener_port(existing) <= opener_port(incoming) ?
	    REG_KEEP_EXISTING : REG_KEEP_NEW;
}

void
reg_init(struct registry *r)
{
	r->v = NULL;
	r->n = r->cap = 0;
}

void
reg_free(struct registry *r)
{
	free(r->v);
	reg_init(r);
}

void *
reg_get(const struct registry *r, const struct netaddr *ip)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (netaddr_eq(&r->v[i].ip, ip))
			return r->v[i].conn;
	return NULL;
}

int
reg_put(struct registry *r, const struct netaddr *ip, void *conn)
{
	struct reg_entry	*v;
	size_t			 i, cap;

	for (i = 0; i < r->n; i++)
		if (netaddr_eq(&r->v[i].ip, ip)) {
			r->v[i].conn = conn;
			return 0;
		}
	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 16;
		if ((v = reallocarray(r->v, cap, sizeof(*v))) == NULL)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n].ip = *ip;
	r->v[r->n].conn = conn;
	r->n++;
	return 0;
}

void
reg_del(struct registry *r, const struct netaddr *ip,
    const void *conn)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (netaddr_eq(&r->v[i].ip, ip) && r->v[i].conn == conn) {
			r->v[i] = r->v[--r->n];
			return;
		}
}

/*
 * Inbound eviction (registry.h).  Each step protects the best unprotected
 * candidate by one property until its quota is used; better(a, b) says
 * whether a is better than b by that property.
 */
typedef int (*evict_better)(const struct evict_cand *,
    const struct evict_cand *);

static int
older(const struct evict_cand *a, const struct evict_cand *b)
{
	return a->connected_s > b->connected_s;
}

static int
faster(const struct evict_cand *a, const struct evict_cand *b)
{
	if (a->rtt_us == 0)
		return 0;
	return b->rtt_us == 0 || a->rtt_us < b->rtt_us;
}

static int
fresher_blocks(const struct evict_cand *a, const struct evict_cand *b)
{
	if (a->block_age_s < 0)
		return 0;
	return b->block_age_s < 0 || a->block_age_s < b->block_age_s;
}

/* protect up to quota more candidates, best first by better */
static void
protect_by(const struct evict_cand *v, size_t n, unsigned char *prot,
    size_t quota, evict_better better, int need_blocks)
{
	size_t	i, best, k;

	for (k = 0; k < quota; k++) {
		best = n;
		for (i = 0; i < n; i++) {
			if (prot[i] || (need_blocks && v[i].block_age_s < 0))
				continue;
			if (best == n || better(&v[i], &v[best]))
				best = i;
		}
		if (best == n)
			return;
		prot[best] = 1;
	}
}

/* one peer, the longest connected, of each of quota groups, keyed order */
static void
protect_groups(const struct evict_cand *v, size_t n, unsigned char *prot,
    size_t quota)
{
	uint64_t	last = 0;
	size_t		i, best, k;
	int		have_last = 0;

	for (k = 0; k < quota; k++) {
		best = n;
		/* the unprotected peer of the next group in rank order */
		for (i = 0; i < n; i++) {
			if (prot[i] || (have_last && v[i].group_rank <= last))
				continue;
			if (best == n || v[i].group_rank < v[best].group_rank ||
			    (v[i].group_rank == v[best].group_rank &&
			    older(&v[i], &v[best])))
				best = i;
		}
		if (best == n)
			return;
		prot[best] = 1;
		last = v[best].group_rank;
		have_last = 1;
	}
}

int
reg_evict(const struct evict_cand *v, size_t n)
{
	unsigned char	*prot;
	size_t		 i, j, left = 0, members, most = 0;
	int		 victim = -1;

	if (n == 0 || (prot = calloc(n, 1)) == NULL)
		return -1;
	protect_groups(v, n, prot, n / 4);
	protect_by(v, n, prot, n / 8, faster, 0);
	protect_by(v, n, prot, n / 4, fresher_blocks, 1);
	for (i = 0; i < n; i++)
		left += !prot[i];
	protect_by(v, n, prot, left / 2, older, 0);
	/* the largest group left loses its youngest */
	for (i = 0; i < n; i++) {
		if (prot[i])
			continue;
		for (members = 0, j = 0; j < n; j++)
			members += !prot[j] && v[j].group == v[i].group;
		if (victim == -1 || members > most || (members == most &&
		    older(&v[victim], &v[i]))) {
			victim = (int)i;
			most = members;
		}
	}
	free(prot);
	return victim;
}
