// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay.c - the replay pipeline.  A first pass over the capture learns
 * which addresses are the protected host's (unless --local names them), the
 * ports that answered, and the host's own flows; the second pass feeds every
 * packet inbound to the host to the XDP program's test entry point with the
 * program's clock set to the packet's capture time, inside a private network
 * namespace holding the sockets the first pass found (replay_env.c).  What
 * the program decided is read back from the program itself: its verdict, its
 * counters (was it a probe?), its tracking map (how many distinct targets)
 * and its detection events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "capture.h"
#include "cfgkeys.h"
#include "log.h"
#include "ops.h"
#include "pin.h"
#include "replay.h"
#include "replay_env.h"
#include "replay_learn.h"
#include "sg_admit.h"
#include "sg_parse.h"
#include "skel.h"
#include "table.h"
#include "scanguard.skel.h"

int sg_port_range_parse(const char *s, struct sg_port_range *out, char *err, size_t errlen)
{
	unsigned long lo, hi;
	const char *p;
	char *end;

	if (!strncmp(s, "tcp/", 4))
		out->proto = IPPROTO_TCP;
	else if (!strncmp(s, "udp/", 4))
		out->proto = IPPROTO_UDP;
	else
		goto bad;
	p = s + 4;
	if (*p < '0' || *p > '9')
		goto bad;
	errno = 0;
	lo = strtoul(p, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			goto bad;
		hi = strtoul(end + 1, &end, 10);
	}
	if (*end || errno)
		goto bad;
	if (lo < 1 || hi > 65535 || lo > hi) {
		snprintf(err, errlen, "'%s': ports must be 1..65535, low to high", s);
		return -1;
	}
	out->lo = lo;
	out->hi = hi;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not PROTO/PORT or PROTO/LOW-HIGH (tcp/22, udp/5000-5010)",
		 s);
	return -1;
}

/* ---- first pass: what the capture shows (replay_learn.c) ---------------- */

static void progress(const struct sg_replay_opts *o, const char *phase, double frac,
		     uint64_t packets, size_t ndet, bool final)
{
	static struct timespec start, last;
	static bool started, shown;
	bool tty = isatty(STDERR_FILENO);
	struct timespec now;
	double since_start, since_last;

	if (o->progress == SG_PROGRESS_NEVER || (o->progress == SG_PROGRESS_AUTO && !tty))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!started) {
		start = last = now;
		started = true;
	}
	since_start = (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
	since_last = (now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9;
	/* Quick replays stay quiet unless asked; then a line each half second. */
	if (!final && (since_last < 0.5 || (o->progress == SG_PROGRESS_AUTO && since_start < 1)))
		return;
	if (final && o->progress == SG_PROGRESS_AUTO && !shown)
		return;
	last = now;
	shown = true;
	fprintf(stderr, "%sreplay: %s %3.0f%% (%llu packets, %zu detection%s)%s",
		tty ? "\r" : "", phase, frac * 100, (unsigned long long)packets, ndet,
		ndet == 1 ? "" : "s", tty ? "\033[K" : "\n");
	if (final && tty)
		fputc('\n', stderr);
	fflush(stderr);
}

static int first_pass(const struct sg_replay_opts *o, struct sg_learn *pp,
		      struct sg_replay_result *r, char *err, size_t errlen)
{
	struct sg_capture cap;
	struct sg_frame fr;
	uint64_t idx = 0;
	int ret;

	if (sg_capture_open(&cap, o->path, err, errlen))
		return 2;
	r->format = cap.format;
	r->linkname = cap.linkname;
	while ((ret = sg_capture_next(&cap, &fr, err, errlen)) == 1) {
		struct sg_pkt p = {};
		int res;

		idx++;
		if (idx == 1)
			r->first_ts = fr.ts_ns;
		if (fr.ts_ns > r->last_ts)
			r->last_ts = fr.ts_ns;
		if (!(idx & 0xffff))
			progress(o, "reading", sg_capture_progress(&cap), idx, 0, false);
		if (fr.len < 14)
			continue;
		res = sg_parse((void *)fr.data, (void *)(fr.data + fr.len), &p);
		if (res == SG_PARSE_NOT_IP || res == SG_PARSE_BAD_L3)
			continue;
		if (sg_learn_packet(pp, &p, res, &fr, idx, r))
			goto nomem;
	}
	r->truncated_end = cap.truncated_end;
	r->packets = idx;
	sg_capture_close(&cap);
	return ret < 0 ? 2 : 0;
nomem:
	sg_capture_close(&cap);
	snprintf(err, errlen, "out of memory reading %s", o->path);
	return 1;
}

/* ---- second pass: the program ---------------------------------------------- */

/* The state of a source the program keeps only as its first probe, in the
 * admission slots (include/sg_admit.h), as a struct sg_track.  Returns 0,
 * or -ENOENT when the program has nothing of it. */
static int admitted(int fd, const struct sg_addr *key, struct sg_track *t)
{
	struct sg_admit_slot slot;
	__u32 idx;
	int ret = sg_admit_find(fd, SG_ADMIT_SRC_SLOTS, key, &slot, &idx);

	if (ret)
		return ret;
	memset(t, 0, sizeof(*t));
	t->count = slot.counted;
	t->score = slot.score;
	t->bits = slot.kinds;
	return 0;
}

struct runner {
	struct scanguard_bpf *skel;
	struct sg_maps maps;
	int prog_fd, inside_fd, clock_fd;
	int admit_fd;		/* first probes of sources not tracked yet */
	struct sg_table track;	/* the sources tracked */
	struct ring_buffer *rb;
	int ncpu;
	struct sg_stats *percpu;
	struct sg_stats sum;
	struct sg_replay_result *r;
	const struct sg_replay_opts *o;
	uint64_t first_ts;
	/* events of the current packet */
	struct sg_event ev[8];
	int nev;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct runner *rn = ctx;

	if (size >= sizeof(struct sg_event) && rn->nev < (int)(sizeof(rn->ev) / sizeof(rn->ev[0])))
		memcpy(&rn->ev[rn->nev++], data, sizeof(struct sg_event));
	return 0;
}

static int stats_sum(struct runner *rn, struct sg_stats *out)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(rn->maps.stats, &zero, rn->percpu))
		return -errno;
	memset(out, 0, sizeof(*out));
	for (int cpu = 0; cpu < rn->ncpu; cpu++)
		for (int i = 0; i < SG_STAT_MAX; i++)
			out->c[i] += rn->percpu[cpu].c[i];
	return 0;
}

