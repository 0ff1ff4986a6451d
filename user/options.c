// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* options.c - the daemon's own keys, the setter every flag and every
 * configuration-file setting goes through, and the checks across keys. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfgkeys.h"
#include "fmt.h"
#include "options.h"

static const struct sg_optkey daemon_keys[] = {
	{ "interface", SG_OPT_IFACE, true, true, "IFACE",
	  "attach to IFACE (repeat for several; all share one state); "
	  SG_IFACE_DEFAULT_ROUTE " names the interfaces of the default routes" },
	{ "inside", SG_OPT_INSIDE, true, true, "IFACE",
	  "segment mode: IFACE faces the protected segment; its outbound flows are recorded "
	  "so their answers are not probes" },
	{ "xdp-mode", SG_OPT_XDP_MODE, false, true, "MODE",
	  "auto (native, else generic; default), native or generic" },
	{ "allow", SG_OPT_ALLOW, true, true, "CIDR[,CIDR]",
	  "never count or block these sources (repeatable)" },
	{ "expose", SG_OPT_EXPOSE, true, true, "PROTO/PORT@CIDR[,...]",
	  "segment mode: an open service (repeatable; e.g. tcp/443@198.18.2.0/24, "
	  "icmp@198.18.2.10, udp/any@...)" },
	{ "trap", SG_OPT_TRAP, true, true, "PROTO/PORT[,...]",
	  "ports nothing should touch: one probe blocks (repeatable)" },
	{ "metrics", SG_OPT_METRICS, false, true, "ADDR:PORT",
	  "serve Prometheus /metrics and /healthz there (default off)" },
	{ "events-file", SG_OPT_PATH, false, true, "FILE",
	  "append events to FILE instead of stdout; reopened on SIGHUP" },
	{ "events-syslog", SG_OPT_BOOL, false, true, NULL,
	  "also send events to syslog (facility daemon)" },
	{ "pin-path", SG_OPT_PIN_PATH, false, false, "DIR",
	  "the instance's directory on bpffs (default " SG_DEFAULT_PIN_PATH ")" },
	{ "ephemeral", SG_OPT_BOOL, false, false, NULL,
	  "links die with the daemon; exit detaches and unpins everything" },
};

#define NDAEMON_KEYS (sizeof(daemon_keys) / sizeof(daemon_keys[0]))
#define NFIRST 6	/* daemon keys listed before the detection keys */

/* Daemon keys and cfgkeys.c's table in one sequence (help and --help order):
 * what to attach to, how to detect, then how to run. */
const struct sg_optkey *sg_optkey_at(size_t i)
{
	static struct sg_optkey wrapped[64];

	if (i < NFIRST)
		return &daemon_keys[i];
	i -= NFIRST;
	if (i < sg_ncfgkeys && i < sizeof(wrapped) / sizeof(wrapped[0])) {
		const struct sg_cfgkey *c = &sg_cfgkeys[i];

		wrapped[i] = (struct sg_optkey){
			.name = c->name, .type = SG_OPT_CFG, .list = false, .live = true,
			.metavar = c->type == SG_CFG_SECONDS ? "DURATION"
				   : c->type == SG_CFG_ENUM ? "NAME" : "N",
			.help = c->help,
		};
		return &wrapped[i];
	}
	i -= sg_ncfgkeys;
	return i < NDAEMON_KEYS - NFIRST ? &daemon_keys[NFIRST + i] : NULL;
}

