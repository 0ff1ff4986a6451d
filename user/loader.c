// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* loader.c - loads the skeleton against the instance's pinned maps, attaches
 * it through bpf_links and records each interface in sg_ifaces for the CLI.
 *
 * Persistent instances (the default) pin their links next to the maps, so
 * the program keeps filtering while the daemon restarts, crashes or is
 * upgraded.  Every start loads this build's program against the pinned
 * maps and swaps it into the pinned links with bpf_link_update, which
 * replaces the program pointer in one step: no packet goes unfiltered.
 * Ephemeral instances keep their links unpinned (they die with the daemon)
 * and remove everything on exit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "scanguard.skel.h"
#include "fmt.h"
#include "links.h"
#include "loader.h"
#include "log.h"
#include "ops.h"
#include "skel.h"
#include "table.h"

/* Maps that make up an instance; the rest are private to the program. */
static const char *const pinned_maps[] = {
	SG_STR(SG_MAP_CONFIG), SG_STR(SG_MAP_STATE), SG_STR(SG_MAP_STATS),
	SG_STR(SG_MAP_TRACK), SG_STR(SG_MAP_SUSPECT), SG_STR(SG_MAP_BLOCKS),
	SG_STR(SG_MAP_CIDR_BLOCKS), SG_STR(SG_MAP_ALLOW), SG_STR(SG_MAP_ALLOW_INSIDE),
	SG_STR(SG_MAP_ALLOW_HINT), SG_STR(SG_MAP_TRACK_HINT), SG_STR(SG_MAP_NET_HINT),
	SG_STR(SG_MAP_IFACES), SG_STR(SG_MAP_NET_TRACK), SG_STR(SG_MAP_NET_SUSPECT),
	SG_STR(SG_MAP_SLOW),
	SG_STR(SG_MAP_OFFENDERS), SG_STR(SG_MAP_TRAPS), SG_STR(SG_MAP_EXPOSED),
	SG_STR(SG_MAP_FLOWS), SG_STR(SG_MAP_EVENTS),
};
#define NPINNED (sizeof(pinned_maps) / sizeof(pinned_maps[0]))

static void map_pin_path(const char *dir, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void unpin_all(const char *dir)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < NPINNED; i++) {
		map_pin_path(dir, pinned_maps[i], path, sizeof(path));
		unlink(path);
	}
}

/* Compares a pinned map with this build's definition, the way libbpf does
 * before reusing it.  Returns 1 compatible, 0 not (why says how), -ENOENT
 * when nothing is pinned under that name, another -errno when the pin
 * cannot be opened (then nothing may be judged, let alone removed). */
static int pinned_compatible(const struct bpf_map *map, const char *path, char *why, size_t len)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	int fd = bpf_obj_get(path), ret = 1;

	if (fd < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return -errno;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		snprintf(why, len, "%s", strerror(errno));
		ret = 0;
	} else if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		   info.value_size != bpf_map__value_size(map) ||
		   info.max_entries != bpf_map__max_entries(map) ||
		   info.map_flags != bpf_map__map_flags(map)) {
		snprintf(why, len, "pinned type %u key %u value %u entries %u flags %#x, "
			 "this build %u/%u/%u/%u/%#x", info.type, info.key_size, info.value_size,
			 info.max_entries, info.map_flags, bpf_map__type(map),
			 bpf_map__key_size(map), bpf_map__value_size(map),
			 bpf_map__max_entries(map), bpf_map__map_flags(map));
		ret = 0;
	}
	close(fd);
	return ret;
}

/* Sets pin paths and checks pinned maps.  strict: an incompatible map is an
 * error (upgrade); otherwise its pin is dropped so it is created anew (the
 * running program keeps the old one until its link is swapped).  Counts in
 * *nfresh the maps that will be created. */
