// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* report.c - prints the results as tables and writes them as JSON, with the
 * issue's targets evaluated on the medians of this run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "cfgkeys.h"
#include "json.h"
#include "report.h"

static const char *const prog_key[BM_NPROGS] = { "ns_per_packet", "empty_xdp_ns", "xdp_filter_ns" };
static const char *const prog_name[BM_NPROGS] = { "scanguard", "empty_xdp", "xdp_filter" };

struct target {
	int scenario;
	enum bm_prog against;
	double max_ratio;
};

/* The targets: scanguard's median over the baseline's median. */
static const struct target targets[] = {
	{ 1, BM_EMPTY, 1.5 }, { 2, BM_FILT, 0.6 }, { 3, BM_FILT, 0.6 },
	{ 4, BM_FILT, 1.0 }, { 5, BM_FILT, 2.0 }, { 6, BM_FILT, 4.0 },
};
#define SCALE_MAX_RATIO		2.0	/* cost at 1 M sources over cost at 1 K */
#define BYTES_PER_SOURCE_MAX	128

static const struct target *target_of(int scenario)
{
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (targets[i].scenario == scenario)
			return &targets[i];
	return NULL;
}

static double ratio(const struct bm_result *r, enum bm_prog p)
{
	return r->ns[p].median > 0 ? r->ns[BM_SG].median / r->ns[p].median : 0;
}

