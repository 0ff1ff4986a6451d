// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* skel.c - opens the XDP object.  The program converts jiffies into
 * nanoseconds with CONFIG_HZ, which libbpf reads from the kernel's config
 * (/boot/config-RELEASE or /proc/config.gz) and without which it refuses to
 * load the object: a container without /boot, on a kernel built without
 * IKCONFIG, has neither.  Such a kernel is told HZ 0 instead, and the
 * program reads the kernel's coarse clock: the same time, at the cost of a
 * helper call (about 14 ns) on the packets that need it. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "scanguard.skel.h"
#include "log.h"
#include "pin.h"
#include "sg_admit.h"
#include "skel.h"
#include "table.h"

static bool have_kconfig(char *path, size_t len)
{
	struct utsname u;

	if (uname(&u))
		snprintf(path, len, "/boot/config-?");
	else
		snprintf(path, len, "/boot/config-%s", u.release);
	return !access(path, R_OK) || !access("/proc/config.gz", R_OK);
}

struct scanguard_bpf *sg_skel_open(bool warn)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	char path[PATH_MAX];

	if (!have_kconfig(path, sizeof(path))) {
		if (warn)
			pr_warn("no kernel config (%s, /proc/config.gz): the program reads the "
				"coarse clock, a little slower", path);
		opts.kconfig = "CONFIG_HZ=0\n";
	}
	return scanguard_bpf__open_opts(&opts);
}

int sg_maps_from_skel(struct sg_maps *m, const struct scanguard_bpf *skel)
{
	m->config = bpf_map__fd(skel->maps.SG_MAP_CONFIG);
	m->state = bpf_map__fd(skel->maps.SG_MAP_STATE);
	m->stats = bpf_map__fd(skel->maps.SG_MAP_STATS);
	m->track = bpf_map__fd(skel->maps.SG_MAP_TRACK);
	m->suspect = bpf_map__fd(skel->maps.SG_MAP_SUSPECT);
	m->blocks = bpf_map__fd(skel->maps.SG_MAP_BLOCKS);
	m->cidr_blocks = bpf_map__fd(skel->maps.SG_MAP_CIDR_BLOCKS);
	m->allow = bpf_map__fd(skel->maps.SG_MAP_ALLOW);
	m->allow_inside = bpf_map__fd(skel->maps.SG_MAP_ALLOW_INSIDE);
	m->allow_hint = bpf_map__fd(skel->maps.SG_MAP_ALLOW_HINT);
	m->ifaces = bpf_map__fd(skel->maps.SG_MAP_IFACES);
	m->traps = bpf_map__fd(skel->maps.SG_MAP_TRAPS);
	m->exposed = bpf_map__fd(skel->maps.SG_MAP_EXPOSED);
	return sg_maps_from_fds(m);
}

/* Builds a hint of 2^order bits from the keys a tracking table holds now,
 * so the bits of entries replaced since the last build go.  An entry the
 * program inserts while the walk passes may lose its bit: its key's next
 * probe waits in an admission slot (include/sg_admit.h). */
static int hint_build(const struct bpf_map *hint_map, const struct bpf_map *table, __u32 order)
{
	__u32 zero = 0, bit;
	__u64 *w = calloc((1u << order) / 64, sizeof(*w));
	struct sg_table tb;
	int ret;

	if (!w)
		return -ENOMEM;
	ret = sg_table_map(bpf_map__fd(table), &tb);
	if (ret) {
		free(w);
		return ret;
	}
	for (__u32 i = 0; i < tb.entries; i++) {
		struct sg_track_entry e = tb.e[i];

		if (!sg_table_used(&e))
			continue;
		bit = sg_hint_bit(&e.key, order);
		w[bit / 64] |= 1ULL << (bit % 64);
	}
	sg_table_unmap(&tb);
	ret = bpf_map_update_elem(bpf_map__fd(hint_map), &zero, w, BPF_ANY) ? -errno : 0;
	free(w);
	return ret;
}

int sg_hints_build(const struct scanguard_bpf *skel)
{
	int ret = hint_build(skel->maps.SG_MAP_TRACK_HINT, skel->maps.SG_MAP_TRACK,
			     SG_TRACK_HINT_ORDER);

	return ret ? ret : hint_build(skel->maps.SG_MAP_NET_HINT, skel->maps.SG_MAP_NET_TRACK,
				      SG_NET_HINT_ORDER);
}
