// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_addr.c - unit tests of the userspace parsers every command relies
 * on: CIDRs (strict), durations and configuration keys (ranges). */
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "cfgkeys.h"
#include "harness.h"

static void test_cidrs(void)
{
	static const struct { const char *in; int ok; const char *out; int family, len; } cases[] = {
		{ "198.18.0.1", 1, "198.18.0.1", 4, 32 },
		{ "198.18.0.0/15", 1, "198.18.0.0/15", 4, 15 },
		{ "0.0.0.0/0", 1, "0.0.0.0/0", 4, 0 },
		{ "2001:db8::1", 1, "2001:db8::1", 6, 128 },
		{ "2001:db8::/32", 1, "2001:db8::/32", 6, 32 },
		{ "::ffff:198.18.0.1", 1, "198.18.0.1", 4, 32 },
		{ "::/0", 1, "::/0", 6, 0 },
		{ "198.18.0.1/24", 0, NULL, 0, 0 },	/* host bits set */
		{ "2001:db8::1/64", 0, NULL, 0, 0 },
		{ "198.18.0.0/33", 0, NULL, 0, 0 },
		{ "2001:db8::/129", 0, NULL, 0, 0 },
		{ "198.18.0.0/-1", 0, NULL, 0, 0 },
		{ "198.18.0.0/", 0, NULL, 0, 0 },
		{ "198.18.0.0/24x", 0, NULL, 0, 0 },
		{ "198.18.0.0/+24", 0, NULL, 0, 0 },
		{ "198.18.0", 0, NULL, 0, 0 },
		{ "198.18.0.256", 0, NULL, 0, 0 },
		{ "", 0, NULL, 0, 0 },
		{ "/24", 0, NULL, 0, 0 },
		{ "example.com", 0, NULL, 0, 0 },
		{ "2001:db8:::1", 0, NULL, 0, 0 },
		{ "198.18.0.1 ", 0, NULL, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sg_cidr c;
		char err[256] = "", buf[SG_ADDRSTRLEN];
		int ret = sg_cidr_parse(cases[i].in, &c, err, sizeof(err));

		h_begin("cidr parse '%s' %s", cases[i].in, cases[i].ok ? "accepted" : "rejected");
		if (cases[i].ok) {
			CHECK(ret == 0, "rejected: %s", err);
			CHECK(!strcmp(sg_cidr_str(&c, buf, sizeof(buf)), cases[i].out),
			      "printed as %s", buf);
			CHECK_EQ(c.family, cases[i].family, "family");
			CHECK_EQ(c.len, cases[i].len, "length");
			/* Round trip through the LPM key. */
			struct sg_lpm_key k = sg_cidr_to_lpm(&c);
			struct sg_cidr back = sg_cidr_from_lpm(&k);

			CHECK(back.family == c.family && back.len == c.len &&
			      !memcmp(&back.addr, &c.addr, sizeof(c.addr)), "lpm round trip");
		} else {
			CHECK(ret != 0, "accepted");
			CHECK(err[0], "no reason given");
		}
	}
	h_begin("cidr contains");
	struct sg_cidr net, a;
	char err[64];

	sg_cidr_parse("198.18.4.0/22", &net, err, sizeof(err));
	sg_cidr_parse("198.18.7.255", &a, err, sizeof(err));
	CHECK(sg_cidr_contains(&net, &a.addr), "198.18.7.255 in 198.18.4.0/22");
	sg_cidr_parse("198.18.8.0", &a, err, sizeof(err));
	CHECK(!sg_cidr_contains(&net, &a.addr), "198.18.8.0 not in 198.18.4.0/22");
}

static void test_durations(void)
{
	static const struct { const char *in; int ok; unsigned long long secs; } cases[] = {
		{ "1", 1, 1 }, { "90", 1, 90 }, { "90s", 1, 90 }, { "15m", 1, 900 },
		{ "2h", 1, 7200 }, { "1d", 1, 86400 }, { "0", 0, 0 }, { "2d", 0, 0 },
		{ "-5", 0, 0 }, { "5x", 0, 0 }, { "5mm", 0, 0 }, { "", 0, 0 }, { "m", 0, 0 },
		{ "99999999999999999999", 0, 0 }, { "18446744073709551615d", 0, 0 },
		{ " 5", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		char err[256] = "";
		int ret = sg_parse_seconds(cases[i].in, 1, 86400, &v, err, sizeof(err));

		h_begin("duration '%s' %s", cases[i].in, cases[i].ok ? "accepted" : "rejected");
		if (cases[i].ok) {
			CHECK(ret == 0, "rejected: %s", err);
			CHECK_EQ(v, cases[i].secs, "seconds");
		} else {
			CHECK(ret != 0, "accepted as %llu", (unsigned long long)v);
		}
	}
}

static void test_cfgkeys(void)
{
	static const struct { const char *key, *val; int ok; } cases[] = {
		{ "threshold", "1", 1 }, { "threshold", "15", 1 },
		{ "threshold", "0", 0 }, { "threshold", "201", 0 }, { "threshold", "abc", 0 },
		{ "threshold", "-1", 0 }, { "threshold", "4294967311", 0 },
		{ "window", "300", 1 }, { "window", "5m", 1 }, { "window", "0", 0 },
		{ "window", "86401", 0 }, { "block-ttl", "30d", 1 }, { "block-ttl", "31d", 0 },
		{ "mode", "enforce", 1 }, { "mode", "monitor", 1 }, { "mode", "Monitor", 0 },
		{ "mode", "", 0 }, { "ipv6-prefix", "64", 1 }, { "ipv6-prefix", "128", 1 },
		{ "ipv6-prefix", "15", 0 }, { "ipv6-prefix", "129", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sg_cfgkey *k = sg_cfgkey_find(cases[i].key);
		struct sg_config cfg, before;
		char err[256] = "";
		int ret;

		h_begin("config %s=%s %s", cases[i].key, cases[i].val,
			cases[i].ok ? "accepted" : "rejected");
		if (!CHECK(k, "no key %s", cases[i].key))
			continue;
		sg_config_defaults(&cfg);
		before = cfg;
		ret = sg_cfgkey_set(k, &cfg, cases[i].val, err, sizeof(err));
		if (cases[i].ok) {
			CHECK(ret == 0, "rejected: %s", err);
		} else {
			CHECK(ret != 0, "accepted");
			CHECK(!memcmp(&cfg, &before, sizeof(cfg)), "config changed on error");
		}
	}
	h_begin("config unknown key");
	CHECK(!sg_cfgkey_find("thresholds"), "found");
	h_begin("config defaults are inside their own ranges");
	struct sg_config def;

	sg_config_defaults(&def);
	for (size_t i = 0; i < sg_ncfgkeys; i++) {
		uint64_t num = 0;
		const char *str = NULL;

		if (sg_cfgkey_get(&sg_cfgkeys[i], &def, &num, &str))
			CHECK(num >= sg_cfgkeys[i].min && num <= sg_cfgkeys[i].max, "%s default %llu",
			      sg_cfgkeys[i].name, (unsigned long long)num);
	}
}

int main(void)
{
	test_cidrs();
	test_durations();
	test_cfgkeys();
	return h_finish();
}
