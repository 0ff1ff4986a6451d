// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scanguardctl.c - the control CLI.  Reaches a running instance through its
 * pinned maps and changes it live.  Commands are matched by unique prefix as
 * in bpftool; --json changes every command's output, errors included.  Input
 * is validated completely before anything is changed.
 *
 * Exit status: 0 done, 1 the operation failed or was refused, 2 invalid
 * usage or input, 3 no scanguard instance at the pin path, 4 (audit) an
 * unexpected listener is exposed.  The operator tools (replay, audit, top)
 * live in their own files; main collects their options here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "cfgkeys.h"
#include "ctl.h"
#include "fmt.h"
#include "json.h"
#include "links.h"
#include "log.h"
#include "ops.h"
#include "pin.h"
#include "table.h"

#include "version.h"

static bool json_out;
static const char *pin_path = SG_DEFAULT_PIN_PATH;
static const char *opt_ttl;
static struct sg_tool_args targs;
static struct sg_maps maps;
static struct jw jw;

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "scanguardctl: %s\n", msg);
	if (json_out) {
		jw_init(&jw, stdout);
		jw_obj_open(&jw, NULL);
		jw_str(&jw, "error", msg);
		jw_obj_close(&jw);
		jw_end(&jw);
	}
	return code;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: scanguardctl [--json] [--pin-path DIR] COMMAND\n"
"Controls a running scanguard instance.\n"
"\n"
"Commands (any unique prefix works):\n"
"  status                          instance, interfaces, configuration, tables\n"
"  stats                           packet and detection counters\n"
"  config get [KEY]                show configuration\n"
"  config set KEY VALUE            change configuration live\n"
"  allow add CIDR | del CIDR       never count or block these sources\n"
"  allow list\n"
"  block add ADDR[/LEN] [--ttl DURATION]\n"
"                                  block by hand (no --ttl: until removed)\n"
"  block del ADDR[/LEN]\n"
"  block list                      active blocks with time left\n"
"  trap add|del PROTO/PORT         a port nothing should touch: one probe blocks\n"
"  trap list\n"
"  expose add|del PROTO/PORT@CIDR  segment mode: an open service (port any = all)\n"
"  expose list\n"
"  detach                          detach the program and remove the instance\n"
"                                  (refused while scanguardd runs on it)\n"
"  replay CAPTURE                  what the program would have done to a capture\n"
"  audit                           listening sockets: owners, exposure, expected\n"
"  top                             live view: rates, sources, blocks, detections\n"
"\n"
"Config keys:\n");
	for (size_t i = 0; i < sg_ncfgkeys; i++)
		fprintf(f, "  %-15s %s\n", sg_cfgkeys[i].name, sg_cfgkeys[i].help);
	fprintf(f,
"\n"
"Options:\n"
"  -j, --json        machine-readable output (errors too)\n"
"      --pin-path DIR  instance to control (default %s)\n"
"  -h, --help        this help\n"
"      --version     print the version\n"
"\n"
"replay options (defaults are scanguardd's):\n"
"      --KEY VALUE           every config key above (--threshold 20)\n"
"      --allow CIDR[,...]    never count or block these sources (repeatable)\n"
"      --local CIDR[,...]    the protected addresses (default: inferred, for a\n"
"                            capture taken on the protected host)\n"
"      --open PROTO/PORT[-PORT][,...]  open though never answering in the capture\n"
"      --trap PROTO/PORT[,...]         trap ports, as scanguardd --trap\n"
"      --expose PROTO/PORT@CIDR[,...]  segment mode's open services\n"
"      --top N               undetected sources listed (default 10)\n"
"      --progress, --no-progress  progress on stderr (default: on a terminal)\n"
"audit options:\n"
"      --expect PROTO/PORT[-PORT][,...]  may be exposed (repeatable)\n"
"      --expect-file FILE    the same, from a file (# comments)\n"
"top options:\n"
"      --interval SECONDS    refresh period (default 1, at least 0.1)\n"
"      --count N             refreshes, then exit (default: until q or Ctrl-C)\n"
"\n"
"Exit status: 0 done, 1 failed or refused, 2 invalid input, 3 no instance,\n"
"4 audit found an unexpected listener exposed on a protected interface.\n",
		SG_DEFAULT_PIN_PATH);
}

/* Opens the instance once its command's arguments are known to be valid,
 * so invalid input is reported as such whether or not a daemon runs. */
static int open_instance(void)
{
	int ret = sg_maps_open(pin_path, &maps);

	if (ret == -ENOENT)
		return fail(EX_NOINSTANCE, "no scanguard instance at %s (is scanguardd running?)",
			    pin_path);
	if (ret == -ESTALE)
		return fail(EX_FAIL, "the instance at %s %s", pin_path, SG_MAPS_STALE);
	/* EACCES: the pinned files are root's.  EPERM as root: the kernel
	 * refuses bpf(2) itself without CAP_BPF (older kernels do, with
	 * kernel.unprivileged_bpf_disabled set). */
	if (ret == -EPERM || ret == -EACCES)
		return fail(EX_FAIL, "cannot open %s: %s (%s)", pin_path, strerror(-ret),
			    ret == -EPERM && geteuid() == 0 ? "needs CAP_BPF" : "run as root");
	if (ret)
		return fail(EX_FAIL, "cannot open %s: %s", pin_path, strerror(-ret));
	return EX_OK;
}

