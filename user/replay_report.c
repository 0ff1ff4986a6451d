// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* replay_report.c - the replay's report, as text for operators or as one
 * JSON object (--json).  Configuration keys and program counters are listed
 * from their tables, so keys and counters added later appear on their own.
 * The JSON schema is documented in README.md ("Operator tooling"). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cfgkeys.h"
#include "fmt.h"
#include "json.h"
#include "replay.h"

#define LIST_MAX	12	/* open ports listed in the text report */
#define WARN_LEN	512
#define WARN_MAX	8

static const char *epoch_str(uint64_t ns, char *buf, size_t len)
{
	time_t secs = ns / 1000000000ULL;
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(ns % 1000000000ULL / 1000000));
	return buf;
}

static const char *det_source(const struct sg_replay_detection *d, char *buf, size_t len)
{
	int full = d->family == 6 ? 128 : 32;

	return sg_addr_str(&d->src, d->prefixlen == full ? -1 : d->prefixlen, buf, len);
}

static const char *source_str(const struct sg_addr *a, const struct sg_replay_opts *o, char *buf,
			      size_t len)
{
	bool v4 = sg_addr_is_v4(a);

	return sg_addr_str(a, v4 || o->cfg.ipv6_prefix == 128 ? -1 : (int)o->cfg.ipv6_prefix, buf,
			   len);
}

struct ranked {
	const struct sg_addr *key;
	const struct sg_replay_source *s;
};

static int by_peak(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->s->peak != y->s->peak)
		return x->s->peak < y->s->peak ? 1 : -1;
	if (x->s->peak_score != y->s->peak_score)
		return x->s->peak_score < y->s->peak_score ? 1 : -1;
	if (x->s->probes != y->s->probes)
		return x->s->probes < y->s->probes ? 1 : -1;
	return memcmp(x->key, y->key, sizeof(*x->key));
}

/* Sources that probed: the detected ones, then up to top undetected ones
 * with the most distinct targets in a window. */
static struct ranked *rank_sources(const struct sg_replay_opts *o, const struct sg_replay_result *r,
				   size_t *ndetected, size_t *n)
{
	struct ranked *v = calloc(r->sources.n + 1, sizeof(*v));
	struct sg_replay_source *s;
	const void *key;
	size_t pos = 0, nd = 0, nu = 0;

	if (!v)
		return NULL;
	while ((s = htab_next(&r->sources, &pos, &key)))
		if (s->detections)
			v[nd++] = (struct ranked){ key, s };
	qsort(v, nd, sizeof(*v), by_peak);
	pos = 0;
	while ((s = htab_next(&r->sources, &pos, &key)))
		if (!s->detections && s->probes)
			v[nd + nu++] = (struct ranked){ key, s };
	qsort(v + nd, nu, sizeof(*v), by_peak);
	*ndetected = nd;
	*n = nd + (nu < (size_t)o->top ? nu : (size_t)o->top);
	return v;
}

/* ---- warnings ------------------------------------------------------------- */

static int warnings(const struct sg_replay_result *r, char w[][WARN_LEN], int max)
{
	uint64_t ip = r->role[SG_ROLE_IN] + r->role[SG_ROLE_OUT] + r->role[SG_ROLE_OTHER] +
		      r->role[SG_ROLE_INTERNAL];
	int n = 0;

	if (!r->nlocal && n < max)
		snprintf(w[n++], WARN_LEN, "no local address could be inferred and nothing was "
			 "replayed: name the protected addresses with --local");
	else if (r->inferred && r->role[SG_ROLE_OTHER] * 2 > ip && n < max)
		snprintf(w[n++], WARN_LEN, "%llu of %llu IP packets have no local address at either "
			 "end: the capture may not be from the protected host; name its "
			 "addresses with --local", (unsigned long long)r->role[SG_ROLE_OTHER],
			 (unsigned long long)ip);
	if (r->truncated_end && n < max)
		snprintf(w[n++], WARN_LEN, "the capture ends in a truncated record (cut off while "
			 "being written); the %llu packets before it were replayed",
			 (unsigned long long)r->packets);
	if (r->snapped && n < max)
		snprintf(w[n++], WARN_LEN, "%llu packets were cut short by the capture's snap length; "
			 "the program saw only what was captured (a cut header counts as a "
			 "parse error)", (unsigned long long)r->snapped);
	if (r->out_of_order && n < max)
		snprintf(w[n++], WARN_LEN, "%llu packets are earlier than one before them; the "
			 "program's clock stayed at the latest time",
			 (unsigned long long)r->out_of_order);
	if (r->flows_failed && n < max)
		snprintf(w[n++], WARN_LEN, "%llu of the host's flows could not be given a socket "
			 "(%s); answers in them may count as probes",
			 (unsigned long long)r->flows_failed, r->env_error);
	else if (r->env_error[0] && n < max)
		snprintf(w[n++], WARN_LEN, "a socket of the capture could not be emulated: %s",
			 r->env_error);
	if (r->flows_untracked && n < max)
		snprintf(w[n++], WARN_LEN, "%llu packets belong to flows past the flow table's limit; "
			 "those flows got no socket", (unsigned long long)r->flows_untracked);
	return n;
}

