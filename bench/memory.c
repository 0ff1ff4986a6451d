// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memory.c - the kernel memory of every map of the program, as the kernel
 * itself accounts it (the memlock line of the map's fdinfo), empty and full
 * at the built-in sizes, and with the tracking map sized for 1 M sources.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "ops.h"
#include "scenarios.h"
#include "table.h"
#include "scanguard.skel.h"

static uint64_t fdinfo_memlock(int fd)
{
	char path[64], line[256];
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void record(struct bm_ctx *c, const char *config, struct bpf_map *map)
{
	enum bpf_map_type t = bpf_map__type(map);
	struct bm_map_mem *m;
	const char *ts;
	int fd = bpf_map__fd(map);

	if (c->nmem == (int)(sizeof(c->mem) / sizeof(c->mem[0]))) {
		pr_warn("memory: no room to record map %s (%s)", bpf_map__name(map), config);
		return;
	}
	m = &c->mem[c->nmem++];
	memset(m, 0, sizeof(*m));
	snprintf(m->map, sizeof(m->map), "%s", bpf_map__name(map));
	ts = libbpf_bpf_map_type_str(t);
	snprintf(m->type, sizeof(m->type), "%s", ts ? ts : "?");
	snprintf(m->config, sizeof(m->config), "%s", config);
	m->max_entries = bpf_map__max_entries(map);
	if (t == BPF_MAP_TYPE_ARRAY && bpf_map__value_size(map) == sizeof(struct sg_track_set)) {
		/* A tracking table: its ways, and the ones in use. */
		m->max_entries *= SG_TRACK_WAYS;
		m->entries = sg_table_count_fd(fd);
	} else if (t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH ||
		   t == BPF_MAP_TYPE_LPM_TRIE || t == BPF_MAP_TYPE_PERCPU_HASH ||
		   t == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		m->entries = sg_map_count(fd, bpf_map__key_size(map));
	else if (t == BPF_MAP_TYPE_RINGBUF)
		m->entries = -1;
	else
		m->entries = m->max_entries;
	m->memlock = fdinfo_memlock(fd);
}

static void record_all(struct bm_ctx *c, const char *config, struct sg_subject *s)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, s->skel->obj)
		record(c, config, map);
}

static uint64_t memlock_of(struct bpf_map *map)
{
	return fdinfo_memlock(bpf_map__fd(map));
}

/* Fills the maps that grow with their contents (the LPM tries, which are
 * not preallocated) and the exact blocklist, writing entries directly: the
 * operations' own checks walk one table per insert, too slow for 16 K. */
static int fill(struct sg_subject *s)
{
	struct sg_block b = { .detector = SG_DET_MANUAL, .flags = SG_BLOCK_MANUAL };
	struct sg_allow a = { 0 };
	int ret = 0;

	for (__u32 i = 0; i < bpf_map__max_entries(s->skel->maps.SG_MAP_BLOCKS) && !ret; i++) {
		struct sg_addr k = { { htonl(0x20010db8), htonl(0x00c00000 + i), 0, 0 } };

		ret = bpf_map_update_elem(s->m.blocks, &k, &b, BPF_NOEXIST) ? -errno : 0;
	}
	for (__u32 i = 0; i < bpf_map__max_entries(s->skel->maps.SG_MAP_CIDR_BLOCKS) && !ret; i++) {
		struct sg_lpm_key k = { 112, { { htonl(0x20010db8), htonl(0x00d00000 + i), 0, 0 } } };

		b.prefixlen = k.prefixlen;
		ret = bpf_map_update_elem(s->m.cidr_blocks, &k, &b, BPF_NOEXIST) ? -errno : 0;
	}
	/* The allow-list already holds this host's addresses. */
	for (__u32 i = 0; !ret; i++) {
		struct sg_lpm_key k = { 96, { { htonl(0x20010db8), htonl(0x00e00000 + i), 0, 0 } } };

		if (bpf_map_update_elem(s->m.allow, &k, &a, BPF_NOEXIST))
			ret = errno == ENOSPC || errno == E2BIG ? 1 : -errno;
	}
	/* sg_state's counts are not kept in step: this copy of the program
	 * only serves the memory reading and is discarded right after. */
	return ret < 0 ? ret : 0;
}

int bm_run_memory(struct bm_ctx *c)
{
	uint32_t entries = 1000000 + c->o.insert_repeat + 4096;
	struct sg_subject s;
	uint64_t track, suspect;
	int ret;

	ret = sg_subject_open(&s, 0);
	if (ret)
		return ret;
	record_all(c, "default-empty", &s);
	track = memlock_of(s.skel->maps.SG_MAP_TRACK);
	suspect = memlock_of(s.skel->maps.SG_MAP_SUSPECT);
	c->bytes_per_source = (double)track / s.track_entries;
	c->bytes_per_source_total = (double)(track + suspect) / s.track_entries;
	/* Tracked sources come from probes, each probing until tracked:
	 * twice as many as the table has entries, to fill nearly every set. */
	{
		struct bench_vary v = { .mode = BENCH_VARY_MIX, .bits = 32 };

		ret = bm_probe_chunked(c, &s, 6, &v, 2 * s.track_entries, bm_tracked_targets());
	}
	if (!ret)
		ret = fill(&s);
	if (!ret)
		record_all(c, "default-full", &s);
	sg_subject_close(&s);
	if (ret)
		return ret;

	ret = sg_subject_open(&s, entries);
	if (ret)
		return ret;
	record(c, "1M-sources", s.skel->maps.SG_MAP_TRACK);
	record(c, "1M-sources", s.skel->maps.SG_MAP_SUSPECT);
	sg_subject_close(&s);
	return 0;
}
