// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scanguardd.c - the loader daemon: validates its arguments before touching
 * anything, loads and attaches the XDP program, writes the configuration and
 * allow-list, then drains scan events to stdout as JSON lines and sweeps
 * expired blocks until SIGINT/SIGTERM, when it detaches and unpins.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "addr.h"
#include "cfgkeys.h"
#include "events.h"
#include "fmt.h"
#include "hostaddr.h"
#include "json.h"
#include "loader.h"
#include "log.h"
#include "ops.h"
#include "scanguard.skel.h"

#define SG_VERSION "0.1.0"

#define SWEEP_INTERVAL_NS	(1 * SG_NSEC_PER_SEC)
#define HOSTADDR_INTERVAL_NS	(10 * SG_NSEC_PER_SEC)

static volatile sig_atomic_t stop_signal;

struct opts {
	const char *ifnames[SG_MAX_IFACES];
	bool inside[SG_MAX_IFACES];
	int nifs;
	struct sg_config cfg;
	enum sg_xdp_req xdp;
	struct sg_cidr allow[256];
	int nallow;
	struct sg_expose_entry expose[256];
	int nexpose;
	uint32_t traps[256];
	int ntraps;
	const char *pin_path;
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: scanguardd -i IFACE [-i IFACE...] [OPTIONS]\n"
"Detects and blocks network port scans with XDP on the given interfaces.\n"
"\n"
"  -i, --interface IFACE     attach to IFACE (repeat for several; all share one state)\n"
"      --inside IFACE        segment mode: IFACE faces the protected segment; its\n"
"                            outbound flows are recorded so their answers are not probes\n"
"      --xdp-mode MODE       auto (native, else generic; default), native or generic\n"
"      --allow CIDR[,CIDR]   never count or block these sources (repeatable)\n"
"      --expose PROTO/PORT@CIDR[,...]  segment mode: an open service (repeatable;\n"
"                            e.g. tcp/443@198.18.2.0/24, icmp@198.18.2.10, udp/any@...)\n"
"      --trap PROTO/PORT[,...]  ports nothing should touch: one probe blocks (repeatable)\n"
"      --pin-path DIR        where the maps are pinned for scanguardctl\n"
"                            (default %s)\n"
"  -v, --verbose             more diagnostics (-vv for libbpf debug)\n"
"  -h, --help                this help\n"
"      --version             print the version\n"
"\n"
"Detection settings (also live through 'scanguardctl config set KEY VALUE'):\n",
		SG_DEFAULT_PIN_PATH);
	{
		struct sg_config def;

		sg_config_defaults(&def);
		for (size_t i = 0; i < sg_ncfgkeys; i++) {
			const struct sg_cfgkey *k = &sg_cfgkeys[i];
			const char *str = NULL;
			uint64_t num = 0;
			char dflt[32];

			if (sg_cfgkey_get(k, &def, &num, &str))
				snprintf(dflt, sizeof(dflt), "%llu", (unsigned long long)num);
			else
				snprintf(dflt, sizeof(dflt), "%s", str);
			fprintf(f, "      --%-17s %s (default %s)\n", k->name, k->help, dflt);
		}
	}
	fprintf(f,
"\n"
"Durations take N, Ns, Nm, Nh or Nd.  Scan events go to stdout as JSON lines;\n"
"diagnostics go to stderr.  SIGINT or SIGTERM detaches from every interface,\n"
"unpins and exits 0.\n");
}

enum { OPT_INSIDE = 256, OPT_XDP_MODE, OPT_ALLOW, OPT_EXPOSE, OPT_TRAP, OPT_PIN_PATH,
       OPT_VERSION, OPT_CFGKEY = 512 };

static const struct option fixed_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "inside", required_argument, NULL, OPT_INSIDE },
	{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "expose", required_argument, NULL, OPT_EXPOSE },
	{ "trap", required_argument, NULL, OPT_TRAP },
	{ "pin-path", required_argument, NULL, OPT_PIN_PATH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
};
#define NFIXED (sizeof(fixed_opts) / sizeof(fixed_opts[0]))

/* Calls fn on each comma-separated item of arg; stops at the first error. */
static int for_each_item(const char *arg, int (*fn)(struct opts *, const char *), struct opts *o)
{
	char *list = strdup(arg), *save = NULL, *tok;
	int ret = 0;

	if (!list)
		return -1;
	for (tok = strtok_r(list, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save))
		ret = fn(o, tok);
	free(list);
	return ret;
}

#define ROOM(arr, n) ((n) < (int)(sizeof(arr) / sizeof((arr)[0])))

static int add_allow(struct opts *o, const char *tok)
{
	char err[256];

	if (!ROOM(o->allow, o->nallow) || sg_cidr_parse(tok, &o->allow[o->nallow], err, sizeof(err))) {
		pr_warn("--allow: %s", ROOM(o->allow, o->nallow) ? err : "too many entries");
		return -1;
	}
	o->nallow++;
	return 0;
}