static int prepare_pins(struct scanguard_bpf *skel, const char *dir, bool strict, int *nfresh,
			char *err, size_t errlen)
{
	char path[PATH_MAX], why[256];

	*nfresh = 0;
	for (size_t i = 0; i < NPINNED; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, pinned_maps[i]);
		int ok;

		if (!map) {
			snprintf(err, errlen, "map %s missing from the program", pinned_maps[i]);
			return -ENOENT;
		}
		map_pin_path(dir, pinned_maps[i], path, sizeof(path));
		if (bpf_map__set_pin_path(map, path)) {
			snprintf(err, errlen, "cannot set the pin path of %s", pinned_maps[i]);
			return -errno;
		}
		ok = pinned_compatible(map, path, why, sizeof(why));
		if (ok == -ENOENT) {
			(*nfresh)++;
			continue;
		}
		if (ok < 0) {
			snprintf(err, errlen, "cannot open %s: %s%s", path, why,
				 ok == -EPERM ? " (needs CAP_BPF; in a container, a seccomp profile "
						"that allows bpf(2))" : "");
			return ok;
		}
		if (ok)
			continue;
		if (strict) {
			snprintf(err, errlen,
				 "map %s differs in this build (%s): restart scanguardd instead, "
				 "which recreates it", pinned_maps[i], why);
			return -EINVAL;
		}
		pr_warn("map %s differs in this build (%s): starting it empty", pinned_maps[i], why);
		unlink(path);
		(*nfresh)++;
	}
	return 0;
}

static int load(struct sg_loader *l, char *err, size_t errlen)
{
	int ret;

	l->skel = sg_skel_open(true);
	if (!l->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the XDP object: %s", strerror(-ret));
		return ret;
	}
	ret = prepare_pins(l->skel, l->pin_path, false, &l->nfresh, err, errlen);
	if (!ret) {
		ret = scanguard_bpf__load(l->skel);
		if (ret)
			snprintf(err, errlen, "cannot load the XDP program: %s%s", strerror(-ret),
				 ret == -EPERM ? " (needs root, or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)"
					       : "");
	}
	if (ret) {
		scanguard_bpf__destroy(l->skel);
		l->skel = NULL;
	}
	return ret;
}

/* A new sg_state gets the secret of the tracking tables' set hash
 * (include/sg_admit.h).  Entries placed under another secret could not be
 * found, so the tables start empty then. */
static int track_seed(struct sg_loader *l)
{
	__u32 seed = 0;
	int ret;

	if (l->maps.state_mm->track_seed)
		return 0;
	while (!seed)
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			return -errno;
	ret = sg_table_clear(bpf_map__fd(l->skel->maps.SG_MAP_TRACK));
	if (!ret)
		ret = sg_table_clear(bpf_map__fd(l->skel->maps.SG_MAP_NET_TRACK));
	if (!ret)
		__atomic_store_n(&l->maps.state_mm->track_seed, seed, __ATOMIC_RELEASE);
	return ret;
}

int sg_loader_open(struct sg_loader *l, const char *pin_path, bool persistent, char *err,
		   size_t errlen)
{
	struct sg_iface none = {};
	int ret;

	memset(l, 0, sizeof(*l));
	l->lock_fd = -1;
	l->events_fd = -1;
	l->persistent = persistent;
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

	/* Maps left by an earlier daemon are adopted: blocks, allow-list and
	 * counters survive.  A load that still fails starts clean. */
	ret = load(l, err, errlen);
	if (ret && ret != -EPERM && ret != -EACCES) {
		pr_warn("cannot reuse the maps pinned in %s (%s); starting with fresh ones",
			pin_path, err);
		unpin_all(pin_path);
		ret = load(l, err, errlen);
	}
	if (ret)
		goto fail;

	l->events_fd = bpf_map__fd(l->skel->maps.SG_MAP_EVENTS);
	ret = sg_maps_from_skel(&l->maps, l->skel);
	if (ret) {
		snprintf(err, errlen, "cannot map sg_state: %s", strerror(-ret));
		goto fail;
	}
	ret = track_seed(l);
	if (ret) {
		snprintf(err, errlen, "cannot key the tracking tables: %s", strerror(-ret));
		goto fail;
	}
	/* An allow-list an older build left has no hint yet, and this
	 * program's tracking hints know nothing of the maps it adopted. */
	ret = sg_allow_hint_fill(&l->maps);
	if (ret) {
		snprintf(err, errlen, "cannot fill the allow-list hint: %s", strerror(-ret));
		goto fail;
	}
	ret = sg_hints_build(l->skel);
	if (ret) {
		snprintf(err, errlen, "cannot build the tracking hints: %s", strerror(-ret));
		goto fail;
	}
	/* sg_ifaces is rewritten as interfaces are attached. */
	for (__u32 i = 0; i < SG_MAX_IFACES; i++)
		bpf_map_update_elem(l->maps.ifaces, &i, &none, BPF_ANY);
	return 0;
fail:
	sg_loader_close(l, false);
	return ret;
}