static const char *verdict_str(uint32_t v)
{
	static const char *const names[] = { "aborted", "drop", "pass", "tx", "redirect" };

	return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

/* Scaling "no cliff" checks: the largest x over the smallest, per scenario
 * and family of a series. */
struct cliff {
	int scenario, family;
	long x_lo, x_hi;
	double lo, hi;
};

/* One memory read at the footprint of x sources (memory_chase), or a
 * negative number when the run did not time it.  A series that reads its
 * per-source state once a packet pays about this much more at x_hi than
 * at x_lo, so (lo + read) / lo is the least ratio it can show on this
 * host. */
static double memory_read_ns(const struct bm_ctx *c, long x)
{
	for (int i = 0; i < c->nstructs; i++)
		if (c->structs[i].sources == x && !strcmp(c->structs[i].structure, "memory_chase"))
			return c->structs[i].ns.median;
	return -1;
}

static int cliffs(const struct bm_ctx *c, const char *series, struct cliff *out, int max)
{
	int n = 0;

	for (int i = 0; i < c->nscale; i++) {
		const struct bm_result *r = &c->scale[i];
		struct cliff *k = NULL;

		if (strcmp(r->series, series))
			continue;
		for (int j = 0; j < n; j++)
			if (out[j].scenario == r->scenario && out[j].family == r->family)
				k = &out[j];
		if (!k) {
			if (n == max)
				continue;
			k = &out[n++];
			*k = (struct cliff){ r->scenario, r->family, r->x, r->x, r->ns[BM_SG].median,
					     r->ns[BM_SG].median };
		}
		if (r->x < k->x_lo) {
			k->x_lo = r->x;
			k->lo = r->ns[BM_SG].median;
		}
		if (r->x > k->x_hi) {
			k->x_hi = r->x;
			k->hi = r->ns[BM_SG].median;
		}
	}
	return n;
}

static void print_row(FILE *f, const struct bm_result *r, bool scaling)
{
	char cell[BM_NPROGS][32];

	for (int p = 0; p < BM_NPROGS; p++)
		snprintf(cell[p], sizeof(cell[p]), "%.1f (%.1f-%.1f)", r->ns[p].median,
			 r->ns[p].p25, r->ns[p].p75);
	if (scaling)
		fprintf(f, "%-16s %-22s %9ld", r->series, r->name, r->x);
	else
		fprintf(f, "%-22s", r->name);
	fprintf(f, " %-20s %-18s %-20s %6.2f %6.2f", cell[BM_SG], cell[BM_EMPTY], cell[BM_FILT],
		ratio(r, BM_EMPTY), ratio(r, BM_FILT));
	if (!scaling) {
		const struct target *t = target_of(r->scenario);

		if (t)
			fprintf(f, "  <= %.1f x %-10s %s", t->max_ratio,
				t->against == BM_EMPTY ? "empty" : "xdp-filter",
				ratio(r, t->against) <= t->max_ratio ? "met" : "MISSED");
	}
	fputc('\n', f);
}

void bm_print_table(FILE *f, const struct bm_ctx *c)
{
	struct cliff k[16];
	int nk;

	fprintf(f, "\nns per packet: median (p25-p75) of each program on the same frames; "
		   "ratios are scanguard over the baseline\n");
	fprintf(f, "%-22s %-20s %-18s %-20s %6s %6s  %s\n", "scenario", "scanguard", "empty",
		"xdp-filter", "/empty", "/filt", "target");
	for (int i = 0; i < c->nres; i++)
		print_row(f, &c->res[i], false);
	if (c->nscale) {
		fprintf(f, "\nscaling\n%-16s %-22s %9s %-20s %-18s %-20s %6s %6s\n", "series",
			"scenario", "x", "scanguard", "empty", "xdp-filter", "/empty", "/filt");
		for (int i = 0; i < c->nscale; i++)
			print_row(f, &c->scale[i], true);
		nk = cliffs(c, "tracked_sources", k, 16);
		for (int i = 0; i < nk; i++) {
			double read = memory_read_ns(c, k[i].x_hi);

			fprintf(f, "no cliff: scenario %d IPv%d at %ld sources / at %ld: %.2f (<= %.1f) %s",
				k[i].scenario, k[i].family, k[i].x_hi, k[i].x_lo, k[i].hi / k[i].lo,
				SCALE_MAX_RATIO,
				k[i].hi / k[i].lo <= SCALE_MAX_RATIO ? "met" : "MISSED");
			if (read >= 0)
				fprintf(f, "; with one memory read more (%.1f ns): %.2f", read,
					(k[i].lo + read) / k[i].lo);
			fputc('\n', f);
		}
	}
	if (c->nstructs) {
		fprintf(f, "\nper-source structures, one hit, bare (harness removed); memory_chase: one\n"
			"read that waits for the one before, in 256 bytes a source (the four ways a\n"
			"source the scaling runs give sg_track): the memory's latency\n%-12s %9s %s\n",
			"structure", "sources", "ns");
		for (int i = 0; i < c->nstructs; i++)
			fprintf(f, "%-12s %9ld %.1f (%.1f-%.1f)\n", c->structs[i].structure,
				c->structs[i].sources, c->structs[i].ns.median, c->structs[i].ns.p25,
				c->structs[i].ns.p75);
	}
	if (c->nmem) {
		fprintf(f, "\nmap memory (kernel accounting)\n%-16s %-14s %-16s %11s %9s %12s\n",
			"config", "map", "type", "max_entries", "entries", "bytes");
		for (int i = 0; i < c->nmem; i++) {
			const struct bm_map_mem *m = &c->mem[i];

			fprintf(f, "%-16s %-14s %-16s %11u %9ld %12lu\n", m->config, m->map, m->type,
				m->max_entries, m->entries, (unsigned long)m->memlock);
		}
		fprintf(f, "bytes per tracked source: %.2f (sg_track alone), %.2f (with sg_suspect); "
			   "target <= %d: %s\n", c->bytes_per_source, c->bytes_per_source_total,
			BYTES_PER_SOURCE_MAX,
			c->bytes_per_source <= BYTES_PER_SOURCE_MAX ? "met" : "MISSED");
	}
}

static void json_stats(struct jw *w, const char *key, const struct bm_stats *s)
{
	jw_obj_open(w, key);
	jw_f64(w, "min", s->min, 2);
	jw_f64(w, "p25", s->p25, 2);
	jw_f64(w, "median", s->median, 2);
	jw_f64(w, "p75", s->p75, 2);
	jw_f64(w, "max", s->max, 2);
	jw_u64(w, "runs", s->n);
	jw_obj_close(w);
}

static void json_result(struct jw *w, const struct bm_result *r, bool scaling)
{
	const struct target *t = target_of(r->scenario);

	jw_obj_open(w, NULL);
	jw_str(w, "name", r->name);
	jw_u64(w, "scenario", r->scenario);
	jw_u64(w, "family", r->family);
	jw_str(w, "description", r->what);
	if (scaling) {
		jw_str(w, "series", r->series);
		jw_i64(w, "x", r->x);
	}
	jw_str(w, "timing", r->harness ? "harness" : "direct");
	jw_u64(w, "repeat", r->repeat);
	for (int p = 0; p < BM_NPROGS; p++)
		jw_f64(w, prog_key[p], r->ns[p].median, 2);
	jw_obj_open(w, "spread");
	for (int p = 0; p < BM_NPROGS; p++)
		json_stats(w, prog_key[p], &r->ns[p]);
	jw_obj_close(w);
	if (r->harness)
		json_stats(w, "harness_ns", &r->harness_ns);
	jw_f64(w, "ratio_to_empty_xdp", ratio(r, BM_EMPTY), 3);
	jw_f64(w, "ratio_to_xdp_filter", ratio(r, BM_FILT), 3);
	jw_obj_open(w, "verdict");
	for (int p = 0; p < BM_NPROGS; p++)
		jw_str(w, prog_name[p], verdict_str(r->verdict[p]));
	jw_obj_close(w);
	jw_obj_open(w, "state");
	jw_i64(w, "tracked_sources", r->tracked);
	jw_i64(w, "blocks", r->blocks);
	jw_i64(w, "allow_entries", r->allow);
	jw_u64(w, "track_max_entries", r->track_entries);
	jw_obj_close(w);
	if (t && !scaling) {
		jw_obj_open(w, "target");
		jw_str(w, "against", prog_name[t->against]);
		jw_f64(w, "max_ratio", t->max_ratio, 2);
		jw_f64(w, "ratio", ratio(r, t->against), 3);
		jw_bool(w, "met", ratio(r, t->against) <= t->max_ratio);
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

static void json_machine(struct jw *w, const struct bm_ctx *c)
{
	char model[128] = "?", line[256];
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "model name : %127[^\n]", model) == 1)
			break;
	if (f)
		fclose(f);
	uname(&u);
	jw_obj_open(w, "machine");
	jw_str(w, "kernel", u.release);
	jw_str(w, "cpu_model", model);
	jw_i64(w, "cpus_online", sysconf(_SC_NPROCESSORS_ONLN));
	jw_i64(w, "cpus_possible", c->ncpus);
	jw_i64(w, "bench_cpu", c->o.cpu);
	jw_obj_close(w);
}

static void json_config(struct jw *w, const struct bm_ctx *c)
{
	const struct sg_config *cfg = sg_subject_config();

	jw_obj_open(w, "config");
	jw_bool(w, "quick", c->o.quick);
	jw_i64(w, "runs", c->o.reps);
	jw_i64(w, "scaling_runs", c->o.scale_reps);
	jw_u64(w, "repeat", c->o.repeat);
	jw_u64(w, "insert_repeat", c->o.insert_repeat);
	jw_u64(w, "flood_repeat", c->o.flood_repeat);
	jw_u64(w, "cycle_repeat", c->o.cycle_repeat);
	jw_obj_open(w, "scanguard");
	jw_str(w, "program", "scanguard_xdp");
	jw_arr_open(w, "changed_from_defaults");
	for (int i = 0; i < c->o.nsets; i++)
		jw_str(w, NULL, c->o.sets[i]);
	jw_arr_close(w);
	for (size_t i = 0; i < sg_ncfgkeys; i++) {
		const struct sg_cfgkey *k = &sg_cfgkeys[i];
		const char *str = NULL;
		uint64_t num;

		if (sg_cfgkey_get(k, cfg, &num, &str) && !str)
			jw_u64(w, k->name, num);
		else if (str)
			jw_str(w, k->name, str);
	}
	jw_obj_close(w);
	jw_obj_open(w, "xdp_filter");
	jw_str(w, "object", c->xf.path);
	jw_str(w, "program", "xdpfilt_dny_all");
	jw_str(w, "policy", "deny: a frame passes only when an allow rule matches");
	jw_i64(w, "port_rules", c->xf.nports);
	jw_i64(w, "ipv4_rules", c->xf.nv4);
	jw_i64(w, "ipv6_rules", c->xf.nv6);
	jw_obj_close(w);
	jw_obj_close(w);
}

int bm_write_json(const char *path, const struct bm_ctx *c)
{
	char tmp[4096], ts[32];
	struct cliff k[16];
	time_t now = time(NULL);
	struct jw w;
	FILE *f;
	int nk;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	jw_init(&w, f);
	jw_obj_open(&w, NULL);
	jw_u64(&w, "schema", 1);
	jw_str(&w, "generated", ts);
	json_machine(&w, c);
	json_config(&w, c);
	jw_arr_open(&w, "scenarios");
	for (int i = 0; i < c->nres; i++)
		json_result(&w, &c->res[i], false);
	jw_arr_close(&w);
	jw_arr_open(&w, "scaling");
	for (int i = 0; i < c->nscale; i++)
		json_result(&w, &c->scale[i], true);
	jw_arr_close(&w);
	jw_arr_open(&w, "scaling_targets");
	nk = cliffs(c, "tracked_sources", k, 16);
	for (int i = 0; i < nk; i++) {
		double read = memory_read_ns(c, k[i].x_hi);

		jw_obj_open(&w, NULL);
		jw_u64(&w, "scenario", k[i].scenario);
		jw_u64(&w, "family", k[i].family);
		jw_i64(&w, "sources_low", k[i].x_lo);
		jw_i64(&w, "sources_high", k[i].x_hi);
		jw_f64(&w, "ns_low", k[i].lo, 2);
		jw_f64(&w, "ns_high", k[i].hi, 2);
		jw_f64(&w, "ratio", k[i].hi / k[i].lo, 3);
		jw_f64(&w, "max_ratio", SCALE_MAX_RATIO, 1);
		jw_bool(&w, "met", k[i].hi / k[i].lo <= SCALE_MAX_RATIO);
		if (read >= 0) {
			jw_f64(&w, "memory_read_ns", read, 2);
			jw_f64(&w, "ratio_one_read", (k[i].lo + read) / k[i].lo, 3);
		}
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_arr_open(&w, "structures");
	for (int i = 0; i < c->nstructs; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "structure", c->structs[i].structure);
		jw_i64(&w, "sources", c->structs[i].sources);
		jw_u64(&w, "bytes_per_source", c->structs[i].bytes_per_source);
		jw_f64(&w, "ns_per_hit", c->structs[i].ns.median, 2);
		json_stats(&w, "spread", &c->structs[i].ns);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_open(&w, "memory");
	jw_arr_open(&w, "maps");
	for (int i = 0; i < c->nmem; i++) {
		const struct bm_map_mem *m = &c->mem[i];

		jw_obj_open(&w, NULL);
		jw_str(&w, "config", m->config);
		jw_str(&w, "map", m->map);
		jw_str(&w, "type", m->type);
		jw_u64(&w, "max_entries", m->max_entries);
		jw_i64(&w, "entries", m->entries);
		jw_u64(&w, "bytes", m->memlock);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_f64(&w, "bytes_per_tracked_source", c->bytes_per_source, 2);
	jw_f64(&w, "bytes_per_tracked_source_with_suspects", c->bytes_per_source_total, 2);
	jw_u64(&w, "target_max_bytes_per_source", BYTES_PER_SOURCE_MAX);
	jw_bool(&w, "met", c->nmem && c->bytes_per_source <= BYTES_PER_SOURCE_MAX);
	jw_obj_close(&w);
	jw_obj_close(&w);
	jw_end(&w);
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}
