// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* subjects.c - loads and configures the three programs the benchmark times. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cfgkeys.h"
#include "hostaddr.h"
#include "ops.h"
#include "skel.h"
#include "subjects.h"
#include "scanguard.skel.h"
#include "empty.skel.h"
#include "harness.skel.h"

/* ---- scanguard ------------------------------------------------------------ */

static struct sg_config bench_cfg;
static bool bench_cfg_set;

void sg_subject_set_config(const struct sg_config *cfg)
{
	bench_cfg = *cfg;
	bench_cfg_set = true;
}

const struct sg_config *sg_subject_config(void)
{
	if (!bench_cfg_set) {
		sg_config_defaults(&bench_cfg);
		bench_cfg_set = true;
	}
	return &bench_cfg;
}

static int on_event(void *ctx, void *data, size_t size)
{
	return 0;
}

int sg_subject_open(struct sg_subject *s, uint32_t track_entries)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->skel = scanguard_bpf__open();
	if (!s->skel)
		return -errno;
	if (track_entries) {
		/* Whole sets, and the program told how many. */
		uint32_t sets = (track_entries + SG_TRACK_WAYS - 1) / SG_TRACK_WAYS;

		ret = bpf_map__set_max_entries(s->skel->maps.SG_MAP_TRACK, sets);
		if (ret)
			goto fail;
		s->skel->rodata->sg_track_sets = sets;
	}
	ret = scanguard_bpf__load(s->skel);
	if (ret)
		goto fail;
	s->track_entries = bpf_map__max_entries(s->skel->maps.SG_MAP_TRACK) * SG_TRACK_WAYS;
	s->prog_fd = bpf_program__fd(s->skel->progs.scanguard_xdp);
	ret = sg_maps_from_skel(&s->m, s->skel);
	if (ret)
		goto fail;
	/* What scanguardd's setup() does before it attaches: a secret for
	 * the tracking tables (user/loader.c), the configuration, the host's
	 * own addresses. */
	s->m.state_mm->track_seed = 0x9e3779b9u ^ (__u32)getpid();
	ret = sg_config_write(&s->m, sg_subject_config());
	if (ret)
		goto fail;
	ret = sg_hostaddr_sync(&s->m);	/* the number of entries */
	if (ret < 0)
		goto fail;
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.SG_MAP_EVENTS), on_event, NULL, NULL);
	if (!s->rb) {
		ret = -errno;
		goto fail;
	}
	return 0;
fail:
	sg_subject_close(s);
	return ret < 0 ? ret : -EINVAL;
}

void sg_subject_close(struct sg_subject *s)
{
	if (s->rb)
		ring_buffer__free(s->rb);
	if (s->m.state_mm)
		sg_maps_unmap(&s->m);
	scanguard_bpf__destroy(s->skel);
	memset(s, 0, sizeof(*s));
}

void sg_subject_drain(struct sg_subject *s)
{
	ring_buffer__consume(s->rb);
}

/* ---- the benchmark's own programs --------------------------------------------- */

int bench_progs_open(struct bench_progs *b)
{
	memset(b, 0, sizeof(*b));
	b->empty = empty_bpf__open_and_load();
	if (!b->empty)
		return -errno;
	b->harness = harness_bpf__open_and_load();
	if (!b->harness) {
		int ret = -errno;

		bench_progs_close(b);
		return ret;
	}
	b->empty_fd = bpf_program__fd(b->empty->progs.bench_empty);
	b->harness_fd = bpf_program__fd(b->harness->progs.bench_harness);
	b->next_fd = bpf_map__fd(b->harness->maps.bench_next);
	return 0;
}

void bench_progs_close(struct bench_progs *b)
{
	harness_bpf__destroy(b->harness);
	empty_bpf__destroy(b->empty);
	memset(b, 0, sizeof(*b));
}

int bench_target(struct bench_progs *b, int prog_fd)
{
	__u32 zero = 0;

	return bpf_map_update_elem(b->next_fd, &zero, &prog_fd, BPF_ANY) ? -errno : 0;
}

void bench_vary(struct bench_progs *b, const struct bench_vary *v)
{
	b->harness->bss->vary = *v;
	b->harness->bss->iter = 0;
}

/* ---- xdp-filter ------------------------------------------------------------------ */

/* From xdp-tools' xdp-filter/common_kern_user.h: the low bits of each
 * per-CPU map value say what a rule matches; a hit counter sits above. */
#define XF_FLAG_SRC	(1 << 0)
#define XF_FLAG_DST	(1 << 1)
#define XF_FLAG_TCP	(1 << 2)
#define XF_FLAG_UDP	(1 << 3)

