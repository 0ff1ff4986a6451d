// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay_learn.c - what a capture shows about the host it was taken on,
 * learnt in replay's first pass: which addresses are the host's (unless
 * --local names them), which of its ports answered (listeners, UDP
 * servers), and its own flows with their first and last packet, so the
 * second pass can give each flow a socket exactly while it lasts.
 */
#include <errno.h>
#include <string.h>
#include "replay_learn.h"

/* A first pass over a huge capture must not exhaust memory: past this many
 * flows, later flows get no emulated socket (and the report says so). */
#define MAX_FLOWS	(8u << 20)

bool sg_addr_unicast(const struct sg_addr *a)
{
	const uint8_t *b = (const uint8_t *)a;

	if (sg_addr_is_v4(a))
		return b[12] < 224;	/* not multicast, reserved or broadcast */
	return b[0] != 0xff;
}

/* An address a host can be known by: unicast, and not 0.0.0.0 or :: (the
 * source of DHCP discovery and duplicate address detection). */
static bool is_host_addr(const struct sg_addr *a)
{
	static const struct sg_addr any6;
	struct sg_addr any4;

	sg_addr_from_v4(&any4, 0);
	return sg_addr_unicast(a) && memcmp(a, &any6, sizeof(*a)) && memcmp(a, &any4, sizeof(*a));
}

bool sg_in_cidrs(const struct sg_cidr *c, int n, const struct sg_addr *a)
{
	for (int i = 0; i < n; i++)
		if (c[i].family == (sg_addr_is_v4(a) ? 4 : 6) && sg_cidr_contains(&c[i], a))
			return true;
	return false;
}

static void flow_key_make(const struct sg_pkt *p, struct flow_key *k, int *src_side)
{
	int cmp = memcmp(&p->src, &p->dst, sizeof(p->src));

	memset(k, 0, sizeof(*k));
	k->proto = p->l4proto;
	if (cmp < 0 || (cmp == 0 && p->sport <= p->dport)) {
		k->a = p->src, k->pa = p->sport;
		k->b = p->dst, k->pb = p->dport;
		*src_side = 0;
	} else {
		k->a = p->dst, k->pa = p->dport;
		k->b = p->src, k->pb = p->sport;
		*src_side = 1;
	}
}

/* Flows whose host end may need a socket: UDP, and TCP past its handshake
 * (neither SYN nor RST): a SYN alone never needs one, and recording only
 * these keeps a SYN scan from filling the table with a flow per probe. */
static bool flow_packet(const struct sg_pkt *p)
{
	if (p->frag == SG_FRAG_LATER)
		return false;
	if (p->l4proto == IPPROTO_UDP)
		return true;
	return p->l4proto == IPPROTO_TCP && !(p->tcp_flags & (SG_TCP_SYN | SG_TCP_RST));
}

static int prepass_flow(struct sg_learn *pp, const struct sg_pkt *p, uint64_t idx,
			struct sg_replay_result *r)
{
	struct flow_key k;
	struct flow *f;
	int side;

	flow_key_make(p, &k, &side);
	f = htab_get(&pp->flows, &k, false);
	if (!f) {
		if (pp->flows.n >= MAX_FLOWS) {
			r->flows_untracked++;
			return 0;
		}
		f = htab_get(&pp->flows, &k, true);
		if (!f)
			return -ENOMEM;
		f->first_idx = idx;
		f->first_from = side;
	}
	f->last_idx = idx;
	f->sent |= 1u << side;
	return 0;
}

static struct addr_stat *addr_stat(struct sg_learn *pp, const struct sg_addr *a)
{
	struct addr_stat *s = htab_get(&pp->addrs, a, true);

	if (s)
		s->family = sg_addr_is_v4(a) ? 4 : 6;
	return s;
}

/* Evidence for inference: how often an address is at either end, and
 * whether it behaves as the probed side (receives SYNs, answers with
 * SYN-ACK, RST or ICMP errors) rather than the probing one. */
