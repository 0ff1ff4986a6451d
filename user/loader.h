/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* loader.h - the daemon's hold on the kernel side: load the XDP object
 * against the instance's pinned maps, attach it through bpf_links (pinned,
 * so protection outlives the daemon, unless ephemeral), adopt the links a
 * previous daemon left, swap programs atomically, and undo all of it. */
#ifndef SG_LOADER_H
#define SG_LOADER_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include "scanguard.h"
#include "pin.h"

enum sg_xdp_req {
	SG_XDP_REQ_AUTO,	/* native, else generic */
	SG_XDP_REQ_NATIVE,
	SG_XDP_REQ_GENERIC,
};

struct sg_attached {
	int ifindex;
	char name[IF_NAMESIZE];
	int link_fd;
	enum sg_xdp_mode mode;
	bool adopted;		/* the link was pinned by an earlier daemon */
	bool inside;		/* segment mode: records the segment's flows only */
};

struct sg_loader {
	struct scanguard_bpf *skel;
	struct sg_maps maps;
	int events_fd;		/* the pinned ring buffer */
	char pin_path[SG_PIN_PATH_MAX];
	int lock_fd;
	bool persistent;	/* links pinned; exit leaves the program attached */
	int nfresh;		/* maps created anew (0: every map was adopted) */
	struct sg_attached ifs[SG_MAX_IFACES];
	int nifs;
};

/* Prepares and locks the pin directory, loads the program (adopting pinned
 * maps whose layout this build shares, recreating the others) and pins its
 * maps.  Returns 0 or -errno with a reason in err. */
int sg_loader_open(struct sg_loader *l, const char *pin_path, bool persistent, char *err,
		   size_t errlen);
/* Attaches the detector, or with inside the flow recorder of segment mode,
 * to ifname: adopts the instance's pinned link there (swapping in this
 * build's program atomically), else creates a link (pinned when
 * persistent). */
int sg_loader_attach(struct sg_loader *l, const char *ifname, enum sg_xdp_req req, bool inside,
		     char *err, size_t errlen);
/* Gives the i-th interface the other role's program, atomically. */
int sg_loader_set_role(struct sg_loader *l, int i, bool inside, char *err, size_t errlen);
/* Detaches the i-th attached interface (the others move down). */
void sg_loader_detach(struct sg_loader *l, int i);
/* Detaches pinned links of interfaces not attached by this loader (left by
 * an earlier configuration); returns how many. */
int sg_loader_prune(struct sg_loader *l);
/* Leaves the kernel side as it is (persistent) or removes it (teardown:
 * detach, unpin, remove the directory), then unlocks. */
void sg_loader_close(struct sg_loader *l, bool teardown);

/* Undoes a start that failed half-way: a new instance is removed entirely;
 * an adopted one keeps running, minus the links this start created. */
void sg_loader_abort(struct sg_loader *l);

/* `scanguardd --upgrade`: loads this build's program against the pinned maps
 * of the instance at pin_path (refusing if any map's layout differs) and
 * swaps it into every pinned link atomically.  Needs no daemon, and leaves
 * a running one running.  Returns the number of links swapped or -errno. */
int sg_upgrade(const char *pin_path, char *err, size_t errlen);

#endif
