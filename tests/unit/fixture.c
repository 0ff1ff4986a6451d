// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fixture.c - loads the real XDP object (the one scanguardd embeds) without
 * pinning or attaching it, and runs frames through its test entry. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "cfgkeys.h"
#include "fixture.h"
#include "table.h"
#include "sg_parse.h"
#include "ops.h"
#include "skel.h"
#include "scanguard.skel.h"

int fx_set_config(struct fx *f, const struct sg_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(f->m.config, &zero, cfg, BPF_ANY) ? -errno : 0;
}

/* Loading and verifying the program takes most of a second, so every case
 * shares one loaded object, whose maps fx_open() empties. */
static struct scanguard_bpf *shared_skel;

static void map_clear(struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	__u32 ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
	enum bpf_map_type type = bpf_map__type(map);
	char key[64], next[64];

	if (type == BPF_MAP_TYPE_RINGBUF)
		return;		/* drained by fx_events() and at reset */
	if (type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		size_t n = type == BPF_MAP_TYPE_PERCPU_ARRAY ? libbpf_num_possible_cpus() : 1;
		__u32 count = bpf_map__max_entries(map);
		size_t vlen = n * ((vsz + 7) & ~7u);
		void *zero, *mm;

		/* Large arrays (the admission filter has a million elements)
		 * are mmapable: cleared at once rather than element by element. */
		if (bpf_map__map_flags(map) & BPF_F_MMAPABLE) {
			size_t len = (size_t)count * vlen;

			mm = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (mm != MAP_FAILED) {
				memset(mm, 0, len);
				munmap(mm, len);
				return;
			}
		}
		zero = calloc(1, vlen);
		for (__u32 i = 0; zero && i < count; i++)
			bpf_map_update_elem(fd, &i, zero, BPF_ANY);
		free(zero);
		return;
	}
	if (ksz > sizeof(key))
		return;
	/* Collect every key, then delete: deleting while walking would make
	 * each get_next_key restart from the first bucket, quadratic in the
	 * entries (seconds for a full tracking map). */
	for (;;) {
		size_t n = 0, cap = 0;
		char *keys = NULL, *prev = NULL;

		while (bpf_map_get_next_key(fd, prev, next) == 0) {
			if (n == cap) {
				char *nk = realloc(keys, (cap = cap ? 2 * cap : 1024) * ksz);

				if (!nk)
					break;
				keys = nk;
			}
			memcpy(keys + n * ksz, next, ksz);
			prev = keys + n++ * ksz;
		}
		for (size_t i = 0; i < n; i++)
			bpf_map_delete_elem(fd, keys + i * ksz);
		free(keys);
		if (!n || bpf_map_get_next_key(fd, NULL, next))
			return;
	}
}

static int drain(void *ctx, void *data, size_t size)
{
	return 0;
}

static void reset_maps(struct scanguard_bpf *skel)
{
	struct bpf_map *map;
	struct ring_buffer *rb;

	bpf_object__for_each_map(map, skel->obj)
		map_clear(map);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.SG_MAP_EVENTS), drain, NULL, NULL);
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
}

static int count_cb(void *ctx, void *data, size_t size)
{
	(*(long *)ctx)++;
	return 0;
}

long fx_drain(struct fx *f)
{
	long n = 0;
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(f->skel->maps.SG_MAP_EVENTS),
						  count_cb, &n, NULL);

	if (!rb)
		return -1;
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n;
}

void fx_clear(struct fx *f)
{
	reset_maps(f->skel);
}

int fx_open(struct fx *f, const struct sg_config *cfg)
{
	if (!shared_skel) {
		shared_skel = scanguard_bpf__open_and_load();
		if (!shared_skel)
			return -errno;
	}
	return fx_open_skel(f, shared_skel, cfg);
}

int fx_open_skel(struct fx *f, struct scanguard_bpf *skel, const struct sg_config *cfg)
{
	struct sg_config def;
	int ret;

	memset(f, 0, sizeof(*f));
	f->now = SEC_NS(1000);
	f->skel = skel;
	reset_maps(f->skel);
	f->prog_fd = bpf_program__fd(f->skel->progs.scanguard_xdp_test);
	ret = sg_maps_from_skel(&f->m, f->skel);
	if (ret)
		return ret;
	if (!cfg) {
		sg_config_defaults(&def);
		cfg = &def;
	}
	return fx_set_config(f, cfg);
}