const struct sg_optkey *sg_optkey_find(const char *name)
{
	const struct sg_optkey *k;

	for (size_t i = 0; (k = sg_optkey_at(i)); i++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

void sg_opts_defaults(struct sg_opts *o)
{
	memset(o, 0, sizeof(*o));
	sg_config_defaults(&o->cfg);
	o->xdp = SG_XDP_REQ_AUTO;
	snprintf(o->pin_path, sizeof(o->pin_path), "%s", SG_DEFAULT_PIN_PATH);
}

void sg_opts_clear(struct sg_opts *o, const struct sg_optkey *k)
{
	int n = 0;

	switch (k->type) {
	case SG_OPT_IFACE:
	case SG_OPT_INSIDE:
		/* Only the interfaces of this key's role. */
		for (int i = 0; i < o->nifs; i++) {
			if (o->inside[i] == (k->type == SG_OPT_INSIDE))
				continue;
			memmove(o->ifnames[n], o->ifnames[i], IF_NAMESIZE);
			o->inside[n++] = o->inside[i];
		}
		o->nifs = n;
		break;
	case SG_OPT_ALLOW:
		o->nallow = 0;
		break;
	case SG_OPT_EXPOSE:
		o->nexpose = 0;
		break;
	case SG_OPT_TRAP:
		o->ntraps = 0;
		break;
	default:
		break;
	}
}

/* Calls fn on each comma-separated item of val; all or nothing. */
static int each_item(struct sg_opts *o, const char *val,
		     int (*fn)(struct sg_opts *, const char *, char *, size_t), char *err,
		     size_t errlen)
{
	char *list = strdup(val), *save = NULL, *tok;
	int nexpose = o->nexpose, ntraps = o->ntraps, ret = 0;

	if (!list) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(list, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save))
		ret = fn(o, tok, err, errlen);
	free(list);
	if (ret) {
		o->nexpose = nexpose;
		o->ntraps = ntraps;
	}
	return ret;
}

static int add_expose(struct sg_opts *o, const char *tok, char *err, size_t errlen)
{
	char why[200];

	if (o->nexpose == SG_OPTS_MAX_EXPOSE) {
		snprintf(err, errlen, "expose: more than %d entries", SG_OPTS_MAX_EXPOSE);
		return -1;
	}
	if (sg_expose_parse(tok, &o->expose[o->nexpose], why, sizeof(why))) {
		snprintf(err, errlen, "expose: %s", why);
		return -1;
	}
	o->nexpose++;
	return 0;
}

static int add_trap(struct sg_opts *o, const char *tok, char *err, size_t errlen)
{
	char why[200];
	uint16_t port;
	uint8_t pc;

	if (o->ntraps == SG_OPTS_MAX_TRAPS) {
		snprintf(err, errlen, "trap: more than %d entries", SG_OPTS_MAX_TRAPS);
		return -1;
	}
	if (sg_target_parse(tok, false, &pc, &port, why, sizeof(why))) {
		snprintf(err, errlen, "trap: %s", why);
		return -1;
	}
	if (pc != SG_PC_TCP && pc != SG_PC_UDP) {
		snprintf(err, errlen, "trap: '%s': only tcp and udp ports can be traps", tok);
		return -1;
	}
	o->traps[o->ntraps++] = SG_TARGET(pc, port);
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

int sg_listen_parse(const char *s, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	char host[SG_METRICS_ADDR_MAX];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	colon = strrchr(s, ':');
	if (!colon || strlen(s) >= sizeof(host))
		goto bad;
	hlen = colon - s;
	memcpy(host, s, hlen);
	host[hlen] = 0;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port == 0 || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		goto bad;
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		host[hlen - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			goto bad;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		goto bad;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not ADDR:PORT (e.g. 127.0.0.1:9101, [::1]:9101, "
		 "0.0.0.0:9101) or off", s);
	return -1;
}

static int add_allow(struct sg_opts *o, const char *val, char *err, size_t errlen)
{
	char *list = strdup(val), *save = NULL, *tok;
	int n = o->nallow, ret = 0;
	char why[200];

	if (!list) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == SG_OPTS_MAX_ALLOW) {
			snprintf(err, errlen, "allow: more than %d entries", SG_OPTS_MAX_ALLOW);
			ret = -1;
			break;
		}
		if (sg_cidr_parse(tok, &o->allow[n], why, sizeof(why))) {
			snprintf(err, errlen, "allow: %s", why);
			ret = -1;
			break;
		}
		n++;
	}
	free(list);
	if (!ret)
		o->nallow = n;
	return ret;
}

int sg_opts_set(struct sg_opts *o, const struct sg_optkey *k, const char *val, char *err,
		size_t errlen)
{
	struct sockaddr_storage ss;
	char why[200];
	bool b;

	switch (k->type) {
	case SG_OPT_CFG:
		return sg_cfgkey_set(sg_cfgkey_find(k->name), &o->cfg, val, err, errlen);
	case SG_OPT_EXPOSE:
		return each_item(o, val, add_expose, err, errlen);
	case SG_OPT_TRAP:
		return each_item(o, val, add_trap, err, errlen);
	case SG_OPT_IFACE:
	case SG_OPT_INSIDE:
		if (!*val || strlen(val) >= IF_NAMESIZE || strchr(val, '/') || strchr(val, ' ')) {
			snprintf(err, errlen, "%s: '%s' is not an interface name", k->name, val);
			return -1;
		}
		if (o->nifs == SG_MAX_IFACES) {
			snprintf(err, errlen, "%s: at most %d interfaces", k->name, SG_MAX_IFACES);
			return -1;
		}
		for (int i = 0; i < o->nifs; i++)
			if (!strcmp(o->ifnames[i], val)) {
				snprintf(err, errlen, "%s: %s given twice", k->name, val);
				return -1;
			}
		o->inside[o->nifs] = k->type == SG_OPT_INSIDE;
		snprintf(o->ifnames[o->nifs++], IF_NAMESIZE, "%s", val);
		return 0;
	case SG_OPT_XDP_MODE:
		if (!strcmp(val, "auto"))
			o->xdp = SG_XDP_REQ_AUTO;
		else if (!strcmp(val, "native"))
			o->xdp = SG_XDP_REQ_NATIVE;
		else if (!strcmp(val, "generic"))
			o->xdp = SG_XDP_REQ_GENERIC;
		else {
			snprintf(err, errlen, "xdp-mode: '%s' is not auto, native or generic", val);
			return -1;
		}
		return 0;
	case SG_OPT_ALLOW:
		return add_allow(o, val, err, errlen);
	case SG_OPT_PIN_PATH:
		if (val[0] != '/' || strlen(val) >= sizeof(o->pin_path)) {
			snprintf(err, errlen, "pin-path: '%s' is not an absolute path of at most %zu "
				 "characters", val, sizeof(o->pin_path) - 1);
			return -1;
		}
		snprintf(o->pin_path, sizeof(o->pin_path), "%s", val);
		return 0;
	case SG_OPT_METRICS:
		if (!strcmp(val, "off") || !*val) {
			o->metrics[0] = 0;
			return 0;
		}
		if (sg_listen_parse(val, &ss, why, sizeof(why))) {
			snprintf(err, errlen, "metrics: %s", why);
			return -1;
		}
		snprintf(o->metrics, sizeof(o->metrics), "%s", val);
		return 0;
	case SG_OPT_PATH:
		if (!strcmp(val, "-")) {
			o->events_file[0] = 0;
			return 0;
		}
		if (val[0] != '/' || strlen(val) >= sizeof(o->events_file)) {
			snprintf(err, errlen, "%s: '%s' is not an absolute path (or - for stdout)",
				 k->name, val);
			return -1;
		}
		snprintf(o->events_file, sizeof(o->events_file), "%s", val);
		return 0;
	case SG_OPT_BOOL:
		if (parse_bool(val, &b)) {
			snprintf(err, errlen, "%s: '%s' is not true or false", k->name, val);
			return -1;
		}
		if (!strcmp(k->name, "events-syslog"))
			o->events_syslog = b;
		else
			o->ephemeral = b;
		return 0;
	}
	snprintf(err, errlen, "%s: unknown key type", k->name);
	return -1;
}

/* Adds dev to names unless it is there already. */
static void add_name(char names[][IF_NAMESIZE], int *n, const char *dev)
{
	if (*n == SG_MAX_IFACES)
		return;
	for (int i = 0; i < *n; i++)
		if (!strcmp(names[i], dev))
			return;
	snprintf(names[(*n)++], IF_NAMESIZE, "%s", dev);
}

/* The devices of the IPv4 and IPv6 default routes, from /proc/net (the
 * daemon's network namespace: the node's, with hostNetwork). */
static int default_route_ifaces(char names[][IF_NAMESIZE], int *n)
{
	char line[512], dev[IF_NAMESIZE + 1], dst[40], plen[4];
	unsigned int flags, mask, d;
	FILE *f;

	f = fopen("/proc/net/route", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			/* Iface Destination Gateway Flags RefCnt Use Metric Mask */
			if (sscanf(line, "%16s %x %*x %x %*d %*d %*d %x", dev, &d, &flags, &mask) == 4 &&
			    d == 0 && mask == 0 && (flags & 0x1) && !(flags & 0x200) &&
			    strcmp(dev, "lo"))
				add_name(names, n, dev);
		fclose(f);
	}
	f = fopen("/proc/net/ipv6_route", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			/* dst plen src splen nexthop metric refcnt use flags dev */
			if (sscanf(line, "%32s %2s %*s %*s %*s %*s %*s %*s %x %16s", dst, plen, &flags,
				   dev) == 4 && !strcmp(plen, "00") &&
			    strspn(dst, "0") == 32 && (flags & 0x1) && !(flags & 0x200) &&
			    strcmp(dev, "lo"))
				add_name(names, n, dev);
		fclose(f);
	}
	return *n;
}

int sg_opts_resolve(struct sg_opts *o, char *err, size_t errlen)
{
	char names[SG_MAX_IFACES][IF_NAMESIZE];
	bool inside[SG_MAX_IFACES];
	int n = 0;

	for (int i = 0; i < o->nifs; i++) {
		int from = n;

		if (strcmp(o->ifnames[i], SG_IFACE_DEFAULT_ROUTE))
			add_name(names, &n, o->ifnames[i]);
		else if (!default_route_ifaces(names, &n)) {
			snprintf(err, errlen, "%s: no interface holds a default route",
				 o->inside[i] ? "inside" : "interface");
			return -1;
		}
		for (int j = from; j < n; j++)
			inside[j] = o->inside[i];
	}
	memcpy(o->ifnames, names, sizeof(names));
	memcpy(o->inside, inside, sizeof(inside));
	o->nifs = n;
	return 0;
}

int sg_opts_validate(const struct sg_opts *o, char *err, size_t errlen)
{
	int outside = 0;

	for (int i = 0; i < o->nifs; i++) {
		outside += !o->inside[i];
		if (o->inside[i] && o->cfg.protect != SG_PROTECT_SEGMENT) {
			snprintf(err, errlen, "inside %s needs protect = segment", o->ifnames[i]);
			return -1;
		}
	}
	if (!outside) {
		snprintf(err, errlen, "no interface given (-i IFACE, or interface = [...] in the "
			 "configuration file)");
		return -1;
	}
	if (o->nexpose && o->cfg.protect != SG_PROTECT_SEGMENT) {
		snprintf(err, errlen, "expose needs protect = segment");
		return -1;
	}
	for (int i = 0; i < o->nifs; i++)
		if (!if_nametoindex(o->ifnames[i])) {
			snprintf(err, errlen, "no interface named '%s'", o->ifnames[i]);
			return -1;
		}
	return 0;
}
