// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* events.c - ring buffer consumer and the scan event's JSON form.  The
 * schema is documented in README.md ("Event format"); change both at once. */
#include <errno.h>
#include <stdbool.h>
#include <net/if.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include "addr.h"
#include "evlog.h"
#include "events.h"
#include "fmt.h"
#include "json.h"

#define SG_EVENT_SCHEMA 1

void sg_mono_to_rfc3339(unsigned long long mono_ns, char *buf, size_t len)
{
	struct timespec rt, mt;
	long long offset, real_ns;
	time_t secs;
	struct tm tm;

	/* The offset is taken now, so a clock step since the event is folded in. */
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	offset = (rt.tv_sec - mt.tv_sec) * (long long)SG_NSEC_PER_SEC + (rt.tv_nsec - mt.tv_nsec);
	real_ns = (long long)mono_ns + offset;
	secs = real_ns / (long long)SG_NSEC_PER_SEC;
	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (real_ns % (long long)SG_NSEC_PER_SEC) / 1000000);
}

void sg_event_write_json(FILE *out, const struct sg_event *ev)
{
	char buf[SG_ADDRSTRLEN], ifname[IF_NAMESIZE] = "";
	bool net = ev->detector == SG_DET_DISTRIBUTED;
	struct jw w;

	jw_init(&w, out);
	jw_obj_open(&w, NULL);
	jw_str(&w, "event", "scan");
	jw_u64(&w, "schema", SG_EVENT_SCHEMA);
	sg_mono_to_rfc3339(ev->ts_ns, buf, sizeof(buf));
	jw_str(&w, "time", buf);
	/* A source network, or an IPv6 source prefix, is shown with its length. */
	jw_str(&w, "source", sg_addr_str(&ev->src, (net || ev->family == 6) && ev->prefixlen < 128
							? ev->prefixlen : -1, buf, sizeof(buf)));
	jw_str(&w, "family", ev->family == 6 ? "ipv6" : "ipv4");
	jw_str(&w, "detector", sg_detector_name(ev->detector));
	jw_str(&w, "action", sg_action_name(ev->action));
	jw_str(&w, "protect", ev->protect == SG_PROTECT_SEGMENT ? "segment" : "host");
	jw_obj_open(&w, "evidence");
	jw_u64(&w, "count", ev->count);
	jw_u64(&w, "threshold", ev->threshold);
	jw_u64(&w, "window", ev->window_ns / SG_NSEC_PER_SEC);
	jw_i64(&w, "score", ev->score);
	if (ev->protect == SG_PROTECT_SEGMENT)
		jw_u64(&w, "hosts", ev->hosts);
	jw_obj_close(&w);
	/* Kept from schema 1's first form: the distinct targets counted. */
	jw_u64(&w, "ports_counted", ev->count);
	jw_arr_open(&w, "ports_sample");
	for (__u32 i = 0; i < ev->nsample && i < SG_EVENT_SAMPLE; i++)
		jw_str(&w, NULL, sg_target_str(ev->sample[i], buf, sizeof(buf)));
	jw_arr_close(&w);
	jw_obj_open(&w, "last_probe");
	jw_str(&w, "destination", sg_addr_str(&ev->last_dst, -1, buf, sizeof(buf)));
	jw_str(&w, "target", sg_target_str(ev->last_target, buf, sizeof(buf)));
	jw_obj_close(&w);
	sg_kinds_json(&w, "probe_kinds", ev->kinds);
	if (!if_indextoname(ev->ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "if%u", ev->ifindex);
	jw_str(&w, "interface", ifname);
	jw_u64(&w, "block_ttl", ev->block_ttl_ns / SG_NSEC_PER_SEC);
	jw_u64(&w, "strikes", ev->strikes);
	jw_obj_close(&w);
	jw_end(&w);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct sg_events *e = ctx;

	char *line = NULL;
	size_t len = 0;
	FILE *m;

	if (size < sizeof(struct sg_event))
		return 0;
	m = open_memstream(&line, &len);
	if (!m)
		return 0;
	sg_event_write_json(m, data);
	fclose(m);
	sg_evlog_line(e->out, line, len, true);
	free(line);
	e->written++;
	return 0;
}

int sg_events_open(struct sg_events *e, int ringbuf_fd, struct sg_evlog *out)
{
	memset(e, 0, sizeof(*e));
	e->out = out;
	e->rb = ring_buffer__new(ringbuf_fd, on_event, e, NULL);
	return e->rb ? 0 : -errno;
}

int sg_events_poll(struct sg_events *e, int timeout_ms)
{
	int ret = ring_buffer__poll(e->rb, timeout_ms);

	return ret == -EINTR ? 0 : ret;
}

void sg_events_close(struct sg_events *e)
{
	if (e->rb)
		ring_buffer__free(e->rb);
	e->rb = NULL;
}
