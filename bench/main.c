// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * main.c - scanguard-bench: times scanguard's production XDP entry through
 * BPF_PROG_TEST_RUN next to an empty XDP program and xdp-tools' xdp-filter on
 * the same frames, over the scenarios, scaling series and map memory of
 * bench/README.md, prints tables and writes results.json.  It measures; it
 * never fails because of what it measured, only when it cannot measure.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cfgkeys.h"
#include "log.h"
#include "report.h"
#include "scenarios.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: scanguard-bench [OPTIONS]\n"
"Times scanguard's XDP program against an empty program and xdp-filter.\n"
"\n"
"  -o, --out FILE        write results here (default build/bench/results.json)\n"
"      --quick           smoke run: every scenario, short runs (seconds, not minutes)\n"
"      --runs N          measurements per program and scenario (default 11, 3..%d)\n"
"      --repeat N        test-run repeat of direct scenarios (default 2000000)\n"
"      --cpu N           CPU to run on (default: the last online CPU)\n"
"      --no-scaling      skip the scaling series and the memory report\n"
"      --scenario N      only scenario N (1..6; 2 and 3, 4 and 5 share a setup);\n"
"                        implies --no-scaling (for profiling one path)\n"
"      --set KEY=VALUE   configure scanguard so (scanguardd's keys, e.g.\n"
"                        net-threshold=0 to time it without a detector)\n"
"      --xdp-filter FILE xdpfilt_dny_all.o to compare with (default: libxdp1's)\n"
"  -v, --verbose         progress on stderr (-vv for libbpf debug)\n"
"  -h, --help            this help\n"
"\n"
"Needs root (or CAP_BPF and CAP_PERFMON).  Timing is never a failure: the\n"
"exit status is 0 when every scenario was measured, 1 when one could not be\n"
"set up, 2 on a usage error.\n", BM_MAX_REPS);
}

enum { OPT_QUICK = 256, OPT_RUNS, OPT_REPEAT, OPT_CPU, OPT_NO_SCALING, OPT_SCENARIO,
       OPT_SET, OPT_XDPFILT };

static const struct option long_opts[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "no-scaling", no_argument, NULL, OPT_NO_SCALING },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "set", required_argument, NULL, OPT_SET },
	{ "xdp-filter", required_argument, NULL, OPT_XDPFILT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static int parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		pr_warn("--%s: '%s' is not a number in %ld..%ld", opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static struct bm_ctx ctx;

/* --set KEY=VALUE: one configuration key, checked as scanguardd checks it. */
static int set_key(struct bm_ctx *c, struct sg_config *cfg, const char *arg)
{
	char key[64], err[256];
	const char *eq = strchr(arg, '=');
	const struct sg_cfgkey *k;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(key) ||
	    strlen(arg) >= sizeof(c->o.sets[0])) {
		pr_warn("--set: '%s' is not KEY=VALUE", arg);
		return -1;
	}
	if (c->o.nsets == (int)(sizeof(c->o.sets) / sizeof(c->o.sets[0]))) {
		pr_warn("--set: at most %zu keys", sizeof(c->o.sets) / sizeof(c->o.sets[0]));
		return -1;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - arg), arg);
	k = sg_cfgkey_find(key);
	if (!k) {
		pr_warn("--set: no configuration key '%s'", key);
		return -1;
	}
	if (sg_cfgkey_set(k, cfg, eq + 1, err, sizeof(err))) {
		pr_warn("--set %s", err);
		return -1;
	}
	snprintf(c->o.sets[c->o.nsets++], sizeof(c->o.sets[0]), "%s", arg);
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = "build/bench/results.json";
	struct bm_ctx *c = &ctx;
	int verbose = 0, opt, ret;
	long v, runs = 0, repeat = 0, cpu = -1;
	bool quick = false;
	char err[256];
	struct sg_config cfg;

	sg_log_init("scanguard-bench", 0);
	sg_config_defaults(&cfg);
	while ((opt = getopt_long(argc, argv, "o:vh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case OPT_QUICK:
			quick = true;
			break;
		case OPT_RUNS:
			if (parse_long("runs", optarg, 3, BM_MAX_REPS, &runs))
				return 2;
			break;
		case OPT_REPEAT:
			if (parse_long("repeat", optarg, 1000, 100000000, &repeat))
				return 2;
			break;
		case OPT_CPU:
			if (parse_long("cpu", optarg, 0, sysconf(_SC_NPROCESSORS_ONLN) - 1, &v))
				return 2;
			cpu = v;
			break;
		case OPT_NO_SCALING:
			c->o.no_scaling = true;
			break;
		case OPT_SCENARIO:
			if (parse_long("scenario", optarg, 1, 6, &v))
				return 2;
			c->o.only = v;
			c->o.no_scaling = true;
			break;
		case OPT_SET:
			if (set_key(c, &cfg, optarg))
				return 2;
			break;
		case OPT_XDPFILT:
			c->o.xdpfilt_path = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		pr_warn("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	sg_log_init("scanguard-bench", verbose);
	sg_subject_set_config(&cfg);

	c->o.quick = quick;
	c->o.reps = runs ? runs : quick ? 3 : 11;
	c->o.scale_reps = quick ? 3 : 7;
	c->o.repeat = repeat ? repeat : quick ? 20000 : 2000000;
	c->o.insert_repeat = quick ? 2000 : 10000;
	c->o.flood_repeat = quick ? 20000 : 500000;
	c->o.cycle_repeat = quick ? 20000 : 1000000;
	c->o.cpu = cpu >= 0 ? cpu : sysconf(_SC_NPROCESSORS_ONLN) - 1;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0) {
		pr_warn("cannot count possible CPUs");
		return 1;
	}
	/* A network namespace of its own: probes meet no socket of this host
	 * (every probed port is closed, whatever the host runs), and the
	 * allow-list gets a fresh host's own addresses (loopback). */
	if (unshare(CLONE_NEWNET)) {
		pr_warn("cannot enter a new network namespace: %s", strerror(errno));
		return 1;
	}
	/* One CPU for everything: test runs execute on the caller's CPU, and
	 * per-CPU LRU lists fill on the CPU that inserts. */
	ret = bm_pin_cpu(c->o.cpu);
	if (ret) {
		pr_warn("cannot pin to CPU %d: %s", c->o.cpu, strerror(-ret));
		return 1;
	}
	ret = bench_progs_open(&c->b);
	if (ret) {
		pr_warn("cannot load the benchmark's programs: %s%s", strerror(-ret),
			ret == -EPERM ? " (needs root)" : "");
		return 1;
	}
	ret = xdpfilt_open(&c->xf, c->o.xdpfilt_path, err, sizeof(err));
	if (ret) {
		pr_warn("%s", err);
		return 1;
	}

	ret = bm_run_main(c);
	if (!ret && !c->o.no_scaling)
		ret = bm_run_scaling(c);
	if (!ret && !c->o.no_scaling)
		ret = bm_run_structures(c);
	if (!ret && !c->o.no_scaling)
		ret = bm_run_memory(c);
	if (ret)
		pr_warn("benchmark setup failed: %s", strerror(-ret));
	bm_print_table(stdout, c);
	if (!ret) {
		ret = bm_write_json(out, c);
		if (ret)
			pr_warn("cannot write %s: %s", out, strerror(-ret));
		else
			printf("\nwrote %s\n", out);
	}
	xdpfilt_close(&c->xf);
	bench_progs_close(&c->b);
	return ret ? 1 : 0;
}
