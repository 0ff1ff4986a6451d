// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_cli.c - libFuzzer target for the parsers behind every command-line
 * flag and `scanguardctl` argument: CIDRs, durations, configuration keys,
 * PROTO/PORT targets and PROTO/PORT@CIDR exposed services.  The first byte
 * picks the parser (and its options), the rest is the string.  Besides the
 * sanitizers it asserts the contract the callers rely on: a rejection says
 * why and changes nothing; an acceptance is in range and prints back to a
 * string that parses to the same value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "cfgkeys.h"
#include "fmt.h"
#include "ops.h"

#define REQUIRE(cond)								\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz_cli: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();						\
		}								\
	} while (0)

static void fuzz_cidr(const char *s)
{
	struct sg_cidr c, back;
	char err[256] = "", buf[SG_ADDRSTRLEN];
	struct sg_lpm_key k;

	if (sg_cidr_parse(s, &c, err, sizeof(err))) {
		REQUIRE(err[0]);
		return;
	}
	REQUIRE(c.family == 4 || c.family == 6);
	REQUIRE(c.len >= 0 && c.len <= (c.family == 4 ? 32 : 128));
	REQUIRE(c.family == 6 || sg_addr_is_v4(&c.addr));
	REQUIRE(sg_cidr_contains(&c, &c.addr));
	sg_cidr_str(&c, buf, sizeof(buf));
	REQUIRE(sg_cidr_parse(buf, &back, err, sizeof(err)) == 0);
	REQUIRE(back.family == c.family && back.len == c.len);
	REQUIRE(!memcmp(&back.addr, &c.addr, sizeof(c.addr)));
	k = sg_cidr_to_lpm(&c);
	REQUIRE(k.prefixlen <= 128);
	back = sg_cidr_from_lpm(&k);
	REQUIRE(back.family == c.family && back.len == c.len);
}

static void fuzz_seconds(const char *s, uint8_t sel)
{
	static const uint64_t bounds[][2] = {
		{ 0, ~0ULL }, { 1, SG_MAX_WINDOW_S }, { 60, SG_MAX_SLOW_WINDOW_S },
		{ 1, SG_MAX_BLOCK_TTL_S }, { 5, 5 }, { 0, 0 }, { ~0ULL / 2, ~0ULL }, { 7, 3 },
	};
	const uint64_t *b = bounds[sel % (sizeof(bounds) / sizeof(bounds[0]))];
	uint64_t v = 12345;
	char err[256] = "";

	if (sg_parse_seconds(s, b[0], b[1], &v, err, sizeof(err))) {
		REQUIRE(err[0]);
		REQUIRE(v == 12345);
		return;
	}
	REQUIRE(v >= b[0] && v <= b[1]);
}

static void fuzz_cfgkey(const char *s, uint8_t sel)
{
	const struct sg_cfgkey *k = &sg_cfgkeys[sel % sg_ncfgkeys];
	struct sg_config cfg, before, again;
	const char *str = NULL;
	char err[256] = "", buf[64];
	uint64_t num = 0;

	sg_config_defaults(&cfg);
	before = cfg;
	if (sg_cfgkey_set(k, &cfg, s, err, sizeof(err))) {
		REQUIRE(err[0]);
		REQUIRE(!memcmp(&cfg, &before, sizeof(cfg)));
		return;
	}
	/* Exactly the key's own field changed, to a value in range. */
	if (sg_cfgkey_get(k, &cfg, &num, &str)) {
		REQUIRE(num >= k->min && num <= k->max);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)num);
	} else {
		REQUIRE(str && !strcmp(str, s));
		snprintf(buf, sizeof(buf), "%s", str);
	}
	again = before;
	REQUIRE(sg_cfgkey_set(k, &again, buf, err, sizeof(err)) == 0);
	REQUIRE(!memcmp(&again, &cfg, sizeof(cfg)));
	memcpy((char *)&before + k->off, (char *)&cfg + k->off,
	       k->type == SG_CFG_SECONDS ? sizeof(uint64_t) : sizeof(uint32_t));
	REQUIRE(!memcmp(&before, &cfg, sizeof(cfg)));
}

static void fuzz_target(const char *s, uint8_t sel)
{
	bool any_ok = sel & 1;
	uint8_t pc = 0, pc2 = 0;
	uint16_t port = 0, port2 = 0;
	char err[256] = "", buf[64];

	if (sg_target_parse(s, any_ok, &pc, &port, err, sizeof(err))) {
		REQUIRE(err[0]);
		return;
	}
	REQUIRE(pc >= SG_PC_TCP && pc <= SG_PC_ICMP);
	REQUIRE(port != 0 || any_ok || pc == SG_PC_ICMP);
	if (pc == SG_PC_ICMP)
		REQUIRE(port == 0);
	sg_target_str(SG_TARGET(pc, port), buf, sizeof(buf));
	REQUIRE(sg_target_parse(buf, any_ok, &pc2, &port2, err, sizeof(err)) == 0);
	REQUIRE(pc2 == pc && port2 == port);
}

static void fuzz_expose(const char *s)
{
	struct sg_expose_entry e, back;
	char err[256] = "", buf[160], t[64], c[SG_ADDRSTRLEN];

	if (sg_expose_parse(s, &e, err, sizeof(err))) {
		REQUIRE(err[0]);
		return;
	}
	REQUIRE(e.pc >= SG_PC_TCP && e.pc <= SG_PC_ICMP);
	snprintf(buf, sizeof(buf), "%s@%s", sg_target_str(SG_TARGET(e.pc, e.port), t, sizeof(t)),
		 sg_cidr_str(&e.cidr, c, sizeof(c)));
	REQUIRE(sg_expose_parse(buf, &back, err, sizeof(err)) == 0);
	REQUIRE(back.pc == e.pc && back.port == e.port);
	REQUIRE(back.cidr.family == e.cidr.family && back.cidr.len == e.cidr.len);
	REQUIRE(!memcmp(&back.cidr.addr, &e.cidr.addr, sizeof(e.cidr.addr)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sel;
	char *s;

	if (size < 1)
		return 0;
	sel = data[0];
	/* An exact-size string: a read past its terminator is caught. */
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	switch (sel % 5) {
	case 0: fuzz_cidr(s); break;
	case 1: fuzz_seconds(s, sel / 5); break;
	case 2: fuzz_cfgkey(s, sel / 5); break;
	case 3: fuzz_target(s, sel / 5); break;
	case 4: fuzz_expose(s); break;
	}
	free(s);
	return 0;
}
