/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* loader.h - the daemon's hold on the kernel side: load the XDP object,
 * pin its maps, attach it to interfaces, and undo all of it. */
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
	bool inside;		/* segment mode: records the segment's flows only */
};

struct sg_loader {
	struct scanguard_bpf *skel;
	struct sg_maps maps;
	char pin_path[SG_PIN_PATH_MAX];
	int lock_fd;
	struct sg_attached ifs[SG_MAX_IFACES];
	int nifs;
};

/* Prepares and locks the pin directory, loads the program and pins its
 * maps.  Returns 0 or -errno with a reason in err. */
int sg_loader_open(struct sg_loader *l, const char *pin_path, char *err, size_t errlen);
/* Attaches the detector, or with inside the flow recorder of segment mode. */
int sg_loader_attach(struct sg_loader *l, const char *ifname, enum sg_xdp_req req, bool inside,
		     char *err, size_t errlen);
/* Detaches from every interface, unpins and unlocks. */
void sg_loader_close(struct sg_loader *l);

#endif
