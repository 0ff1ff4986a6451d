// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * audit.c - `scanguardctl audit`: every listening TCP and bound UDP socket,
 * with its process and user, whether a scanner could reach it through an
 * interface scanguard protects, and whether the operator expects it there.
 *
 * Reachability follows Linux's weak host model: a packet for any of this
 * host's addresses is accepted on any interface, so a socket is reachable
 * through a protected interface unless it is bound to a loopback address, to
 * another device (SO_BINDTODEVICE), or to an IPv6 link-local address of an
 * unprotected interface (link-local addresses are scoped to their link).
 * The protected interfaces are the instance's (its pinned sg_ifaces map)
 * that still have an XDP program attached, whether a daemon holds them or
 * pinned links do; with no instance protecting any, every non-loopback
 * interface.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "ctl.h"
#include "json.h"
#include "links.h"
#include "pin.h"
#include "replay.h"
#include "sockdiag.h"

#define MAX_EXPECT 1024

struct iface {
	unsigned int ifindex;
	char name[IF_NAMESIZE];
	bool loopback, protected_;
};

struct audit {
	struct iface ifs[256];
	int nifs;
	bool instance;		/* protected interfaces come from a running instance */
	char warning[256];
	struct sg_port_range expect[MAX_EXPECT];
	int nexpect;
};

enum reach { REACH_EXPOSED, REACH_LOOPBACK, REACH_UNPROTECTED };
static const char *const reach_names[] = { "exposed", "loopback", "unprotected" };

static struct iface *iface_by_index(struct audit *a, unsigned int ifindex)
{
	for (int i = 0; i < a->nifs; i++)
		if (a->ifs[i].ifindex == ifindex)
			return &a->ifs[i];
	return NULL;
}

static int load_interfaces(struct audit *a)
{
	struct if_nameindex *ni = if_nameindex(), *p;

	if (!ni)
		return -errno;
	for (p = ni; p->if_index && a->nifs < (int)(sizeof(a->ifs) / sizeof(a->ifs[0])); p++) {
		struct iface *f = &a->ifs[a->nifs++];

		f->ifindex = p->if_index;
		snprintf(f->name, sizeof(f->name), "%s", p->if_name);
	}
	if_freenameindex(ni);

	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) == 0) {
		for (i = ifa; i; i = i->ifa_next) {
			struct iface *f = iface_by_index(a, if_nametoindex(i->ifa_name));

			if (f && (i->ifa_flags & IFF_LOOPBACK))
				f->loopback = true;
		}
		freeifaddrs(ifa);
	}
	return 0;
}

/* The instance's interfaces with a program attached; none: all but loopback. */
static void load_protected(struct audit *a, const char *pin_path)
{
	char path[SG_PIN_PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_path, SG_STR(SG_MAP_IFACES));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		for (__u32 k = 0; k < SG_MAX_IFACES; k++) {
			struct sg_iface v;
			struct iface *f;

			if (bpf_map_lookup_elem(fd, &k, &v) || !v.ifindex)
				continue;
			v.name[sizeof(v.name) - 1] = 0;
			f = iface_by_index(a, v.ifindex);
			/* The instance may live in another network namespace. */
			if (!f || strcmp(f->name, v.name)) {
				snprintf(a->warning, sizeof(a->warning),
					 "the instance's interface %s is not in this network "
					 "namespace; run audit where scanguardd runs", v.name);
				continue;
			}
			/* Listed but detached (the daemon stopped, nothing pinned). */
			if (sg_xdp_attached_mode(v.ifindex) == SG_XDP_NONE)
				continue;
			f->protected_ = true;
			a->instance = true;
		}
		close(fd);
		if (a->instance)
			return;
	}
	for (int i = 0; i < a->nifs; i++)
		a->ifs[i].protected_ = !a->ifs[i].loopback;
}

static bool is_loopback_addr(const struct sg_sock *s)
{
	const uint8_t *b = (const uint8_t *)&s->addr;
	static const uint8_t v6lo[16] = { [15] = 1 };

	return s->family == 4 ? b[12] == 127 : !memcmp(b, v6lo, 16);
}

static bool is_link_local(const struct sg_sock *s)
{
	const uint8_t *b = (const uint8_t *)&s->addr;

	return s->family == 6 && b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

/* The interface holding an IPv6 link-local address, or 0. */
static unsigned int link_local_iface(const struct sg_sock *s)
{
	struct ifaddrs *ifa, *i;
	unsigned int idx = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i && !idx; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6 &&
		    !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, &s->addr, 16))
			idx = if_nametoindex(i->ifa_name);
	freeifaddrs(ifa);
	return idx;
}

static enum reach reach_of(struct audit *a, const struct sg_sock *s)
{
	unsigned int only = s->ifindex;
	struct iface *f;
	bool any = false;

