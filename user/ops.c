// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ops.c - map operations behind `scanguardctl config|stats|block|allow` and
 * the daemon's sweeps.  Block counts in sg_state are adjusted with atomics
 * on its mmap, in the same order as the kernel does (count before insert,
 * uncount after a successful delete), so they never under-count. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fmt.h"
#include "ops.h"
#include "sg_admit.h"

uint64_t sg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SG_NSEC_PER_SEC + ts.tv_nsec;
}

int sg_config_read(const struct sg_maps *m, struct sg_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->config, &zero, cfg) ? -errno : 0;
}

int sg_config_write(const struct sg_maps *m, const struct sg_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(m->config, &zero, cfg, BPF_ANY) ? -errno : 0;
}

int sg_stats_read(const struct sg_maps *m, struct sg_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sg_stats *per;
	__u32 zero = 0;

	if (ncpu < 0)
		return ncpu;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->stats, &zero, per)) {
		int ret = -errno;

		free(per);
		return ret;
	}
	memset(sum, 0, sizeof(*sum));
	for (int cpu = 0; cpu < ncpu; cpu++)
		for (int i = 0; i < SG_STAT_MAX; i++)
			sum->c[i] += per[cpu].c[i];
	free(per);
	return 0;
}

static void count_adj(__u64 *counter, int delta)
{
	if (delta > 0)
		__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_sub(counter, 1, __ATOMIC_SEQ_CST);
}

/* A block is exact (one hash lookup per packet) when it names a whole
 * source key: an IPv4 address, or an IPv6 prefix of the configured length. */
static bool block_is_exact(const struct sg_cidr *c, const struct sg_config *cfg)
{
	return (c->family == 4 && c->len == 32) ||
	       (c->family == 6 && (uint32_t)c->len == cfg->ipv6_prefix);
}

static int cidr_len128(const struct sg_cidr *c)
{
	return c->family == 4 ? c->len + 96 : c->len;
}

/* Inserts or refreshes one entry, counting it when it is new. */
static int map_put_counted(int fd, const void *key, const struct sg_block *b, __u64 *counter)
{
	struct sg_block old;

	for (int tries = 0; tries < 3; tries++) {
		if (bpf_map_lookup_elem(fd, key, &old) == 0) {
			if (bpf_map_update_elem(fd, key, b, BPF_EXIST) == 0)
				return 0;
			if (errno != ENOENT)
				return -errno;
			continue;	/* expired and deleted meanwhile: add anew */
		}
		count_adj(counter, +1);
		if (bpf_map_update_elem(fd, key, b, BPF_NOEXIST) == 0)
			return 0;
		count_adj(counter, -1);
		if (errno != EEXIST)
			return errno == E2BIG || errno == ENOMEM || errno == ENOSPC ? -ENOSPC
										 : -errno;
	}
	return -EAGAIN;
}

static int map_del_counted(int fd, const void *key, __u64 *counter)
{
	if (bpf_map_delete_elem(fd, key))
		return -errno;
	count_adj(counter, -1);
	return 0;
}

/* Flags the exact block of a source key, if there is one
 * (SG_BLOCK_ALLOW_INSIDE). */
static void flag_block(const struct sg_maps *m, const struct sg_addr *key)
{
	struct sg_block b;

	if (bpf_map_lookup_elem(m->blocks, key, &b) == 0 && !(b.flags & SG_BLOCK_ALLOW_INSIDE)) {
		b.flags |= SG_BLOCK_ALLOW_INSIDE;
		bpf_map_update_elem(m->blocks, key, &b, BPF_EXIST);	/* gone: nothing to flag */
	}
}