static bool is_prefix(const char *arg, const char *word)
{
	return *arg && !strncmp(arg, word, strlen(arg));
}

/* ---- status / stats ------------------------------------------------------- */

static int cmd_status(int argc, char **argv)
{
	struct sg_block_entry *blocks;
	struct sg_allow_entry *allow;
	size_t nblocks, nallow, nauto = 0, nexact = 0;
	bool running = sg_pin_locked(pin_path);
	struct sg_config cfg;
	long tracked;
	int ret;

	struct sg_pinned_link links[SG_MAX_IFACES];
	int nlinks, nlive = 0;

	if (argc)
		return fail(EX_USAGE, "status takes no arguments");
	if ((ret = open_instance()))
		return ret;
	if ((ret = sg_config_read(&maps, &cfg)) ||
	    (ret = sg_block_list(&maps, sg_now_ns(), &blocks, &nblocks)))
		return fail(EX_FAIL, "cannot read the instance: %s", strerror(-ret));
	if ((ret = sg_allow_list(&maps, &allow, &nallow))) {
		free(blocks);
		return fail(EX_FAIL, "cannot read the allow-list: %s", strerror(-ret));
	}
	for (size_t i = 0; i < nallow; i++)
		nauto += !!(allow[i].flags & SG_ALLOW_AUTOMATIC);
	for (size_t i = 0; i < nblocks; i++)
		nexact += blocks[i].exact;
	tracked = sg_table_count_fd(maps.track);
	nlinks = sg_links_list(pin_path, links, SG_MAX_IFACES);
	sg_links_close(links, nlinks > 0 ? nlinks : 0);
	for (int i = 0; i < nlinks; i++)
		nlive += links[i].ifindex != 0;

	if (json_out) {
		jw_obj_open(&jw, NULL);
		jw_bool(&jw, "daemon_running", running);
		jw_str(&jw, "pin_path", pin_path);
		jw_bool(&jw, "persistent", nlinks > 0);
		jw_u64(&jw, "pinned_links", nlive);
		jw_arr_open(&jw, "interfaces");
	} else {
		printf("daemon:      %s\n", running ? "running" : "not running (maps still pinned)");
		printf("pin path:    %s\n", pin_path);
		if (nlinks > 0)
			printf("persistent:  %d pinned link%s keep the program attached\n", nlive,
			       nlive == 1 ? "" : "s");
		else
			printf("persistent:  no (the program lives as long as the daemon)\n");
		printf("interfaces: ");
	}
	for (__u32 i = 0; i < SG_MAX_IFACES; i++) {
		struct sg_iface ifc;

		if (bpf_map_lookup_elem(maps.ifaces, &i, &ifc) || !ifc.ifindex)
			continue;
		ifc.name[sizeof(ifc.name) - 1] = 0;
		if (json_out) {
			jw_obj_open(&jw, NULL);
			jw_str(&jw, "name", ifc.name);
			jw_u64(&jw, "ifindex", ifc.ifindex);
			jw_str(&jw, "xdp_mode", sg_xdp_mode_name(ifc.xdp_mode));
			jw_str(&jw, "role", ifc.role == SG_IFACE_INSIDE ? "inside" : "outside");
			jw_obj_close(&jw);
		} else {
			printf(" %s (%s XDP%s)", ifc.name, sg_xdp_mode_name(ifc.xdp_mode),
			       ifc.role == SG_IFACE_INSIDE ? ", inside" : "");
		}
	}
	if (json_out) {
		jw_arr_close(&jw);
		jw_str(&jw, "mode", sg_mode_name(cfg.mode));
		jw_str(&jw, "protect", sg_protect_name(cfg.protect));
		jw_u64(&jw, "threshold", cfg.threshold);
		jw_i64(&jw, "score_threshold", cfg.score_threshold);
		jw_u64(&jw, "window", cfg.window_ns / SG_NSEC_PER_SEC);
		jw_u64(&jw, "block_ttl", cfg.block_ttl_ns / SG_NSEC_PER_SEC);
		jw_u64(&jw, "ipv6_prefix", cfg.ipv6_prefix);
		jw_u64(&jw, "blocks", nblocks);
		jw_u64(&jw, "cidr_blocks", nblocks - nexact);
		jw_u64(&jw, "allow_entries", nallow);
		jw_u64(&jw, "allow_automatic", nauto);
		jw_i64(&jw, "tracked_sources", tracked);
		jw_arr_open(&jw, "protected");
		for (size_t i = 0; i < nallow; i++) {
			char buf[SG_ADDRSTRLEN];

			if (!(allow[i].flags & SG_ALLOW_AUTOMATIC))
				continue;
			jw_obj_open(&jw, NULL);
			jw_str(&jw, "cidr", sg_cidr_str(&allow[i].cidr, buf, sizeof(buf)));
			jw_str(&jw, "origin", sg_allow_origin(allow[i].flags));
			jw_obj_close(&jw);
		}
		jw_arr_close(&jw);
		jw_obj_close(&jw);
		jw_end(&jw);
	} else {
		printf("\nmode:        %s, protecting %s\n", sg_mode_name(cfg.mode),
		       cfg.protect == SG_PROTECT_SEGMENT ? "a segment" : "this host");
		printf("detection:   more than %u distinct %sports in %llus", cfg.threshold,
		       cfg.score_threshold > 0 ? "failed " : "",
		       (unsigned long long)(cfg.window_ns / SG_NSEC_PER_SEC));
		if (cfg.score_threshold > 0)
			printf(", or a failure score of %d", cfg.score_threshold);
		printf("; blocks for %llus (repeat offenders up to %llus)\n",
		       (unsigned long long)(cfg.block_ttl_ns / SG_NSEC_PER_SEC),
		       (unsigned long long)(cfg.block_ttl_max_ns / SG_NSEC_PER_SEC));
		printf("ipv6 prefix: /%u\n", cfg.ipv6_prefix);
		printf("blocks:      %zu active (%zu CIDR)\n", nblocks, nblocks - nexact);
		printf("allow-list:  %zu entries (%zu this host's own)\n", nallow, nauto);
		printf("tracked:     %ld sources\n", tracked);
		printf("never blocked (kept automatically):\n");
		for (size_t i = 0; i < nallow; i++) {
			char buf[SG_ADDRSTRLEN];

			if (allow[i].flags & SG_ALLOW_AUTOMATIC)
				printf("  %-42s %s\n", sg_cidr_str(&allow[i].cidr, buf, sizeof(buf)),
				       sg_allow_origin(allow[i].flags));
		}
	}
	free(blocks);
	free(allow);
	return EX_OK;
}

