// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cfgkeys.c - the configuration key table and its strict value parsers. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfgkeys.h"

const struct sg_cfgkey sg_cfgkeys[] = {
	{ "threshold", SG_CFG_COUNT, offsetof(struct sg_config, threshold), 1, SG_MAX_THRESHOLD,
	  "distinct ports a source may probe per window; one more is blocked" },
	{ "window", SG_CFG_SECONDS, offsetof(struct sg_config, window_ns), 1, SG_MAX_WINDOW_S,
	  "seconds over which distinct ports are counted" },
	{ "block-ttl", SG_CFG_SECONDS, offsetof(struct sg_config, block_ttl_ns), 1,
	  SG_MAX_BLOCK_TTL_S, "seconds a detected source stays blocked" },
	{ "mode", SG_CFG_MODE, offsetof(struct sg_config, mode), 0, 1,
	  "enforce (drop) or monitor (report only)" },
	{ "ipv6-prefix", SG_CFG_COUNT, offsetof(struct sg_config, ipv6_prefix), 16, 128,
	  "IPv6 sources are counted and blocked per prefix of this length" },
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
	case SG_CFG_MODE:
		if (!strcmp(val, "enforce"))
			*(uint32_t *)field = SG_MODE_ENFORCE;
		else if (!strcmp(val, "monitor"))
			*(uint32_t *)field = SG_MODE_MONITOR;
		else {
			snprintf(err, errlen, "%s: '%s' is not enforce or monitor", k->name, val);
			return -1;
		}
		return 0;
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
	case SG_CFG_MODE:
		*str = sg_mode_name(*(const uint32_t *)field);
		return false;
	}
	return false;
}