int sg_block_add(const struct sg_maps *m, const struct sg_cidr *c, uint64_t ttl_s,
		 uint64_t now, char *err, size_t errlen)
{
	struct sg_block b = {
		.expires_ns = ttl_s ? now + ttl_s * SG_NSEC_PER_SEC : 0,
		.created_ns = now,
		.detector = SG_DET_MANUAL,
		.flags = SG_BLOCK_MANUAL,
		.prefixlen = cidr_len128(c),
	};
	char a[SG_ADDRSTRLEN], bstr[SG_ADDRSTRLEN];
	struct sg_allow_entry *allow;
	struct sg_config cfg;
	size_t nallow;
	int ret;

	ret = sg_config_read(m, &cfg);
	if (ret)
		return ret;
	ret = sg_allow_list(m, &allow, &nallow);
	if (ret)
		return ret;
	for (size_t i = 0; i < nallow; i++) {
		const struct sg_cidr *al = &allow[i].cidr;

		if (cidr_len128(al) <= cidr_len128(c) && sg_cidr_contains(al, &c->addr)) {
			snprintf(err, errlen, "%s is allow-listed (%s%s); remove that first",
				 sg_cidr_str(c, bstr, sizeof(bstr)), sg_cidr_str(al, a, sizeof(a)),
				 allow[i].flags & SG_ALLOW_AUTOMATIC ? ", kept automatically" : "");
			free(allow);
			return -EPERM;
		}
		if ((allow[i].flags & SG_ALLOW_AUTOMATIC) && sg_cidr_contains(c, &al->addr)) {
			snprintf(err, errlen, "%s contains %s, which must never be blocked (%s)",
				 sg_cidr_str(c, bstr, sizeof(bstr)), sg_cidr_str(al, a, sizeof(a)),
				 sg_allow_origin(allow[i].flags));
			free(allow);
			return -EPERM;
		}
	}
	free(allow);

	if (block_is_exact(c, &cfg)) {
		__u32 n;

		if (c->family == 6 && bpf_map_lookup_elem(m->allow_inside, &c->addr, &n) == 0)
			b.flags |= SG_BLOCK_ALLOW_INSIDE;
		ret = map_put_counted(m->blocks, &c->addr, &b, &m->state_mm->nr_blocks);
		/* An entry added meanwhile (as the program does, bpf/block.h). */
		if (!ret && c->family == 6 && !(b.flags & SG_BLOCK_ALLOW_INSIDE) &&
		    bpf_map_lookup_elem(m->allow_inside, &c->addr, &n) == 0)
			flag_block(m, &c->addr);
	}
	else {
		struct sg_lpm_key k = sg_cidr_to_lpm(c);

		ret = map_put_counted(m->cidr_blocks, &k, &b, &m->state_mm->nr_cidr_blocks);
	}
	if (ret == -ENOSPC)
		snprintf(err, errlen, "the block table is full");
	else if (ret)
		snprintf(err, errlen, "cannot add block: %s", strerror(-ret));
	return ret;
}

int sg_block_del(const struct sg_maps *m, const struct sg_cidr *c)
{
	struct sg_config cfg;
	int ret = sg_config_read(m, &cfg);

	if (ret)
		return ret;
	if (block_is_exact(c, &cfg)) {
		ret = map_del_counted(m->blocks, &c->addr, &m->state_mm->nr_blocks);
		if (ret != -ENOENT)
			return ret;
	}
	/* Also try the CIDR table: a block added under another ipv6-prefix
	 * setting may live there. */
	struct sg_lpm_key k = sg_cidr_to_lpm(c);

	return map_del_counted(m->cidr_blocks, &k, &m->state_mm->nr_cidr_blocks);
}

/* Walks a block map; calls fn for each entry.  Keys are collected first so
 * fn may delete. */
static int walk_blocks(int fd, size_t key_size,
		       int (*fn)(const void *key, const struct sg_block *b, void *arg), void *arg)
{
	size_t cap = 256, n = 0;
	char *keys = malloc(cap * key_size), *prev = NULL;
	int ret = 0;

	if (!keys)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			char *nk = realloc(keys, cap * 2 * key_size);

			if (!nk) {
				free(keys);
				return -ENOMEM;
			}
			keys = nk;
			cap *= 2;
			prev = n ? keys + (n - 1) * key_size : NULL;
		}
		if (bpf_map_get_next_key(fd, prev, keys + n * key_size))
			break;
		prev = keys + n * key_size;
		n++;
	}
	for (size_t i = 0; i < n && ret >= 0; i++) {
		struct sg_block b;

		if (bpf_map_lookup_elem(fd, keys + i * key_size, &b))
			continue;	/* gone meanwhile */
		ret = fn(keys + i * key_size, &b, arg);
	}
	free(keys);
	return ret < 0 ? ret : 0;
}

struct list_ctx {
	struct sg_block_entry *v;
	size_t n, cap;
	uint64_t now;
	bool exact;
	const struct sg_config *cfg;
};

