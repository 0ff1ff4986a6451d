// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ctl_replay.c - `scanguardctl replay CAPTURE`: turns the options main
 * collected into a replay configuration (validated completely before the
 * capture is opened) and runs it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfgkeys.h"
#include "ctl.h"
#include "fmt.h"
#include "replay.h"

#define DEFAULT_TOP 10

/* Splits comma-separated items of every occurrence and hands each to fn. */
static int each_item(const char *const *args, int nargs, char *err, size_t errlen,
		     int (*fn)(const char *item, void *ctx, char *err, size_t errlen), void *ctx)
{
	for (int i = 0; i < nargs; i++) {
		char *list = strdup(args[i]), *save = NULL, *tok;
		int ret = 0;

		if (!list) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (tok = strtok_r(list, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save))
			ret = fn(tok, ctx, err, errlen);
		free(list);
		if (ret)
			return ret;
	}
	return 0;
}

struct cidr_list {
	const char *opt;
	struct sg_cidr *v;
	int *n;
};

static int add_cidr(const char *item, void *ctx, char *err, size_t errlen)
{
	struct cidr_list *l = ctx;
	char why[256];

	if (*l->n >= SG_REPLAY_MAX_CIDRS) {
		snprintf(err, errlen, "--%s: at most %d entries", l->opt, SG_REPLAY_MAX_CIDRS);
		return -1;
	}
	if (sg_cidr_parse(item, &l->v[*l->n], why, sizeof(why))) {
		snprintf(err, errlen, "--%s: %s", l->opt, why);
		return -1;
	}
	(*l->n)++;
	return 0;
}

static int add_open(const char *item, void *ctx, char *err, size_t errlen)
{
	struct sg_replay_opts *o = ctx;
	char why[256];

	if (o->nopen >= SG_REPLAY_MAX_CIDRS) {
		snprintf(err, errlen, "--open: at most %d entries", SG_REPLAY_MAX_CIDRS);
		return -1;
	}
	if (sg_port_range_parse(item, &o->open[o->nopen], why, sizeof(why))) {
		snprintf(err, errlen, "--open: %s", why);
		return -1;
	}
	o->nopen++;
	return 0;
}

static int add_trap(const char *item, void *ctx, char *err, size_t errlen)
{
	struct sg_replay_opts *o = ctx;
	char why[256];
	uint16_t port;
	uint8_t pc;

	if (o->ntraps >= SG_REPLAY_MAX_CIDRS) {
		snprintf(err, errlen, "--trap: at most %d entries", SG_REPLAY_MAX_CIDRS);
		return -1;
	}
	if (sg_target_parse(item, false, &pc, &port, why, sizeof(why))) {
		snprintf(err, errlen, "--trap: %s", why);
		return -1;
	}
	if (pc != SG_PC_TCP && pc != SG_PC_UDP) {
		snprintf(err, errlen, "--trap: '%s': only tcp and udp ports can be traps", item);
		return -1;
	}
	o->traps[o->ntraps++] = SG_TARGET(pc, port);
	return 0;
}

static int add_expose(const char *item, void *ctx, char *err, size_t errlen)
{
	struct sg_replay_opts *o = ctx;
	char why[256];

	if (o->nexpose >= SG_REPLAY_MAX_CIDRS) {
		snprintf(err, errlen, "--expose: at most %d entries", SG_REPLAY_MAX_CIDRS);
		return -1;
	}
	if (sg_expose_parse(item, &o->expose[o->nexpose], why, sizeof(why))) {
		snprintf(err, errlen, "--expose: %s", why);
		return -1;
	}
	o->nexpose++;
	return 0;
}

int sg_cmd_replay(const struct sg_tool_args *a, int argc, char **argv, char *err, size_t errlen)
{
	struct sg_replay_opts *o = calloc(1, sizeof(*o));
	struct cidr_list local, allow;
	char why[256];
	int ret = EX_USAGE;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return EX_FAIL;
	}
	if (argc != 1) {
		snprintf(err, errlen, "usage: replay [OPTIONS] CAPTURE (a pcap or pcapng file)");
		goto out;
	}
	o->path = argv[0];
	o->json = a->json;
	o->top = DEFAULT_TOP;
	o->progress = a->progress > 0 ? SG_PROGRESS_ALWAYS :
		      a->progress < 0 ? SG_PROGRESS_NEVER : SG_PROGRESS_AUTO;
	sg_config_defaults(&o->cfg);
	for (int i = 0; i < a->ncfg; i++)
		if (sg_cfgkey_set(sg_cfgkey_find(a->cfg_key[i]), &o->cfg, a->cfg_val[i], why,
				  sizeof(why))) {
			snprintf(err, errlen, "--%s", why);
			goto out;
		}
	if (a->top) {
		char *end;
		long v;

		errno = 0;
		v = strtol(a->top, &end, 10);
		if (*a->top < '0' || *a->top > '9' || *end || errno || v > 100000) {
			snprintf(err, errlen, "--top: '%s' is not a number 0..100000", a->top);
			goto out;
		}
		o->top = v;
	}
	local = (struct cidr_list){ "local", o->local, &o->nlocal };
	allow = (struct cidr_list){ "allow", o->allow, &o->nallow };
	if (each_item(a->local, a->nlocal, err, errlen, add_cidr, &local) ||
	    each_item(a->allow, a->nallow, err, errlen, add_cidr, &allow) ||
	    each_item(a->open, a->nopen, err, errlen, add_open, o) ||
	    each_item(a->trap, a->ntrap, err, errlen, add_trap, o) ||
	    each_item(a->expose, a->nexpose, err, errlen, add_expose, o))
		goto out;
	/* As scanguardd: a segment is named, never guessed. */
	if (o->cfg.protect == SG_PROTECT_SEGMENT && !o->nlocal) {
		snprintf(err, errlen, "--protect segment needs --local naming the segment's "
			 "addresses (CIDRs)");
		goto out;
	}
	if (o->cfg.protect != SG_PROTECT_SEGMENT && o->nexpose) {
		snprintf(err, errlen, "--expose needs --protect segment");
		goto out;
	}
	ret = sg_replay(o, stdout, err, errlen);
out:
	free(o);
	return ret;
}