	if (is_loopback_addr(s))
		return REACH_LOOPBACK;
	if (!only && is_link_local(s))
		only = link_local_iface(s);
	if (only) {
		f = iface_by_index(a, only);
		if (f && f->loopback)
			return REACH_LOOPBACK;
		return f && f->protected_ ? REACH_EXPOSED : REACH_UNPROTECTED;
	}
	for (int i = 0; i < a->nifs; i++)
		any |= a->ifs[i].protected_;
	return any ? REACH_EXPOSED : REACH_UNPROTECTED;
}

static bool expected(const struct audit *a, const struct sg_sock *s)
{
	for (int i = 0; i < a->nexpect; i++)
		if (a->expect[i].proto == s->proto && s->port >= a->expect[i].lo &&
		    s->port <= a->expect[i].hi)
			return true;
	return false;
}

/* ---- the expected list ------------------------------------------------------ */

static int add_expect(struct audit *a, const char *item, const char *where, char *err,
		      size_t errlen)
{
	char why[256];

	if (a->nexpect == MAX_EXPECT) {
		snprintf(err, errlen, "%s: at most %d expected entries", where, MAX_EXPECT);
		return -1;
	}
	if (sg_port_range_parse(item, &a->expect[a->nexpect], why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", where, why);
		return -1;
	}
	a->nexpect++;
	return 0;
}

static int add_expect_list(struct audit *a, char *list, const char *where, char *err,
			   size_t errlen)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(list, ", \t\r\n", &save); tok; tok = strtok_r(NULL, ", \t\r\n", &save))
		if (add_expect(a, tok, where, err, errlen))
			return -1;
	return 0;
}

