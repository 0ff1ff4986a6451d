// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* metrics.c - Prometheus text exposition (format 0.0.4) of an instance:
 * the kernel's counters (sg_stats, summed over CPUs), table sizes and fill
 * levels, interfaces and their attach mode, the live configuration and the
 * daemon's own counters; plus /healthz.  Names follow Prometheus practice:
 * a scanguard_ prefix, _total on counters, seconds as the unit of time, and
 * one metric with a label where counters are alternatives of one thing
 * (why a packet was dropped, why an event was not emitted). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <microhttpd.h>
#include "fmt.h"
#include "links.h"
#include "metrics.h"
#include "ops.h"
#include "options.h"
#include "table.h"
#include "version.h"

#define HEALTH_MAX_AGE_NS	(10 * SG_NSEC_PER_SEC)

/* How each kernel counter is exported.  A counter missing here (added to
 * SG_STATS later) is still exported, as scanguard_<name>_total. */
struct stat_metric {
	enum sg_stat id;
	const char *name;	/* metric family */
	const char *label;	/* label="value" pair, or NULL */
	const char *help;
};

static const struct stat_metric stat_metrics[] = {
	{ SG_STAT_PACKETS, "scanguard_packets_total", NULL,
	  "Packets the XDP program inspected." },
	{ SG_STAT_PASSED, "scanguard_packets_passed_total", "reason=\"accepted\"",
	  "Packets passed, by reason: accepted (no probe, or a probe within the threshold), "
	  "not_ip, parse_error, allow_listed, monitor_mode (would have been dropped)." },
	{ SG_STAT_NOT_IP, "scanguard_packets_passed_total", "reason=\"not_ip\"", NULL },
	{ SG_STAT_PARSE_ERRORS, "scanguard_packets_passed_total", "reason=\"parse_error\"", NULL },
	{ SG_STAT_PROBES_ALLOWED, "scanguard_packets_passed_total", "reason=\"allow_listed\"",
	  NULL },
	{ SG_STAT_MONITOR_PASSED, "scanguard_packets_passed_total", "reason=\"monitor_mode\"",
	  NULL },
	{ SG_STAT_DROP_BLOCKED, "scanguard_packets_dropped_total", "reason=\"blocked_source\"",
	  "Packets dropped, by reason: from a blocked source, the probe over the threshold, "
	  "a first fragment too short to hold the ports." },
	{ SG_STAT_DROP_DETECT, "scanguard_packets_dropped_total", "reason=\"over_threshold\"",
	  NULL },
	{ SG_STAT_DROP_FRAGMENT, "scanguard_packets_dropped_total", "reason=\"tiny_fragment\"",
	  NULL },
	{ SG_STAT_PROBES, "scanguard_probes_total", NULL,
	  "Packets classified as probes (opening or testing a port)." },
	{ SG_STAT_PROBES_OPEN, "scanguard_probes_by_result_total", "result=\"open\"",
	  "First contacts with a target by what they reached: an open service, or a closed "
	  "port or absent host (failures weigh in the failure score)." },
	{ SG_STAT_PROBES_FAILED, "scanguard_probes_by_result_total", "result=\"failed\"", NULL },
	{ SG_STAT_FLOWS_RECORDED, "scanguard_flows_recorded_total", NULL,
	  "Segment mode: outbound flows of the protected segment recorded (their answers are "
	  "not probes)." },
	{ SG_STAT_DETECTIONS, "scanguard_detections_total", NULL,
	  "Sources detected scanning (each blocks, or is reported in monitor mode)." },
	{ SG_STAT_BLOCKS_EXPIRED, "scanguard_blocks_expired_total", NULL,
	  "Blocks that expired on a packet of their source." },
	{ SG_STAT_BLOCK_TABLE_FULL, "scanguard_block_table_full_total", NULL,
	  "Detections that could not block because the block table was full." },
	{ SG_STAT_TRACK_FAILED, "scanguard_track_insert_failures_total", NULL,
	  "Probes that could not be tracked (tracking table insert failed)." },
	{ SG_STAT_EVENTS_LOST, "scanguard_events_dropped_total", "reason=\"ring_buffer_full\"",
	  "Scan events not emitted, by reason: the ring buffer was full (the daemon fell "
	  "behind), or the global or per-source event budget was spent." },
	{ SG_STAT_EVENTS_BUDGET_GLOBAL, "scanguard_events_dropped_total",
	  "reason=\"global_budget\"", NULL },
	{ SG_STAT_EVENTS_BUDGET_SOURCE, "scanguard_events_dropped_total",
	  "reason=\"source_budget\"", NULL },
};
#define NSTAT_METRICS (sizeof(stat_metrics) / sizeof(stat_metrics[0]))

