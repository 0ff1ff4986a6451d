/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fmt.h - names of the shared enums and bit sets, in the words events, the
 * CLI and the docs use. */
#ifndef SG_FMT_H
#define SG_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "json.h"

const char *sg_detector_name(uint32_t d);
const char *sg_action_name(uint32_t a);
const char *sg_xdp_mode_name(uint32_t m);
const char *sg_stat_name(int id);
/* Why an allow-list entry is there: own-address, gateway, resolver, operator. */
const char *sg_allow_origin(uint32_t flags);
/* "tcp/22", "udp/53", "icmp", "tcp/any" (port 0 where a class takes ports) */
const char *sg_target_str(uint32_t target, char *buf, size_t len);
/* Parses "tcp/22", "udp/53", "sctp/80", "icmp", "tcp/any" or "tcp" (port 0 =
 * every port, only when any_ok).  Returns 0 or -1 with a reason. */
int sg_target_parse(const char *s, bool any_ok, uint8_t *pc, uint16_t *port, char *err,
		    size_t errlen);
/* Writes the names of the SG_PROBE_* bits as a JSON array, or joined by ','. */
void sg_kinds_json(struct jw *w, const char *key, uint32_t kinds);
const char *sg_kinds_str(uint32_t kinds, char *buf, size_t len);

#endif
