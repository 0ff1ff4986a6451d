// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cfgkeys.c - the configuration key table and its strict value parsers. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfgkeys.h"

static const char *const mode_names[] = { "enforce", "monitor", NULL };
static const char *const protect_names[] = { "host", "segment", NULL };
static const char *const policy_names[] = { "all", "new", NULL };
static const char *const sk_lookup_names[] = { "listener", "exact", NULL };

#define KEY(n, t, field, lo, hi, h, ...) \
	{ .name = n, .type = t, .off = offsetof(struct sg_config, field), .min = lo, .max = hi, \
	  .help = h, __VA_ARGS__ }

const struct sg_cfgkey sg_cfgkeys[] = {
	KEY("threshold", SG_CFG_COUNT, threshold, 1, SG_MAX_THRESHOLD,
	    "distinct ports (failed ones when scoring) allowed per window"),
	KEY("window", SG_CFG_SECONDS, window_ns, 1, SG_MAX_WINDOW_S,
	    "seconds over which ports and the score are counted"),
	KEY("block-ttl", SG_CFG_SECONDS, block_ttl_ns, 1, SG_MAX_BLOCK_TTL_S,
	    "seconds a source stays blocked the first time"),
	KEY("block-ttl-max", SG_CFG_SECONDS, block_ttl_max_ns, 1, SG_MAX_BLOCK_TTL_S,
	    "cap for repeat offenders (their block doubles)"),
	KEY("max-blocks", SG_CFG_COUNT, max_blocks, 1, SG_MAX_BLOCKS,
	    "blocks at once; past it detections are only reported"),
	KEY("block-policy", SG_CFG_ENUM, block_policy, 0, 1,
	    "all (drop everything) or new (only probes, new connections)",
	    .names = policy_names),
	KEY("mode", SG_CFG_ENUM, mode, 0, 1, "enforce (drop) or monitor (report only)", .names = mode_names),
	KEY("protect", SG_CFG_ENUM, protect, 0, 1,
	    "host (sockets say what is open) or segment (expose list)",
	    .names = protect_names),
	KEY("socket-lookup", SG_CFG_ENUM, sk_lookup, 0, 1,
	    "listener (host mode: a port with a listener is open) or exact (a socket for the SYN's own addresses)",
	    .names = sk_lookup_names),
	KEY("ipv6-prefix", SG_CFG_COUNT, ipv6_prefix, 16, 128,
	    "IPv6 sources are counted and blocked per /LEN"),
	KEY("score-threshold", SG_CFG_COUNT, score_threshold, 0, SG_MAX_SCORE,
	    "failure score that blocks (TRW steps); 0 = scoring off"),
	KEY("score-credit", SG_CFG_COUNT, score_credit, 0, SG_MAX_SCORE,
	    "most that successful connections offset failures"),
	KEY("sweep-threshold", SG_CFG_COUNT, sweep_threshold, 0, SG_MAX_THRESHOLD,
	    "segment mode: hosts probed per window; 0 = off"),
	KEY("net-threshold", SG_CFG_COUNT, net_threshold, 0, SG_MAX_THRESHOLD,
	    "targets per source network per window; 0 = off"),
	KEY("net-prefix4", SG_CFG_COUNT, net_prefix4, 8, 32, "IPv4 source network length"),
	KEY("net-prefix6", SG_CFG_COUNT, net_prefix6, 16, 128, "IPv6 source network length"),
	KEY("slow-threshold", SG_CFG_COUNT, slow_threshold, 0, SG_MAX_SLOW_THRESHOLD,
	    "failed targets per slow window; 0 = off"),
	KEY("slow-window", SG_CFG_SECONDS, slow_window_ns, 60, SG_MAX_SLOW_WINDOW_S,
	    "the slow-scan window"),
};
const size_t sg_ncfgkeys = sizeof(sg_cfgkeys) / sizeof(sg_cfgkeys[0]);