/* Debian ships the objects in libxdp1, under the multiarch library path. */
static const char *const xdpfilt_paths[] = {
	"/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_dny_all.o",
	"/usr/lib/aarch64-linux-gnu/bpf/xdpfilt_dny_all.o",
	"/usr/lib/bpf/xdpfilt_dny_all.o",
	"/usr/local/lib/bpf/xdpfilt_dny_all.o",
};

static int put_percpu(int fd, const void *key, __u64 flags)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *v;
	int ret = 0;

	if (ncpus < 0)
		return ncpus;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int i = 0; i < ncpus; i++)
		v[i] = flags;
	if (bpf_map_update_elem(fd, key, v, BPF_ANY))
		ret = -errno;
	free(v);
	return ret;
}

/* The rule set: a host that offers SSH, web and DNS, and trusts 1,000
 * partner addresses per family; everything else is denied.  The trusted
 * ranges are disjoint from every address the scenarios use, so a
 * scenario's frame walks the same lookups as an untrusted client would. */
static int xdpfilt_rules(struct xdpfilt *x)
{
	static const struct { __u16 port; __u64 proto; } ports[] = {
		{ 22, XF_FLAG_TCP }, { 80, XF_FLAG_TCP }, { 443, XF_FLAG_TCP },
		{ 8080, XF_FLAG_TCP }, { 53, XF_FLAG_UDP | XF_FLAG_TCP }, { 123, XF_FLAG_UDP },
	};
	int ret;

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		__u32 key = htons(ports[i].port);

		ret = put_percpu(x->ports_fd, &key, XF_FLAG_DST | ports[i].proto);
		if (ret)
			return ret;
		x->nports++;
	}
	for (__u32 i = 0; i < 1000; i++) {
		__u32 v4 = htonl(0xc612e000 + i);	/* 198.18.224.0 + i */
		__u32 v6[4] = { htonl(0x20010db8), htonl(0x00070000 + i), 0, htonl(1) };

		ret = put_percpu(x->v4_fd, &v4, XF_FLAG_SRC);
		if (ret)
			return ret;
		x->nv4++;
		ret = put_percpu(x->v6_fd, v6, XF_FLAG_SRC);
		if (ret)
			return ret;
		x->nv6++;
	}
	return 0;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

int xdpfilt_open(struct xdpfilt *x, const char *path, char *err, size_t errlen)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int ret;

	memset(x, 0, sizeof(*x));
	x->prog_fd = x->ports_fd = x->v4_fd = x->v6_fd = x->eth_fd = -1;
	for (size_t i = 0; !path && i < sizeof(xdpfilt_paths) / sizeof(xdpfilt_paths[0]); i++)
		if (access(xdpfilt_paths[i], R_OK) == 0)
			path = xdpfilt_paths[i];
	if (!path) {
		snprintf(err, errlen, "xdpfilt_dny_all.o not found (Debian: apt-get install libxdp1)");
		return -ENOENT;
	}
	snprintf(x->path, sizeof(x->path), "%s", path);
	x->obj = bpf_object__open_file(path, NULL);
	if (!x->obj) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	/* Its maps ask to be pinned by name under /sys/fs/bpf; a benchmark must
	 * neither reuse nor leave behind anything there. */
	bpf_object__for_each_map(map, x->obj)
		bpf_map__set_pin_path(map, NULL);
	ret = bpf_object__load(x->obj);
	if (ret) {
		snprintf(err, errlen, "cannot load %s: %s", path, strerror(-ret));
		goto fail;
	}
	prog = bpf_object__find_program_by_name(x->obj, "xdpfilt_dny_all");
	x->prog_fd = prog ? bpf_program__fd(prog) : -1;
	x->ports_fd = map_fd(x->obj, "filter_ports");
	x->v4_fd = map_fd(x->obj, "filter_ipv4");
	x->v6_fd = map_fd(x->obj, "filter_ipv6");
	x->eth_fd = map_fd(x->obj, "filter_ethernet");
	if (x->prog_fd < 0 || x->ports_fd < 0 || x->v4_fd < 0 || x->v6_fd < 0 || x->eth_fd < 0) {
		snprintf(err, errlen, "%s: program or maps not as expected", path);
		ret = -ENOENT;
		goto fail;
	}
	ret = xdpfilt_rules(x);
	if (ret) {
		snprintf(err, errlen, "cannot write xdp-filter rules: %s", strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	xdpfilt_close(x);
	return ret;
}

void xdpfilt_close(struct xdpfilt *x)
{
	bpf_object__close(x->obj);
	x->obj = NULL;
}
