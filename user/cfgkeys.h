/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cfgkeys.h - the configuration keys: one table that names each key (as
 * both the daemon's flag and scanguardctl's `config` key), its type, range
 * and help, and parses and prints values against struct sg_config. */
#ifndef SG_CFGKEYS_H
#define SG_CFGKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scanguard.h"

enum sg_cfg_type {
	SG_CFG_COUNT,		/* unsigned integer */
	SG_CFG_SECONDS,		/* duration: N, Ns, Nm, Nh, Nd; stored in ns */
	SG_CFG_ENUM,		/* one of names[], stored as its index */
};

struct sg_cfgkey {
	const char *name;
	enum sg_cfg_type type;
	size_t off;		/* into struct sg_config */
	uint64_t min, max;	/* in the user's unit (seconds for durations) */
	const char *help;
	const char *const *names;	/* SG_CFG_ENUM: value names, NULL-terminated */
};

extern const struct sg_cfgkey sg_cfgkeys[];
extern const size_t sg_ncfgkeys;

void sg_config_defaults(struct sg_config *cfg);
const struct sg_cfgkey *sg_cfgkey_find(const char *name);
/* Parses val into cfg; on error returns -1 with a reason and leaves cfg alone. */
int sg_cfgkey_set(const struct sg_cfgkey *k, struct sg_config *cfg, const char *val,
		  char *err, size_t errlen);
/* The value in the user's unit: a number, or an enum's name (num unset). */
bool sg_cfgkey_get(const struct sg_cfgkey *k, const struct sg_config *cfg, uint64_t *num,
		   const char **str);
/* Parses a duration in [min, max] seconds ("90", "90s", "15m", "2h", "1d"). */
int sg_parse_seconds(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err,
		     size_t errlen);
const char *sg_mode_name(uint32_t mode);
const char *sg_protect_name(uint32_t protect);

#endif