static int add_expose(struct opts *o, const char *tok)
{
	char err[256];

	if (!ROOM(o->expose, o->nexpose) ||
	    sg_expose_parse(tok, &o->expose[o->nexpose], err, sizeof(err))) {
		pr_warn("--expose: %s", ROOM(o->expose, o->nexpose) ? err : "too many entries");
		return -1;
	}
	o->nexpose++;
	return 0;
}

static int add_trap(struct opts *o, const char *tok)
{
	char err[256];
	uint16_t port;
	uint8_t pc;

	if (!ROOM(o->traps, o->ntraps) || sg_target_parse(tok, false, &pc, &port, err, sizeof(err))) {
		pr_warn("--trap: %s", ROOM(o->traps, o->ntraps) ? err : "too many entries");
		return -1;
	}
	if (pc != SG_PC_TCP && pc != SG_PC_UDP) {
		pr_warn("--trap: '%s': only tcp and udp ports can be traps", tok);
		return -1;
	}
	o->traps[o->ntraps++] = SG_TARGET(pc, port);
	return 0;
}

static int add_iface(struct opts *o, const char *name, bool inside)
{
	if (o->nifs == SG_MAX_IFACES) {
		pr_warn("at most %d interfaces", SG_MAX_IFACES);
		return -1;
	}
	if (!if_nametoindex(name)) {
		pr_warn("no interface named '%s'", name);
		return -1;
	}
	o->inside[o->nifs] = inside;
	o->ifnames[o->nifs++] = name;
	return 0;
}

