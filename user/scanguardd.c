// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scanguardd.c - the loader daemon.  Builds its settings from defaults, the
 * configuration file and flags (in that order, flags winning), validates all
 * of them before touching anything, then loads or adopts the XDP program and
 * its maps, attaches, writes the configuration and allow-list, serves
 * metrics, and drains scan events until SIGINT/SIGTERM.  SIGHUP reloads the
 * configuration file (a bad one is rejected whole) and reopens the events
 * file.  Persistent instances (the default) leave the program attached when
 * the daemon exits or dies; --ephemeral removes everything on exit.
 * One-shot modes: --upgrade swaps this build's program into a running
 * instance, --detach removes an instance, --check-config validates.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "cfgkeys.h"
#include "conffile.h"
#include "events.h"
#include "evlog.h"
#include "hostaddr.h"
#include "json.h"
#include "links.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "ops.h"
#include "options.h"
#include "sg_admit.h"
#include "skel.h"
#include "version.h"

#define SWEEP_INTERVAL_NS	(1 * SG_NSEC_PER_SEC)
#define HOSTADDR_INTERVAL_NS	(10 * SG_NSEC_PER_SEC)
#define LINKS_INTERVAL_NS	(2 * SG_NSEC_PER_SEC)
#define MAX_FLAGS		512

static volatile sig_atomic_t stop_signal, reload_signal;

enum action { ACT_RUN, ACT_UPGRADE, ACT_DETACH, ACT_CHECK };

struct flag {
	const struct sg_optkey *key;
	const char *val;
};

struct daemon {
	enum action action;
	const char *config_path;
	bool config_required;	/* given with --config: it must exist */
	struct flag flags[MAX_FLAGS];
	int nflags;
	int verbose;

	struct sg_opts opts;	/* the running settings */
	struct sg_loader l;
	struct sg_evlog evlog;
	struct sg_events ev;
	struct sg_metrics *metrics;
	struct sg_daemon_status status;
	int links_adopted;
};

enum { OPT_CONFIG = 'c', OPT_UPGRADE = 1000, OPT_DETACH, OPT_CHECK, OPT_VERSION, OPT_KEY = 2000 };

