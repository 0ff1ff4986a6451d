// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * top.c - `scanguardctl top`: a live view of a running instance, refreshed
 * like top(1): packet, drop and probe rates, the sources with the most
 * distinct ports in their current window (sg_track), blocked sources with
 * the time left, and recent detections.  Sources are ranked by failure
 * score, then by distinct ports (the score stays 0 when scoring is off).
 *
 * Recent detections come from the block table, not from the event ring
 * buffer: the ring buffer has one consumer, the daemon, and reading it here
 * would steal its events.  Every automatic block records when it was
 * created and by which detector, so a block that appears is a detection;
 * top remembers the ones it has seen, so they stay listed after their block
 * ends.  Detections that could not block (table full) show in the counter.
 *
 * The screen is drawn with a handful of ANSI sequences every terminal since
 * the VT100 understands (home, erase line, erase below), in the alternate
 * screen when the terminal has one (term.c), so it works over SSH without
 * curses.  Every line is cut to the terminal's width and the lists to its
 * height; a resize redraws at once.  q or Ctrl-C restore the terminal and
 * exit 0.
 * When stdout is not a terminal, or TERM is dumb (or with --json), it
 * prints plain frames (JSON lines) instead, for scripts.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "cfgkeys.h"
#include "ctl.h"
#include "fmt.h"
#include "json.h"
#include "links.h"
#include "ops.h"
#include "pin.h"
#include "table.h"
#include "term.h"

#define RECENT_MAX	64	/* detections remembered */
#define BATCH_ROWS	70	/* a plain frame: about 20 rows per list */

struct tracked {
	struct sg_addr key;
	struct sg_track t;
};

struct recent {
	struct sg_cidr src;
	uint64_t created_ns;
	uint32_t detector;
	bool live;		/* still in the block table */
};

struct sample {
	uint64_t at_ns;
	struct sg_stats s;
};

struct top {
	const struct sg_tool_args *args;
	struct sg_maps maps;
	struct sg_config cfg;
	struct sample prev, cur;
	bool have_prev;
	struct tracked *trk;
	size_t ntrk, captrk, ntracked;
	struct sg_block_entry *blocks;
	size_t nblocks;
	struct recent recent[RECENT_MAX];
	int nrecent;
	bool running;
	int pinned_links;	/* keep the program attached without a daemon */
	char ifaces[256];
	/* output */
	bool interactive;
	int rows, cols;
	char *frame;
	size_t flen, fcap;
};

/* ---- reading the instance ---------------------------------------------------- */

static int read_track(struct top *t, uint64_t now)
{
	struct sg_table tb;
	int ret = sg_table_map(t->maps.track, &tb);

	if (ret)
		return ret;
	t->ntrk = 0;
	t->ntracked = 0;
	for (__u32 i = 0; i < tb.entries; i++) {
		struct sg_track_entry e = tb.e[i];

		if (!sg_table_used(&e))
			continue;
		t->ntracked++;
		/* Only the current window counts: an older one restarts. */
		if (sg_elapsed(now, e.t.window_start) >= t->cfg.window_ns)
			continue;
		if (t->ntrk == t->captrk) {
			size_t cap = t->captrk ? t->captrk * 2 : 256;
			struct tracked *nv = realloc(t->trk, cap * sizeof(*nv));

			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			t->trk = nv;
			t->captrk = cap;
		}
		t->trk[t->ntrk].key = e.key;
		t->trk[t->ntrk++].t = e.t;
	}
	sg_table_unmap(&tb);
	return ret;
}