void sg_config_defaults(struct sg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->threshold = SG_DEFAULT_THRESHOLD;
	cfg->window_ns = SG_DEFAULT_WINDOW_S * SG_NSEC_PER_SEC;
	cfg->block_ttl_ns = SG_DEFAULT_BLOCK_TTL_S * SG_NSEC_PER_SEC;
	cfg->mode = SG_MODE_ENFORCE;
	cfg->ipv6_prefix = SG_DEFAULT_IPV6_PREFIX;
	cfg->protect = SG_PROTECT_HOST;
	cfg->sk_lookup = SG_SK_LOOKUP_LISTENER;
	cfg->score_threshold = SG_DEFAULT_SCORE_THRESHOLD;
	cfg->score_credit = SG_DEFAULT_SCORE_CREDIT;
	cfg->sweep_threshold = SG_DEFAULT_SWEEP_THRESHOLD;
	cfg->net_threshold = SG_DEFAULT_NET_THRESHOLD;
	cfg->net_prefix4 = SG_DEFAULT_NET_PREFIX4;
	cfg->net_prefix6 = SG_DEFAULT_NET_PREFIX6;
	cfg->slow_threshold = SG_DEFAULT_SLOW_THRESHOLD;
	cfg->slow_window_ns = SG_DEFAULT_SLOW_WINDOW_S * SG_NSEC_PER_SEC;
	cfg->block_ttl_max_ns = SG_DEFAULT_BLOCK_TTL_MAX_S * SG_NSEC_PER_SEC;
	cfg->max_blocks = SG_DEFAULT_MAX_BLOCKS;
	cfg->block_policy = SG_POLICY_ALL;
}

const struct sg_cfgkey *sg_cfgkey_find(const char *name)
{
	for (size_t i = 0; i < sg_ncfgkeys; i++)
		if (!strcmp(sg_cfgkeys[i].name, name))
			return &sg_cfgkeys[i];
	return NULL;
}

const char *sg_mode_name(uint32_t mode)
{
	return mode == SG_MODE_MONITOR ? "monitor" : "enforce";
}

const char *sg_protect_name(uint32_t protect)
{
	return protect == SG_PROTECT_SEGMENT ? "segment" : "host";
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static int parse_u64(const char *s, uint64_t *out, char **end)
{
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, end, 10);
	if (errno)
		return -1;
	*out = v;
	return 0;
}

int sg_parse_seconds(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err,
		     size_t errlen)
{
	uint64_t v, mult = 1;
	char *end;

	if (parse_u64(s, &v, &end) < 0)
		goto bad;
	if (*end) {
		if (end[1])
			goto bad;
		switch (*end) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: goto bad;
		}
	}
	if (v > max / mult || v * mult < min || v * mult > max)
		goto range;
	*out = v * mult;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not a duration (seconds, or N with s/m/h/d)", s);
	return -1;
range:
	snprintf(err, errlen, "'%s' is out of range: %llu..%llu seconds", s,
		 (unsigned long long)min, (unsigned long long)max);
	return -1;
}

int sg_cfgkey_set(const struct sg_cfgkey *k, struct sg_config *cfg, const char *val,
		  char *err, size_t errlen)
{
	char *field = (char *)cfg + k->off;
	uint64_t v;
	char *end;

	switch (k->type) {
	case SG_CFG_COUNT:
		if (parse_u64(val, &v, &end) < 0 || *end) {
			snprintf(err, errlen, "%s: '%s' is not a whole number", k->name, val);
			return -1;
		}
		if (v < k->min || v > k->max) {
			snprintf(err, errlen, "%s: %s is out of range %llu..%llu", k->name, val,
				 (unsigned long long)k->min, (unsigned long long)k->max);
			return -1;
		}
		*(uint32_t *)field = (uint32_t)v;
		return 0;
	case SG_CFG_SECONDS: {
		char why[128];

		if (sg_parse_seconds(val, k->min, k->max, &v, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", k->name, why);
			return -1;
		}
		*(uint64_t *)field = v * SG_NSEC_PER_SEC;
		return 0;
	}
	case SG_CFG_ENUM:
		for (uint32_t i = 0; k->names[i]; i++)
			if (!strcmp(val, k->names[i])) {
				*(uint32_t *)field = i;
				return 0;
			}
		snprintf(err, errlen, "%s: '%s' is not %s or %s", k->name, val, k->names[0],
			 k->names[1]);
		return -1;
	}
	snprintf(err, errlen, "%s: unknown type", k->name);
	return -1;
}

bool sg_cfgkey_get(const struct sg_cfgkey *k, const struct sg_config *cfg, uint64_t *num,
		   const char **str)
{
	const char *field = (const char *)cfg + k->off;

	switch (k->type) {
	case SG_CFG_COUNT:
		*num = *(const uint32_t *)field;
		return true;
	case SG_CFG_SECONDS:
		*num = *(const uint64_t *)field / SG_NSEC_PER_SEC;
		return true;
	case SG_CFG_ENUM:
		*str = k->names[*(const uint32_t *)field <= k->max ? *(const uint32_t *)field : 0];
		return false;
	}
	return false;
}
