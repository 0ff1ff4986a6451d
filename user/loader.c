// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* loader.c - loads the skeleton, pins maps under the instance's directory,
 * attaches through bpf_link (so a dying daemon never leaves a program
 * behind) and records each interface in sg_ifaces for the CLI. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "scanguard.skel.h"
#include "loader.h"
#include "log.h"

/* Maps that make up an instance; the rest are private to the program. */
static const char *const pinned_maps[] = {
	SG_STR(SG_MAP_CONFIG), SG_STR(SG_MAP_STATE), SG_STR(SG_MAP_STATS),
	SG_STR(SG_MAP_TRACK), SG_STR(SG_MAP_SUSPECT), SG_STR(SG_MAP_BLOCKS),
	SG_STR(SG_MAP_CIDR_BLOCKS), SG_STR(SG_MAP_ALLOW), SG_STR(SG_MAP_IFACES),
	SG_STR(SG_MAP_NET_TRACK), SG_STR(SG_MAP_NET_SUSPECT), SG_STR(SG_MAP_SLOW),
	SG_STR(SG_MAP_OFFENDERS), SG_STR(SG_MAP_TRAPS), SG_STR(SG_MAP_EXPOSED),
	SG_STR(SG_MAP_FLOWS),
};
#define NPINNED (sizeof(pinned_maps) / sizeof(pinned_maps[0]))

static void unpin_all(const char *dir)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < NPINNED; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pinned_maps[i]);
		unlink(path);
	}
}

static int set_pin_paths(struct sg_loader *l)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < NPINNED; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(l->skel->obj, pinned_maps[i]);

		if (!map)
			return -ENOENT;
		snprintf(path, sizeof(path), "%s/%s", l->pin_path, pinned_maps[i]);
		if (bpf_map__set_pin_path(map, path))
			return -errno;
	}
	return 0;
}

static int load(struct sg_loader *l)
{
	int ret;

	l->skel = scanguard_bpf__open();
	if (!l->skel)
		return -errno;
	ret = set_pin_paths(l);
	if (!ret)
		ret = scanguard_bpf__load(l->skel);
	if (ret) {
		scanguard_bpf__destroy(l->skel);
		l->skel = NULL;
	}
	return ret;
}

int sg_loader_open(struct sg_loader *l, const char *pin_path, char *err, size_t errlen)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->lock_fd = -1;
	snprintf(l->pin_path, sizeof(l->pin_path), "%s", pin_path);

	ret = sg_pin_prepare(pin_path, err, errlen);
	if (ret)
		return ret;
	ret = sg_pin_lock(pin_path);
	if (ret == -EBUSY) {
		snprintf(err, errlen, "another scanguardd is already running on %s", pin_path);
		return ret;
	}
	if (ret < 0) {
		snprintf(err, errlen, "cannot lock %s: %s", pin_path, strerror(-ret));
		return ret;
	}
	l->lock_fd = ret;

	/* Maps left by a daemon that died are adopted (its blocks survive);
	 * if they no longer fit this build, start clean. */
	ret = load(l);
	if (ret) {
		pr_warn("cannot reuse maps pinned in %s (%s); starting with fresh ones", pin_path,
			strerror(-ret));
		unpin_all(pin_path);
		ret = load(l);
	}
	if (ret) {
		snprintf(err, errlen, "cannot load the XDP program: %s%s", strerror(-ret),
			 ret == -EPERM ? " (needs root, or CAP_BPF and CAP_NET_ADMIN)" : "");
		goto fail;
	}

	l->maps.config = bpf_map__fd(l->skel->maps.SG_MAP_CONFIG);
	l->maps.state = bpf_map__fd(l->skel->maps.SG_MAP_STATE);
	l->maps.stats = bpf_map__fd(l->skel->maps.SG_MAP_STATS);
	l->maps.track = bpf_map__fd(l->skel->maps.SG_MAP_TRACK);
	l->maps.suspect = bpf_map__fd(l->skel->maps.SG_MAP_SUSPECT);
	l->maps.blocks = bpf_map__fd(l->skel->maps.SG_MAP_BLOCKS);
	l->maps.cidr_blocks = bpf_map__fd(l->skel->maps.SG_MAP_CIDR_BLOCKS);
	l->maps.allow = bpf_map__fd(l->skel->maps.SG_MAP_ALLOW);
	l->maps.ifaces = bpf_map__fd(l->skel->maps.SG_MAP_IFACES);
	l->maps.traps = bpf_map__fd(l->skel->maps.SG_MAP_TRAPS);
	l->maps.exposed = bpf_map__fd(l->skel->maps.SG_MAP_EXPOSED);
	ret = sg_maps_from_fds(&l->maps);
	if (ret) {
		snprintf(err, errlen, "cannot map sg_state: %s", strerror(-ret));
		goto fail;
	}
	return 0;
