// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * state.c - puts scanguard into the state a scenario needs, through the same
 * paths production uses: allow-list entries through the operations the
 * daemon and CLI use, blocks and tracked sources by running probes through
 * the program itself (so the benchmark never writes the program's private
 * value layouts, and follows them when they change).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "log.h"
#include "ops.h"
#include "pkt.h"
#include "sg_parse.h"
#include "scenarios.h"
#include "table.h"

#define BM_DST4 "198.18.0.1"
#define BM_DST6 "2001:db8::1"

const char *bm_src_str(int family, uint32_t word, char *buf, size_t len)
{
	if (family == 4) {
		struct in_addr a = { htonl(word) };

		inet_ntop(AF_INET, &a, buf, len);
	} else {
		snprintf(buf, len, "2001:db8:%x:%x::2", word >> 16, word & 0xffff);
	}
	return buf;
}

void bm_src_key(int family, uint32_t word, struct sg_addr *key)
{
	memset(key, 0, sizeof(*key));
	if (family == 4) {
		key->w[2] = htonl(0x0000ffff);
		key->w[3] = htonl(word);
	} else {
		key->w[0] = htonl(0x20010db8);
		key->w[1] = htonl(word);
	}
}

int bm_frame_tcp(struct bm_frame *f, int family, const char *src, uint16_t dport, uint8_t flags,
		 uint32_t payload)
{
	struct pkt_spec s = {
		.family = family,
		.src = src ? src : family == 4 ? "198.18.255.255" : "2001:db8::2",
		.dst = family == 4 ? BM_DST4 : BM_DST6,
		.proto = IPPROTO_TCP,
		.sport = 40000,
		.dport = dport,
		.tcp_flags = flags,
		.payload = payload,
	};
	size_t len = pkt_build(&s, f->buf, sizeof(f->buf));

	f->len = len;
	return len ? 0 : -EINVAL;
}

int bm_add_allow(struct sg_subject *s, long n)
{
	static const int len4[] = { 29, 30, 31, 32 }, len6[] = { 48, 56, 64, 128 };
	long n4 = (n + 1) / 2, n6 = n / 2;
	char str[SG_ADDRSTRLEN + 8], a[64], err[256];
	struct sg_cidr cidr;

	for (long i = 0; i < n4 + n6; i++) {
		if (i < n4) {
			bm_src_str(4, BM_ALLOW4 + 8 * i, a, sizeof(a));
			snprintf(str, sizeof(str), "%s/%d", a, len4[i % 4]);
		} else {
			long j = i - n4;

			snprintf(str, sizeof(str), "2001:db8:%lx::/%d", 0xa000 + j, len6[j % 4]);
		}
		if (sg_cidr_parse(str, &cidr, err, sizeof(err)) ||
		    sg_allow_add(&s->m, &cidr, 0, NULL, err, sizeof(err))) {
			pr_warn("allow %s: %s", str, err);
			return -EINVAL;
		}
	}
	return 0;
}

int bm_probe_range(struct bm_ctx *c, struct sg_subject *s, int family, const struct bench_vary *v,
		   uint32_t count, uint16_t dport)
{
	struct bm_frame f;
	double ns;
	int ret;

	ret = bm_frame_tcp(&f, family, NULL, dport, SG_TCP_SYN, 0);
	if (ret)
		return ret;
	ret = bench_target(&c->b, s->prog_fd);
	if (ret)
		return ret;
	bench_vary(&c->b, v);
	ret = bm_run(c->b.harness_fd, f.buf, f.len, count, &ns, NULL);
	sg_subject_drain(s);
	return ret;
}

int bm_make_blocks(struct bm_ctx *c, struct sg_subject *s, int family, uint32_t base, uint32_t n)
{
	struct bench_vary v = { .mode = BENCH_VARY_STRIDE, .base = base, .mul = 1, .n = n };
	long before = sg_map_count(s->m.blocks, sizeof(struct sg_addr)), now = before;
	int ret;

	/* Each pass probes one more distinct port from every source; a source
	 * is blocked by the pass that takes it past the threshold. */
	for (int pass = 0; pass < SG_MAX_THRESHOLD + 2 && now < before + n; pass++) {
		ret = bm_probe_range(c, s, family, &v, n, 1000 + pass);
		if (ret)
			return ret;
		now = sg_map_count(s->m.blocks, sizeof(struct sg_addr));
	}
	if (now != before + n) {
		pr_warn("blocking %u IPv%d sources: %ld blocks, want %ld", n, family, now,
			before + n);
		return -EIO;
	}
	return 0;
}

int bm_tracked_targets(void)
{
	const struct sg_config *cfg = sg_subject_config();
	int n = cfg->threshold;

	if (cfg->score_threshold > 0 && cfg->score_threshold - 1 < n)
		n = cfg->score_threshold - 1;
	return n > 0 ? n : 1;
}

int bm_probe_chunked(struct bm_ctx *c, struct sg_subject *s, int family,
		     const struct bench_vary *v, uint32_t count, int passes)
{
	/* In chunks: a design that tracks a source only from its second
	 * probe must see it soon after the first, as it would from a real
	 * scanner. */
	const uint32_t chunk = 4096;
	int ret;

	for (uint32_t first = 0; first < count; first += chunk) {
		uint32_t cnt = count - first < chunk ? count - first : chunk;
		struct bench_vary part = *v;

		part.start += first;
		for (int t = 0; t < passes; t++) {
			ret = bm_probe_range(c, s, family, &part, cnt, BM_PORT_PROBE + t);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int bm_make_tracked(struct bm_ctx *c, struct sg_subject *s, int family, uint32_t base,
		    uint32_t n)
{
	struct bench_vary v = { .mode = BENCH_VARY_STRIDE, .base = base, .mul = 1, .n = n };
	long before = sg_table_count_fd(s->m.track), now;
	int ret;

	ret = bm_probe_chunked(c, s, family, &v, n, bm_tracked_targets());
	if (ret)
		return ret;
	/* All of them, or all but a few a design lost to collisions; the
	 * results record how many were tracked. */
	now = sg_table_count_fd(s->m.track);
	if (now > before + n || now < before + n - n / 100) {
		pr_warn("tracking %u IPv%d sources: %ld tracked, want %ld (map of %u entries)", n,
			family, now - before, (long)n, s->track_entries);
		return -EIO;
	}
	return 0;
}