static int cmd_stats(int argc, char **argv)
{
	struct sg_stats s;
	int ret;

	if (argc)
		return fail(EX_USAGE, "stats takes no arguments");
	if ((ret = open_instance()))
		return ret;
	ret = sg_stats_read(&maps, &s);
	if (ret)
		return fail(EX_FAIL, "cannot read counters: %s", strerror(-ret));
	if (json_out)
		jw_obj_open(&jw, NULL);
	for (int i = 0; i < SG_STAT_MAX; i++) {
		if (json_out)
			jw_u64(&jw, sg_stat_name(i), s.c[i]);
		else
			printf("%-24s %llu\n", sg_stat_name(i), (unsigned long long)s.c[i]);
	}
	if (json_out) {
		jw_obj_close(&jw);
		jw_end(&jw);
	}
	return EX_OK;
}

/* ---- config ------------------------------------------------------------------ */

/* Prints a key's value; in JSON under jkey, in text with the name if named. */
static void print_key(const struct sg_cfgkey *k, const struct sg_config *cfg, bool named,
		      const char *jkey)
{
	const char *str = NULL;
	uint64_t num = 0;
	bool numeric = sg_cfgkey_get(k, cfg, &num, &str);

	if (json_out) {
		if (numeric)
			jw_u64(&jw, jkey, num);
		else
			jw_str(&jw, jkey, str);
	} else if (named) {
		if (numeric)
			printf("%-12s %llu\n", k->name, (unsigned long long)num);
		else
			printf("%-12s %s\n", k->name, str);
	} else {
		if (numeric)
			printf("%llu\n", (unsigned long long)num);
		else
			printf("%s\n", str);
	}
}