static int list_one(const void *key, const struct sg_block *b, void *arg)
{
	struct list_ctx *l = arg;
	struct sg_block_entry *e;

	if (b->expires_ns && b->expires_ns <= l->now)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct sg_block_entry *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	e = &l->v[l->n++];
	e->b = *b;
	e->exact = l->exact;
	if (l->exact) {
		const struct sg_addr *a = key;

		e->cidr = sg_cidr_make(a, sg_addr_is_v4(a) ? 32 : (int)l->cfg->ipv6_prefix);
	} else {
		e->cidr = sg_cidr_from_lpm(key);
	}
	return 0;
}

int sg_block_list(const struct sg_maps *m, uint64_t now, struct sg_block_entry **out,
		  size_t *n)
{
	struct sg_config cfg;
	struct list_ctx l = { .now = now, .cfg = &cfg, .exact = true };
	int ret = sg_config_read(m, &cfg);

	if (!ret)
		ret = walk_blocks(m->blocks, sizeof(struct sg_addr), list_one, &l);
	l.exact = false;
	if (!ret)
		ret = walk_blocks(m->cidr_blocks, sizeof(struct sg_lpm_key), list_one, &l);
	if (ret) {
		free(l.v);
		return ret;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

struct sweep_ctx {
	int fd;
	__u64 *counter;
	uint64_t now;
	int removed;
};

static int sweep_one(const void *key, const struct sg_block *b, void *arg)
{
	struct sweep_ctx *s = arg;

	if (b->expires_ns && b->expires_ns <= s->now && map_del_counted(s->fd, key, s->counter) == 0)
		s->removed++;
	return 0;
}

int sg_block_sweep(const struct sg_maps *m, uint64_t now)
{
	struct sweep_ctx s = { m->blocks, &m->state_mm->nr_blocks, now, 0 };
	int ret = walk_blocks(m->blocks, sizeof(struct sg_addr), sweep_one, &s);

	if (ret)
		return ret;
	s.fd = m->cidr_blocks;
	s.counter = &m->state_mm->nr_cidr_blocks;
	ret = walk_blocks(m->cidr_blocks, sizeof(struct sg_lpm_key), sweep_one, &s);
	return ret ? ret : s.removed;
}

struct rekey_ctx {
	const struct sg_maps *m;
	uint32_t old_prefix;
};

static int rekey_one(const void *key, const struct sg_block *b, void *arg)
{
	struct rekey_ctx *r = arg;
	const struct sg_addr *a = key;
	struct sg_lpm_key k = { .prefixlen = r->old_prefix, .addr = *a };
	struct sg_block nb = *b;
	int ret;

	if (sg_addr_is_v4(a))
		return 0;
	nb.prefixlen = r->old_prefix;
	ret = map_put_counted(r->m->cidr_blocks, &k, &nb, &r->m->state_mm->nr_cidr_blocks);
	if (ret)
		return ret;
	return map_del_counted(r->m->blocks, key, &r->m->state_mm->nr_blocks);
}

int sg_block_rekey_v6(const struct sg_maps *m, uint32_t old_prefix)
{
	struct rekey_ctx r = { m, old_prefix };

	return walk_blocks(m->blocks, sizeof(struct sg_addr), rekey_one, &r);
}

/* ---- allow-list entries inside IPv6 source prefixes (SG_BLOCK_ALLOW_INSIDE) ---- */

/* The source key an IPv6 allow-list entry narrower than the source prefix
 * lies inside, in *key; false for any other entry (an IPv4 one, or one
 * that holds whole prefixes: those lift blocks when added and are refused
 * to manual blocks, so a block never needs to look them up). */
static bool allow_inside_key(const struct sg_cidr *c, uint32_t v6_prefix, struct sg_addr *key)
{
	if (c->family != 6 || (uint32_t)c->len <= v6_prefix)
		return false;
	*key = c->addr;
	sg_addr_mask(key, v6_prefix);
	return true;
}

/* Counts an entry in or out of its prefix; counted in before the block is
 * flagged (the program adding a block looks the other way round). */
static int allow_inside_adj(const struct sg_maps *m, const struct sg_addr *key, int delta)
{
	__u32 n = 0;

	if (bpf_map_lookup_elem(m->allow_inside, key, &n) && errno != ENOENT)
		return -errno;
	if (delta < 0 && n <= 1)
		return bpf_map_delete_elem(m->allow_inside, key) && errno != ENOENT ? -errno : 0;
	n += delta;
	if (bpf_map_update_elem(m->allow_inside, key, &n, BPF_ANY))
		return -errno;
	if (delta > 0)
		flag_block(m, key);
	return 0;
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sg_addr));
}