/* Returns 0 to run, 1 to exit 0 (help, version), -1 on a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	struct option long_opts[NFIXED + 32 + 1];
	char err[256];
	bool outside = false;
	int c;

	memset(o, 0, sizeof(*o));
	sg_config_defaults(&o->cfg);
	o->pin_path = SG_DEFAULT_PIN_PATH;

	/* Every configuration key is also a flag of the same name. */
	memcpy(long_opts, fixed_opts, sizeof(fixed_opts));
	for (size_t i = 0; i < sg_ncfgkeys && i < 32; i++)
		long_opts[NFIXED + i] = (struct option){ sg_cfgkeys[i].name, required_argument,
							 NULL, OPT_CFGKEY + (int)i };
	memset(&long_opts[NFIXED + (sg_ncfgkeys < 32 ? sg_ncfgkeys : 32)], 0, sizeof(long_opts[0]));

	while ((c = getopt_long(argc, argv, "i:vh", long_opts, NULL)) != -1) {
		if (c >= OPT_CFGKEY) {
			if (sg_cfgkey_set(&sg_cfgkeys[c - OPT_CFGKEY], &o->cfg, optarg, err,
					  sizeof(err))) {
				pr_warn("--%s", err);
				return -1;
			}
			continue;
		}
		switch (c) {
		case 'i':
		case OPT_INSIDE:
			if (add_iface(o, optarg, c == OPT_INSIDE))
				return -1;
			outside |= c == 'i';
			break;
		case OPT_XDP_MODE:
			if (!strcmp(optarg, "auto"))
				o->xdp = SG_XDP_REQ_AUTO;
			else if (!strcmp(optarg, "native"))
				o->xdp = SG_XDP_REQ_NATIVE;
			else if (!strcmp(optarg, "generic"))
				o->xdp = SG_XDP_REQ_GENERIC;
			else {
				pr_warn("--xdp-mode: '%s' is not auto, native or generic", optarg);
				return -1;
			}
			break;
		case OPT_ALLOW:
			if (for_each_item(optarg, add_allow, o))
				return -1;
			break;
		case OPT_EXPOSE:
			if (for_each_item(optarg, add_expose, o))
				return -1;
			break;
		case OPT_TRAP:
			if (for_each_item(optarg, add_trap, o))
				return -1;
			break;
		case OPT_PIN_PATH:
			o->pin_path = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case OPT_VERSION:
			printf("scanguardd %s\n", SG_VERSION);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		pr_warn("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!outside) {
		pr_warn("no interface given (-i IFACE)");
		usage(stderr);
		return -1;
	}
	if (o->cfg.protect != SG_PROTECT_SEGMENT && (o->nexpose || o->nifs > 0)) {
		for (int i = 0; i < o->nifs; i++)
			if (o->inside[i]) {
				pr_warn("--inside needs --protect segment");
				return -1;
			}
		if (o->nexpose) {
			pr_warn("--expose needs --protect segment");
			return -1;
		}
	}
	return 0;
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void lifecycle_event(const char *what, const struct sg_loader *l, const struct opts *o)
{
	char buf[64];
	struct jw w;

	jw_init(&w, stdout);
	jw_obj_open(&w, NULL);
	jw_str(&w, "event", what);
	sg_mono_to_rfc3339(sg_now_ns(), buf, sizeof(buf));
	jw_str(&w, "time", buf);
	if (!strcmp(what, "start")) {
		jw_arr_open(&w, "interfaces");
		for (int i = 0; i < l->nifs; i++) {
			jw_obj_open(&w, NULL);
			jw_str(&w, "name", l->ifs[i].name);
			jw_str(&w, "xdp_mode", l->ifs[i].mode == SG_XDP_NATIVE ? "native" : "generic");
			jw_str(&w, "role", l->ifs[i].inside ? "inside" : "outside");
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		jw_str(&w, "mode", sg_mode_name(o->cfg.mode));
		jw_str(&w, "protect", sg_protect_name(o->cfg.protect));
		jw_u64(&w, "threshold", o->cfg.threshold);
		jw_u64(&w, "window", o->cfg.window_ns / SG_NSEC_PER_SEC);
		jw_u64(&w, "block_ttl", o->cfg.block_ttl_ns / SG_NSEC_PER_SEC);
		jw_str(&w, "pin_path", o->pin_path);
	}
	jw_obj_close(&w);
	jw_end(&w);
}

static int setup(struct sg_loader *l, const struct opts *o)
{
	char err[512];
	int ret;

	ret = sg_loader_open(l, o->pin_path, err, sizeof(err));
	if (ret) {
		pr_warn("%s", err);
		return ret;
	}
	/* Configuration and allow-list first: the program must never see a
	 * packet with a half-written state. */
	ret = sg_config_write(&l->maps, &o->cfg);
	if (ret) {
		pr_warn("cannot write configuration: %s", strerror(-ret));
		return ret;
	}
	ret = sg_hostaddr_sync(&l->maps);
	if (ret < 0) {
		pr_warn("cannot read this host's addresses: %s", strerror(-ret));
		return ret;
	}
	for (int i = 0; i < o->nallow; i++) {
		if (sg_allow_add(&l->maps, &o->allow[i], 0, NULL, err, sizeof(err))) {
			pr_warn("--allow: %s", err);
			return -EINVAL;
		}
	}
	for (int i = 0; i < o->nexpose; i++) {
		if (sg_expose_add(&l->maps, &o->expose[i], err, sizeof(err))) {
			pr_warn("--expose: %s", err);
			return -EINVAL;
		}
	}
	for (int i = 0; i < o->ntraps; i++) {
		ret = sg_trap_set(&l->maps, SG_TARGET_PC(o->traps[i]), SG_TARGET_PORT(o->traps[i]), true);
		if (ret) {
			pr_warn("--trap: %s", strerror(-ret));
			return ret;
		}
	}
	for (int i = 0; i < o->nifs; i++) {
		ret = sg_loader_attach(l, o->ifnames[i], o->xdp, o->inside[i], err, sizeof(err));
		if (ret) {
			pr_warn("%s", err);
			return ret;
		}
		pr_info("attached to %s (%s XDP%s)", l->ifs[i].name,
			l->ifs[i].mode == SG_XDP_NATIVE ? "native" : "generic",
			o->inside[i] ? ", inside: records the segment's flows" : "");
	}
	return 0;
}

static int run(struct sg_loader *l)
{
	struct sg_events ev;
	uint64_t next_sweep = 0, next_hostaddr = sg_now_ns() + HOSTADDR_INTERVAL_NS;
	int ret;

	ret = sg_events_open(&ev, bpf_map__fd(l->skel->maps.SG_MAP_EVENTS), stdout);
	if (ret) {
		pr_warn("cannot open the event ring buffer: %s", strerror(-ret));
		return ret;
	}
	while (!stop_signal) {
		uint64_t now;

		ret = sg_events_poll(&ev, 250);
		if (ret < 0) {
			pr_warn("reading events failed: %s", strerror(-ret));
			break;
		}
		now = sg_now_ns();
		if (now >= next_sweep) {
			sg_block_sweep(&l->maps, now);
			next_sweep = now + SWEEP_INTERVAL_NS;
		}
		if (now >= next_hostaddr) {
			sg_hostaddr_sync(&l->maps);
			next_hostaddr = now + HOSTADDR_INTERVAL_NS;
		}
	}
	/* Whatever arrived before the signal still gets written. */
	sg_events_poll(&ev, 0);
	sg_events_close(&ev);
	return ret < 0 ? ret : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sg_loader l;
	struct opts o;
	int ret;

	sg_log_init("scanguardd", 0);
	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : 2;
	sg_log_init("scanguardd", o.verbose);
	setvbuf(stdout, NULL, _IOLBF, 0);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ret = setup(&l, &o);
	if (ret) {
		sg_loader_close(&l);
		return 1;
	}
	lifecycle_event("start", &l, &o);
	ret = run(&l);
	sg_loader_close(&l);
	lifecycle_event("stop", &l, &o);
	pr_info("detached and unpinned; exiting");
	return ret ? 1 : 0;
}