void fx_close(struct fx *f)
{
	sg_maps_unmap(&f->m);
	f->skel = NULL;
}

int fx_run_raw(struct fx *f, const void *data, uint32_t len)
{
	uint8_t out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(f->skel->maps.SG_MAP_TEST_CLOCK), &zero, &f->now,
				BPF_ANY))
		return -1;
	if (bpf_prog_test_run_opts(f->prog_fd, &opts))
		return -1;
	return opts.retval;
}

void fx_production(struct fx *f)
{
	f->prog_fd = bpf_program__fd(f->skel->progs.scanguard_xdp);
}

int fx_run(struct fx *f, const struct pkt_spec *s)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(s, buf, sizeof(buf));

	return len ? fx_run_raw(f, buf, len) : -1;
}

bool fx_track(struct fx *f, bool net, const struct sg_addr *key, struct sg_track *t, bool forget)
{
	int fd = bpf_map__fd(net ? f->skel->maps.SG_MAP_NET_TRACK : f->skel->maps.SG_MAP_TRACK);
	struct sg_track_entry e;
	struct sg_track_set set;
	struct sg_table tb;
	long idx;

	if (sg_table_map(fd, &tb))
		return false;
	idx = sg_table_index(&tb, f->m.state_mm->track_seed, key, &e);
	sg_table_unmap(&tb);
	if (idx < 0)
		return false;
	if (t)
		*t = e.t;
	if (forget) {
		__u32 i = idx / SG_TRACK_WAYS;

		if (bpf_map_lookup_elem(fd, &i, &set))
			return false;
		memset(&set.way[idx % SG_TRACK_WAYS], 0, sizeof(set.way[0]));
		bpf_map_update_elem(fd, &i, &set, BPF_ANY);
	}
	return true;
}

uint64_t fx_stat(struct fx *f, enum sg_stat id)
{
	struct sg_stats s;

	return sg_stats_read(&f->m, &s) ? ~0ULL : s.c[id];
}

bool fx_blocked(struct fx *f, const char *addr)
{
	struct sg_block b;
	struct sg_cidr c;
	char err[128];

	if (sg_cidr_parse(addr, &c, err, sizeof(err)))
		return false;
	return bpf_map_lookup_elem(f->m.blocks, &c.addr, &b) == 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct fx *f = ctx;

	if (f->nev < (int)(sizeof(f->ev) / sizeof(f->ev[0])) && size >= sizeof(struct sg_event))
		memcpy(&f->ev[f->nev++], data, sizeof(struct sg_event));
	return 0;
}

int fx_events(struct fx *f)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(f->skel->maps.SG_MAP_EVENTS),
						  on_event, f, NULL);

	if (!rb)
		return -1;
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return f->nev;
}

struct pkt_spec fx_tcp(const char *src, const char *dst, uint16_t dport, uint8_t flags)
{
	struct pkt_spec s = {
		.family = strchr(src, ':') ? 6 : 4,
		.src = src, .dst = dst,
		.proto = IPPROTO_TCP,
		.sport = 40000, .dport = dport,
		.tcp_flags = flags,
		/* With ACK, a data segment: established traffic, not a bare ACK. */
		.payload = (flags & SG_TCP_ACK) ? 100 : 0,
	};
	return s;
}

struct pkt_spec fx_udp(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct pkt_spec s = {
		.family = strchr(src, ':') ? 6 : 4,
		.src = src, .dst = dst,
		.proto = IPPROTO_UDP,
		.sport = sport, .dport = dport,
	};
	return s;
}

struct sg_config fx_cfg_plain(uint32_t threshold, uint32_t window_s, uint32_t ttl_s)
{
	struct sg_config c;

	sg_config_defaults(&c);
	c.score_threshold = 0;
	c.net_threshold = 0;
	c.slow_threshold = 0;
	c.sweep_threshold = 0;
	c.threshold = threshold;
	c.window_ns = SEC_NS(window_s);
	c.block_ttl_ns = SEC_NS(ttl_s);
	return c;
}

struct pkt_spec fx_bare(const char *src, const char *dst, uint16_t dport, uint8_t flags)
{
	struct pkt_spec s = fx_tcp(src, dst, dport, flags);

	s.payload = 0;
	return s;
}