static int link_xdp(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

static void record_ifaces(struct sg_loader *l)
{
	for (__u32 slot = 0; slot < SG_MAX_IFACES; slot++) {
		struct sg_iface v = {};

		if ((int)slot < l->nifs) {
			v.ifindex = l->ifs[slot].ifindex;
			v.xdp_mode = l->ifs[slot].mode;
			v.role = l->ifs[slot].inside ? SG_IFACE_INSIDE : SG_IFACE_OUTSIDE;
			memcpy(v.name, l->ifs[slot].name, sizeof(v.name));
		}
		bpf_map_update_elem(l->maps.ifaces, &slot, &v, BPF_ANY);
	}
}

static int own_prog_fd(struct sg_loader *l, bool inside)
{
	return bpf_program__fd(inside ? l->skel->progs.scanguard_xdp_inside
				      : l->skel->progs.scanguard_xdp);
}

/* The program new links of a role get: the one the instance's links of
 * that role already run (it differs from this daemon's own after an
 * --upgrade), else our own. */
static int current_prog_fd(struct sg_loader *l, bool inside, bool *owned)
{
	*owned = false;
	for (int i = 0; i < l->nifs; i++) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (l->ifs[i].inside != inside ||
		    bpf_obj_get_info_by_fd(l->ifs[i].link_fd, &info, &len) || !info.prog_id)
			continue;
		fd = bpf_prog_get_fd_by_id(info.prog_id);
		if (fd >= 0) {
			*owned = true;
			return fd;
		}
	}
	return own_prog_fd(l, inside);
}