static int read_expect_file(struct audit *a, const char *path, char *err, size_t errlen)
{
	char line[1024], where[300];
	int lineno = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(err, errlen, "--expect-file %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "#")] = 0;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (add_expect_list(a, line, where, err, errlen)) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* ---- report ------------------------------------------------------------------ */

static int by_port(const void *x, const void *y)
{
	const struct sg_sock *a = x, *b = y;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static const char *user_name(uint32_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, len, "%s", pw.pw_name);
	else
		snprintf(buf, len, "%u", uid);
	return buf;
}

static const char *addr_text(const struct sg_sock *s, char *buf, size_t len)
{
	char a[SG_ADDRSTRLEN];

	sg_addr_str(&s->addr, -1, a, sizeof(a));
	if (s->family == 6)
		snprintf(buf, len, "[%s]", a);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}

static void report_json(struct audit *a, struct sg_sock *v, size_t n, size_t nexp, size_t nunexp)
{
	char buf[SG_ADDRSTRLEN], user[64];
	struct jw w;

	jw_init(&w, stdout);
	jw_obj_open(&w, NULL);
	jw_bool(&w, "instance", a->instance);
	jw_arr_open(&w, "protected_interfaces");
	for (int i = 0; i < a->nifs; i++)
		if (a->ifs[i].protected_)
			jw_str(&w, NULL, a->ifs[i].name);
	jw_arr_close(&w);
	jw_arr_open(&w, "expected");
	for (int i = 0; i < a->nexpect; i++) {
		if (a->expect[i].lo == a->expect[i].hi)
			snprintf(buf, sizeof(buf), "%s/%u", proto_name(a->expect[i].proto),
				 a->expect[i].lo);
		else
			snprintf(buf, sizeof(buf), "%s/%u-%u", proto_name(a->expect[i].proto),
				 a->expect[i].lo, a->expect[i].hi);
		jw_str(&w, NULL, buf);
	}
	jw_arr_close(&w);
	jw_arr_open(&w, "listeners");
	for (size_t i = 0; i < n; i++) {
		const struct sg_sock *s = &v[i];
		enum reach r = reach_of(a, s);
		struct iface *f = s->ifindex ? iface_by_index(a, s->ifindex) : NULL;

		jw_obj_open(&w, NULL);
		jw_str(&w, "proto", proto_name(s->proto));
		jw_str(&w, "family", s->family == 6 ? "ipv6" : "ipv4");
		jw_str(&w, "address", sg_addr_str(&s->addr, -1, buf, sizeof(buf)));
		jw_u64(&w, "port", s->port);
		if (s->ifindex)
			jw_str(&w, "bound_interface", f ? f->name : "?");
		else
			jw_null(&w, "bound_interface");
		if (s->v6only >= 0)
			jw_bool(&w, "ipv6_only", s->v6only);
		else
			jw_null(&w, "ipv6_only");
		jw_u64(&w, "uid", s->uid);
		jw_str(&w, "user", user_name(s->uid, user, sizeof(user)));
		jw_u64(&w, "inode", s->inode);
		jw_arr_open(&w, "processes");
		for (int j = 0; j < s->nowners && j < SG_SOCK_MAX_PIDS; j++) {
			jw_obj_open(&w, NULL);
			jw_u64(&w, "pid", s->owner[j].pid);
			jw_str(&w, "command", s->owner[j].comm);
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		jw_str(&w, "reach", reach_names[r]);
		jw_bool(&w, "expected", expected(a, s));
		jw_bool(&w, "unexpected_exposed", r == REACH_EXPOSED && !expected(a, s));
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_u64(&w, "exposed", nexp);
	jw_u64(&w, "unexpected", nunexp);
	if (a->warning[0])
		jw_str(&w, "warning", a->warning);
	jw_obj_close(&w);
	jw_end(&w);
}

static void report_text(struct audit *a, struct sg_sock *v, size_t n, size_t nexp, size_t nunexp,
			const char *pin_path)
{
	char buf[SG_ADDRSTRLEN + 24], user[64], procs[160];
	int shown = 0;

	printf("protected:");
	for (int i = 0; i < a->nifs; i++)
		if (a->ifs[i].protected_)
			printf("%s %s", shown++ ? "," : "", a->ifs[i].name);
	if (!shown)
		printf(" none");
	printf(a->instance ? " (scanguard instance at %s)\n" :
	       " (no instance protects an interface at %s: every interface but loopback)\n",
	       pin_path);
	printf("%-5s %-42s %5s  %-11s %-8s %-10s %s\n", "PROTO", "ADDRESS", "PORT", "REACH",
	       "EXPECTED", "USER", "PROCESS");
	for (size_t i = 0; i < n; i++) {
		const struct sg_sock *s = &v[i];
		enum reach r = reach_of(a, s);
		size_t used = 0;

		addr_text(s, buf, sizeof(buf));
		if (s->ifindex) {
			struct iface *f = iface_by_index(a, s->ifindex);

			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%%%s",
				 f ? f->name : "?");
		}
		procs[0] = 0;
		for (int j = 0; j < s->nowners && j < SG_SOCK_MAX_PIDS; j++)
			used += snprintf(procs + used, used < sizeof(procs) ? sizeof(procs) - used : 0,
					 "%s%s(%d)", j ? "," : "", s->owner[j].comm,
					 s->owner[j].pid);
		if (s->nowners > SG_SOCK_MAX_PIDS && used < sizeof(procs))
			snprintf(procs + used, sizeof(procs) - used, ",...");
		if (!s->nowners)
			snprintf(procs, sizeof(procs), "-");
		printf("%-5s %-42s %5u  %-11s %-8s %-10s %s\n", proto_name(s->proto), buf, s->port,
		       r == REACH_EXPOSED && !expected(a, s) ? "EXPOSED" : reach_names[r],
		       expected(a, s) ? "yes" : "no", user_name(s->uid, user, sizeof(user)), procs);
	}
	printf("\n%zu listening socket%s, %zu exposed on protected interfaces, %zu unexpected\n", n,
	       n == 1 ? "" : "s", nexp, nunexp);
	if (!a->nexpect && nexp)
		printf("no expected list given (--expect, --expect-file): every exposed listener "
		       "counts as unexpected\n");
	for (size_t i = 0; i < n; i++) {
		const struct sg_sock *s = &v[i];

		if (reach_of(a, s) != REACH_EXPOSED || expected(a, s))
			continue;
		printf("unexpected: %s/%u on %s", proto_name(s->proto), s->port,
		       addr_text(s, buf, sizeof(buf)));
		if (s->nowners)
			printf(" (%s, pid %d)", s->owner[0].comm, s->owner[0].pid);
		printf("\n");
	}
	if (a->warning[0])
		printf("warning: %s\n", a->warning);
}

int sg_cmd_audit(const struct sg_tool_args *args, int argc, char **argv, char *err,
		 size_t errlen)
{
	struct audit *a = calloc(1, sizeof(*a));
	size_t n = 0, nexp = 0, nunexp = 0;
	struct sg_sock *v = NULL;
	int ret = EX_USAGE;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return EX_FAIL;
	}
	if (argc) {
		snprintf(err, errlen, "audit takes no arguments (options: --expect, --expect-file)");
		goto out;
	}
	for (int i = 0; i < args->nexpect; i++) {
		char *list = strdup(args->expect[i]);
		int bad = !list || add_expect_list(a, list, "--expect", err, errlen);

		free(list);
		if (bad)
			goto out;
	}
	for (int i = 0; i < args->nexpect_file; i++)
		if (read_expect_file(a, args->expect_file[i], err, errlen))
			goto out;

	ret = EX_FAIL;
	if (load_interfaces(a) < 0) {
		snprintf(err, errlen, "cannot list interfaces: %s", strerror(errno));
		goto out;
	}
	load_protected(a, args->pin_path);
	if ((ret = sg_sockdiag_list(&v, &n))) {
		snprintf(err, errlen, "cannot list sockets (sock_diag): %s", strerror(-ret));
		ret = EX_FAIL;
		goto out;
	}
	sg_sock_owners(v, n);
	qsort(v, n, sizeof(*v), by_port);
	for (size_t i = 0; i < n; i++) {
		if (reach_of(a, &v[i]) != REACH_EXPOSED)
			continue;
		nexp++;
		nunexp += !expected(a, &v[i]);
	}
	if (args->json)
		report_json(a, v, n, nexp, nunexp);
	else
		report_text(a, v, n, nexp, nunexp, args->pin_path);
	ret = nunexp ? EX_FINDINGS : EX_OK;
out:
	free(v);
	free(a);
	return ret;
}