static int runner_open(struct runner *rn, const struct sg_replay_opts *o, char *err,
		       size_t errlen)
{
	int ret;

	rn->skel = sg_skel_open(false);
	if (rn->skel && (ret = scanguard_bpf__load(rn->skel))) {
		scanguard_bpf__destroy(rn->skel);
		rn->skel = NULL;
		errno = -ret;
	}
	if (!rn->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot load the XDP program: %s%s", strerror(errno),
			 errno == EPERM ? " (needs root, or CAP_BPF and CAP_NET_ADMIN)" : "");
		return ret;
	}
	rn->prog_fd = bpf_program__fd(rn->skel->progs.scanguard_xdp_test);
	rn->inside_fd = bpf_program__fd(rn->skel->progs.scanguard_xdp_inside_test);
	rn->clock_fd = bpf_map__fd(rn->skel->maps.SG_MAP_TEST_CLOCK);
	rn->admit_fd = bpf_map__fd(rn->skel->maps.SG_MAP_ADMIT_SRC);
	ret = sg_maps_from_skel(&rn->maps, rn->skel);
	if (ret) {
		snprintf(err, errlen, "cannot map sg_state: %s", strerror(-ret));
		return ret;
	}
	ret = sg_table_map(rn->maps.track, &rn->track);
	if (ret) {
		snprintf(err, errlen, "cannot map sg_track: %s", strerror(-ret));
		return ret;
	}
	ret = sg_config_write(&rn->maps, &o->cfg);
	if (ret) {
		snprintf(err, errlen, "cannot write the configuration: %s", strerror(-ret));
		return ret;
	}
	for (int i = 0; i < o->nallow; i++) {
		char why[256];

		if (sg_allow_add(&rn->maps, &o->allow[i], 0, NULL, why, sizeof(why))) {
			snprintf(err, errlen, "--allow: %s", why);
			return -EINVAL;
		}
	}
	for (int i = 0; i < o->ntraps; i++) {
		ret = sg_trap_set(&rn->maps, SG_TARGET_PC(o->traps[i]), SG_TARGET_PORT(o->traps[i]),
				  true);
		if (ret) {
			snprintf(err, errlen, "--trap: %s", strerror(-ret));
			return ret;
		}
	}
	for (int i = 0; i < o->nexpose; i++) {
		char why[256];

		if (sg_expose_add(&rn->maps, &o->expose[i], why, sizeof(why))) {
			snprintf(err, errlen, "--expose: %s", why);
			return -EINVAL;
		}
	}
	rn->rb = ring_buffer__new(bpf_map__fd(rn->skel->maps.SG_MAP_EVENTS), on_event, rn, NULL);
	rn->ncpu = libbpf_num_possible_cpus();
	rn->percpu = rn->ncpu > 0 ? calloc(rn->ncpu, sizeof(*rn->percpu)) : NULL;
	if (!rn->rb || !rn->percpu) {
		snprintf(err, errlen, "cannot set up the replay: out of memory");
		return -ENOMEM;
	}
	return stats_sum(rn, &rn->sum);
}