/* Finds this instance's pinned link on ifindex and swaps our program in. */
static int adopt(struct sg_loader *l, int ifindex, int prog_fd, const char *ifname, char *err,
		 size_t errlen)
{
	struct sg_pinned_link links[SG_MAX_IFACES];
	int n = sg_links_list(l->pin_path, links, SG_MAX_IFACES), fd = -ENOENT;

	for (int i = 0; i < n; i++) {
		if (fd < 0 && links[i].ifindex == (__u32)ifindex) {
			fd = links[i].fd;
			links[i].fd = -1;
		}
	}
	sg_links_close(links, n > 0 ? n : 0);
	if (fd < 0)
		return fd;
	if (bpf_link_update(fd, prog_fd, NULL)) {
		int ret = -errno;

		snprintf(err, errlen, "cannot swap the program on %s: %s", ifname, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

int sg_loader_attach(struct sg_loader *l, const char *ifname, enum sg_xdp_req req, bool inside,
		     char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct sg_attached *a;
	int ifindex, fd = -EINVAL, prog_fd, lock, ret = 0;
	enum sg_xdp_mode mode = SG_XDP_NATIVE;
	bool adopted = false, prog_owned;

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

	lock = sg_links_lock(l->pin_path);
	if (lock < 0) {
		snprintf(err, errlen, "cannot lock the links of %s: %s", l->pin_path,
			 strerror(-lock));
		return lock;
	}
	prog_fd = current_prog_fd(l, inside, &prog_owned);
	fd = adopt(l, ifindex, prog_fd, ifname, err, errlen);
	if (fd >= 0) {
		adopted = true;
		mode = sg_xdp_attached_mode(ifindex);
		if ((req == SG_XDP_REQ_NATIVE && mode != SG_XDP_NATIVE) ||
		    (req == SG_XDP_REQ_GENERIC && mode != SG_XDP_GENERIC))
			pr_warn("%s: kept the running %s XDP attachment (a different mode needs "
				"scanguardctl detach first)", ifname, sg_xdp_mode_name(mode));
		goto attached;
	}
	if (fd != -ENOENT) {
		ret = fd;
		goto out;
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
		ret = fd;
		goto out;
	}
	if (l->persistent) {
		sg_link_path(l->pin_path, ifindex, path, sizeof(path));
		if (bpf_obj_pin(fd, path)) {
			ret = -errno;
			snprintf(err, errlen, "cannot pin the link of %s at %s: %s", ifname, path,
				 strerror(-ret));
			bpf_link_detach(fd);
			close(fd);
			goto out;
		}
	}
attached:
	a = &l->ifs[l->nifs++];
	a->ifindex = ifindex;
	a->link_fd = fd;
	a->mode = mode;
	a->adopted = adopted;
	a->inside = inside;
	snprintf(a->name, sizeof(a->name), "%s", ifname);
	record_ifaces(l);
out:
	if (prog_owned)
		close(prog_fd);
	sg_links_unlock(lock);
	return ret;
}

int sg_loader_set_role(struct sg_loader *l, int i, bool inside, char *err, size_t errlen)
{
	int lock = sg_links_lock(l->pin_path), ret = 0;

	if (bpf_link_update(l->ifs[i].link_fd, own_prog_fd(l, inside), NULL)) {
		ret = -errno;
		snprintf(err, errlen, "cannot swap the program on %s: %s", l->ifs[i].name,
			 strerror(-ret));
	} else {
		l->ifs[i].inside = inside;
		record_ifaces(l);
	}
	sg_links_unlock(lock);
	return ret;
}

static void detach_one(struct sg_loader *l, struct sg_attached *a)
{
	char path[PATH_MAX];

	bpf_link_detach(a->link_fd);
	close(a->link_fd);
	sg_link_path(l->pin_path, a->ifindex, path, sizeof(path));
	unlink(path);
}

void sg_loader_detach(struct sg_loader *l, int i)
{
	int lock = sg_links_lock(l->pin_path);

	detach_one(l, &l->ifs[i]);
	memmove(&l->ifs[i], &l->ifs[i + 1], (l->nifs - i - 1) * sizeof(l->ifs[0]));
	l->nifs--;
	record_ifaces(l);
	sg_links_unlock(lock);
}

int sg_loader_prune(struct sg_loader *l)
{
	struct sg_pinned_link links[SG_MAX_IFACES];
	int lock = sg_links_lock(l->pin_path), n, pruned = 0;

	n = sg_links_list(l->pin_path, links, SG_MAX_IFACES);
	for (int i = 0; i < n; i++) {
		bool ours = false;

		for (int j = 0; j < l->nifs && !ours; j++)
			ours = links[i].ifindex == (__u32)l->ifs[j].ifindex;
		if (ours)
			continue;
		if (links[i].ifindex) {
			bpf_link_detach(links[i].fd);
			pruned++;
		}
		unlink(links[i].path);
	}
	sg_links_close(links, n > 0 ? n : 0);
	sg_links_unlock(lock);
	return pruned;
}

void sg_loader_close(struct sg_loader *l, bool teardown)
{
	int ndetached;

	if (teardown && l->skel) {
		for (int i = 0; i < l->nifs; i++)
			detach_one(l, &l->ifs[i]);
	} else {
		/* Pinned links keep the program attached without us. */
		for (int i = 0; i < l->nifs; i++)
			close(l->ifs[i].link_fd);
	}
	l->nifs = 0;
	sg_maps_unmap(&l->maps);	/* the fds belong to the skeleton */
	if (l->skel) {
		scanguard_bpf__destroy(l->skel);
		l->skel = NULL;
		if (teardown)
			sg_instance_teardown(l->pin_path, &ndetached);
	}
	if (l->lock_fd >= 0) {
		close(l->lock_fd);
		l->lock_fd = -1;
	}
}

void sg_loader_abort(struct sg_loader *l)
{
	bool fresh = l->nfresh == (int)NPINNED;

	if (!l->persistent) {
		sg_loader_close(l, true);
		return;
	}
	for (int i = 0; i < l->nifs; i++)
		fresh &= !l->ifs[i].adopted;
	if (fresh) {
		/* There was no instance before this start: leave none. */
		sg_loader_close(l, true);
		return;
	}
	/* An adopted instance keeps running; only what this start added goes. */
	for (int i = l->nifs - 1; i >= 0; i--)
		if (!l->ifs[i].adopted)
			sg_loader_detach(l, i);
	sg_loader_close(l, false);
}

int sg_upgrade(const char *pin_path, char *err, size_t errlen)
{
	struct sg_pinned_link links[SG_MAX_IFACES];
	struct scanguard_bpf *skel;
	int lock, n, nfresh, ret, swapped = 0;

	if (access(pin_path, F_OK)) {
		snprintf(err, errlen, "no scanguard instance at %s", pin_path);
		return -ENOENT;
	}
	lock = sg_links_lock(pin_path);
	if (lock < 0) {
		snprintf(err, errlen, "cannot lock the links of %s: %s", pin_path, strerror(-lock));
		return lock;
	}
	n = sg_links_list(pin_path, links, SG_MAX_IFACES);
	if (n <= 0) {
		snprintf(err, errlen, "no pinned links in %s: nothing runs to upgrade", pin_path);
		ret = -ENOENT;
		goto out;
	}
	skel = sg_skel_open(true);
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the XDP object: %s", strerror(-ret));
		goto out;
	}
	/* The new program must share every map with the running one, or the
	 * swap would split the state; a missing map (new in this build) is
	 * created and pinned. */
	ret = prepare_pins(skel, pin_path, true, &nfresh, err, errlen);
	if (!ret) {
		ret = scanguard_bpf__load(skel);
		if (ret)
			snprintf(err, errlen, "cannot load the new program: %s", strerror(-ret));
	}
	/* Before the new program runs: an older build's allow-list has no hint. */
	if (!ret) {
		struct sg_maps m;

		ret = sg_maps_from_skel(&m, skel);
		if (!ret) {
			ret = sg_allow_hint_fill(&m);
			sg_maps_unmap(&m);
		}
		if (ret)
			snprintf(err, errlen, "cannot fill the allow-list hint: %s", strerror(-ret));
	}
	/* An entry the running program inserts before the swap has no bit:
	 * its key comes one target short (include/sg_admit.h). */
	if (!ret) {
		ret = sg_hints_build(skel);
		if (ret)
			snprintf(err, errlen, "cannot build the tracking hints: %s", strerror(-ret));
	}
	for (int i = 0; !ret && i < n; i++) {
		int old = bpf_prog_get_fd_by_id(links[i].prog_id), prog_fd;
		struct bpf_prog_info pinfo = {};
		__u32 plen = sizeof(pinfo);
		LIBBPF_OPTS(bpf_link_update_opts, o, .flags = old >= 0 ? BPF_F_REPLACE : 0,
			    .old_prog_fd = old >= 0 ? old : 0);

		if (!links[i].ifindex)
			goto next;	/* its interface is gone */
		/* The role is the running program's: its name, which the kernel
		 * keeps to 15 characters. */
		if (old < 0 || bpf_obj_get_info_by_fd(old, &pinfo, &plen)) {
			ret = -ENOENT;
			snprintf(err, errlen, "cannot read the program on ifindex %u",
				 links[i].ifindex);
			goto next;
		}
		if (!strcmp(pinfo.name, "scanguard_xdp")) {
			prog_fd = bpf_program__fd(skel->progs.scanguard_xdp);
		} else if (!strncmp(pinfo.name, "scanguard_xdp_i", 15)) {
			prog_fd = bpf_program__fd(skel->progs.scanguard_xdp_inside);
		} else {
			ret = -EINVAL;
			snprintf(err, errlen, "ifindex %u runs '%s', not a scanguard program",
				 links[i].ifindex, pinfo.name);
			goto next;
		}
		/* BPF_F_REPLACE: swap only the program we saw, never a newer one. */
		if (bpf_link_update(links[i].fd, prog_fd, &o)) {
			ret = -errno;
			snprintf(err, errlen, "swapping the program on ifindex %u failed: %s "
				 "(%d interface%s already swapped)", links[i].ifindex,
				 strerror(-ret), swapped, swapped == 1 ? "" : "s");
		} else {
			swapped++;
		}
next:
		if (old >= 0)
			close(old);
	}
	scanguard_bpf__destroy(skel);	/* the links hold the new program now */
out:
	sg_links_close(links, n > 0 ? n : 0);
	sg_links_unlock(lock);
	return ret ? ret : swapped;
}