static int prepass_infer(struct sg_learn *pp, const struct sg_pkt *p, const struct sg_frame *fr)
{
	struct addr_stat *s = NULL, *d = NULL;

	pp->ip_packets[p->family == 6]++;
	if (is_host_addr(&p->src) && !(s = addr_stat(pp, &p->src)))
		return -ENOMEM;
	if (is_host_addr(&p->dst) && !(d = addr_stat(pp, &p->dst)))
		return -ENOMEM;
	if (s) {
		s->appear++;
		if (fr->has_mac && !s->has_mac) {
			memcpy(s->mac, fr->src_mac, 6);
			s->has_mac = 1;
		}
	}
	if (d)
		d->appear++;
	if (fr->dir == SG_DIR_OUT && fr->has_mac && pp->nown_mac < MAX_OWN_MACS) {
		int i;

		for (i = 0; i < pp->nown_mac; i++)
			if (!memcmp(pp->own_mac[i], fr->src_mac, 6))
				break;
		if (i == pp->nown_mac)
			memcpy(pp->own_mac[pp->nown_mac++], fr->src_mac, 6);
	}
	if (p->l4proto == IPPROTO_TCP) {
		uint8_t fl = p->tcp_flags;

		if (s && ((fl & (SG_TCP_SYN | SG_TCP_ACK)) == (SG_TCP_SYN | SG_TCP_ACK) ||
			  (fl & SG_TCP_RST)))
			s->serverish++;
		if (d && (fl & (SG_TCP_SYN | SG_TCP_ACK)) == SG_TCP_SYN)
			d->serverish++;
	} else if (s && ((p->l4proto == IPPROTO_ICMP && p->icmp_type == 3) ||
			 (p->l4proto == IPPROTO_ICMPV6 && p->icmp_type == 1))) {
		s->serverish++;
	}
	return 0;
}

static void add_local(struct sg_replay_result *r, const struct sg_addr *a)
{
	if (r->nlocal >= SG_REPLAY_MAX_CIDRS || sg_in_cidrs(r->local, r->nlocal, a))
		return;
	r->local[r->nlocal++] = sg_cidr_make(a, sg_addr_is_v4(a) ? 32 : 128);
}

int sg_learn_packet(struct sg_learn *pp, const struct sg_pkt *p, int res,
		    const struct sg_frame *fr, uint64_t idx, struct sg_replay_result *r)
{
	if (pp->infer && prepass_infer(pp, p, fr))
		return -ENOMEM;
	if (res != SG_PARSE_OK)
		return 0;
	if (p->l4proto == IPPROTO_TCP &&
	    (p->tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) == (SG_TCP_SYN | SG_TCP_ACK)) {
		struct sg_replay_port k = { .addr = p->src, .port = p->sport, .proto = IPPROTO_TCP };

		if (!htab_get(&pp->synack, &k, true))
			return -ENOMEM;
	}
	if (flow_packet(p) && prepass_flow(pp, p, idx, r))
		return -ENOMEM;
	return 0;
}

int sg_learn_init(struct sg_learn *pp, bool infer)
{
	memset(pp, 0, sizeof(*pp));
	pp->infer = infer;
	if (htab_init(&pp->flows, sizeof(struct flow_key), sizeof(struct flow)) ||
	    htab_init(&pp->addrs, sizeof(struct sg_addr), sizeof(struct addr_stat)) ||
	    htab_init(&pp->synack, sizeof(struct sg_replay_port), 1))
		return -ENOMEM;
	return 0;
}

void sg_learn_free(struct sg_learn *pp)
{
	htab_free(&pp->flows);
	htab_free(&pp->addrs);
	htab_free(&pp->synack);
}

/* The capture was taken on the protected host, so the busiest address (at
 * one end of most packets; between two equally busy ones, the probed side)
 * is the host's, and so is every address sent from the host's link address
 * (its own, or in cooked captures any this host sent from).  Captures
 * without link addresses (raw IP) take the busiest address of each family
 * that is at one end of at least half of that family's packets. */
void sg_learn_local(struct sg_learn *pp, struct sg_replay_result *r)
{
	const struct addr_stat *best[2] = { NULL, NULL };
	const struct sg_addr *best_addr[2] = { NULL, NULL };
	uint8_t macs[MAX_OWN_MACS + 1][6];
	uint64_t most[2] = { 0, 0 };
	int nmacs = 0, top;
	bool any_mac = false;
	const void *key;
	struct addr_stat *s;
	size_t pos = 0;

	while ((s = htab_next(&pp->addrs, &pos, &key))) {
		any_mac |= s->has_mac;
		if (s->appear > most[s->family == 6])
			most[s->family == 6] = s->appear;
	}
	/* Within 2% of the busiest, the probed side wins: a capture of one
	 * scanner and one host has both at every packet. */
	pos = 0;
	while ((s = htab_next(&pp->addrs, &pos, &key))) {
		int f = s->family == 6;

		if (s->appear * 50 < most[f] * 49)
			continue;
		if (!best[f] || s->serverish > best[f]->serverish ||
		    (s->serverish == best[f]->serverish &&
		     (s->appear > best[f]->appear ||
		      (s->appear == best[f]->appear &&
		       memcmp(key, best_addr[f], sizeof(struct sg_addr)) < 0)))) {
			best[f] = s;
			best_addr[f] = key;
		}
	}
	top = !best[0] || (best[1] && best[1]->appear > best[0]->appear);
	if (!best[top])
		return;
	add_local(r, best_addr[top]);
	if (!any_mac) {
		if (best[!top] && best[!top]->appear * 2 >= pp->ip_packets[!top])
			add_local(r, best_addr[!top]);
		return;
	}
	if (best[top]->has_mac)
		memcpy(macs[nmacs++], best[top]->mac, 6);
	for (int i = 0; i < pp->nown_mac; i++)
		memcpy(macs[nmacs++], pp->own_mac[i], 6);
	pos = 0;
	while ((s = htab_next(&pp->addrs, &pos, &key))) {
		if (!s->has_mac)
			continue;
		for (int i = 0; i < nmacs; i++)
			if (!memcmp(s->mac, macs[i], 6)) {
				add_local(r, key);
				break;
			}
	}
}