static int cmd_config(int argc, char **argv)
{
	const struct sg_cfgkey *k = NULL;
	struct sg_config cfg, next;
	char err[256];
	int ret;

	if (argc < 1)
		return fail(EX_USAGE, "config: expected get or set");
	if (argc >= 2 && !(k = sg_cfgkey_find(argv[1])))
		return fail(EX_USAGE, "config: unknown key '%s' (see scanguardctl --help)", argv[1]);

	if (is_prefix(argv[0], "get")) {
		if (argc > 2)
			return fail(EX_USAGE, "config get takes at most one key");
		if ((ret = open_instance()))
			return ret;
		if ((ret = sg_config_read(&maps, &cfg)))
			return fail(EX_FAIL, "cannot read configuration: %s", strerror(-ret));
		if (json_out && !k)
			jw_obj_open(&jw, NULL);
		for (size_t i = 0; i < sg_ncfgkeys; i++)
			if (!k || k == &sg_cfgkeys[i])
				print_key(&sg_cfgkeys[i], &cfg, !k, k ? NULL : sg_cfgkeys[i].name);
		if (json_out) {
			if (!k)
				jw_obj_close(&jw);
			jw_end(&jw);
		}
		return EX_OK;
	}
	if (is_prefix(argv[0], "set")) {
		if (argc != 3)
			return fail(EX_USAGE, "usage: config set KEY VALUE");
		/* Validate against defaults first, so bad values fail without an instance. */
		sg_config_defaults(&next);
		if (sg_cfgkey_set(k, &next, argv[2], err, sizeof(err)))
			return fail(EX_USAGE, "config set %s", err);
		if ((ret = open_instance()))
			return ret;
		if ((ret = sg_config_read(&maps, &cfg)))
			return fail(EX_FAIL, "cannot read configuration: %s", strerror(-ret));
		next = cfg;
		if (sg_cfgkey_set(k, &next, argv[2], err, sizeof(err)))
			return fail(EX_USAGE, "config set %s", err);
		if (next.ipv6_prefix != cfg.ipv6_prefix &&
		    (ret = sg_block_rekey_v6(&maps, cfg.ipv6_prefix)))
			return fail(EX_FAIL, "cannot carry IPv6 blocks over: %s", strerror(-ret));
		if ((ret = sg_config_write(&maps, &next)))
			return fail(EX_FAIL, "cannot write configuration: %s", strerror(-ret));
		if (next.ipv6_prefix != cfg.ipv6_prefix && (ret = sg_allow_inside_sync(&maps)))
			return fail(EX_FAIL, "cannot flag the IPv6 blocks that hold allowed addresses: %s",
				    strerror(-ret));
		if (json_out) {
			jw_obj_open(&jw, NULL);
			jw_str(&jw, "key", k->name);
			print_key(k, &next, false, "value");
			print_key(k, &cfg, false, "previous");
			jw_obj_close(&jw);
			jw_end(&jw);
		} else {
			printf("%s: ", k->name);
			print_key(k, &next, false, NULL);
		}
		return EX_OK;
	}
	return fail(EX_USAGE, "config: unknown subcommand '%s' (get or set)", argv[0]);
}

/* ---- allow ------------------------------------------------------------------- */

static int parse_cidr_arg(const char *what, const char *arg, struct sg_cidr *c)
{
	char err[256];

	if (sg_cidr_parse(arg, c, err, sizeof(err)))
		return fail(EX_USAGE, "%s: %s", what, err);
	return EX_OK;
}

static int cmd_allow(int argc, char **argv)
{
	char buf[SG_ADDRSTRLEN], err[512];
	struct sg_cidr c;
	int ret;

	if (argc < 1)
		return fail(EX_USAGE, "allow: expected add, del or list");
	if (is_prefix(argv[0], "list")) {
		struct sg_allow_entry *v;
		size_t n;

		if (argc != 1)
			return fail(EX_USAGE, "allow list takes no arguments");
		if ((ret = open_instance()))
			return ret;
		if ((ret = sg_allow_list(&maps, &v, &n)))
			return fail(EX_FAIL, "cannot read the allow-list: %s", strerror(-ret));
		if (json_out)
			jw_arr_open(&jw, NULL);
		else
			printf("%-44s %s\n", "CIDR", "ORIGIN");
		for (size_t i = 0; i < n; i++) {
			const char *origin = sg_allow_origin(v[i].flags);

			sg_cidr_str(&v[i].cidr, buf, sizeof(buf));
			if (json_out) {
				jw_obj_open(&jw, NULL);
				jw_str(&jw, "cidr", buf);
				jw_str(&jw, "origin", origin);
				jw_obj_close(&jw);
			} else {
				printf("%-44s %s\n", buf, origin);
			}
		}
		if (json_out) {
			jw_arr_close(&jw);
			jw_end(&jw);
		}
		free(v);
		return EX_OK;
	}
	if (argc != 2)
		return fail(EX_USAGE, "usage: allow add|del CIDR");
	if ((ret = parse_cidr_arg("allow", argv[1], &c)))
		return ret;
	if (!is_prefix(argv[0], "add") && !is_prefix(argv[0], "del"))
		return fail(EX_USAGE, "allow: unknown subcommand '%s' (add, del or list)", argv[0]);
	if ((ret = open_instance()))
		return ret;
	sg_cidr_str(&c, buf, sizeof(buf));
	if (is_prefix(argv[0], "add")) {
		size_t unblocked = 0;

		if (sg_allow_add(&maps, &c, 0, &unblocked, err, sizeof(err)))
			return fail(EX_FAIL, "allow add: %s", err);
		if (json_out) {
			jw_obj_open(&jw, NULL);
			jw_str(&jw, "allowed", buf);
			jw_u64(&jw, "unblocked", unblocked);
			jw_obj_close(&jw);
			jw_end(&jw);
		} else {
			printf("allowed %s", buf);
			if (unblocked)
				printf(" (lifted %zu block%s)", unblocked, unblocked == 1 ? "" : "s");
			printf("\n");
		}
		return EX_OK;
	}
	if (is_prefix(argv[0], "del")) {
		if (sg_allow_del(&maps, &c, false, err, sizeof(err)))
			return fail(EX_FAIL, "allow del: %s", err);
		if (json_out) {
			jw_obj_open(&jw, NULL);
			jw_str(&jw, "removed", buf);
			jw_obj_close(&jw);
			jw_end(&jw);
		} else {
			printf("removed %s from the allow-list\n", buf);
		}
		return EX_OK;
	}
	return fail(EX_USAGE, "allow: unknown subcommand '%s' (add, del or list)", argv[0]);
}