fail:
	sg_loader_close(l);
	return ret;
}

static int link_xdp(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

static void record_iface(struct sg_loader *l, int slot)
{
	struct sg_iface v = { .ifindex = l->ifs[slot].ifindex, .xdp_mode = l->ifs[slot].mode,
			      .role = l->ifs[slot].inside ? SG_IFACE_INSIDE : SG_IFACE_OUTSIDE };
	__u32 key = slot;

	memcpy(v.name, l->ifs[slot].name, sizeof(v.name));
	bpf_map_update_elem(l->maps.ifaces, &key, &v, BPF_ANY);
}

int sg_loader_attach(struct sg_loader *l, const char *ifname, enum sg_xdp_req req, bool inside,
		     char *err, size_t errlen)
{
	int prog_fd = bpf_program__fd(inside ? l->skel->progs.scanguard_xdp_inside
					     : l->skel->progs.scanguard_xdp);
	struct sg_attached *a;
	int ifindex, fd = -EINVAL;
	enum sg_xdp_mode mode = SG_XDP_NATIVE;

	if (l->nifs == SG_MAX_IFACES) {
		snprintf(err, errlen, "at most %d interfaces", SG_MAX_IFACES);
		return -E2BIG;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		snprintf(err, errlen, "no interface named '%s'", ifname);
		return -ENODEV;
	}
	for (int i = 0; i < l->nifs; i++)
		if (l->ifs[i].ifindex == ifindex) {
			snprintf(err, errlen, "interface %s given twice", ifname);
			return -EEXIST;
		}

	if (req != SG_XDP_REQ_GENERIC) {
		fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
		if (fd < 0 && req == SG_XDP_REQ_AUTO && fd != -EBUSY && fd != -EEXIST) {
			pr_info("%s: native XDP unavailable (%s), using generic", ifname,
				strerror(-fd));
			req = SG_XDP_REQ_GENERIC;
		}
	}
	if (req == SG_XDP_REQ_GENERIC) {
		mode = SG_XDP_GENERIC;
		fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	}
	if (fd < 0) {
		if (fd == -EBUSY || fd == -EEXIST)
			snprintf(err, errlen,
				 "%s already has an XDP program attached (remove it first: ip link set dev %s xdp off)",
				 ifname, ifname);
		else
			snprintf(err, errlen, "cannot attach %s XDP to %s: %s",
				 mode == SG_XDP_NATIVE ? "native" : "generic", ifname,
				 strerror(-fd));
		return fd;
	}

	a = &l->ifs[l->nifs];
	a->ifindex = ifindex;
	a->link_fd = fd;
	a->mode = mode;
	a->inside = inside;
	snprintf(a->name, sizeof(a->name), "%s", ifname);
	record_iface(l, l->nifs);
	l->nifs++;
	return 0;
}

void sg_loader_close(struct sg_loader *l)
{
	for (int i = 0; i < l->nifs; i++) {
		__u32 key = i;
		struct sg_iface none = {};

		close(l->ifs[i].link_fd);	/* destroys the link: detaches */
		if (l->skel)
			bpf_map_update_elem(l->maps.ifaces, &key, &none, BPF_ANY);
	}
	l->nifs = 0;
	sg_maps_unmap(&l->maps);	/* the fds belong to the skeleton */
	if (l->skel) {
		unpin_all(l->pin_path);
		scanguard_bpf__destroy(l->skel);
		l->skel = NULL;
	}
	if (l->lock_fd >= 0) {
		rmdir(l->pin_path);
		close(l->lock_fd);
		l->lock_fd = -1;
	}
}