static void runner_close(struct runner *rn)
{
	if (rn->rb)
		ring_buffer__free(rn->rb);
	free(rn->percpu);
	sg_table_unmap(&rn->track);
	sg_maps_unmap(&rn->maps);
	if (rn->skel)
		scanguard_bpf__destroy(rn->skel);
}

static void source_key(const struct sg_pkt *p, uint32_t v6_prefix, struct sg_addr *key)
{
	*key = p->src;
	if (p->family == 6)
		sg_addr_mask(key, v6_prefix);
}

static struct sg_replay_detection *add_detection(struct sg_replay_result *r)
{
	if (r->ndet == r->capdet) {
		size_t cap = r->capdet ? r->capdet * 2 : 16;
		struct sg_replay_detection *nd = realloc(r->det, cap * sizeof(*nd));

		if (!nd)
			return NULL;
		r->det = nd;
		r->capdet = cap;
	}
	memset(&r->det[r->ndet], 0, sizeof(r->det[0]));
	return &r->det[r->ndet++];
}

/* The detection a dropped packet of this source belongs to: its own latest,
 * else the latest one whose source (a network, for some detectors) holds it. */
static struct sg_replay_detection *detection_of(struct sg_replay_result *r,
						 const struct sg_replay_source *s,
						 const struct sg_addr *src)
{
	if (s->last_det >= 0)
		return &r->det[s->last_det];
	for (size_t i = r->ndet; i-- > 0;) {
		struct sg_cidr net = sg_cidr_make(&r->det[i].src, r->det[i].prefixlen);

		if (sg_cidr_contains(&net, src))
			return &r->det[i];
	}
	return NULL;
}

static int handle_events(struct runner *rn)
{
	struct sg_replay_result *r = rn->r;

	rn->nev = 0;
	ring_buffer__consume(rn->rb);
	for (int i = 0; i < rn->nev; i++) {
		const struct sg_event *ev = &rn->ev[i];
		struct sg_replay_detection *d = add_detection(r);
		struct sg_replay_source *s;

		if (!d)
			return -ENOMEM;
		d->ts_ns = ev->ts_ns;
		d->src = ev->src;
		d->family = ev->family;
		d->prefixlen = ev->prefixlen;
		d->action = ev->action;
		d->detector = ev->detector;
		d->count = ev->count;
		d->threshold = ev->threshold;
		d->kinds = ev->kinds;
		d->score = ev->score;
		d->strikes = ev->strikes;
		d->hosts = ev->hosts;
		d->block_ttl_ns = ev->block_ttl_ns;
		d->window_ns = ev->window_ns;
		d->protect = ev->protect;
		d->last_dst = ev->last_dst;
		d->last_target = ev->last_target;
		d->nsample = ev->nsample < SG_EVENT_SAMPLE ? ev->nsample : SG_EVENT_SAMPLE;
		memcpy(d->sample, ev->sample, sizeof(d->sample));
		s = htab_get(&r->sources, &ev->src, false);
		if (!s) {
			/* A network's detection: its sources' probes before it. */
			struct sg_cidr net = sg_cidr_make(&ev->src, ev->prefixlen);
			struct sg_replay_source *m;
			const void *key;
			size_t pos = 0;

			while ((m = htab_next(&r->sources, &pos, &key)))
				if (sg_cidr_contains(&net, key)) {
					d->probes_passed += m->pending;
					m->pending = 0;
				}
		}
		if (s) {
			d->probes_passed = s->pending;
			s->pending = 0;
			s->detections++;
			s->last_det = r->ndet - 1;
			/* These detectors count the source's own window. */
			if ((ev->detector == SG_DET_DISTINCT_PORTS || ev->detector == SG_DET_SCORE ||
			     ev->detector == SG_DET_STEALTH || ev->detector == SG_DET_FRAGMENT) &&
			    ev->count > s->peak)
				s->peak = ev->count;
			if (ev->score > s->peak_score)
				s->peak_score = ev->score;
			s->kinds |= ev->kinds;
		}
	}
	return 0;
}