/* ---- block ------------------------------------------------------------------- */

static int block_list(void)
{
	uint64_t now = sg_now_ns();
	struct sg_block_entry *v;
	struct sg_config cfg;
	char buf[SG_ADDRSTRLEN];
	size_t n;
	int ret;

	if ((ret = sg_config_read(&maps, &cfg)) || (ret = sg_block_list(&maps, now, &v, &n)))
		return fail(EX_FAIL, "cannot read blocks: %s", strerror(-ret));
	if (json_out)
		jw_arr_open(&jw, NULL);
	else
		printf("%-44s %-16s %-10s %s\n", "SOURCE", "DETECTOR", "STATE", "EXPIRES");
	for (size_t i = 0; i < n; i++) {
		const struct sg_block *b = &v[i].b;
		const char *state = cfg.mode == SG_MODE_MONITOR ? "monitored" : "enforced";
		uint64_t left = b->expires_ns ? (b->expires_ns - now + SG_NSEC_PER_SEC - 1) /
							SG_NSEC_PER_SEC : 0;

		sg_cidr_str(&v[i].cidr, buf, sizeof(buf));
		if (json_out) {
			jw_obj_open(&jw, NULL);
			jw_str(&jw, "source", buf);
			jw_str(&jw, "detector", sg_detector_name(b->detector));
			jw_bool(&jw, "manual", b->flags & SG_BLOCK_MANUAL);
			jw_str(&jw, "state", state);
			if (b->expires_ns)
				jw_u64(&jw, "expires_in", left);
			else
				jw_null(&jw, "expires_in");
			jw_obj_close(&jw);
		} else if (b->expires_ns) {
			printf("%-44s %-16s %-10s in %llus\n", buf, sg_detector_name(b->detector),
			       state, (unsigned long long)left);
		} else {
			printf("%-44s %-16s %-10s never\n", buf, sg_detector_name(b->detector),
			       state);
		}
	}
	if (json_out) {
		jw_arr_close(&jw);
		jw_end(&jw);
	}
	free(v);
	return EX_OK;
}

static int cmd_block(int argc, char **argv)
{
	char buf[SG_ADDRSTRLEN], err[512];
	uint64_t ttl = 0;
	struct sg_cidr c;
	int ret;

	if (argc < 1)
		return fail(EX_USAGE, "block: expected add, del or list");
	if (opt_ttl && !is_prefix(argv[0], "add"))
		return fail(EX_USAGE, "--ttl only applies to block add");
	if (is_prefix(argv[0], "list")) {
		if (argc != 1)
			return fail(EX_USAGE, "block list takes no arguments");
		if ((ret = open_instance()))
			return ret;
		return block_list();
	}
	if (argc != 2)
		return fail(EX_USAGE, "usage: block add|del ADDR[/LEN]");
	if ((ret = parse_cidr_arg("block", argv[1], &c)))
		return ret;
	if (!is_prefix(argv[0], "add") && !is_prefix(argv[0], "del"))
		return fail(EX_USAGE, "block: unknown subcommand '%s' (add, del or list)", argv[0]);
	if (opt_ttl && sg_parse_seconds(opt_ttl, 1, SG_MAX_BLOCK_TTL_S, &ttl, err, sizeof(err)))
		return fail(EX_USAGE, "--ttl: %s", err);
	if ((ret = open_instance()))
		return ret;
	sg_cidr_str(&c, buf, sizeof(buf));
	if (is_prefix(argv[0], "add")) {
		if ((ret = sg_block_add(&maps, &c, ttl, sg_now_ns(), err, sizeof(err))))
			return fail(EX_FAIL, "block add: %s", err);
		if (json_out) {
			jw_obj_open(&jw, NULL);
			jw_str(&jw, "blocked", buf);
			if (ttl)
				jw_u64(&jw, "ttl", ttl);
			else
				jw_null(&jw, "ttl");
			jw_obj_close(&jw);
			jw_end(&jw);
		} else if (ttl) {
			printf("blocked %s for %llus\n", buf, (unsigned long long)ttl);
		} else {
			printf("blocked %s until removed\n", buf);
		}
		return EX_OK;
	}
	if (is_prefix(argv[0], "del")) {
		ret = sg_block_del(&maps, &c);
		if (ret == -ENOENT)
			return fail(EX_FAIL, "block del: %s is not blocked", buf);
		if (ret)
			return fail(EX_FAIL, "block del: %s", strerror(-ret));
		if (json_out) {
			jw_obj_open(&jw, NULL);
			jw_str(&jw, "unblocked", buf);
			jw_obj_close(&jw);
			jw_end(&jw);
		} else {
			printf("unblocked %s\n", buf);
		}
		return EX_OK;
	}
	return fail(EX_USAGE, "block: unknown subcommand '%s' (add, del or list)", argv[0]);
}

