/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* options.h - the daemon's settings and their keys.  Every setting has one
 * key, defined once: the detection keys in cfgkeys.c (shared with
 * `scanguardctl config`), the daemon's own in options.c.  A key is at once
 * the long option (--KEY) and the configuration file's setting (KEY = ...),
 * and both go through sg_opts_set(), so the two can never disagree. */
#ifndef SG_OPTIONS_H
#define SG_OPTIONS_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include "scanguard.h"
#include "addr.h"
#include "loader.h"
#include "ops.h"
#include "pin.h"

#define SG_DEFAULT_CONFIG	"/etc/scanguard/scanguard.conf"
#define SG_OPTS_MAX_ALLOW	1024	/* allow entries from the configuration */
#define SG_OPTS_MAX_EXPOSE	1024	/* exposed services from the configuration */
#define SG_OPTS_MAX_TRAPS	256	/* trap ports from the configuration */
#define SG_METRICS_ADDR_MAX	64
/* An interface name that stands for the interfaces holding the default
 * routes (IPv4 and IPv6), e.g. a node's uplink in a DaemonSet. */
#define SG_IFACE_DEFAULT_ROUTE	"default-route"

struct sg_opts {
	struct sg_config cfg;
	char ifnames[SG_MAX_IFACES][IF_NAMESIZE];
	bool inside[SG_MAX_IFACES];	/* segment mode: faces the protected segment */
	int nifs;
	enum sg_xdp_req xdp;
	struct sg_cidr allow[SG_OPTS_MAX_ALLOW];
	int nallow;
	struct sg_expose_entry expose[SG_OPTS_MAX_EXPOSE];
	int nexpose;
	uint32_t traps[SG_OPTS_MAX_TRAPS];	/* SG_TARGET values */
	int ntraps;
	char pin_path[SG_PIN_PATH_MAX];
	char metrics[SG_METRICS_ADDR_MAX];	/* "" = no metrics endpoint */
	char events_file[PATH_MAX];		/* "" = stdout */
	bool events_syslog;
	bool ephemeral;
};

enum sg_opt_type {
	SG_OPT_CFG,		/* a detection key of cfgkeys.c */
	SG_OPT_IFACE,		/* list of interface names */
	SG_OPT_INSIDE,		/* list of interface names facing the segment */
	SG_OPT_XDP_MODE,
	SG_OPT_ALLOW,		/* list of CIDRs (a value may hold several, comma-separated) */
	SG_OPT_EXPOSE,		/* list of PROTO/PORT@CIDR */
	SG_OPT_TRAP,		/* list of PROTO/PORT */
	SG_OPT_PIN_PATH,
	SG_OPT_METRICS,		/* ADDR:PORT, [V6ADDR]:PORT, or "off" */
	SG_OPT_PATH,		/* events file */
	SG_OPT_BOOL,
};

struct sg_optkey {
	const char *name;
	enum sg_opt_type type;
	bool list;		/* the key may repeat (flags) or hold an array (file) */
	bool live;		/* SIGHUP applies a change; else it needs a restart */
	const char *metavar;
	const char *help;
};

/* Every key, daemon keys and detection keys together: the i-th, or NULL
 * past the last. */
const struct sg_optkey *sg_optkey_at(size_t i);
const struct sg_optkey *sg_optkey_find(const char *name);
/* Parses ADDR:PORT or [V6ADDR]:PORT; returns 0 or -1 with a reason. */
struct sockaddr_storage;
int sg_listen_parse(const char *s, struct sockaddr_storage *ss, char *err, size_t errlen);

void sg_opts_defaults(struct sg_opts *o);
/* Empties a list key, so a later source replaces it instead of adding. */
void sg_opts_clear(struct sg_opts *o, const struct sg_optkey *k);
/* Sets key from text; returns 0 or -1 with a reason in err, o unchanged. */
int sg_opts_set(struct sg_opts *o, const struct sg_optkey *k, const char *val, char *err,
		size_t errlen);
/* Replaces SG_IFACE_DEFAULT_ROUTE by the interfaces it stands for now;
 * returns 0 or -1 with a reason. */
int sg_opts_resolve(struct sg_opts *o, char *err, size_t errlen);
/* Checks what no single key can: returns 0 or -1 with a reason. */
int sg_opts_validate(const struct sg_opts *o, char *err, size_t errlen);

#endif
