// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* model.c - the userspace model of the XDP program's per-frame decision for
 * a source with no state (see model.h). */
#include <string.h>
#include "model.h"
#include "ops.h"

const char *const model_outcome_names[M_NOUTCOMES] = {
	"refused", "not ip", "parse error", "not a probe", "probe", "tiny fragment",
};

bool model_env_init(struct model_env *env, const struct sg_config *cfg, const struct sg_maps *maps,
		    const char *const *spec, size_t n, struct model_exposed *ex, char *err,
		    size_t errlen)
{
	*env = (struct model_env){ .protect = cfg->protect, .ipv6_prefix = cfg->ipv6_prefix,
				   .net_prefix4 = cfg->net_prefix4,
				   .net_prefix6 = cfg->net_prefix6 };
	if (cfg->protect != SG_PROTECT_SEGMENT)
		return true;
	for (size_t i = 0; i < n; i++) {
		struct sg_expose_entry e;

		if (sg_expose_parse(spec[i], &e, err, errlen) || sg_expose_add(maps, &e, err, errlen))
			return false;
		ex[i] = (struct model_exposed){ .dst = e.cidr, .pc = e.pc, .port = e.port };
	}
	env->exposed = ex;
	env->nexposed = n;
	return true;
}

bool model_in_cidrs(const struct sg_cidr *v, size_t n, const struct sg_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (sg_cidr_contains(&v[i], a))
			return true;
	return false;
}

/* sg_is_exposed() of bpf/classify.h over the test's list. */
static bool exposed(const struct model_env *env, const struct sg_pkt *p, uint8_t pc,
		    uint16_t port)
{
	for (size_t i = 0; i < env->nexposed; i++) {
		const struct model_exposed *e = &env->exposed[i];

		if (e->pc == pc && (e->port == 0 || e->port == port) &&
		    sg_cidr_contains(&e->dst, &p->dst))
			return true;
	}
	return false;
}

/* Frames sit NET_IP_ALIGN bytes into the buffer, as drivers place them,
 * so the parser's header casts are aligned under UBSan too. */
#define IP_ALIGN 2

void model_run(const struct model_env *env, const void *frame, size_t len, struct model *m)
{
	static uint8_t buf[IP_ALIGN + 4096];
	uint8_t *data = buf + IP_ALIGN;

	memset(m, 0, sizeof(*m));
	if (len > sizeof(buf) - IP_ALIGN)
		len = sizeof(buf) - IP_ALIGN;
	memcpy(data, frame, len);
	m->res = sg_parse(data, data + len, &m->p);
	m->has_src = m->res < SG_PARSE_BAD_L3;
	if (m->has_src) {
		m->key = m->p.src;
		m->net = m->p.src;
		if (m->p.family == 6) {
			sg_addr_mask(&m->key, env->ipv6_prefix);
			sg_addr_mask(&m->net, env->net_prefix6);
		} else {
			sg_addr_mask(&m->net, env->net_prefix4 + 96);
		}
	}
	if (len < 14) {
		m->out = M_REFUSED;
		return;
	}
	switch (m->res) {
	case SG_PARSE_NOT_IP:
		m->out = M_NOT_IP;
		return;
	case SG_PARSE_BAD_L3:
	case SG_PARSE_BAD_L4:
		m->out = M_PARSE_ERROR;
		return;
	}
	m->pr = sg_candidate(&m->p, m->res, env->protect);
	/* sg_classify() with no sockets, no flows and the test's exposed list. */
	if (m->pr.kind && m->pr.check == SG_CHECK_CONN && env->protect == SG_PROTECT_SEGMENT &&
	    exposed(env, &m->p, m->pr.pc, m->pr.port))
		m->pr.kind = 0;
	if (!m->pr.kind) {
		m->out = M_NOT_PROBE;
		return;
	}
	if (m->pr.check == SG_CHECK_OPEN && env->protect == SG_PROTECT_SEGMENT)
		m->pr.open = exposed(env, &m->p, m->pr.pc, m->pr.port);
	sg_probe_targets(&m->pr, &m->p, env->protect);
	m->out = m->pr.kind == SG_PROBE_FRAG ? M_TINY_FRAG : M_PROBE;
}

enum sg_stat model_reason(enum model_outcome out)
{
	switch (out) {
	case M_NOT_IP: return SG_STAT_NOT_IP;
	case M_PARSE_ERROR: return SG_STAT_PARSE_ERRORS;
	case M_TINY_FRAG: return SG_STAT_DROP_FRAGMENT;
	default: return SG_STAT_PASSED;
	}
}
