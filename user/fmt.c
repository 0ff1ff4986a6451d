// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fmt.c - enum and bit-set names (the tables come from scanguard.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scanguard.h"
#include "fmt.h"

#define NAME_OF(tab, i) ((i) < sizeof(tab) / sizeof(tab[0]) ? tab[i] : "unknown")

static const char *const detector_names[] = SG_DETECTOR_NAMES;
static const char *const action_names[] = SG_ACTION_NAMES;
static const char *const kind_names[] = SG_PROBE_KIND_NAMES;
static const char *const xdp_mode_names[] = { "none", "native", "generic" };
static const char *const stat_names[] = {
#define SG_STAT_NAME(id, name) name,
	SG_STATS(SG_STAT_NAME)
#undef SG_STAT_NAME
};

const char *sg_detector_name(uint32_t d) { return NAME_OF(detector_names, d); }
const char *sg_action_name(uint32_t a) { return NAME_OF(action_names, a); }
const char *sg_xdp_mode_name(uint32_t m) { return NAME_OF(xdp_mode_names, m); }
const char *sg_stat_name(int id) { return NAME_OF(stat_names, (size_t)id); }

static const char *const pc_names[] = SG_PC_NAMES;

const char *sg_allow_origin(uint32_t flags)
{
	if (flags & SG_ALLOW_AUTO)
		return "own-address";
	if (flags & SG_ALLOW_GATEWAY)
		return "gateway";
	if (flags & SG_ALLOW_RESOLVER)
		return "resolver";
	if (flags & SG_ALLOW_CONFIG)
		return "config";
	return "operator";
}

const char *sg_target_str(uint32_t target, char *buf, size_t len)
{
	uint32_t pc = SG_TARGET_PC(target), port = SG_TARGET_PORT(target);

	if (pc == SG_PC_ICMP)
		snprintf(buf, len, "icmp");
	else if (port == 0 && pc != SG_PC_IPPROTO)
		snprintf(buf, len, "%s/any", NAME_OF(pc_names, pc));
	else
		snprintf(buf, len, "%s/%u", NAME_OF(pc_names, pc), port);
	return buf;
}

int sg_target_parse(const char *s, bool any_ok, uint8_t *pc, uint16_t *port, char *err,
		    size_t errlen)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long v;
	char *end;

	*pc = 0;
	for (size_t i = SG_PC_TCP; i <= SG_PC_ICMP; i++)
		if (strlen(pc_names[i]) == n && !strncmp(s, pc_names[i], n))
			*pc = i;
	if (!*pc) {
		snprintf(err, errlen, "'%s': expected tcp/PORT, udp/PORT, sctp/PORT or icmp", s);
		return -1;
	}
	*port = 0;
	if (*pc == SG_PC_ICMP) {
		if (slash) {
			snprintf(err, errlen, "'%s': icmp takes no port", s);
			return -1;
		}
		return 0;
	}
	if (!slash || !strcmp(slash + 1, "any")) {
		if (any_ok)
			return 0;
		snprintf(err, errlen, "'%s': a port is needed (1..65535)", s);
		return -1;
	}
	v = strtoul(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || *end || v < 1 || v > 65535) {
		snprintf(err, errlen, "'%s': port must be 1..65535%s", s, any_ok ? " or any" : "");
		return -1;
	}
	*port = v;
	return 0;
}

void sg_kinds_json(struct jw *w, const char *key, uint32_t kinds)
{
	jw_arr_open(w, key);
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (kinds & (1u << i))
			jw_str(w, NULL, kind_names[i]);
	jw_arr_close(w);
}

const char *sg_kinds_str(uint32_t kinds, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (kinds & (1u << i))
			used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? "," : "", kind_names[i]);
	return buf;
}