/* ---- JSON ----------------------------------------------------------------- */

static void json_ports(struct jw *w, const struct sg_replay_result *r, uint8_t proto,
		       const char *key)
{
	const struct sg_replay_port *k;
	const void *kp;
	size_t pos = 0;
	char buf[SG_ADDRSTRLEN];

	jw_arr_open(w, key);
	while (htab_next(&r->listeners, &pos, &kp)) {
		k = kp;
		if (k->proto != proto)
			continue;
		jw_obj_open(w, NULL);
		jw_str(w, "address", sg_addr_str(&k->addr, -1, buf, sizeof(buf)));
		jw_u64(w, "port", k->port);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static void json_report(const struct sg_replay_opts *o, const struct sg_replay_result *r,
			FILE *out)
{
	static const char *const role_names[SG_ROLE_MAX] = {
		[SG_ROLE_NONIP] = "not_ip", [SG_ROLE_UNPARSED] = "unparsable",
		[SG_ROLE_SHORT] = "too_short", [SG_ROLE_IN] = "inbound",
		[SG_ROLE_OUT] = "outbound", [SG_ROLE_OTHER] = "other_hosts",
		[SG_ROLE_INTERNAL] = "between_local",
	};
	char buf[SG_ADDRSTRLEN], wbuf[WARN_MAX][WARN_LEN];
	size_t nd, n;
	struct ranked *v = rank_sources(o, r, &nd, &n);
	int nw = warnings(r, wbuf, WARN_MAX);
	struct jw w;

	jw_init(&w, out);
	jw_obj_open(&w, NULL);

	jw_obj_open(&w, "capture");
	jw_str(&w, "path", o->path);
	jw_str(&w, "format", r->format);
	jw_str(&w, "link_type", r->linkname);
	jw_u64(&w, "packets", r->packets);
	jw_str(&w, "first", epoch_str(r->first_ts, buf, sizeof(buf)));
	jw_str(&w, "last", epoch_str(r->last_ts, buf, sizeof(buf)));
	jw_u64(&w, "duration_ms", (r->last_ts - r->first_ts) / 1000000);
	jw_u64(&w, "snapped", r->snapped);
	jw_u64(&w, "cut", r->cut);
	jw_u64(&w, "out_of_order", r->out_of_order);
	jw_bool(&w, "truncated_end", r->truncated_end);
	jw_obj_close(&w);

	jw_obj_open(&w, "local");
	jw_bool(&w, "inferred", r->inferred);
	jw_arr_open(&w, "addresses");
	for (int i = 0; i < r->nlocal; i++)
		jw_str(&w, NULL, sg_cidr_str(&r->local[i], buf, sizeof(buf)));
	jw_arr_close(&w);
	jw_obj_close(&w);

	jw_obj_open(&w, "config");
	for (size_t i = 0; i < sg_ncfgkeys; i++) {
		const char *str = NULL;
		uint64_t num = 0;

		if (sg_cfgkey_get(&sg_cfgkeys[i], &o->cfg, &num, &str))
			jw_u64(&w, sg_cfgkeys[i].name, num);
		else
			jw_str(&w, sg_cfgkeys[i].name, str);
	}
	jw_arr_open(&w, "allow");
	for (int i = 0; i < o->nallow; i++)
		jw_str(&w, NULL, sg_cidr_str(&o->allow[i], buf, sizeof(buf)));
	jw_arr_close(&w);
	jw_arr_open(&w, "trap");
	for (int i = 0; i < o->ntraps; i++)
		jw_str(&w, NULL, sg_target_str(o->traps[i], buf, sizeof(buf)));
	jw_arr_close(&w);
	jw_arr_open(&w, "expose");
	for (int i = 0; i < o->nexpose; i++) {
		char t[32];

		snprintf(buf, sizeof(buf), "%s@", sg_target_str(SG_TARGET(o->expose[i].pc,
			 o->expose[i].port), t, sizeof(t)));
		sg_cidr_str(&o->expose[i].cidr, buf + strlen(buf), sizeof(buf) - strlen(buf));
		jw_str(&w, NULL, buf);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);

	jw_obj_open(&w, "packets");
	for (int i = 0; i < SG_ROLE_MAX; i++)
		jw_u64(&w, role_names[i], r->role[i]);
	jw_u64(&w, "outbound_to_inside_program", r->inside_fed);
	jw_obj_close(&w);

	jw_obj_open(&w, "open");
	json_ports(&w, r, IPPROTO_TCP, "tcp_listening");
	json_ports(&w, r, IPPROTO_UDP, "udp_answering");
	jw_arr_open(&w, "declared");
	for (int i = 0; i < o->nopen; i++) {
		if (o->open[i].lo == o->open[i].hi)
			snprintf(buf, sizeof(buf), "%s/%u", o->open[i].proto == IPPROTO_TCP ? "tcp" :
				 "udp", o->open[i].lo);
		else
			snprintf(buf, sizeof(buf), "%s/%u-%u", o->open[i].proto == IPPROTO_TCP ?
				 "tcp" : "udp", o->open[i].lo, o->open[i].hi);
		jw_str(&w, NULL, buf);
	}
	jw_arr_close(&w);
	jw_u64(&w, "host_flows", r->flows_emulated);
	jw_u64(&w, "host_flows_failed", r->flows_failed);
	jw_obj_close(&w);

	jw_arr_open(&w, "detections");
	for (size_t i = 0; i < r->ndet; i++) {
		const struct sg_replay_detection *d = &r->det[i];

		jw_obj_open(&w, NULL);
		jw_str(&w, "time", epoch_str(d->ts_ns, buf, sizeof(buf)));
		jw_u64(&w, "offset_ms", (d->ts_ns - r->first_ts) / 1000000);
		jw_str(&w, "source", det_source(d, buf, sizeof(buf)));
		jw_str(&w, "detector", sg_detector_name(d->detector));
		jw_str(&w, "action", sg_action_name(d->action));
		/* As in scanguardd's scan events (README, "Event format"). */
		jw_obj_open(&w, "evidence");
		jw_u64(&w, "count", d->count);
		jw_u64(&w, "threshold", d->threshold);
		jw_u64(&w, "window", d->window_ns / SG_NSEC_PER_SEC);
		jw_i64(&w, "score", d->score);
		if (d->protect == SG_PROTECT_SEGMENT)
			jw_u64(&w, "hosts", d->hosts);
		jw_obj_close(&w);
		jw_u64(&w, "ports_counted", d->count);
		jw_arr_open(&w, "ports_sample");
		for (uint32_t j = 0; j < d->nsample; j++)
			jw_str(&w, NULL, sg_target_str(d->sample[j], buf, sizeof(buf)));
		jw_arr_close(&w);
		jw_obj_open(&w, "last_probe");
		jw_str(&w, "destination", sg_addr_str(&d->last_dst, -1, buf, sizeof(buf)));
		jw_str(&w, "target", sg_target_str(d->last_target, buf, sizeof(buf)));
		jw_obj_close(&w);
		sg_kinds_json(&w, "probe_kinds", d->kinds);
		jw_u64(&w, "block_ttl", d->block_ttl_ns / SG_NSEC_PER_SEC);
		jw_u64(&w, "strikes", d->strikes);
		jw_u64(&w, "probes_passed", d->probes_passed);
		jw_u64(&w, o->cfg.mode == SG_MODE_MONITOR ? "would_drop" : "dropped", d->dropped);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);

	jw_arr_open(&w, "sources");
	for (size_t i = 0; v && i < n; i++) {
		const struct sg_replay_source *s = v[i].s;

		jw_obj_open(&w, NULL);
		jw_str(&w, "source", source_str(v[i].key, o, buf, sizeof(buf)));
		jw_bool(&w, "detected", s->detections > 0);
		jw_u64(&w, "detections", s->detections);
		jw_u64(&w, "packets", s->packets);
		jw_u64(&w, "probes", s->probes);
		jw_u64(&w, "probes_passed", s->probes_passed);
		jw_u64(&w, "peak_ports", s->peak);
		jw_i64(&w, "peak_score", s->peak_score);
		sg_kinds_json(&w, "probe_kinds", s->kinds);
		jw_u64(&w, "dropped", s->dropped);
		jw_u64(&w, "would_drop", s->would_drop);
		jw_str(&w, "first", epoch_str(s->first_ts, buf, sizeof(buf)));
		jw_str(&w, "last", epoch_str(s->last_ts, buf, sizeof(buf)));
		jw_obj_close(&w);
	}
	jw_arr_close(&w);

	jw_obj_open(&w, "program");
	jw_u64(&w, "passed", r->xdp_pass);
	jw_u64(&w, "dropped", r->xdp_drop);
	jw_obj_open(&w, "counters");
	for (int i = 0; i < SG_STAT_MAX; i++)
		jw_u64(&w, sg_stat_name(i), r->stats.c[i]);
	jw_obj_close(&w);
	jw_obj_close(&w);

	jw_arr_open(&w, "warnings");
	for (int i = 0; i < nw; i++)
		jw_str(&w, NULL, wbuf[i]);
	jw_arr_close(&w);
	jw_obj_close(&w);
	jw_end(&w);
	free(v);
}

/* ---- text ----------------------------------------------------------------- */

static void text_ports(const struct sg_replay_result *r, uint8_t proto, FILE *out)
{
	const struct sg_replay_port *k;
	const void *kp;
	size_t pos = 0, shown = 0, total = 0;
	char buf[SG_ADDRSTRLEN];

	while (htab_next(&r->listeners, &pos, &kp)) {
		k = kp;
		if (k->proto != proto)
			continue;
		if (shown < LIST_MAX) {
			sg_addr_str(&k->addr, -1, buf, sizeof(buf));
			fprintf(out, "%s%s%s%s:%u", shown ? ", " : "", sg_addr_is_v4(&k->addr) ?
				"" : "[", buf, sg_addr_is_v4(&k->addr) ? "" : "]", k->port);
			shown++;
		}
		total++;
	}
	if (total > shown)
		fprintf(out, " and %zu more", total - shown);
	if (!total)
		fprintf(out, "none seen");
}

static void text_report(const struct sg_replay_opts *o, const struct sg_replay_result *r,
			FILE *out)
{
	char buf[SG_ADDRSTRLEN], b2[64], kinds[128], wbuf[WARN_MAX][WARN_LEN];
	const char *dropword = o->cfg.mode == SG_MODE_MONITOR ? "WOULD-DROP" : "DROPPED";
	size_t nd, n;
	struct ranked *v = rank_sources(o, r, &nd, &n);
	int nw = warnings(r, wbuf, WARN_MAX);
	uint64_t dur = r->last_ts - r->first_ts;

	fprintf(out, "capture:   %s (%s, %s), %llu packets", o->path, r->format, r->linkname,
		(unsigned long long)r->packets);
	if (r->packets)
		fprintf(out, " from %s over %llu.%03llus", epoch_str(r->first_ts, buf, sizeof(buf)),
			(unsigned long long)(dur / 1000000000ULL),
			(unsigned long long)(dur % 1000000000ULL / 1000000));
	fprintf(out, "\nlocal:     ");
	for (int i = 0; i < r->nlocal; i++)
		fprintf(out, "%s%s", i ? ", " : "", sg_cidr_str(&r->local[i], buf, sizeof(buf)));
	fprintf(out, "%s%s\n", r->nlocal ? "" : "none",
		r->inferred ? " (inferred from the capture; --local names them)" : "");
	fprintf(out, "config:    ");
	for (size_t i = 0; i < sg_ncfgkeys; i++) {
		const char *str = NULL;
		uint64_t num = 0;

		if (sg_cfgkey_get(&sg_cfgkeys[i], &o->cfg, &num, &str))
			fprintf(out, "%s%s %llu", i ? ", " : "", sg_cfgkeys[i].name,
				(unsigned long long)num);
		else
			fprintf(out, "%s%s %s", i ? ", " : "", sg_cfgkeys[i].name, str);
	}
	fprintf(out, "; allow-list %d entr%s", o->nallow, o->nallow == 1 ? "y" : "ies");
	for (int i = 0; i < o->ntraps; i++)
		fprintf(out, "%s%s", i ? "," : "; traps ", sg_target_str(o->traps[i], buf, sizeof(buf)));
	if (o->nexpose)
		fprintf(out, "; %d exposed service%s", o->nexpose, o->nexpose == 1 ? "" : "s");
	fprintf(out, "\n");
	fprintf(out, "replayed:  %llu packets inbound to the local addresses (not replayed: "
		"%llu outbound, %llu of other hosts, %llu between local addresses, %llu not IP, "
		"%llu unparsable)\n", (unsigned long long)r->role[SG_ROLE_IN],
		(unsigned long long)r->role[SG_ROLE_OUT], (unsigned long long)r->role[SG_ROLE_OTHER],
		(unsigned long long)r->role[SG_ROLE_INTERNAL],
		(unsigned long long)r->role[SG_ROLE_NONIP],
		(unsigned long long)(r->role[SG_ROLE_UNPARSED] + r->role[SG_ROLE_SHORT]));
	fprintf(out, "open:      tcp ");
	text_ports(r, IPPROTO_TCP, out);
	fprintf(out, "; udp ");
	text_ports(r, IPPROTO_UDP, out);
	for (int i = 0; i < o->nopen; i++)
		fprintf(out, "%s%s/%u%s%.0u", i ? ", " : "; declared ",
			o->open[i].proto == IPPROTO_TCP ? "tcp" : "udp", o->open[i].lo,
			o->open[i].hi != o->open[i].lo ? "-" : "",
			o->open[i].hi != o->open[i].lo ? o->open[i].hi : 0);
	if (o->cfg.protect == SG_PROTECT_SEGMENT)
		fprintf(out, "; segment mode: %llu outbound packets recorded as the segment's flows\n",
			(unsigned long long)r->inside_fed);
	else
		fprintf(out, "; %llu of the host's own flows\n",
			(unsigned long long)r->flows_emulated);

	fprintf(out, "\ndetections: %zu\n", r->ndet);
	if (r->ndet)
		fprintf(out, "  %-24s %-10s %-28s %-14s %-9s %5s %5s %-12s %6s %10s\n", "TIME", "AT",
			"SOURCE", "DETECTOR", "ACTION", "PORTS", "SCORE", "KINDS", "PASSED", dropword);
	for (size_t i = 0; i < r->ndet; i++) {
		const struct sg_replay_detection *d = &r->det[i];
		uint64_t at = d->ts_ns - r->first_ts;

		snprintf(b2, sizeof(b2), "+%llu.%03llus", (unsigned long long)(at / 1000000000ULL),
			 (unsigned long long)(at % 1000000000ULL / 1000000));
		fprintf(out, "  %-24s %-10s ", epoch_str(d->ts_ns, buf, sizeof(buf)), b2);
		fprintf(out, "%-28s %-14s %-9s %5u %5d %-12s %6llu %10llu\n",
			det_source(d, buf, sizeof(buf)), sg_detector_name(d->detector),
			sg_action_name(d->action), d->count, d->score, sg_kinds_str(d->kinds, kinds,
			sizeof(kinds)), (unsigned long long)d->probes_passed,
			(unsigned long long)d->dropped);
	}

	if (n > nd) {
		fprintf(out, "\nundetected sources closest to a threshold (ports %u, score %d):\n",
			o->cfg.threshold, o->cfg.score_threshold);
		fprintf(out, "  %-28s %9s %8s %10s %10s  %s\n", "SOURCE", "PACKETS", "PROBES",
			"PEAK-PORTS", "PEAK-SCORE", "KINDS");
		for (size_t i = nd; i < n; i++)
			fprintf(out, "  %-28s %9llu %8llu %10u %10d  %s\n",
				source_str(v[i].key, o, buf, sizeof(buf)),
				(unsigned long long)v[i].s->packets,
				(unsigned long long)v[i].s->probes, v[i].s->peak, v[i].s->peak_score,
				sg_kinds_str(v[i].s->kinds, kinds, sizeof(kinds)));
	}

	fprintf(out, "\nprogram:   %llu passed, %llu dropped;", (unsigned long long)r->xdp_pass,
		(unsigned long long)r->xdp_drop);
	for (int i = 0; i < SG_STAT_MAX; i++)
		if (r->stats.c[i] && i != SG_STAT_PACKETS)
			fprintf(out, " %s %llu", sg_stat_name(i), (unsigned long long)r->stats.c[i]);
	fprintf(out, "\n");
	for (int i = 0; i < nw; i++)
		fprintf(out, "warning:   %s\n", wbuf[i]);
	free(v);
}

void sg_replay_report(const struct sg_replay_opts *o, const struct sg_replay_result *r, FILE *out)
{
	if (o->json)
		json_report(o, r, out);
	else
		text_report(o, r, out);
}