/* ---- trap and expose ----------------------------------------------------------- */

static int cmd_trap(int argc, char **argv)
{
	char buf[64], err[256];
	uint16_t port;
	uint8_t pc;
	int ret;

	if (argc < 1)
		return fail(EX_USAGE, "trap: expected add, del or list");
	if (is_prefix(argv[0], "list")) {
		uint32_t *v;
		size_t n;

		if (argc != 1)
			return fail(EX_USAGE, "trap list takes no arguments");
		if ((ret = open_instance()))
			return ret;
		if ((ret = sg_trap_list(&maps, &v, &n)))
			return fail(EX_FAIL, "cannot read trap ports: %s", strerror(-ret));
		if (json_out)
			jw_arr_open(&jw, NULL);
		for (size_t i = 0; i < n; i++) {
			sg_target_str(v[i], buf, sizeof(buf));
			if (json_out)
				jw_str(&jw, NULL, buf);
			else
				printf("%s\n", buf);
		}
		if (json_out) {
			jw_arr_close(&jw);
			jw_end(&jw);
		}
		free(v);
		return EX_OK;
	}
	if (argc != 2)
		return fail(EX_USAGE, "usage: trap add|del PROTO/PORT");
	if (!is_prefix(argv[0], "add") && !is_prefix(argv[0], "del"))
		return fail(EX_USAGE, "trap: unknown subcommand '%s' (add, del or list)", argv[0]);
	if (sg_target_parse(argv[1], false, &pc, &port, err, sizeof(err)))
		return fail(EX_USAGE, "trap: %s", err);
	if (pc != SG_PC_TCP && pc != SG_PC_UDP)
		return fail(EX_USAGE, "trap: only tcp and udp ports can be traps");
	if ((ret = open_instance()))
		return ret;
	ret = sg_trap_set(&maps, pc, port, is_prefix(argv[0], "add"));
	sg_target_str(SG_TARGET(pc, port), buf, sizeof(buf));
	if (ret == -ENOENT)
		return fail(EX_FAIL, "trap del: %s is not a trap port", buf);
	if (ret)
		return fail(EX_FAIL, "trap: %s", strerror(-ret));
	if (json_out) {
		jw_obj_open(&jw, NULL);
		jw_str(&jw, is_prefix(argv[0], "add") ? "trap_added" : "trap_removed", buf);
		jw_obj_close(&jw);
		jw_end(&jw);
	} else {
		printf("%s %s\n", is_prefix(argv[0], "add") ? "trap added:" : "trap removed:", buf);
	}
	return EX_OK;
}

static const char *expose_str(const struct sg_expose_entry *e, char *buf, size_t len)
{
	char t[32], c[SG_ADDRSTRLEN];

	snprintf(buf, len, "%s@%s", sg_target_str(SG_TARGET(e->pc, e->port), t, sizeof(t)),
		 sg_cidr_str(&e->cidr, c, sizeof(c)));
	return buf;
}

static int cmd_expose(int argc, char **argv)
{
	char buf[128], err[256];
	struct sg_expose_entry e;
	int ret;

	if (argc < 1)
		return fail(EX_USAGE, "expose: expected add, del or list");
	if (is_prefix(argv[0], "list")) {
		struct sg_expose_entry *v;
		size_t n;

		if (argc != 1)
			return fail(EX_USAGE, "expose list takes no arguments");
		if ((ret = open_instance()))
			return ret;
		if ((ret = sg_expose_list(&maps, &v, &n)))
			return fail(EX_FAIL, "cannot read exposed services: %s", strerror(-ret));
		if (json_out)
			jw_arr_open(&jw, NULL);
		for (size_t i = 0; i < n; i++) {
			expose_str(&v[i], buf, sizeof(buf));
			if (json_out)
				jw_str(&jw, NULL, buf);
			else
				printf("%s\n", buf);
		}
		if (json_out) {
			jw_arr_close(&jw);
			jw_end(&jw);
		}
		free(v);
		return EX_OK;
	}
	if (argc != 2)
		return fail(EX_USAGE, "usage: expose add|del PROTO/PORT@CIDR");
	if (!is_prefix(argv[0], "add") && !is_prefix(argv[0], "del"))
		return fail(EX_USAGE, "expose: unknown subcommand '%s' (add, del or list)", argv[0]);
	if (sg_expose_parse(argv[1], &e, err, sizeof(err)))
		return fail(EX_USAGE, "expose: %s", err);
	if ((ret = open_instance()))
		return ret;
	expose_str(&e, buf, sizeof(buf));
	if (is_prefix(argv[0], "add")) {
		if (sg_expose_add(&maps, &e, err, sizeof(err)))
			return fail(EX_FAIL, "expose add: %s", err);
	} else {
		ret = sg_expose_del(&maps, &e);
		if (ret == -ENOENT)
			return fail(EX_FAIL, "expose del: %s is not exposed", buf);
		if (ret)
			return fail(EX_FAIL, "expose del: %s", strerror(-ret));
	}
	if (json_out) {
		jw_obj_open(&jw, NULL);
		jw_str(&jw, is_prefix(argv[0], "add") ? "exposed" : "unexposed", buf);
		jw_obj_close(&jw);
		jw_end(&jw);
	} else {
		printf("%s %s\n", is_prefix(argv[0], "add") ? "exposed" : "no longer exposed:", buf);
	}
	return EX_OK;
}