static uint64_t ld(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void stats_section(FILE *f, const struct sg_stats *st)
{
	bool covered[SG_STAT_MAX] = {};

	for (size_t i = 0; i < NSTAT_METRICS; i++) {
		const struct stat_metric *m = &stat_metrics[i];

		if (m->id >= SG_STAT_MAX)
			continue;
		covered[m->id] = true;
		if (m->help)
			family(f, m->name, "counter", m->help);
		if (m->label)
			fprintf(f, "%s{%s} %llu\n", m->name, m->label,
				(unsigned long long)st->c[m->id]);
		else
			fprintf(f, "%s %llu\n", m->name, (unsigned long long)st->c[m->id]);
	}
	for (int i = 0; i < SG_STAT_MAX; i++) {
		char name[96];

		if (covered[i])
			continue;
		snprintf(name, sizeof(name), "scanguard_%s_total", sg_stat_name(i));
		family(f, name, "counter", "Kernel counter (see scanguardctl stats).");
		fprintf(f, "%s %llu\n", name, (unsigned long long)st->c[i]);
	}
}

struct map_fill {
	const char *name;
	int fd;
	size_t key_size;
};

/* Tracking entries replaced: every entry is counted in when the program
 * creates it and out when a detection removes it, so what is neither
 * present nor removed was pushed out by another source (a flood's mark). */
static void evicted_section(FILE *f, const struct sg_stats *s, long present)
{
	long long evicted;

	if (present < 0)
		return;
	evicted = (long long)(s->c[SG_STAT_TRACK_INSERTS] - s->c[SG_STAT_TRACK_DELETES]) - present;
	family(f, "scanguard_tracked_sources_evicted_total", "counter",
	       "Tracking entries replaced to make room for new sources.");
	fprintf(f, "scanguard_tracked_sources_evicted_total %lld\n", evicted > 0 ? evicted : 0);
}

/* st: the counters read for this scrape, NULL when they could not be. */
static void tables_section(FILE *f, const struct sg_maps *maps, const struct sg_stats *st)
{
	const struct map_fill maps_fill[] = {
		{ SG_STR(SG_MAP_TRACK), maps->track, sizeof(struct sg_addr) },
		{ SG_STR(SG_MAP_SUSPECT), maps->suspect, sizeof(struct sg_addr) },
		{ SG_STR(SG_MAP_BLOCKS), maps->blocks, sizeof(struct sg_addr) },
		{ SG_STR(SG_MAP_CIDR_BLOCKS), maps->cidr_blocks, sizeof(struct sg_lpm_key) },
		{ SG_STR(SG_MAP_ALLOW), maps->allow, sizeof(struct sg_lpm_key) },
	};
	long entries[sizeof(maps_fill) / sizeof(maps_fill[0])];
	struct sg_allow_entry *allow;
	size_t nallow, nauto = 0, nconfig = 0;

	for (size_t i = 0; i < sizeof(maps_fill) / sizeof(maps_fill[0]); i++)
		entries[i] = i == 0 ? sg_table_count_fd(maps_fill[i].fd)
				    : sg_map_count(maps_fill[i].fd, maps_fill[i].key_size);

	family(f, "scanguard_tracked_sources", "gauge",
	       "Sources being counted (probed within the window).");
	fprintf(f, "scanguard_tracked_sources %ld\n", entries[0]);
	if (st)
		evicted_section(f, st, entries[0]);
	family(f, "scanguard_blocked_sources", "gauge",
	       "Blocked sources by table: exact (address or IPv6 prefix) and cidr.");
	fprintf(f, "scanguard_blocked_sources{table=\"exact\"} %ld\n", entries[2]);
	fprintf(f, "scanguard_blocked_sources{table=\"cidr\"} %ld\n", entries[3]);

	family(f, "scanguard_map_entries", "gauge", "Entries in each BPF map.");
	for (size_t i = 0; i < sizeof(maps_fill) / sizeof(maps_fill[0]); i++)
		fprintf(f, "scanguard_map_entries{map=\"%s\"} %ld\n", maps_fill[i].name,
			entries[i]);
	family(f, "scanguard_map_capacity", "gauge", "Maximum entries of each BPF map.");
	for (size_t i = 0; i < sizeof(maps_fill) / sizeof(maps_fill[0]); i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(maps_fill[i].fd, &info, &len) == 0)
			fprintf(f, "scanguard_map_capacity{map=\"%s\"} %u\n", maps_fill[i].name,
				info.max_entries);
	}

	if (sg_allow_list(maps, &allow, &nallow) == 0) {
		for (size_t i = 0; i < nallow; i++) {
			nauto += !!(allow[i].flags & SG_ALLOW_AUTOMATIC);
			nconfig += !(allow[i].flags & SG_ALLOW_AUTOMATIC) &&
				   (allow[i].flags & SG_ALLOW_CONFIG);
		}
		free(allow);
		family(f, "scanguard_allow_entries", "gauge",
		       "Allow-list entries by origin: automatic (this host's addresses, gateways, "
		       "resolvers), config, operator.");
		fprintf(f, "scanguard_allow_entries{origin=\"automatic\"} %zu\n", nauto);
		fprintf(f, "scanguard_allow_entries{origin=\"config\"} %zu\n", nconfig);
		fprintf(f, "scanguard_allow_entries{origin=\"operator\"} %zu\n",
			nallow - nauto - nconfig);
	}
}