static int flag_one(const void *key, const struct sg_block *b, void *arg)
{
	const struct sg_maps *m = arg;
	__u32 n;

	if (!(b->flags & SG_BLOCK_ALLOW_INSIDE) && !bpf_map_lookup_elem(m->allow_inside, key, &n))
		flag_block(m, key);
	return 0;
}

int sg_allow_inside_sync(const struct sg_maps *m)
{
	struct sg_addr *keys = NULL, key, next, *prev = NULL;
	struct sg_allow_entry *allow;
	size_t nallow, nkeys = 0;
	struct sg_config cfg;
	int ret;

	ret = sg_config_read(m, &cfg);
	if (!ret)
		ret = sg_allow_list(m, &allow, &nallow);
	if (ret)
		return ret;
	keys = calloc(nallow ? nallow : 1, sizeof(*keys));
	if (!keys) {
		free(allow);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nallow; i++)
		if (allow_inside_key(&allow[i].cidr, cfg.ipv6_prefix, &keys[nkeys]))
			nkeys++;
	free(allow);
	qsort(keys, nkeys, sizeof(*keys), addr_cmp);
	/* What should be there goes in first, what should not goes after:
	 * at no time is a prefix that holds an entry missing. */
	for (size_t i = 0; i < nkeys && !ret;) {
		__u32 n = 1;

		while (i + n < nkeys && !addr_cmp(&keys[i], &keys[i + n]))
			n++;
		if (bpf_map_update_elem(m->allow_inside, &keys[i], &n, BPF_ANY))
			ret = -errno;
		i += n;
	}
	while (!ret && bpf_map_get_next_key(m->allow_inside, prev, &next) == 0) {
		key = next;
		if (!bsearch(&key, keys, nkeys, sizeof(*keys), addr_cmp) &&
		    bpf_map_delete_elem(m->allow_inside, &key) == 0) {
			prev = NULL;	/* start over: the walk lost its place */
			continue;
		}
		prev = &key;
	}
	free(keys);
	return ret ? ret : walk_blocks(m->blocks, sizeof(struct sg_addr), flag_one, (void *)m);
}