/* ---- detach ------------------------------------------------------------------ */

static int cmd_detach(int argc, char **argv)
{
	char err[1024];
	int n, ret;

	if (argc)
		return fail(EX_USAGE, "detach takes no arguments");
	ret = sg_instance_remove(pin_path, &n, err, sizeof(err));
	if (ret == -ENOENT)
		return fail(EX_NOINSTANCE, "%s", err);
	if (ret)
		return fail(EX_FAIL, "detach: %s", err);
	if (json_out) {
		jw_obj_open(&jw, NULL);
		jw_str(&jw, "removed", pin_path);
		jw_u64(&jw, "detached_interfaces", n);
		jw_obj_close(&jw);
		jw_end(&jw);
	} else {
		printf("detached from %d interface%s and removed %s\n", n, n == 1 ? "" : "s",
		       pin_path);
	}
	return EX_OK;
}

/* ---- operator tools (ctl_*.c) ------------------------------------------------- */

static int run_tool(int (*fn)(const struct sg_tool_args *, int, char **, char *, size_t),
		    int argc, char **argv)
{
	char err[1024] = "";
	int ret;

	targs.pin_path = pin_path;
	targs.json = json_out;
	ret = fn(&targs, argc, argv, err, sizeof(err));
	return ret && err[0] ? fail(ret, "%s", err) : ret;
}

static int cmd_replay(int argc, char **argv) { return run_tool(sg_cmd_replay, argc, argv); }
static int cmd_audit(int argc, char **argv) { return run_tool(sg_cmd_audit, argc, argv); }
static int cmd_top(int argc, char **argv) { return run_tool(sg_cmd_top, argc, argv); }

/* ---- main -------------------------------------------------------------------- */

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "status", cmd_status },
	{ "stats", cmd_stats },
	{ "config", cmd_config },
	{ "allow", cmd_allow },
	{ "block", cmd_block },
	{ "trap", cmd_trap },
	{ "expose", cmd_expose },
	{ "detach", cmd_detach },
	{ "replay", cmd_replay },
	{ "audit", cmd_audit },
	{ "top", cmd_top },
};

/* Options of the operator tools, each valid with one command only.
 * Configuration keys become replay options too (--threshold ...). */
enum { OPT_PIN_PATH = 256, OPT_TTL, OPT_VERSION, OPT_LOCAL, OPT_ALLOW, OPT_OPEN, OPT_TOP,
       OPT_PROGRESS, OPT_NO_PROGRESS, OPT_EXPECT, OPT_EXPECT_FILE, OPT_INTERVAL, OPT_COUNT,
       OPT_TRAP, OPT_EXPOSE, OPT_CFGKEY = 512 };

static const struct tool_opt {
	struct option opt;
	const char *cmd;
} tool_opts[] = {
	{ { "local", required_argument, NULL, OPT_LOCAL }, "replay" },
	{ { "allow", required_argument, NULL, OPT_ALLOW }, "replay" },
	{ { "open", required_argument, NULL, OPT_OPEN }, "replay" },
	{ { "trap", required_argument, NULL, OPT_TRAP }, "replay" },
	{ { "expose", required_argument, NULL, OPT_EXPOSE }, "replay" },
	{ { "top", required_argument, NULL, OPT_TOP }, "replay" },
	{ { "progress", no_argument, NULL, OPT_PROGRESS }, "replay" },
	{ { "no-progress", no_argument, NULL, OPT_NO_PROGRESS }, "replay" },
	{ { "expect", required_argument, NULL, OPT_EXPECT }, "audit" },
	{ { "expect-file", required_argument, NULL, OPT_EXPECT_FILE }, "audit" },
	{ { "interval", required_argument, NULL, OPT_INTERVAL }, "top" },
	{ { "count", required_argument, NULL, OPT_COUNT }, "top" },
};
#define NTOOL_OPTS (sizeof(tool_opts) / sizeof(tool_opts[0]))

/* Records a tool option's value; returns the command it belongs to, or NULL
 * when there is no room for another. */