/* ---- the sockets it shows ---------------------------------------------------- */

int sg_learn_sockets(struct sg_learn *pp, const struct sg_replay_opts *o, struct sg_env *env,
		     struct sg_replay_result *r)
{
	const struct sg_replay_port *k;
	struct flow *f;
	const void *key;
	size_t pos = 0;
	uint8_t *v;

	/* Ports declared open: every address of both families. */
	for (int i = 0; i < o->nopen; i++)
		for (uint32_t port = o->open[i].lo; port <= o->open[i].hi; port++)
			for (int fam = 4; fam <= 6; fam += 2)
				if (sg_env_server(env, o->open[i].proto, fam, NULL, port) >= 0)
					r->tcp_listeners += o->open[i].proto == IPPROTO_TCP,
					r->udp_servers += o->open[i].proto == IPPROTO_UDP;

	/* TCP ports that answered a SYN with SYN-ACK were listening. */
	while ((v = htab_next(&pp->synack, &pos, &key))) {
		k = key;
		if (!sg_in_cidrs(r->local, r->nlocal, &k->addr))
			continue;
		if (!htab_get(&r->listeners, k, true))
			return -ENOMEM;
		if (sg_env_server(env, IPPROTO_TCP, sg_addr_is_v4(&k->addr) ? 4 : 6, &k->addr,
				  k->port) >= 0)
			r->tcp_listeners++;
	}

	/* Decide each flow: which end is the host's, and what it had open. */
	pos = 0;
	while ((f = htab_next(&pp->flows, &pos, &key))) {
		const struct flow_key *fk = key;
		bool la = sg_in_cidrs(r->local, r->nlocal, &fk->a);
		bool lb = sg_in_cidrs(r->local, r->nlocal, &fk->b);
		const struct sg_addr *laddr;
		uint16_t lport;

		if (la == lb)
			continue;	/* not the host's, or between two of its addresses */
		f->local_side = lb;
		if (!(f->sent & (1u << f->local_side)))
			continue;	/* the host never spoke in it */
		laddr = lb ? &fk->b : &fk->a;
		lport = lb ? fk->pb : fk->pa;
		if (fk->proto == IPPROTO_UDP && f->first_from != f->local_side) {
			/* It answered a datagram from that port: a server. */
			struct sg_replay_port sk = { .addr = *laddr, .port = lport,
						     .proto = IPPROTO_UDP };

			if (!(v = htab_get(&r->listeners, &sk, true)))
				return -ENOMEM;
			if (!*v && sg_env_server(env, IPPROTO_UDP, sg_addr_is_v4(laddr) ? 4 : 6,
						 laddr, lport) >= 0)
				r->udp_servers++;
			*v = 1;
			continue;
		}
		f->want = 1;
	}
	return 0;
}

void sg_learn_flow_step(struct sg_learn *pp, struct sg_env *env, struct sg_replay_result *r,
			const struct sg_pkt *p, uint64_t idx, bool before)
{
	struct flow_key k;
	struct flow *f;
	int side;

	if (!flow_packet(p))
		return;
	flow_key_make(p, &k, &side);
	f = htab_get(&pp->flows, &k, false);
	if (!f || !f->want)
		return;
	if (before && idx == f->first_idx) {
		const struct sg_addr *l = f->local_side ? &k.b : &k.a, *rm = f->local_side ? &k.a : &k.b;
		uint16_t lp = f->local_side ? k.pb : k.pa, rp = f->local_side ? k.pa : k.pb;
		int fd = sg_env_flow(env, k.proto, l, lp, rm, rp);

		if (fd >= 0)
			r->flows_emulated++;
		else
			r->flows_failed++;
		f->fd = fd + 1;
	} else if (!before && idx == f->last_idx && f->fd > 0) {
		sg_env_close(env, f->fd - 1);
		f->fd = 0;
	}
}