int sg_allow_list(const struct sg_maps *m, struct sg_allow_entry **out, size_t *n)
{
	struct sg_lpm_key key, *prev = NULL;
	struct sg_allow_entry *v = NULL;
	size_t cnt = 0, cap = 0;

	while (bpf_map_get_next_key(m->allow, prev, &key) == 0) {
		struct sg_allow val;

		prev = &key;
		if (bpf_map_lookup_elem(m->allow, &key, &val))
			continue;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct sg_allow_entry *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[cnt].cidr = sg_cidr_from_lpm(&key);
		v[cnt].flags = val.flags;
		cnt++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

struct unblock_ctx {
	int fd;
	__u64 *counter;
	const struct sg_cidr *allow;
	bool exact;
	size_t removed;
};

static int unblock_one(const void *key, const struct sg_block *b, void *arg)
{
	struct unblock_ctx *u = arg;
	const struct sg_addr *a = u->exact ? key : &((const struct sg_lpm_key *)key)->addr;
	int len = u->exact ? 128 : (int)((const struct sg_lpm_key *)key)->prefixlen;

	(void)b;
	if (len >= cidr_len128(u->allow) && sg_cidr_contains(u->allow, a) &&
	    map_del_counted(u->fd, key, u->counter) == 0)
		u->removed++;
	return 0;
}

static void hint_set(struct sg_allow_hint *h, __u32 first, __u32 n)
{
	for (__u32 bit = first; bit < first + n; bit++)
		__atomic_fetch_or(&h->w[bit / 64], 1ULL << (bit % 64), __ATOMIC_SEQ_CST);
}

/* Sets the bits of every range the entry k may hold an address of. */
static void hint_mark(struct sg_allow_hint *h, const struct sg_lpm_key *k)
{
	struct sg_addr a = k->addr, pre, v4 = { .w = { 0 } };
	int len = (int)k->prefixlen, upto96 = len < 96 ? len : 96, len4, n;
	const __u8 *b = (const __u8 *)&a;

	sg_addr_mask(&a, len);
	/* IPv6: the entry's /32, or every /32. */
	if (len < 32)
		hint_set(h, SG_ALLOW_HINT_BITS, SG_ALLOW_HINT_BITS);
	else
		hint_set(h, sg_allow_hint_v6(a.w[0]), 1);
	/* IPv4: when the entry's prefix agrees with ::ffff:0:0/96, the /16s
	 * its IPv4 part spans (all of them for a prefix of /96 or shorter). */
	((__u8 *)&v4)[10] = ((__u8 *)&v4)[11] = 0xff;
	pre = a;
	sg_addr_mask(&pre, upto96);
	sg_addr_mask(&v4, upto96);
	if (memcmp(&pre, &v4, sizeof(pre)))
		return;
	len4 = len - upto96;
	n = len4 >= 16 ? 1 : 1 << (16 - len4);
	hint_set(h, ((__u32)b[12] << 8 | b[13]) & ~(__u32)(n - 1), n);
}

int sg_allow_hint_fill(const struct sg_maps *m)
{
	struct sg_lpm_key key, *prev = NULL;

	while (bpf_map_get_next_key(m->allow, prev, &key) == 0) {
		hint_mark(m->hint_mm, &key);
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int sg_allow_add(const struct sg_maps *m, const struct sg_cidr *c, uint32_t flags,
		 size_t *unblocked, char *err, size_t errlen)
{
	struct sg_lpm_key k = sg_cidr_to_lpm(c);
	struct sg_allow val = { .flags = flags }, old;
	struct unblock_ctx u = { m->blocks, &m->state_mm->nr_blocks, c, true, 0 };
	int ret;

	struct sg_config cfg;
	struct sg_addr in;
	bool is_new;

	ret = sg_config_read(m, &cfg);
	if (ret) {
		snprintf(err, errlen, "cannot read the configuration: %s", strerror(-ret));
		return ret;
	}
	/* An operator entry never downgrades an automatic one. */
	is_new = bpf_map_lookup_elem(m->allow, &k, &old) != 0;
	if (!is_new)
		val.flags |= old.flags;
	/* The hint first: the program may look the entry up from then on. */
	hint_mark(m->hint_mm, &k);
	if (bpf_map_update_elem(m->allow, &k, &val, BPF_ANY)) {
		ret = -errno;
		snprintf(err, errlen, "cannot add allow entry: %s",
			 ret == -E2BIG || ret == -ENOSPC ? "the allow-list is full" : strerror(-ret));
		return ret;
	}
	/* After the entry, so a block the program adds meanwhile sees it. */
	if (is_new && allow_inside_key(c, cfg.ipv6_prefix, &in) &&
	    (ret = allow_inside_adj(m, &in, 1))) {
		snprintf(err, errlen, "cannot flag the blocks around it: %s", strerror(-ret));
		return ret;
	}
	ret = walk_blocks(m->blocks, sizeof(struct sg_addr), unblock_one, &u);
	if (!ret) {
		u.fd = m->cidr_blocks;
		u.counter = &m->state_mm->nr_cidr_blocks;
		u.exact = false;
		ret = walk_blocks(m->cidr_blocks, sizeof(struct sg_lpm_key), unblock_one, &u);
	}
	if (unblocked)
		*unblocked = u.removed;
	return ret;
}

int sg_allow_del(const struct sg_maps *m, const struct sg_cidr *c, bool allow_auto,
		 char *err, size_t errlen)
{
	struct sg_lpm_key k = sg_cidr_to_lpm(c);
	struct sg_config cfg;
	struct sg_allow val;
	struct sg_addr in;
	char buf[SG_ADDRSTRLEN];

	if (bpf_map_lookup_elem(m->allow, &k, &val)) {
		snprintf(err, errlen, "%s is not in the allow-list", sg_cidr_str(c, buf, sizeof(buf)));
		return -ENOENT;
	}
	if ((val.flags & SG_ALLOW_AUTOMATIC) && !allow_auto) {
		snprintf(err, errlen, "%s is kept in the allow-list automatically (%s)",
			 sg_cidr_str(c, buf, sizeof(buf)), sg_allow_origin(val.flags));
		return -EPERM;
	}
	if (bpf_map_delete_elem(m->allow, &k)) {
		snprintf(err, errlen, "cannot delete: %s", strerror(errno));
		return -errno;
	}
	/* A block flagged for it keeps its flag: one lookup too many. */
	if (sg_config_read(m, &cfg) == 0 && allow_inside_key(c, cfg.ipv6_prefix, &in))
		allow_inside_adj(m, &in, -1);
	return 0;
}

int sg_trap_set(const struct sg_maps *m, uint8_t pc, uint16_t port, bool on)
{
	__u32 idx = SG_TRAP_INDEX(pc, port);
	__u64 word, bit = 1ULL << (port & 63);

	if ((pc != SG_PC_TCP && pc != SG_PC_UDP) || !port)
		return -EINVAL;
	/* Read-modify-write of one word: the CLI is the only writer. */
	if (bpf_map_lookup_elem(m->traps, &idx, &word))
		return -errno;
	if (!on && !(word & bit))
		return -ENOENT;
	word = on ? word | bit : word & ~bit;
	return bpf_map_update_elem(m->traps, &idx, &word, BPF_ANY) ? -errno : 0;
}

int sg_trap_list(const struct sg_maps *m, uint32_t **out, size_t *n)
{
	uint32_t *v = NULL;
	size_t cnt = 0, cap = 0;

	for (__u32 idx = 0; idx < SG_TRAP_WORDS; idx++) {
		__u64 word;

		if (bpf_map_lookup_elem(m->traps, &idx, &word)) {
			free(v);
			return -errno;
		}
		for (int bit = 0; word && bit < 64; bit++) {
			if (!(word & (1ULL << bit)))
				continue;
			if (cnt == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				uint32_t *nv = realloc(v, ncap * sizeof(*nv));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = ncap;
			}
			v[cnt++] = SG_TARGET(idx / 1024 + 1, (idx % 1024) * 64 + bit);
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

static struct sg_exposed_key expose_key(const struct sg_expose_entry *e)
{
	struct sg_exposed_key k = {
		.prefixlen = 32 + cidr_len128(&e->cidr),
		.pc = e->pc,
		.port = e->port,
		.addr = e->cidr.addr,
	};
	return k;
}

int sg_expose_add(const struct sg_maps *m, const struct sg_expose_entry *e, char *err,
		  size_t errlen)
{
	struct sg_exposed_key k = expose_key(e);
	struct sg_exposed v = { 0 };

	if (bpf_map_update_elem(m->exposed, &k, &v, BPF_ANY)) {
		int ret = -errno;

		snprintf(err, errlen, "cannot add: %s",
			 ret == -E2BIG || ret == -ENOSPC ? "the exposed-services list is full"
							 : strerror(-ret));
		return ret;
	}
	return 0;
}

int sg_expose_del(const struct sg_maps *m, const struct sg_expose_entry *e)
{
	struct sg_exposed_key k = expose_key(e);

	return bpf_map_delete_elem(m->exposed, &k) ? -errno : 0;
}

int sg_expose_list(const struct sg_maps *m, struct sg_expose_entry **out, size_t *n)
{
	struct sg_exposed_key key, *prev = NULL;
	struct sg_expose_entry *v = NULL;
	size_t cnt = 0, cap = 0;

	while (bpf_map_get_next_key(m->exposed, prev, &key) == 0) {
		struct sg_lpm_key lk = { .prefixlen = key.prefixlen - 32, .addr = key.addr };

		prev = &key;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct sg_expose_entry *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[cnt].cidr = sg_cidr_from_lpm(&lk);
		v[cnt].pc = key.pc;
		v[cnt].port = key.port;
		cnt++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int sg_expose_parse(const char *s, struct sg_expose_entry *e, char *err, size_t errlen)
{
	const char *at = strchr(s, '@');
	char what[32];

	memset(e, 0, sizeof(*e));
	if (!at || (size_t)(at - s) >= sizeof(what)) {
		snprintf(err, errlen, "'%s': expected PROTO/PORT@CIDR, e.g. tcp/443@198.18.2.0/24", s);
		return -1;
	}
	memcpy(what, s, at - s);
	what[at - s] = 0;
	if (sg_target_parse(what, true, &e->pc, &e->port, err, errlen))
		return -1;
	return sg_cidr_parse(at + 1, &e->cidr, err, errlen);
}

int sg_admit_find(int fd, uint32_t nslots, const struct sg_addr *key, struct sg_admit_slot *slot,
		  uint32_t *index)
{
	__u32 idx, fp;

	sg_admit_hash(key, nslots, &idx, &fp);
	for (__u32 i = idx; i <= (idx | 1); i++) {
		if (bpf_map_lookup_elem(fd, &i, slot) == 0 && slot->fp == fp) {
			*index = i;
			return 0;
		}
	}
	return -ENOENT;
}

long sg_map_count(int fd, size_t key_size)
{
	char key[64], prev[64];
	void *p = NULL;
	long n = 0;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (bpf_map_get_next_key(fd, p, key) == 0) {
		memcpy(prev, key, key_size);
		p = prev;
		n++;
	}
	return n;
}