static void ifaces_section(FILE *f, const struct sg_maps *maps)
{
	family(f, "scanguard_interface_attached", "gauge",
	       "1 while the program is attached to the interface, by XDP attach mode and role "
	       "(outside: detects; inside: segment mode's flow recorder).");
	for (__u32 i = 0; i < SG_MAX_IFACES; i++) {
		struct sg_iface ifc;
		__u32 mode;

		if (bpf_map_lookup_elem(maps->ifaces, &i, &ifc) || !ifc.ifindex)
			continue;
		ifc.name[sizeof(ifc.name) - 1] = 0;
		mode = ifc.xdp_mode;
		fprintf(f, "scanguard_interface_attached{interface=\"%s\",xdp_mode=\"%s\",role=\"%s\"} "
			"%d\n", ifc.name, sg_xdp_mode_name(mode),
			ifc.role == SG_IFACE_INSIDE ? "inside" : "outside",
			sg_xdp_attached_mode(ifc.ifindex) == mode ? 1 : 0);
	}
}

static void config_section(FILE *f, const struct sg_maps *maps)
{
	struct sg_config cfg;

	if (sg_config_read(maps, &cfg))
		return;
	family(f, "scanguard_config_threshold", "gauge",
	       "Distinct ports a source may probe per window.");
	fprintf(f, "scanguard_config_threshold %u\n", cfg.threshold);
	family(f, "scanguard_config_window_seconds", "gauge", "Counting window.");
	fprintf(f, "scanguard_config_window_seconds %llu\n",
		(unsigned long long)(cfg.window_ns / SG_NSEC_PER_SEC));
	family(f, "scanguard_config_block_ttl_seconds", "gauge", "How long a detection blocks.");
	fprintf(f, "scanguard_config_block_ttl_seconds %llu\n",
		(unsigned long long)(cfg.block_ttl_ns / SG_NSEC_PER_SEC));
	family(f, "scanguard_config_monitor_mode", "gauge",
	       "1 in monitor mode (report only), 0 when enforcing.");
	fprintf(f, "scanguard_config_monitor_mode %d\n", cfg.mode == SG_MODE_MONITOR);
}

