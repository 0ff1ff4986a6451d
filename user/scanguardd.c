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
	int nifs;
	struct sg_config cfg;
	enum sg_xdp_req xdp;
	struct sg_cidr allow[256];
	int nallow;
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
"      --threshold N         distinct ports a source may probe per window (default %d, 1..%d)\n"
"      --window DURATION     counting window (default %ds; N, Ns, Nm, Nh, Nd; max 1d)\n"
"      --block-ttl DURATION  how long a detected source stays blocked (default %ds; max 30d)\n"
"      --mode MODE           enforce (drop, default) or monitor (report only)\n"
"      --ipv6-prefix LEN     count and block IPv6 sources per /LEN (default %d, 16..128)\n"
"      --xdp-mode MODE       auto (native, else generic; default), native or generic\n"
"      --allow CIDR[,CIDR]   never count or block these sources (repeatable)\n"
"      --pin-path DIR        where the maps are pinned for scanguardctl\n"
"                            (default %s)\n"
"  -v, --verbose             more diagnostics (-vv for libbpf debug)\n"
"  -h, --help                this help\n"
"      --version             print the version\n"
"\n"
"Scan events go to stdout as JSON lines; diagnostics go to stderr.\n"
"SIGINT or SIGTERM detaches from every interface, unpins and exits 0.\n",
		SG_DEFAULT_THRESHOLD, SG_MAX_THRESHOLD, SG_DEFAULT_WINDOW_S,
		SG_DEFAULT_BLOCK_TTL_S, SG_DEFAULT_IPV6_PREFIX, SG_DEFAULT_PIN_PATH);
}

enum { OPT_THRESHOLD = 256, OPT_WINDOW, OPT_BLOCK_TTL, OPT_MODE, OPT_IPV6_PREFIX,
       OPT_XDP_MODE, OPT_ALLOW, OPT_PIN_PATH, OPT_VERSION };

static const struct option long_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "block-ttl", required_argument, NULL, OPT_BLOCK_TTL },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "ipv6-prefix", required_argument, NULL, OPT_IPV6_PREFIX },
	{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "pin-path", required_argument, NULL, OPT_PIN_PATH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ 0 }
};

static int set_key(struct opts *o, const char *key, const char *val)
{
	char err[256];

	if (sg_cfgkey_set(sg_cfgkey_find(key), &o->cfg, val, err, sizeof(err))) {
		pr_warn("--%s", err);
		return -1;
	}
	return 0;
}

static int add_allow(struct opts *o, const char *arg)
{
	char *list = strdup(arg), *save = NULL, *tok;
	char err[256];
	int ret = 0;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->nallow == (int)(sizeof(o->allow) / sizeof(o->allow[0]))) {
			pr_warn("--allow: too many entries on the command line");
			ret = -1;
			break;
		}
		if (sg_cidr_parse(tok, &o->allow[o->nallow], err, sizeof(err))) {
			pr_warn("--allow: %s", err);
			ret = -1;
			break;
		}
		o->nallow++;
	}
	free(list);
	return ret;
}

/* Returns 0 to run, 1 to exit 0 (help, version), -1 on a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	sg_config_defaults(&o->cfg);
	o->pin_path = SG_DEFAULT_PIN_PATH;
	while ((c = getopt_long(argc, argv, "i:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (o->nifs == SG_MAX_IFACES) {
				pr_warn("at most %d interfaces", SG_MAX_IFACES);
				return -1;
			}
			if (!if_nametoindex(optarg)) {
				pr_warn("no interface named '%s'", optarg);
				return -1;
			}
			o->ifnames[o->nifs++] = optarg;
			break;
		case OPT_THRESHOLD:	if (set_key(o, "threshold", optarg)) return -1; break;
		case OPT_WINDOW:	if (set_key(o, "window", optarg)) return -1; break;
		case OPT_BLOCK_TTL:	if (set_key(o, "block-ttl", optarg)) return -1; break;
		case OPT_MODE:		if (set_key(o, "mode", optarg)) return -1; break;
		case OPT_IPV6_PREFIX:	if (set_key(o, "ipv6-prefix", optarg)) return -1; break;
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
			if (add_allow(o, optarg))
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
	if (!o->nifs) {
		pr_warn("no interface given (-i IFACE)");
		usage(stderr);
		return -1;
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
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		jw_str(&w, "mode", sg_mode_name(o->cfg.mode));
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
	for (int i = 0; i < o->nifs; i++) {
		ret = sg_loader_attach(l, o->ifnames[i], o->xdp, err, sizeof(err));
		if (ret) {
			pr_warn("%s", err);
			return ret;
		}
		pr_info("attached to %s (%s XDP)", l->ifs[i].name,
			l->ifs[i].mode == SG_XDP_NATIVE ? "native" : "generic");
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