/* Prints "  LEFT  text" with text wrapped to stay within 80 columns. */
static void print_wrapped(FILE *f, const char *left, const char *text)
{
	const int col = 31, width = 80;
	int pos = fprintf(f, "  %-28s ", left);

	while (*text) {
		const char *sp = strchr(text, ' ');
		int wlen = sp ? (int)(sp - text) : (int)strlen(text);

		if (pos > col && pos + 1 + wlen > width)
			pos = fprintf(f, "\n%*s", col, "") - 1;
		else if (pos > col)
			pos += fprintf(f, " ");
		pos += fprintf(f, "%.*s", wlen, text);
		text += wlen;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	const struct sg_optkey *k;
	struct sg_config def;

	sg_config_defaults(&def);
	fprintf(f,
"Usage: scanguardd [OPTIONS]                  run\n"
"       scanguardd --upgrade [--pin-path DIR]  swap this build's program in\n"
"       scanguardd --detach [--pin-path DIR]   remove a stopped instance\n"
"       scanguardd --check-config [OPTIONS]    validate and exit\n"
"Detects and blocks network port scans with XDP.\n"
"\n"
"Settings (each is also a key of the configuration file; flags override it):\n");
	for (size_t i = 0; (k = sg_optkey_at(i)); i++) {
		char left[64], text[512];
		const struct sg_cfgkey *ck = k->type == SG_OPT_CFG ? sg_cfgkey_find(k->name) : NULL;

		snprintf(left, sizeof(left), "%s--%s%s%s", !strcmp(k->name, "interface") ? "-i, " : "    ",
			 k->name, k->metavar ? " " : "", k->metavar ? k->metavar : "");
		snprintf(text, sizeof(text), "%s", k->help);
		if (ck) {
			const char *str = NULL;
			uint64_t num = 0;
			size_t used = strlen(text);

			if (sg_cfgkey_get(ck, &def, &num, &str))
				snprintf(text + used, sizeof(text) - used, " (default %llu%s; %llu..%llu)",
					 (unsigned long long)num, ck->type == SG_CFG_SECONDS ? "s" : "",
					 (unsigned long long)ck->min, (unsigned long long)ck->max);
			else
				snprintf(text + used, sizeof(text) - used, " (default %s)", str);
		}
		if (!k->live)
			strncat(text, " [restart]", sizeof(text) - strlen(text) - 1);
		print_wrapped(f, left, text);
	}
	fprintf(f,
"\n"
"Other options:\n"
"  -c, --config FILE            configuration file (default\n"
"                               %s;\n"
"                               optional unless given)\n"
"      --upgrade                see above; leaves a running daemon running\n"
"      --detach                 see above; refused while a daemon runs\n"
"      --check-config           see above; exit 0 valid, 2 invalid\n"
"  -v, --verbose                more diagnostics (-vv for libbpf debug)\n"
"  -h, --help                   this help\n"
"      --version                print the version\n"
"\n"
"Durations: N (seconds), Ns, Nm, Nh, Nd.  Scan events are JSON lines on stdout\n"
"(or --events-file); diagnostics go to stderr.  SIGHUP reloads the configuration\n"
"file and reopens the events file; [restart] settings keep their running value.\n"
"SIGINT/SIGTERM exit, leaving the program attached (unless --ephemeral).\n"
"Exit status: 0 ok, 1 failed, 2 invalid usage or configuration, 3 no instance.\n",
		SG_DEFAULT_CONFIG);
}

/* ---- settings -------------------------------------------------------------- */

/* Defaults, then the file, then flags: a flag replaces the file's value (a
 * list flag replaces the whole list). */
static int build_opts(const struct daemon *d, struct sg_opts *o, char *err, size_t errlen)
{
	bool found, cleared[MAX_FLAGS] = {};
	char why[512];

	sg_opts_defaults(o);
	if (d->config_path &&
	    sg_conffile_apply(d->config_path, d->config_required, o, &found, err, errlen))
		return -1;
	for (int i = 0; i < d->nflags; i++) {
		const struct sg_optkey *k = d->flags[i].key;
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = d->flags[j].key == k && cleared[j];
		if (k->list && !seen) {
			sg_opts_clear(o, k);
			cleared[i] = true;
		}
		if (sg_opts_set(o, k, d->flags[i].val, why, sizeof(why))) {
			snprintf(err, errlen, "--%s", why);
			return -1;
		}
	}
	return 0;
}

/* Returns 0 to go on, 1 to exit 0 (help, version), -1 on a usage error. */
static int parse_args(int argc, char **argv, struct daemon *d)
{
	struct option opts[128];
	const struct sg_optkey *k;
	struct sg_opts probe;
	char err[512];
	size_t n = 0;
	int c, idx;

	d->config_path = SG_DEFAULT_CONFIG;
	for (size_t i = 0; (k = sg_optkey_at(i)) && n < 100; i++)
		opts[n++] = (struct option){ k->name, k->type == SG_OPT_BOOL ? optional_argument
						      : required_argument, NULL, OPT_KEY + (int)i };
	opts[n++] = (struct option){ "config", required_argument, NULL, OPT_CONFIG };
	opts[n++] = (struct option){ "upgrade", no_argument, NULL, OPT_UPGRADE };
	opts[n++] = (struct option){ "detach", no_argument, NULL, OPT_DETACH };
	opts[n++] = (struct option){ "check-config", no_argument, NULL, OPT_CHECK };
	opts[n++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[n++] = (struct option){ "version", no_argument, NULL, OPT_VERSION };
	opts[n] = (struct option){ 0 };

	/* Each flag is checked now, against defaults, so a bad value is a
	 * usage error whatever the configuration file says. */
	sg_opts_defaults(&probe);
	while ((c = getopt_long(argc, argv, "i:c:vh", opts, &idx)) != -1) {
		if (c == 'i' || c >= OPT_KEY) {
			k = c == 'i' ? sg_optkey_find("interface") : sg_optkey_at(c - OPT_KEY);
			if (d->nflags == MAX_FLAGS) {
				pr_warn("too many options");
				return -1;
			}
			d->flags[d->nflags].key = k;
			d->flags[d->nflags].val = optarg ? optarg : "true";
			if (k->list)
				sg_opts_clear(&probe, k);
			if (sg_opts_set(&probe, k, d->flags[d->nflags].val, err, sizeof(err))) {
				pr_warn("--%s", err);
				return -1;
			}
			d->nflags++;
			continue;
		}
		switch (c) {
		case OPT_CONFIG:
			d->config_path = optarg;
			d->config_required = true;
			break;
		case OPT_UPGRADE:
		case OPT_DETACH:
		case OPT_CHECK:
			if (d->action != ACT_RUN) {
				pr_warn("--upgrade, --detach and --check-config exclude each other");
				return -1;
			}
			d->action = c == OPT_UPGRADE ? ACT_UPGRADE
				    : c == OPT_DETACH ? ACT_DETACH : ACT_CHECK;
			break;
		case 'v':
			d->verbose++;
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
	return 0;
}

/* ---- lifecycle events -------------------------------------------------------- */

static void emit(struct daemon *d, struct jw *w, char **buf, size_t *len, FILE *m)
{
	jw_obj_close(w);
	jw_end(w);
	fclose(m);
	sg_evlog_line(&d->evlog, *buf, *len, false);
	free(*buf);
}

static FILE *event_open(const char *what, struct jw *w, char **buf, size_t *len)
{
	char t[64];
	FILE *m = open_memstream(buf, len);

	if (!m)
		return NULL;
	jw_init(w, m);
	jw_obj_open(w, NULL);
	jw_str(w, "event", what);
	jw_u64(w, "schema", 1);
	sg_mono_to_rfc3339(sg_now_ns(), t, sizeof(t));
	jw_str(w, "time", t);
	return m;
}

static void event_start(struct daemon *d)
{
	struct jw w;
	char *buf;
	size_t len;
	FILE *m = event_open("start", &w, &buf, &len);

	if (!m)
		return;
	jw_str(&w, "version", SG_VERSION);
	jw_arr_open(&w, "interfaces");
	for (int i = 0; i < d->l.nifs; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "name", d->l.ifs[i].name);
		jw_str(&w, "xdp_mode", d->l.ifs[i].mode == SG_XDP_NATIVE ? "native" : "generic");
		jw_str(&w, "role", d->l.ifs[i].inside ? "inside" : "outside");
		jw_bool(&w, "adopted", d->l.ifs[i].adopted);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_str(&w, "mode", sg_mode_name(d->opts.cfg.mode));
	jw_str(&w, "protect", sg_protect_name(d->opts.cfg.protect));
	jw_u64(&w, "threshold", d->opts.cfg.threshold);
	jw_u64(&w, "window", d->opts.cfg.window_ns / SG_NSEC_PER_SEC);
	jw_u64(&w, "block_ttl", d->opts.cfg.block_ttl_ns / SG_NSEC_PER_SEC);
	jw_str(&w, "pin_path", d->opts.pin_path);
	jw_bool(&w, "persistent", d->l.persistent);
	jw_bool(&w, "maps_adopted", d->l.nfresh == 0);
	emit(d, &w, &buf, &len, m);
}

static void event_simple(struct daemon *d, const char *what, const char *k1, const char *v1,
			 const char *k2, const char *v2)
{
	struct jw w;
	char *buf;
	size_t len;
	FILE *m = event_open(what, &w, &buf, &len);

	if (!m)
		return;
	if (k1)
		jw_str(&w, k1, v1);
	if (k2)
		jw_str(&w, k2, v2);
	emit(d, &w, &buf, &len, m);
}

/* ---- applying settings ------------------------------------------------------- */

static bool cidr_eq(const struct sg_cidr *a, const struct sg_cidr *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(&a->addr, &b->addr, 16);
}

/* Makes the allow entries marked as configuration equal o's allow list;
 * entries of other origins are left alone. */
static int sync_allow(const struct sg_maps *m, const struct sg_opts *o)
{
	struct sg_allow_entry *cur;
	char err[512];
	size_t n;
	int ret;

	ret = sg_allow_list(m, &cur, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		bool keep = false;
		struct sg_lpm_key k;
		struct sg_allow v;

		if (!(cur[i].flags & SG_ALLOW_CONFIG))
			continue;
		for (int j = 0; j < o->nallow && !keep; j++)
			keep = cidr_eq(&cur[i].cidr, &o->allow[j]);
		if (keep)
			continue;
		k = sg_cidr_to_lpm(&cur[i].cidr);
		v.flags = cur[i].flags & ~SG_ALLOW_CONFIG;
		if (v.flags)
			bpf_map_update_elem(m->allow, &k, &v, BPF_EXIST);
		else
			bpf_map_delete_elem(m->allow, &k);
	}
	free(cur);
	for (int i = 0; i < o->nallow; i++) {
		if (sg_allow_add(m, &o->allow[i], SG_ALLOW_CONFIG, NULL, err, sizeof(err))) {
			pr_warn("allow: %s", err);
			return -EINVAL;
		}
	}
	return 0;
}

static bool expose_eq(const struct sg_expose_entry *a, const struct sg_expose_entry *b)
{
	return cidr_eq(&a->cidr, &b->cidr) && a->pc == b->pc && a->port == b->port;
}

static bool has_expose(const struct sg_opts *o, const struct sg_expose_entry *e)
{
	for (int i = 0; i < o->nexpose; i++)
		if (expose_eq(&o->expose[i], e))
			return true;
	return false;
}

static bool has_trap(const struct sg_opts *o, uint32_t t)
{
	for (int i = 0; i < o->ntraps; i++)
		if (o->traps[i] == t)
			return true;
	return false;
}

/* Exposed services and trap ports of the configuration: the ones the old
 * configuration had and the new one lacks go, the new ones come; entries
 * added with scanguardctl stay. */
static int sync_lists(const struct sg_maps *m, const struct sg_opts *old, const struct sg_opts *n)
{
	char err[512];
	int ret;

	for (int i = 0; old && i < old->nexpose; i++)
		if (!has_expose(n, &old->expose[i]))
			sg_expose_del(m, &old->expose[i]);
	for (int i = 0; old && i < old->ntraps; i++)
		if (!has_trap(n, old->traps[i]))
			sg_trap_set(m, SG_TARGET_PC(old->traps[i]), SG_TARGET_PORT(old->traps[i]),
				    false);
	for (int i = 0; i < n->nexpose; i++) {
		if (sg_expose_add(m, &n->expose[i], err, sizeof(err))) {
			pr_warn("expose: %s", err);
			return -EINVAL;
		}
	}
	for (int i = 0; i < n->ntraps; i++) {
		ret = sg_trap_set(m, SG_TARGET_PC(n->traps[i]), SG_TARGET_PORT(n->traps[i]), true);
		if (ret) {
			pr_warn("trap: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int write_config(struct sg_loader *l, const struct sg_config *cfg)
{
	struct sg_config old;
	int ret;

	/* Blocks keyed by an older IPv6 prefix keep matching. */
	if (sg_config_read(&l->maps, &old) == 0 && old.ipv6_prefix &&
	    old.ipv6_prefix != cfg->ipv6_prefix) {
		ret = sg_block_rekey_v6(&l->maps, old.ipv6_prefix);
		if (ret)
			pr_warn("cannot carry IPv6 blocks over to /%u: %s", cfg->ipv6_prefix,
				strerror(-ret));
	}
	ret = sg_config_write(&l->maps, cfg);
	if (ret) {
		pr_warn("cannot write the configuration: %s", strerror(-ret));
		return ret;
	}
	/* At start (an instance adopted from an older version has no flags
	 * yet) and for a new IPv6 prefix. */
	ret = sg_allow_inside_sync(&l->maps);
	if (ret)
		pr_warn("cannot flag the IPv6 blocks that hold allowed addresses: %s",
			strerror(-ret));
	return ret;
}

static int setup(struct daemon *d)
{
	struct sg_opts *o = &d->opts;
	char err[512];
	int ret;

	ret = sg_loader_open(&d->l, o->pin_path, !o->ephemeral, err, sizeof(err));
	if (ret) {
		pr_warn("%s", err);
		return ret;
	}
	/* Configuration and allow-list first: the program must never see a
	 * packet with a half-written state. */
	ret = write_config(&d->l, &o->cfg);
	if (ret)
		return ret;
	ret = sg_hostaddr_sync(&d->l.maps);
	if (ret < 0) {
		pr_warn("cannot read this host's addresses: %s", strerror(-ret));
		return ret;
	}
	ret = sync_allow(&d->l.maps, o);
	if (!ret)
		ret = sync_lists(&d->l.maps, NULL, o);
	if (ret)
		return ret;
	for (int i = 0; i < o->nifs; i++) {
		ret = sg_loader_attach(&d->l, o->ifnames[i], o->xdp, o->inside[i], err, sizeof(err));
		if (ret) {
			pr_warn("%s", err);
			return ret;
		}
		d->links_adopted += d->l.ifs[i].adopted;
		pr_info("%s %s (%s XDP%s)", d->l.ifs[i].adopted ? "adopted the program on" :
			"attached to", d->l.ifs[i].name,
			d->l.ifs[i].mode == SG_XDP_NATIVE ? "native" : "generic",
			o->inside[i] ? ", inside: records the segment's flows" : "");
	}
	ret = sg_loader_prune(&d->l);
	if (ret > 0)
		pr_info("detached %d interface%s no longer configured", ret, ret == 1 ? "" : "s");
	return 0;
}

static int find_iface(const struct sg_loader *l, const char *name)
{
	for (int i = 0; i < l->nifs; i++)
		if (!strcmp(l->ifs[i].name, name))
			return i;
	return -1;
}

/* The index of name in o's interfaces, or -1. */
static int opts_iface(const struct sg_opts *o, const char *name)
{
	for (int i = 0; i < o->nifs; i++)
		if (!strcmp(o->ifnames[i], name))
			return i;
	return -1;
}

/* SIGHUP: everything that can fail is tried before anything changes. */
static void reload(struct daemon *d)
{
	struct sg_opts *n = malloc(sizeof(*n));
	struct sg_metrics *nm = NULL;
	char err[1024], why[512];
	bool metrics_changed;
	int attached_from;

	__atomic_store_n(&d->status.last_reload_time_s, (uint64_t)time(NULL), __ATOMIC_RELAXED);
	if (!n) {
		snprintf(err, sizeof(err), "out of memory");
		goto reject;
	}
	if (build_opts(d, n, err, sizeof(err)) || sg_opts_resolve(n, err, sizeof(err)) ||
	    sg_opts_validate(n, err, sizeof(err)))
		goto reject;
	if (strcmp(n->pin_path, d->opts.pin_path) || n->ephemeral != d->opts.ephemeral) {
		pr_warn("reload: pin-path and ephemeral take effect on restart; keeping %s%s",
			d->opts.pin_path, d->opts.ephemeral ? " (ephemeral)" : "");
		snprintf(n->pin_path, sizeof(n->pin_path), "%s", d->opts.pin_path);
		n->ephemeral = d->opts.ephemeral;
	}
	/* The fallible steps: a new events file, a new metrics address, new
	 * interfaces.  Each is undone if a later one fails. */
	if (sg_evlog_reopen(&d->evlog, n->events_file, n->events_syslog, why, sizeof(why))) {
		snprintf(err, sizeof(err), "%s", why);
		goto reject;
	}
	metrics_changed = strcmp(n->metrics, d->opts.metrics) != 0;
	if (metrics_changed && n->metrics[0] &&
	    !(nm = sg_metrics_start(n->metrics, &d->l.maps, &d->status, why, sizeof(why)))) {
		snprintf(err, sizeof(err), "%s", why);
		sg_evlog_reopen(&d->evlog, d->opts.events_file, d->opts.events_syslog, why,
				sizeof(why));
		goto reject;
	}
	attached_from = d->l.nifs;
	for (int i = 0; i < n->nifs; i++) {
		if (find_iface(&d->l, n->ifnames[i]) >= 0)
			continue;
		if (sg_loader_attach(&d->l, n->ifnames[i], n->xdp, n->inside[i], why, sizeof(why))) {
			snprintf(err, sizeof(err), "%s", why);
			while (d->l.nifs > attached_from)
				sg_loader_detach(&d->l, d->l.nifs - 1);
			sg_metrics_stop(nm);
			sg_evlog_reopen(&d->evlog, d->opts.events_file, d->opts.events_syslog, why,
					sizeof(why));
			goto reject;
		}
		pr_info("reload: attached to %s", n->ifnames[i]);
	}

	/* From here on nothing fails in a way that could leave half a change. */
	if (metrics_changed) {
		sg_metrics_stop(d->metrics);
		d->metrics = nm;
	}
	for (int i = d->l.nifs - 1; i >= 0; i--) {
		int j = opts_iface(n, d->l.ifs[i].name);

		if (j < 0) {
			pr_info("reload: detached from %s", d->l.ifs[i].name);
			sg_loader_detach(&d->l, i);
		} else if (n->inside[j] != d->l.ifs[i].inside &&
			   sg_loader_set_role(&d->l, i, n->inside[j], why, sizeof(why)) == 0) {
			pr_info("reload: %s is now %s", d->l.ifs[i].name,
				n->inside[j] ? "inside" : "outside");
		} else if (n->inside[j] != d->l.ifs[i].inside) {
			pr_warn("reload: %s", why);
		}
	}
	write_config(&d->l, &n->cfg);
	sync_allow(&d->l.maps, n);
	sync_lists(&d->l.maps, &d->opts, n);
	d->opts = *n;
	free(n);
	__atomic_store_n(&d->status.nifs, (uint64_t)d->opts.nifs, __ATOMIC_RELAXED);
	__atomic_add_fetch(&d->status.reloads_ok, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&d->status.last_reload_ok, 1, __ATOMIC_RELAXED);
	pr_info("reload: configuration applied");
	event_simple(d, "reload", "result", "applied", NULL, NULL);
	return;
reject:
	free(n);
	/* logrotate's SIGHUP must reopen the events file even when the
	 * configuration is bad. */
	if (sg_evlog_reopen(&d->evlog, d->opts.events_file, d->opts.events_syslog, why,
			    sizeof(why)))
		pr_warn("%s", why);
	pr_warn("reload rejected: %s; the running configuration stays", err);
	__atomic_add_fetch(&d->status.reloads_failed, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&d->status.last_reload_ok, 0, __ATOMIC_RELAXED);
	event_simple(d, "reload", "result", "rejected", "error", err);
}

static bool link_live(const struct sg_attached *a)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(a->link_fd, &info, &len) == 0 && info.xdp.ifindex;
}

/* Keeps every configured interface attached: a link dies when its
 * interface is deleted (a veth or VLAN recreated, a pod's interface
 * replaced) or someone detaches it; the interface is attached again as soon
 * as it exists.  Returns how many configured interfaces are attached. */
static int check_links(struct daemon *d)
{
	char err[512];
	int live = 0;

	for (int i = d->l.nifs - 1; i >= 0; i--) {
		if (link_live(&d->l.ifs[i]))
			continue;
		pr_warn("%s lost its program (interface gone or detached)", d->l.ifs[i].name);
		sg_loader_detach(&d->l, i);
	}
	for (int i = 0; i < d->opts.nifs; i++) {
		const char *name = d->opts.ifnames[i];

		if (find_iface(&d->l, name) >= 0) {
			live++;
			continue;
		}
		if (!if_nametoindex(name))
			continue;	/* not there (yet); /healthz says so */
		if (sg_loader_attach(&d->l, name, d->opts.xdp, d->opts.inside[i], err, sizeof(err))) {
			pr_warn("cannot attach %s again: %s", name, err);
			continue;
		}
		pr_warn("%s is back: attached again", name);
		live++;
	}
	return live;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_signal = 1;
	else
		stop_signal = sig;
}

static int run(struct daemon *d)
{
	uint64_t next_sweep = 0, next_hostaddr = sg_now_ns() + HOSTADDR_INTERVAL_NS;
	uint64_t next_links = 0, next_hints = sg_now_ns() + SG_HINT_REBUILD_NS;
	int ret;

	ret = sg_events_open(&d->ev, d->l.events_fd, &d->evlog);
	if (ret) {
		pr_warn("cannot open the event ring buffer: %s", strerror(-ret));
		return ret;
	}
	while (!stop_signal) {
		uint64_t now;

		ret = sg_events_poll(&d->ev, 250);
		if (ret < 0) {
			pr_warn("reading events failed: %s", strerror(-ret));
			break;
		}
		now = sg_now_ns();
		__atomic_store_n(&d->status.heartbeat_ns, now, __ATOMIC_RELAXED);
		__atomic_store_n(&d->status.events_written, d->ev.written, __ATOMIC_RELAXED);
		__atomic_store_n(&d->status.event_write_errors, d->evlog.errors, __ATOMIC_RELAXED);
		if (reload_signal) {
			reload_signal = 0;
			reload(d);
		}
		if (now >= next_sweep) {
			sg_block_sweep(&d->l.maps, now);
			next_sweep = now + SWEEP_INTERVAL_NS;
		}
		/* The loader built them; evicted entries' bits go. */
		if (now >= next_hints) {
			int err = sg_hints_build(d->l.skel);

			if (err)
				pr_warn("cannot rebuild the tracking hints: %s", strerror(-err));
			next_hints = now + SG_HINT_REBUILD_NS;
		}
		if (now >= next_hostaddr) {
			sg_hostaddr_sync(&d->l.maps);
			next_hostaddr = now + HOSTADDR_INTERVAL_NS;
		}
		if (now >= next_links) {
			__atomic_store_n(&d->status.nifs_live, (uint64_t)check_links(d),
					 __ATOMIC_RELAXED);
			__atomic_store_n(&d->status.nifs, (uint64_t)d->opts.nifs, __ATOMIC_RELAXED);
			next_links = now + LINKS_INTERVAL_NS;
		}
	}
	/* Whatever arrived before the signal still gets written. */
	sg_events_poll(&d->ev, 0);
	sg_events_close(&d->ev);
	return ret < 0 ? ret : 0;
}

/* ---- one-shot modes ----------------------------------------------------------- */

static int do_upgrade(struct daemon *d)
{
	char err[1024], *buf;
	int ret = sg_upgrade(d->opts.pin_path, err, sizeof(err));
	struct jw w;
	size_t len;
	FILE *m;

	if (ret < 0) {
		pr_warn("upgrade: %s", err);
		return ret == -ENOENT ? 3 : 1;
	}
	sg_evlog_open(&d->evlog, "", false, err, sizeof(err));
	m = event_open("upgrade", &w, &buf, &len);
	if (m) {
		jw_str(&w, "version", SG_VERSION);
		jw_u64(&w, "interfaces", ret);
		emit(d, &w, &buf, &len, m);
	}
	pr_info("upgrade: swapped the program on %d interface%s", ret, ret == 1 ? "" : "s");
	return 0;
}

static int do_detach(struct daemon *d)
{
	char err[1024];
	int n, ret = sg_instance_remove(d->opts.pin_path, &n, err, sizeof(err));

	if (ret) {
		pr_warn("detach: %s", err);
		return ret == -ENOENT ? 3 : 1;
	}
	pr_info("detach: detached from %d interface%s and removed %s", n, n == 1 ? "" : "s",
		d->opts.pin_path);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static struct daemon d;
	char err[1024];
	int ret;

	sg_log_init("scanguardd", 0);
	ret = parse_args(argc, argv, &d);
	if (ret)
		return ret > 0 ? 0 : 2;
	sg_log_init("scanguardd", d.verbose);
	if (build_opts(&d, &d.opts, err, sizeof(err))) {
		pr_warn("%s", err);
		return 2;
	}
	if (d.action == ACT_UPGRADE)
		return do_upgrade(&d);
	if (d.action == ACT_DETACH)
		return do_detach(&d);
	if (sg_opts_resolve(&d.opts, err, sizeof(err)) ||
	    sg_opts_validate(&d.opts, err, sizeof(err))) {
		pr_warn("%s", err);
		return 2;
	}
	if (d.action == ACT_CHECK) {
		printf("configuration ok; interfaces:");
		for (int i = 0; i < d.opts.nifs; i++)
			printf(" %s", d.opts.ifnames[i]);
		printf("\n");
		return 0;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (sg_evlog_open(&d.evlog, d.opts.events_file, d.opts.events_syslog, err, sizeof(err))) {
		pr_warn("%s", err);
		return 1;
	}
	d.status.start_time_s = time(NULL);
	d.status.heartbeat_ns = sg_now_ns();
	d.status.last_reload_ok = 1;
	ret = setup(&d);
	if (ret) {
		sg_loader_abort(&d.l);
		sg_evlog_close(&d.evlog);
		return 1;
	}
	d.status.nifs = d.status.nifs_live = d.l.nifs;
	d.status.adopted = d.l.nfresh == 0 && d.links_adopted > 0;
	if (d.opts.metrics[0] &&
	    !(d.metrics = sg_metrics_start(d.opts.metrics, &d.l.maps, &d.status, err,
					    sizeof(err)))) {
		pr_warn("%s", err);
		sg_loader_abort(&d.l);
		sg_evlog_close(&d.evlog);
		return 1;
	}
	event_start(&d);
	ret = run(&d);
	sg_metrics_stop(d.metrics);
	sg_loader_close(&d.l, d.opts.ephemeral);
	event_simple(&d, "stop", "program", d.opts.ephemeral ? "detached" : "attached", NULL,
		     NULL);
	sg_evlog_close(&d.evlog);
	if (d.opts.ephemeral)
		pr_info("detached and unpinned; exiting");
	else
		pr_info("exiting; the program stays attached (scanguardctl detach removes it)");
	return ret ? 1 : 0;
}