static void daemon_section(FILE *f, struct sg_daemon_status *st)
{
	family(f, "scanguard_build_info", "gauge", "The daemon's version.");
	fprintf(f, "scanguard_build_info{version=\"%s\"} 1\n", SG_VERSION);
	family(f, "scanguard_start_time_seconds", "gauge", "Unix time the daemon started.");
	fprintf(f, "scanguard_start_time_seconds %llu\n",
		(unsigned long long)ld(&st->start_time_s));
	family(f, "scanguard_adopted", "gauge",
	       "1 when this daemon adopted a program and maps left running by an earlier one.");
	fprintf(f, "scanguard_adopted %llu\n", (unsigned long long)ld(&st->adopted));
	family(f, "scanguard_events_written_total", "counter", "Events the daemon wrote out.");
	fprintf(f, "scanguard_events_written_total %llu\n",
		(unsigned long long)ld(&st->events_written));
	family(f, "scanguard_event_write_errors_total", "counter",
	       "Event lines that could not be written (full disk, closed pipe).");
	fprintf(f, "scanguard_event_write_errors_total %llu\n",
		(unsigned long long)ld(&st->event_write_errors));
	family(f, "scanguard_config_reloads_total", "counter",
	       "Configuration reloads (SIGHUP), by result.");
	fprintf(f, "scanguard_config_reloads_total{result=\"success\"} %llu\n",
		(unsigned long long)ld(&st->reloads_ok));
	fprintf(f, "scanguard_config_reloads_total{result=\"failure\"} %llu\n",
		(unsigned long long)ld(&st->reloads_failed));
	family(f, "scanguard_config_last_reload_successful", "gauge",
	       "1 when the last reload was applied (or none was tried), 0 when it was rejected.");
	fprintf(f, "scanguard_config_last_reload_successful %llu\n",
		(unsigned long long)ld(&st->last_reload_ok));
	family(f, "scanguard_config_last_reload_timestamp_seconds", "gauge",
	       "Unix time of the last reload attempt (0: none).");
	fprintf(f, "scanguard_config_last_reload_timestamp_seconds %llu\n",
		(unsigned long long)ld(&st->last_reload_time_s));
}

char *sg_metrics_render(const struct sg_maps *maps, struct sg_daemon_status *status,
			size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct sg_stats st;
	bool have_stats;

	if (!f)
		return NULL;
	/* Read once: the eviction count is derived from the same snapshot. */
	have_stats = sg_stats_read(maps, &st) == 0;
	if (have_stats)
		stats_section(f, &st);
	tables_section(f, maps, have_stats ? &st : NULL);
	ifaces_section(f, maps);
	config_section(f, maps);
	daemon_section(f, status);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

bool sg_metrics_healthy(struct sg_daemon_status *st, char *why, size_t len)
{
	uint64_t beat = ld(&st->heartbeat_ns), now = sg_now_ns();

	if (now - beat > HEALTH_MAX_AGE_NS) {
		snprintf(why, len, "event loop stalled for %llus\n",
			 (unsigned long long)((now - beat) / SG_NSEC_PER_SEC));
		return false;
	}
	if (ld(&st->nifs_live) < ld(&st->nifs)) {
		snprintf(why, len, "attached to %llu of %llu interfaces\n",
			 (unsigned long long)ld(&st->nifs_live), (unsigned long long)ld(&st->nifs));
		return false;
	}
	snprintf(why, len, "ok\n");
	return true;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct sg_metrics *m = cls;
	char why[128];
	size_t len = 0;
	char *body;
	bool ok;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		body = strdup("only GET\n");
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, body, body ? strlen(body) : 0,
			     "text/plain");
	}
	if (!strcmp(url, "/metrics")) {
		body = sg_metrics_render(m->maps, m->status, &len);
		if (!body)
			return MHD_NO;
		return reply(c, MHD_HTTP_OK, body, len, "text/plain; version=0.0.4; charset=utf-8");
	}
	if (!strcmp(url, "/healthz")) {
		ok = sg_metrics_healthy(m->status, why, sizeof(why));
		body = strdup(why);
		return reply(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, body,
			     body ? strlen(body) : 0, "text/plain");
	}
	body = strdup("not found: try /metrics or /healthz\n");
	return reply(c, MHD_HTTP_NOT_FOUND, body, body ? strlen(body) : 0, "text/plain");
}

struct sg_metrics *sg_metrics_start(const char *addr, const struct sg_maps *maps,
				    struct sg_daemon_status *status, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct sg_metrics *m;

	if (sg_listen_parse(addr, &ss, err, errlen))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->maps = maps;
	m->status = status;
	snprintf(m->addr, sizeof(m->addr), "%s", addr);
	/* A few slow scrapers must not hold the thread: small limits. */
	m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, m,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, 16u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(err, errlen, "cannot serve metrics on %s: %s", addr,
			 errno ? strerror(errno) : "libmicrohttpd failed to start");
		free(m);
		return NULL;
	}
	return m;
}

void sg_metrics_stop(struct sg_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd);
	free(m);
}