static int by_count(const void *a, const void *b)
{
	const struct tracked *x = a, *y = b;

	if (x->t.score != y->t.score)
		return x->t.score < y->t.score ? 1 : -1;
	if (x->t.count != y->t.count)
		return x->t.count < y->t.count ? 1 : -1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static int by_created(const void *a, const void *b)
{
	const struct sg_block_entry *x = a, *y = b;

	if (x->b.created_ns != y->b.created_ns)
		return x->b.created_ns < y->b.created_ns ? 1 : -1;
	return memcmp(&x->cidr, &y->cidr, sizeof(x->cidr));
}

static int by_recent(const void *a, const void *b)
{
	const struct recent *x = a, *y = b;

	if (x->created_ns != y->created_ns)
		return x->created_ns < y->created_ns ? 1 : -1;
	return memcmp(&x->src, &y->src, sizeof(x->src));
}

/* Remembers every block a detector made, newest first; those no longer in
 * the table are marked ended. */
static void note_detections(struct top *t)
{
	for (int j = 0; j < t->nrecent; j++)
		t->recent[j].live = false;
	for (size_t i = 0; i < t->nblocks; i++) {
		const struct sg_block_entry *b = &t->blocks[i];
		int j;

		if (b->b.flags & SG_BLOCK_MANUAL)
			continue;
		for (j = 0; j < t->nrecent; j++)
			if (t->recent[j].created_ns == b->b.created_ns &&
			    !memcmp(&t->recent[j].src, &b->cidr, sizeof(b->cidr)))
				break;
		if (j == t->nrecent) {
			if (t->nrecent == RECENT_MAX) {
				/* Full: the oldest (last, as the list is sorted) goes. */
				if (t->recent[RECENT_MAX - 1].created_ns > b->b.created_ns)
					continue;
				j = RECENT_MAX - 1;
			} else {
				t->nrecent++;
			}
			t->recent[j] = (struct recent){ b->cidr, b->b.created_ns, b->b.detector, true };
		}
		t->recent[j].live = true;
		qsort(t->recent, t->nrecent, sizeof(t->recent[0]), by_recent);
	}
}

static int refresh(struct top *t)
{
	uint64_t now = sg_now_ns();
	size_t used = 0;
	int ret;

	t->running = sg_pin_locked(t->args->pin_path);
	{
		struct sg_pinned_link links[SG_MAX_IFACES];
		int n = sg_links_list(t->args->pin_path, links, SG_MAX_IFACES);

		t->pinned_links = 0;
		for (int i = 0; i < n; i++)
			t->pinned_links += links[i].ifindex != 0;
		sg_links_close(links, n > 0 ? n : 0);
	}
	if ((ret = sg_config_read(&t->maps, &t->cfg)) || (ret = sg_stats_read(&t->maps, &t->cur.s)))
		return ret;
	t->cur.at_ns = now;
	free(t->blocks);
	t->blocks = NULL;
	if ((ret = sg_block_list(&t->maps, now, &t->blocks, &t->nblocks)))
		return ret;
	qsort(t->blocks, t->nblocks, sizeof(*t->blocks), by_created);
	note_detections(t);
	if ((ret = read_track(t, now)))
		return ret;
	qsort(t->trk, t->ntrk, sizeof(*t->trk), by_count);

	t->ifaces[0] = 0;
	for (__u32 i = 0; i < SG_MAX_IFACES; i++) {
		struct sg_iface ifc;

		if (bpf_map_lookup_elem(t->maps.ifaces, &i, &ifc) || !ifc.ifindex)
			continue;
		ifc.name[sizeof(ifc.name) - 1] = 0;
		used += snprintf(t->ifaces + used, used < sizeof(t->ifaces) ? sizeof(t->ifaces) - used
			: 0, "%s%s (%s)", used ? ", " : "", ifc.name, sg_xdp_mode_name(ifc.xdp_mode));
	}
	return 0;
}

/* ---- numbers ------------------------------------------------------------------- */

static uint64_t drops_of(const struct sg_stats *s)
{
	uint64_t n = 0;

	/* Every counter named dropped_* is a drop, whichever detector made it. */
	for (int i = 0; i < SG_STAT_MAX; i++)
		if (!strncmp(sg_stat_name(i), "dropped", 7))
			n += s->c[i];
	return n;
}

static double rate(const struct top *t, uint64_t now_v, uint64_t prev_v)
{
	double secs = (double)(t->cur.at_ns - t->prev.at_ns) / 1e9;

	return secs > 0 && now_v >= prev_v ? (now_v - prev_v) / secs : 0;
}

static const char *human(double v, char *buf, size_t len)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static const char *dur(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / SG_NSEC_PER_SEC;

	if (s >= 86400)
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
	return buf;
}

/* Wall-clock HH:MM:SS of a monotonic timestamp. */
static const char *clock_of(uint64_t mono_ns, uint64_t now_mono, char *buf, size_t len)
{
	time_t secs = time(NULL) - (time_t)((now_mono - mono_ns) / SG_NSEC_PER_SEC);
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

static const char *key_str(const struct sg_addr *a, const struct sg_config *cfg, char *buf,
			   size_t len)
{
	return sg_addr_str(a, sg_addr_is_v4(a) || cfg->ipv6_prefix == 128 ? -1 :
			   (int)cfg->ipv6_prefix, buf, len);
}

/* ---- frames ---------------------------------------------------------------------- */

static void put(struct top *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct top *t, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	if (t->interactive && n > (size_t)t->cols)
		n = t->cols;	/* cut, never wrap: a wrapped line would scroll the screen */
	if (t->flen + n + 16 > t->fcap) {
		size_t cap = (t->fcap + n + 16) * 2;
		char *nf = realloc(t->frame, cap);

		if (!nf)
			return;
		t->frame = nf;
		t->fcap = cap;
	}
	memcpy(t->frame + t->flen, line, n);
	t->flen += n;
	if (t->interactive) {
		memcpy(t->frame + t->flen, "\033[K\r\n", 5);
		t->flen += 5;
	} else {
		t->frame[t->flen++] = '\n';
	}
}

static void build_frame(struct top *t)
{
	uint64_t now = t->cur.at_ns;
	const struct sg_stats *c = &t->cur.s, *p = &t->prev.s;
	char a[SG_ADDRSTRLEN], b1[32], b2[32], b3[32], kinds[96], hms[16];
	int fixed = 10, avail, want[3], give[3], left;

	t->flen = 0;
	put(t, "scanguard top  %s  %s  mode %s  %s", t->args->pin_path,
	    t->running ? "daemon running" : t->pinned_links ? "no daemon, program pinned" :
	    "NO DAEMON, program detached", sg_mode_name(t->cfg.mode),
	    clock_of(now, now, hms, sizeof(hms)));
	put(t, "interfaces: %s", t->ifaces[0] ? t->ifaces : "none attached");
	if (t->cfg.score_threshold > 0)
		put(t, "detection: failure score %d or more than %u distinct ports in %s; blocks "
		    "last %s", t->cfg.score_threshold, t->cfg.threshold,
		    dur(t->cfg.window_ns, b1, sizeof(b1)), dur(t->cfg.block_ttl_ns, b2, sizeof(b2)));
	else
		put(t, "detection: more than %u distinct ports in %s; blocks last %s",
		    t->cfg.threshold, dur(t->cfg.window_ns, b1, sizeof(b1)),
		    dur(t->cfg.block_ttl_ns, b2, sizeof(b2)));
	if (t->have_prev)
		put(t, "packets/s %s  drops/s %s  probes/s %s  detections %llu (+%llu)  blocked %zu"
		    "  tracked %zu", human(rate(t, c->c[SG_STAT_PACKETS], p->c[SG_STAT_PACKETS]), b1,
					   sizeof(b1)),
		    human(rate(t, drops_of(c), drops_of(p)), b2, sizeof(b2)),
		    human(rate(t, c->c[SG_STAT_PROBES], p->c[SG_STAT_PROBES]), b3, sizeof(b3)),
		    (unsigned long long)c->c[SG_STAT_DETECTIONS],
		    (unsigned long long)(c->c[SG_STAT_DETECTIONS] - p->c[SG_STAT_DETECTIONS]),
		    t->nblocks, t->ntracked);
	else
		put(t, "packets/s -  drops/s -  probes/s -  detections %llu  blocked %zu  tracked %zu",
		    (unsigned long long)c->c[SG_STAT_DETECTIONS], t->nblocks, t->ntracked);

	/* Share the rows left between the three lists a row at a time, so a
	 * small terminal still shows the head of each. */
	avail = (t->interactive ? t->rows : BATCH_ROWS) - fixed;
	want[0] = t->ntrk;
	want[1] = t->nblocks;
	want[2] = t->nrecent;
	give[0] = give[1] = give[2] = 0;
	for (left = avail; left > 0;) {
		int before = left;

		for (int i = 0; i < 3 && left > 0; i++)
			if (give[i] < want[i]) {
				give[i]++;
				left--;
			}
		if (left == before)
			break;
	}

	put(t, "%s", "");
	put(t, "TOP SOURCES this window (%zu of %zu tracked)", t->ntrk, t->ntracked);
	put(t, "  %-40s %6s %6s  %-20s %s", "SOURCE", "SCORE", "PORTS", "KINDS", "WINDOW");
	for (int i = 0; i < give[0]; i++) {
		const struct tracked *r = &t->trk[i];

		put(t, "  %-40s %6d %6u  %-20s %s", key_str(&r->key, &t->cfg, a, sizeof(a)),
		    r->t.score, r->t.count, sg_kinds_str(SG_TRACK_KINDS(r->t.bits), kinds,
		    sizeof(kinds)), dur(sg_elapsed(now, r->t.window_start), b1, sizeof(b1)));
	}
	put(t, "BLOCKED (%zu)", t->nblocks);
	for (int i = 0; i < give[1]; i++) {
		const struct sg_block_entry *b = &t->blocks[i];

		put(t, "  %-40s %-16s %-10s %s ago", sg_cidr_str(&b->cidr, a, sizeof(a)),
		    sg_detector_name(b->b.detector),
		    b->b.expires_ns ? dur(b->b.expires_ns - now, b1, sizeof(b1)) : "never",
		    dur(now - b->b.created_ns, b2, sizeof(b2)));
	}
	put(t, "RECENT DETECTIONS (%d)", t->nrecent);
	for (int i = 0; i < give[2]; i++) {
		const struct recent *r = &t->recent[i];

		put(t, "  %-8s %-40s %-16s %s", clock_of(r->created_ns, now, b3, sizeof(b3)),
		    sg_cidr_str(&r->src, a, sizeof(a)), sg_detector_name(r->detector),
		    r->live ? (t->cfg.mode == SG_MODE_MONITOR ? "monitored" : "blocked") : "ended");
	}
	if (t->interactive)
		put(t, "q or Ctrl-C quits");
}

static void show_frame(struct top *t)
{
	if (t->interactive) {
		/* Home, the frame, then erase whatever an older, longer one left. */
		if (write(STDOUT_FILENO, "\033[H", 3) < 0)
			return;
		if (t->flen >= 2)
			t->flen -= 2;	/* no newline after the last line: it would scroll */
		if (write(STDOUT_FILENO, t->frame, t->flen) < 0)
			return;
		if (write(STDOUT_FILENO, "\033[J", 3) < 0)
			return;
		return;
	}
	fwrite(t->frame, 1, t->flen, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void show_json(struct top *t)
{
	const struct sg_stats *c = &t->cur.s, *p = &t->prev.s;
	uint64_t now = t->cur.at_ns;
	char a[SG_ADDRSTRLEN];
	struct jw w;

	jw_init(&w, stdout);
	jw_obj_open(&w, NULL);
	jw_bool(&w, "daemon_running", t->running);
	jw_u64(&w, "pinned_links", t->pinned_links);
	jw_str(&w, "mode", sg_mode_name(t->cfg.mode));
	jw_obj_open(&w, "per_second");
	jw_u64(&w, "packets", llround(rate(t, c->c[SG_STAT_PACKETS], p->c[SG_STAT_PACKETS])));
	jw_u64(&w, "drops", llround(rate(t, drops_of(c), drops_of(p))));
	jw_u64(&w, "probes", llround(rate(t, c->c[SG_STAT_PROBES], p->c[SG_STAT_PROBES])));
	jw_obj_close(&w);
	jw_obj_open(&w, "counters");
	for (int i = 0; i < SG_STAT_MAX; i++)
		jw_u64(&w, sg_stat_name(i), c->c[i]);
	jw_obj_close(&w);
	jw_u64(&w, "tracked", t->ntracked);
	jw_arr_open(&w, "top_sources");
	for (size_t i = 0; i < t->ntrk && i < 20; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "source", key_str(&t->trk[i].key, &t->cfg, a, sizeof(a)));
		jw_i64(&w, "score", t->trk[i].t.score);
		jw_u64(&w, "ports", t->trk[i].t.count);
		sg_kinds_json(&w, "probe_kinds", SG_TRACK_KINDS(t->trk[i].t.bits));
		jw_u64(&w, "window_age", sg_elapsed(now, t->trk[i].t.window_start) / SG_NSEC_PER_SEC);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_arr_open(&w, "blocked");
	for (size_t i = 0; i < t->nblocks; i++) {
		const struct sg_block *b = &t->blocks[i].b;

		jw_obj_open(&w, NULL);
		jw_str(&w, "source", sg_cidr_str(&t->blocks[i].cidr, a, sizeof(a)));
		jw_str(&w, "detector", sg_detector_name(b->detector));
		if (b->expires_ns)
			jw_u64(&w, "expires_in", (b->expires_ns - now) / SG_NSEC_PER_SEC);
		else
			jw_null(&w, "expires_in");
		jw_u64(&w, "age", (now - b->created_ns) / SG_NSEC_PER_SEC);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_arr_open(&w, "recent_detections");
	for (int i = 0; i < t->nrecent; i++) {
		jw_obj_open(&w, NULL);
		jw_str(&w, "source", sg_cidr_str(&t->recent[i].src, a, sizeof(a)));
		jw_str(&w, "detector", sg_detector_name(t->recent[i].detector));
		jw_u64(&w, "age", (now - t->recent[i].created_ns) / SG_NSEC_PER_SEC);
		jw_bool(&w, "active", t->recent[i].live);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	jw_end(&w);
}

static int parse_interval(const char *s, int *ms)
{
	char *end;
	double v;

	if (!s) {
		*ms = 1000;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (*s < '0' || *s > '9' || *end || errno || v < 0.1 || v > 3600)
		return -1;
	*ms = (int)(v * 1000 + 0.5);
	return 0;
}

int sg_cmd_top(const struct sg_tool_args *args, int argc, char **argv, char *err, size_t errlen)
{
	const char *term;
	struct top *t;
	long count = -1;
	int ms, ret, done = 0;

	if (argc) {
		snprintf(err, errlen, "top takes no arguments (options: --interval, --count)");
		return EX_USAGE;
	}
	if (parse_interval(args->interval, &ms)) {
		snprintf(err, errlen, "--interval: '%s' is not a number of seconds 0.1..3600",
			 args->interval);
		return EX_USAGE;
	}
	if (args->count) {
		char *end;

		errno = 0;
		count = strtol(args->count, &end, 10);
		if (*args->count < '0' || *args->count > '9' || *end || errno || count < 1) {
			snprintf(err, errlen, "--count: '%s' is not a whole number 1 or more",
				 args->count);
			return EX_USAGE;
		}
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return EX_FAIL;
	}
	t->args = args;
	ret = sg_maps_open(args->pin_path, &t->maps);
	if (ret) {
		if (ret == -ENOENT)
			snprintf(err, errlen, "no scanguard instance at %s (is scanguardd running?)",
				 args->pin_path);
		else if (ret == -ESTALE)
			snprintf(err, errlen, "the instance at %s %s", args->pin_path, SG_MAPS_STALE);
		else
			snprintf(err, errlen, "cannot open %s: %s", args->pin_path, strerror(-ret));
		free(t);
		return ret == -ENOENT ? EX_NOINSTANCE : EX_FAIL;
	}
	/* A terminal that cannot move the cursor gets plain frames. */
	term = getenv("TERM");
	t->interactive = !args->json && isatty(STDOUT_FILENO) && term && *term &&
			 strcmp(term, "dumb");

	sg_term_signals(t->interactive);
	if (t->interactive) {
		sg_term_size(&t->rows, &t->cols);
		sg_term_enter();
	}

	ret = refresh(t);
	/* Scripts get rates in every frame: take a first sample, then wait. */
	if (!ret && !t->interactive) {
		t->prev = t->cur;
		t->have_prev = true;
		sg_term_wait_key(ms, false);
		if (!sg_term_stop)
			ret = refresh(t);
	}
	while (!ret && !sg_term_stop) {
		if (t->interactive) {
			sg_term_size(&t->rows, &t->cols);
			build_frame(t);
			show_frame(t);
		} else if (args->json) {
			show_json(t);
		} else {
			build_frame(t);
			show_frame(t);
		}
		if (count > 0 && ++done >= count)
			break;
		/* Wait for the next refresh, a key, a resize or a signal. */
		for (int waited = 0; waited < ms && !sg_term_stop && !sg_term_resized;) {
			int step = ms - waited < 100 ? ms - waited : 100;

			if (sg_term_wait_key(step, t->interactive)) {
				sg_term_stop = 1;
				break;
			}
			waited += step;
		}
		if (sg_term_stop)
			break;
		if (sg_term_resized) {
			sg_term_resized = 0;
			continue;	/* redraw the same numbers at the new size */
		}
		t->prev = t->cur;
		t->have_prev = true;
		ret = refresh(t);
	}
	if (t->interactive)
		sg_term_leave();
	if (ret)
		snprintf(err, errlen, "cannot read the instance: %s", strerror(-ret));
	sg_maps_close(&t->maps);
	free(t->trk);
	free(t->blocks);
	free(t->frame);
	free(t);
	return ret ? EX_FAIL : EX_OK;
}