static int feed(struct runner *rn, const struct sg_frame *fr, const struct sg_pkt *p, uint64_t now)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = fr->data, .data_size_in = fr->len,
		    .repeat = 1);
	struct sg_replay_result *r = rn->r;
	struct sg_replay_source *s;
	struct sg_replay_detection *d;
	struct sg_stats after;
	struct sg_addr key;
	uint64_t probes, detections, would_drop;
	__u32 zero = 0;
	int ret;

	if (bpf_map_update_elem(rn->clock_fd, &zero, &now, BPF_ANY))
		return -errno;
	if (bpf_prog_test_run_opts(rn->prog_fd, &opts))
		return -errno;
	ret = stats_sum(rn, &after);
	if (ret)
		return ret;
	probes = after.c[SG_STAT_PROBES] - rn->sum.c[SG_STAT_PROBES];
	detections = after.c[SG_STAT_DETECTIONS] - rn->sum.c[SG_STAT_DETECTIONS];
	would_drop = after.c[SG_STAT_MONITOR_PASSED] - rn->sum.c[SG_STAT_MONITOR_PASSED];
	rn->sum = after;

	source_key(p, rn->o->cfg.ipv6_prefix, &key);
	s = htab_get(&r->sources, &key, true);
	if (!s)
		return -ENOMEM;
	if (!s->packets) {
		s->first_ts = now;
		s->last_det = -1;
	}
	s->packets++;
	s->last_ts = now;
	if (detections && (ret = handle_events(rn)))
		return ret;
	if (opts.retval == XDP_DROP)
		r->xdp_drop++;
	else
		r->xdp_pass++;

	if (probes) {
		struct sg_track_entry e;
		struct sg_track t;
		bool known;

		s->probes++;
		if (opts.retval != XDP_DROP) {
			s->probes_passed++;
			/* The probe that set off a detection is not "before" it. */
			if (!detections)
				s->pending++;
		}
		known = sg_table_lookup(&rn->track, rn->maps.state_mm->track_seed, &key, &e);

		if (known)
			t = e.t;
		if (known || admitted(rn->admit_fd, &key, &t) == 0) {
			if (t.count > s->peak)
				s->peak = t.count;
			if (t.score > s->peak_score)
				s->peak_score = t.score;
			s->kinds |= SG_TRACK_KINDS(t.bits);
		}
	}
	if (opts.retval == XDP_DROP || would_drop) {
		if (opts.retval == XDP_DROP)
			s->dropped++;
		else
			s->would_drop++;
		d = detection_of(r, s, &p->src);
		if (d)
			d->dropped++;
	}
	return 0;
}

/* Segment mode: a packet leaving the segment goes to the inside program,
 * which remembers the flow so its answers are not taken for probes. */
static int feed_inside(struct runner *rn, const struct sg_frame *fr, uint64_t now)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = fr->data, .data_size_in = fr->len,
		    .repeat = 1);
	__u32 zero = 0;

	if (bpf_map_update_elem(rn->clock_fd, &zero, &now, BPF_ANY) ||
	    bpf_prog_test_run_opts(rn->inside_fd, &opts))
		return -errno;
	rn->r->inside_fed++;
	return stats_sum(rn, &rn->sum);
}

static int second_pass(const struct sg_replay_opts *o, struct sg_learn *pp, struct sg_env *env,
		       struct runner *rn, char *err, size_t errlen)
{
	struct sg_replay_result *r = rn->r;
	struct sg_capture cap;
	struct sg_frame fr;
	uint64_t idx = 0, now = 0;
	int ret;