static const char *tool_option(int c, const char *arg)
{
	const char **slot = NULL;
	int *n = NULL;

	switch (c) {
	case OPT_LOCAL: slot = targs.local; n = &targs.nlocal; break;
	case OPT_ALLOW: slot = targs.allow; n = &targs.nallow; break;
	case OPT_OPEN: slot = targs.open; n = &targs.nopen; break;
	case OPT_TRAP: slot = targs.trap; n = &targs.ntrap; break;
	case OPT_EXPOSE: slot = targs.expose; n = &targs.nexpose; break;
	case OPT_EXPECT: slot = targs.expect; n = &targs.nexpect; break;
	case OPT_EXPECT_FILE: slot = targs.expect_file; n = &targs.nexpect_file; break;
	case OPT_TOP: targs.top = arg; break;
	case OPT_PROGRESS: targs.progress = 1; break;
	case OPT_NO_PROGRESS: targs.progress = -1; break;
	case OPT_INTERVAL: targs.interval = arg; break;
	case OPT_COUNT: targs.count = arg; break;
	default:
		if (targs.ncfg == SG_TOOL_MAX_ARGS)
			return NULL;
		targs.cfg_key[targs.ncfg] = sg_cfgkeys[c - OPT_CFGKEY].name;
		targs.cfg_val[targs.ncfg++] = arg;
		return "replay";
	}
	if (slot) {
		if (*n == SG_TOOL_MAX_ARGS)
			return NULL;
		slot[(*n)++] = arg;
	}
	for (size_t i = 0; i < NTOOL_OPTS; i++)
		if (tool_opts[i].opt.val == c)
			return tool_opts[i].cmd;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option base_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pin-path", required_argument, NULL, OPT_PIN_PATH },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
	};
	struct option long_opts[sizeof(base_opts) / sizeof(base_opts[0]) + NTOOL_OPTS + 64 + 1];
	struct given { const char *name, *cmd; } given[4 * SG_TOOL_MAX_ARGS];
	size_t ngiven = 0;
	const struct cmd *cmd = NULL;
	size_t nopts = 0;
	int c, ret, idx;

	sg_log_init("scanguardctl", 0);
	for (size_t i = 0; i < sizeof(base_opts) / sizeof(base_opts[0]); i++)
		long_opts[nopts++] = base_opts[i];
	for (size_t i = 0; i < NTOOL_OPTS; i++)
		long_opts[nopts++] = tool_opts[i].opt;
	for (size_t i = 0; i < sg_ncfgkeys && i < 64; i++)
		long_opts[nopts++] = (struct option){ sg_cfgkeys[i].name, required_argument, NULL,
						      OPT_CFGKEY + (int)i };
	long_opts[nopts] = (struct option){ 0 };

	/* --json wherever it is, so an option error before it is JSON too. */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			json_out = true;
	opterr = 0;	/* our own messages, through fail() */
	while ((c = getopt_long(argc, argv, ":jh", long_opts, &idx)) != -1) {
		switch (c) {
		case 'j': json_out = true; break;
		case OPT_PIN_PATH: pin_path = optarg; break;
		case OPT_TTL: opt_ttl = optarg; break;
		case 'h': usage(stdout); return EX_OK;
		case OPT_VERSION: printf("scanguardctl %s\n", SG_VERSION); return EX_OK;
		case ':':
			return fail(EX_USAGE, "option '%s' needs a value", argv[optind - 1]);
		case '?':
			/* A negative number is taken for an option: say so. */
			return fail(EX_USAGE, "unknown option '%s' (see --help; put -- before "
				    "values that start with '-')", argv[optind - 1]);
		default: {
			const char *owner = tool_option(c, optarg);

			if (!owner)
				return fail(EX_USAGE, "--%s given too many times", long_opts[idx].name);
			/* Remembered so an option of another command is refused below. */
			if (ngiven < sizeof(given) / sizeof(given[0]))
				given[ngiven++] = (struct given){ long_opts[idx].name, owner };
		}
		}
	}
	jw_init(&jw, stdout);
	if (optind >= argc) {
		usage(stderr);
		return fail(EX_USAGE, "no command given");
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!is_prefix(argv[optind], cmds[i].name))
			continue;
		if (cmd)
			return fail(EX_USAGE, "'%s' is ambiguous", argv[optind]);
		cmd = &cmds[i];
	}
	if (!cmd && !strcmp(argv[optind], "help")) {
		usage(stdout);
		return EX_OK;
	}
	if (!cmd)
		return fail(EX_USAGE, "unknown command '%s' (see --help)", argv[optind]);
	if (opt_ttl && cmd->fn != cmd_block)
		return fail(EX_USAGE, "--ttl only applies to block add");
	for (size_t i = 0; i < ngiven; i++)
		if (strcmp(given[i].cmd, cmd->name))
			return fail(EX_USAGE, "--%s only applies to %s", given[i].name, given[i].cmd);
	ret = cmd->fn(argc - optind - 1, argv + optind + 1);
	sg_maps_close(&maps);
	return ret;
}