	if (sg_capture_open(&cap, o->path, err, errlen))
		return 2;
	while ((ret = sg_capture_next(&cap, &fr, err, errlen)) == 1) {
		struct sg_pkt p = {};
		bool src_local, dst_local;
		int res, role;

		idx++;
		if (!(idx & 0x3fff))
			progress(o, "replaying", sg_capture_progress(&cap), idx, r->ndet, false);
		r->snapped += fr.snapped;
		r->cut += fr.cut;
		/* The program's clock never runs backwards; a capture merged
		 * out of order keeps time at its latest packet. */
		if (fr.ts_ns < now)
			r->out_of_order++;
		else
			now = fr.ts_ns;
		if (fr.len < 14) {
			r->role[SG_ROLE_SHORT]++;
			continue;
		}
		res = sg_parse((void *)fr.data, (void *)(fr.data + fr.len), &p);
		if (res == SG_PARSE_NOT_IP) {
			r->role[SG_ROLE_NONIP]++;
			continue;
		}
		if (res == SG_PARSE_BAD_L3) {
			r->role[SG_ROLE_UNPARSED]++;
			continue;
		}
		src_local = sg_in_cidrs(r->local, r->nlocal, &p.src);
		dst_local = sg_in_cidrs(r->local, r->nlocal, &p.dst);
		if (fr.dir == SG_DIR_OUT || src_local)
			role = src_local && dst_local ? SG_ROLE_INTERNAL : SG_ROLE_OUT;
		else if (fr.dir != SG_DIR_OTHERHOST && (dst_local || !sg_addr_unicast(&p.dst)))
			role = SG_ROLE_IN;
		else
			role = SG_ROLE_OTHER;
		r->role[role]++;

		if (res == SG_PARSE_OK)
			sg_learn_flow_step(pp, env, r, &p, idx, true);
		if (role == SG_ROLE_OUT && o->cfg.protect == SG_PROTECT_SEGMENT && !dst_local &&
		    (ret = feed_inside(rn, &fr, now))) {
			snprintf(err, errlen, "replaying packet %llu: %s", (unsigned long long)idx,
				 strerror(-ret));
			sg_capture_close(&cap);
			return 1;
		}
		if (role == SG_ROLE_IN && (ret = feed(rn, &fr, &p, now))) {
			snprintf(err, errlen, "replaying packet %llu: %s", (unsigned long long)idx,
				 strerror(-ret));
			sg_capture_close(&cap);
			return 1;
		}
		if (res == SG_PARSE_OK)
			sg_learn_flow_step(pp, env, r, &p, idx, false);
	}
	progress(o, "replaying", 1.0, idx, r->ndet, true);
	sg_capture_close(&cap);
	return ret < 0 ? 2 : 0;
}

int sg_replay(const struct sg_replay_opts *o, FILE *out, char *err, size_t errlen)
{
	struct sg_replay_result r = {};
	struct sg_learn pp = {};
	struct runner rn = { .r = &r, .o = o };
	struct sg_env env;
	int ret;

	if (sg_learn_init(&pp, o->nlocal == 0) ||
	    htab_init(&r.listeners, sizeof(struct sg_replay_port), 1) ||
	    htab_init(&r.sources, sizeof(struct sg_addr), sizeof(struct sg_replay_source))) {
		snprintf(err, errlen, "out of memory");
		ret = 1;
		goto out;
	}
	ret = first_pass(o, &pp, &r, err, errlen);
	if (ret)
		goto out;
	if (pp.infer) {
		sg_learn_local(&pp, &r);
		r.inferred = true;
	} else {
		memcpy(r.local, o->local, o->nlocal * sizeof(o->local[0]));
		r.nlocal = o->nlocal;
	}
	htab_free(&pp.addrs);	/* inference is done; the flows are still needed */

	if (sg_env_enter(&env, err, errlen)) {
		ret = 1;
		goto out;
	}
	/* A segment's hosts are not this machine: their open services come from
	 * --expose and their own flows from the inside program, not sockets. */
	if (o->cfg.protect != SG_PROTECT_SEGMENT && sg_learn_sockets(&pp, o, &env, &r)) {
		snprintf(err, errlen, "out of memory");
		ret = 1;
		goto out;
	}
	if (runner_open(&rn, o, err, errlen)) {
		ret = 1;
		goto out;
	}
	rn.first_ts = r.first_ts;
	ret = second_pass(o, &pp, &env, &rn, err, errlen);
	if (ret)
		goto out;
	r.stats = rn.sum;
	if (env.failed)
		snprintf(r.env_error, sizeof(r.env_error), "%s", env.first_error);
	sg_replay_report(o, &r, out);
out:
	runner_close(&rn);
	sg_learn_free(&pp);
	htab_free(&r.listeners);
	htab_free(&r.sources);
	free(r.det);
	return ret;
}
