/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * scanguard.h - the one definition of everything the XDP program and
 * userspace share: limits, map names, map value layouts, flag bits, the
 * event record and the statistics counters.  Both sides include this file;
 * nothing here may be redefined elsewhere.
 */
#ifndef SCANGUARD_H
#define SCANGUARD_H

#include <linux/types.h>

/* ---- Limits (every size in one place; others derive from these) ------- */

#ifndef SG_MAX_SOURCES
#define SG_MAX_SOURCES		262144	/* tier-1 tracking entries (16 MiB), whole sets */
#endif
#ifndef SG_MAX_SUSPECTS
#define SG_MAX_SUSPECTS		8192	/* tier-2 entries: sources past the inline slots */
#endif
#ifndef SG_MAX_BLOCKS
#define SG_MAX_BLOCKS		65536	/* exact-key blocks (auto and manual) */
#endif
#ifndef SG_MAX_CIDR_BLOCKS
#define SG_MAX_CIDR_BLOCKS	16384	/* manual CIDR blocks */
#endif
#ifndef SG_MAX_ALLOW
#define SG_MAX_ALLOW		16384	/* allow-list CIDRs, operator and automatic */
#endif
#ifndef SG_MAX_NETS
#define SG_MAX_NETS		16384	/* source networks tracked for distributed scans, whole sets */
#endif
#ifndef SG_MAX_NET_SUSPECTS
#define SG_MAX_NET_SUSPECTS	1024	/* networks past the inline slots */
#endif
#ifndef SG_MAX_SLOW
#define SG_MAX_SLOW		65536	/* sources tracked over the slow window */
#endif
#ifndef SG_SLOW_FP_SLOTS
#define SG_SLOW_FP_SLOTS	(1 << 20)	/* failed-before fingerprints, power of two */
#endif
#ifndef SG_MAX_OFFENDERS
#define SG_MAX_OFFENDERS	65536	/* block history for repeat offenders */
#endif
#ifndef SG_MAX_EXPOSED
#define SG_MAX_EXPOSED		16384	/* exposed services (segment mode) */
#endif
#ifndef SG_MAX_FLOWS
#define SG_MAX_FLOWS		262144	/* outbound flows seen inside (segment mode) */
#endif
#define SG_MAX_IFACES		64	/* interfaces one instance can attach to */

/* Distinct targets are stored exactly: a few inline per source, the rest in
 * an open-addressing table that only sources past the inline slots get. */
#define SG_INLINE_SLOTS		4
#define SG_SUSPECT_SLOTS	256	/* power of two */
/* Keep the suspect table at most 3/4 full so probing stays short. */
#define SG_MAX_THRESHOLD	(SG_INLINE_SLOTS + SG_SUSPECT_SLOTS * 3 / 4)

#define SG_EVENT_SAMPLE		16	/* targets reported in an event */

/* Event budgets (bpf/budget.h): a storm of detections, e.g. from spoofed
 * sources, is reported at most this fast; the rest is still blocked, and
 * counted as dropped events, never queued.  The ring buffer holds about
 * 1800 events, so one second of the global budget always fits. */
#define SG_EVENT_BUDGET_GLOBAL	500	/* events per second, all sources */
#define SG_EVENT_BUDGET_SOURCE	4	/* events per source per period */
#define SG_EVENT_BUDGET_PERIOD_S 60
#define SG_EVENT_BUDGET_SOURCES	16384	/* sources whose budget is remembered (LRU) */
#define SG_SLOW_BLOOM_WORDS	4	/* 256-bit filter of a slow source's targets */
#define SG_MAX_SLOW_THRESHOLD	64	/* keeps the filter's false hits rare */
#define SG_VLAN_MAX_DEPTH	2	/* 802.1Q / 802.1ad tags parsed */
/* traceroute's UDP probes go to port 33434 + one per probe (30 hops x 3
 * probes with the defaults, so below 33534), all closed; one traceroute is
 * one failed target, not dozens. */
#define SG_TRACEROUTE_PORT	33434
#define SG_TRACEROUTE_PORTS	100
#define SG_IPV6_EXT_MAX		6	/* IPv6 extension headers walked */

/* Configuration ranges (userspace validates against these). */
#define SG_MAX_WINDOW_S		86400		/* one day */
#define SG_MAX_BLOCK_TTL_S	2592000		/* 30 days */
#define SG_MAX_SCORE		64		/* score-threshold and score-credit */
#define SG_MAX_SLOW_WINDOW_S	604800		/* a week */

/* Defaults; the README explains each choice. */
#define SG_DEFAULT_THRESHOLD	15
#define SG_DEFAULT_WINDOW_S	300
#define SG_DEFAULT_BLOCK_TTL_S	600
#define SG_DEFAULT_IPV6_PREFIX	64
/* Threshold Random Walk with the paper's parameters: theta0 = 0.8 (benign
 * sources' connections succeed), theta1 = 0.2 (scanners'), alpha = 0.01,
 * beta = 0.99.  A failure multiplies the likelihood ratio by
 * (1-theta1)/(1-theta0) = 4, a success by theta1/theta0 = 1/4, so one step
 * is ln 4 either way, and the upper bound ln(beta/alpha) = ln 99 = 3.3 steps
 * is reached at the 4th failure. */
#define SG_DEFAULT_SCORE_THRESHOLD 4
#define SG_DEFAULT_SCORE_CREDIT	2	/* successes bank at most 2 steps */
#define SG_STEALTH_WEIGHT	2	/* stealth flags and tiny fragments: never benign */
#define SG_DEFAULT_NET_PREFIX4	24
#define SG_DEFAULT_NET_PREFIX6	48
#define SG_DEFAULT_NET_THRESHOLD 50
#define SG_DEFAULT_SWEEP_THRESHOLD 10	/* hosts; below threshold, so a sweep is named one */
#define SG_DEFAULT_SLOW_WINDOW_S 21600	/* 6 hours */
#define SG_DEFAULT_SLOW_THRESHOLD 20
#define SG_DEFAULT_BLOCK_TTL_MAX_S 86400
#define SG_DEFAULT_MAX_BLOCKS	10000

#define SG_NSEC_PER_SEC		1000000000ULL

/* Time from start to now, 0 when start is ahead: two loaded programs'
 * clocks (the old and the new one around --upgrade) may differ by a tick
 * or two, and a bare now - start would then wrap to a window long over. */
static inline __attribute__((always_inline)) __u64 sg_elapsed(__u64 now, __u64 start)
{
	return now > start ? now - start : 0;
}

/* ---- Map names: userspace finds pinned maps by these ------------------- */

#define SG_MAP_CONFIG		sg_config
#define SG_MAP_STATE		sg_state
#define SG_MAP_STATS		sg_stats
#define SG_MAP_TRACK		sg_track
#define SG_MAP_SUSPECT		sg_suspect
#define SG_MAP_BLOCKS		sg_blocks
#define SG_MAP_CIDR_BLOCKS	sg_cidr_blocks
#define SG_MAP_ALLOW		sg_allow
#define SG_MAP_ALLOW_INSIDE	sg_allow_inside	/* see SG_BLOCK_ALLOW_INSIDE */
#define SG_MAP_ALLOW_HINT	sg_allow_hint	/* see struct sg_allow_hint */
#define SG_MAP_EVENTS		sg_events
#define SG_MAP_IFACES		sg_ifaces
#define SG_MAP_TEST_CLOCK	sg_test_clock
#define SG_MAP_NET_TRACK	sg_net_track
#define SG_MAP_NET_SUSPECT	sg_net_suspect
#define SG_MAP_TRACK_HINT	sg_track_hint	/* include/sg_admit.h */
#define SG_MAP_NET_HINT		sg_net_hint
#define SG_MAP_SLOW		sg_slow
#define SG_MAP_SLOW_FP		sg_slow_fp
#define SG_MAP_OFFENDERS	sg_offenders
#define SG_MAP_TRAPS		sg_traps
#define SG_MAP_EXPOSED		sg_exposed
#define SG_MAP_FLOWS		sg_flows
#define SG_MAP_ADMIT_SRC	sg_admit_src	/* first probes (include/sg_admit.h) */
#define SG_MAP_ADMIT_NET	sg_admit_net

/* Inside an instance's pin directory: the pinned bpf_links that keep the
 * program attached while no daemon runs, one per interface. */
#define SG_PIN_LINKS_DIR	"links"
#define SG_PIN_LINK_FMT		"xdp_%u"	/* by ifindex */

#define SG_STR_(x)		#x
#define SG_STR(x)		SG_STR_(x)

/* ---- Addresses ---------------------------------------------------------
 * Every address is 16 bytes: IPv6 as is, IPv4 mapped to ::ffff:a.b.c.d, so
 * one key type, one LPM trie and one code path serve both families.  Words
 * are in network byte order. */
struct sg_addr {
	__u32 w[4];
};

/* True for an IPv4 address (mapped to ::ffff:a.b.c.d). */
static inline __attribute__((always_inline)) int sg_addr_mapped(const struct sg_addr *a)
{
	const __u8 *b = (const __u8 *)a;

	return !a->w[0] && !a->w[1] && !b[8] && !b[9] && b[10] == 0xff && b[11] == 0xff;
}

/* LPM trie key for the allow-list and CIDR blocks (prefixlen counts the
 * 128-bit mapped form: an IPv4 /24 is stored as /120). */
struct sg_lpm_key {
	__u32 prefixlen;
	struct sg_addr addr;
};

/* ---- Configuration (array map, one element, written by userspace) ----- */

enum sg_mode {
	SG_MODE_ENFORCE = 0,
	SG_MODE_MONITOR = 1,
};

enum sg_block_policy {
	SG_POLICY_ALL = 0,	/* drop every packet of a blocked source */
	SG_POLICY_NEW = 1,	/* drop only its probes and new connections: a wrongly
				 * framed partner keeps its established sessions */
};

/* What says that a host-mode SYN's port is open. */
enum sg_sk_lookup {
	SG_SK_LOOKUP_LISTENER = 0,	/* a listener for the port, whatever the source */
	SG_SK_LOOKUP_EXACT = 1,		/* a socket for the SYN's own tuple: what sk_lookup
					 * programs that steer by source need */
};

enum sg_protect {
	SG_PROTECT_HOST = 0,	/* this host's own sockets say what is open */
	SG_PROTECT_SEGMENT = 1,	/* a forwarded segment: sg_exposed says what is open */
};

struct sg_config {
	__u32 threshold;	/* distinct targets allowed per window (backstop) */
	__u32 mode;		/* enum sg_mode */
	__u64 window_ns;
	__u64 block_ttl_ns;	/* first block; repeat offenders get more */
	__u32 ipv6_prefix;	/* IPv6 sources are keyed by this prefix */
	__u32 protect;		/* enum sg_protect */
	__s32 score_threshold;	/* failure score that blocks; 0 = scoring off */
	__s32 score_credit;	/* most a source's successes can offset */
	__u32 sweep_threshold;	/* segment mode: distinct hosts per window; 0 = off */
	__u32 net_threshold;	/* distinct failed targets per source network; 0 = off */
	__u32 net_prefix4;
	__u32 net_prefix6;
	__u32 slow_threshold;	/* distinct failed targets per slow window; 0 = off */
	__u32 sk_lookup;	/* enum sg_sk_lookup */
	__u64 slow_window_ns;
	__u64 block_ttl_max_ns;	/* cap for repeat offenders */
	__u32 max_blocks;	/* simultaneous automatic blocks allowed (blast radius) */
	__u32 block_policy;	/* enum sg_block_policy */
};

/* Runtime state shared by both sides (array map, one element, mmapable so
 * userspace can update it with the same atomics as the kernel).  The counts
 * let the hot path skip block lookups entirely while nothing is blocked; they
 * may over-count briefly (harmless: one extra lookup) but never under-count. */
struct sg_state {
	__u64 nr_blocks;	/* entries in sg_blocks */
	__u64 nr_cidr_blocks;	/* entries in sg_cidr_blocks */
	__u32 track_seed;	/* keys the tracking tables' set hash (sg_admit.h) */
	__u32 pad;
};

/* ---- Tracking ---------------------------------------------------------- */

/* A target is what "distinct" counts.  In host mode it is the protocol
 * class and port; in segment mode a hash of (destination, class, port), and
 * separately of the destination alone, for sweeps. */
enum sg_proto_class {
	SG_PC_TCP = 1,
	SG_PC_UDP = 2,
	SG_PC_SCTP = 3,
	SG_PC_ICMP = 4,		/* echo requests (segment mode sweeps) */
	SG_PC_IPPROTO = 5,	/* IP protocol scan: the "port" is the protocol number */
};
#define SG_PC_NAMES { "?", "tcp", "udp", "sctp", "icmp", "ipproto" }
#define SG_TARGET(pc, port)	(((__u32)(pc) << 16) | (__u32)(port))
#define SG_TARGET_PC(t)		((t) >> 16)
#define SG_TARGET_PORT(t)	((t) & 0xffff)

/* Probe kinds (bits), reported in events. */
enum sg_probe_kind {
	SG_PROBE_SYN	= 1 << 0,	/* TCP SYN without ACK */
	SG_PROBE_NULL	= 1 << 1,	/* TCP with no flags */
	SG_PROBE_FIN	= 1 << 2,	/* TCP FIN alone */
	SG_PROBE_XMAS	= 1 << 3,	/* TCP FIN+PSH+URG */
	SG_PROBE_STEALTH = 1 << 4,	/* other TCP without SYN/ACK/RST */
	SG_PROBE_UDP	= 1 << 5,	/* UDP */
	SG_PROBE_ACK	= 1 << 6,	/* bare ACK or FIN+ACK matching no connection */
	SG_PROBE_SCTP	= 1 << 7,	/* SCTP INIT */
	SG_PROBE_PROTO	= 1 << 8,	/* an IP protocol this host does not speak */
	SG_PROBE_FRAG	= 1 << 9,	/* first fragment too short for its L4 header */
	SG_PROBE_ECHO	= 1 << 10,	/* ICMP echo request (segment mode) */
};
#define SG_PROBE_KIND_NAMES { "syn", "null", "fin", "xmas", "stealth", "udp", "ack", \
			      "sctp_init", "ip_protocol", "tiny_fragment", "echo" }
#define SG_PROBE_STEALTHY	(SG_PROBE_NULL | SG_PROBE_FIN | SG_PROBE_XMAS | \
				 SG_PROBE_STEALTH | SG_PROBE_ACK)

/* sg_track.bits: probe kinds seen in the low half, flags in the high half,
 * one word so both change with a single atomic or. */
#define SG_TRACK_KINDS(bits)	((bits) & 0xffff)
#define SG_TRACK_PROMOTED	(1u << 16)	/* the tier-2 map holds targets past the inline slots */
#define SG_TRACK_HAD_FAILURE	(1u << 18)	/* a failure in this or the previous window */
/* Successes credited this window (bits 24-30): their total is capped. */
#define SG_TRACK_CREDIT_SHIFT	24
#define SG_TRACK_CREDIT_ONE	(1u << SG_TRACK_CREDIT_SHIFT)
#define SG_TRACK_CREDITS(bits)	(((bits) >> SG_TRACK_CREDIT_SHIFT) & 0x7f)

/* Tier 1, one per source seen probing: 40 bytes, so that with its key and
 * the table's two words an entry is one 64-byte cache line. */
struct sg_track {
	__u64 window_start;	/* ns; the window is [start, start + window) */
	__u32 count;		/* distinct targets that count this window (atomic) */
	__u32 bits;		/* SG_PROBE_* kinds | SG_TRACK_* flags (atomic or) */
	__s32 score;		/* failure score, floored at -score_credit */
	__u32 hosts;		/* segment mode: distinct destinations this window */
	__u32 slot[SG_INLINE_SLOTS];	/* targets, 0 = empty, filled in order */
};

/* The tier-1 tables (sg_track, sg_net_track) are set associative: an array
 * of sets of SG_TRACK_WAYS entries, a key's set chosen by a keyed hash
 * (include/sg_admit.h).  A hit reads one set, however many keys the table
 * holds; an LRU hash read a bucket and then an element, two dependent cache
 * misses that grew with the table (bench/README.md, "No cliff"). */
#define SG_TRACK_WAYS		4
/* An entry's last use is kept in ticks of 2^SG_TRACK_TICK_SHIFT ns (1.07 s):
 * coarse, so a source probing fast does not dirty its line at every probe,
 * and fine enough to tell the oldest of a set's four. */
#define SG_TRACK_TICK_SHIFT	30

struct sg_track_entry {
	struct sg_addr key;
	struct sg_track t;
	__u32 gen;		/* odd while the entry holds key; claimed by compare-and-swap */
	__u32 last;		/* last use, in ticks: a full set replaces its oldest */
};

/* The tables' element: one set, so that one lookup reaches its ways. */
struct sg_track_set {
	struct sg_track_entry way[SG_TRACK_WAYS];
};

/* Tier 2: the targets of a source past its inline slots, open addressing. */
struct sg_suspect {
	__u64 window_start;	/* valid only while equal to the tier-1 entry's */
	__u32 slot[SG_SUSPECT_SLOTS];
};

/* Slow scans: distinct failed targets over hours, approximated by a small
 * Bloom filter.  Only sources with a second failure get an entry, so a
 * flood of one-probe spoofed sources cannot evict it. */
struct sg_slow {
	__u64 window_start;
	__u32 count;		/* distinct failed targets (atomic) */
	__u32 pad;
	__u64 bloom[SG_SLOW_BLOOM_WORDS];
};

/* The failed-before filter (bpf/slow.h): fingerprints of sources that
 * failed once, two slots per array element. */
struct sg_slow_fp_pair {
	__u32 fp[2];
};

/* Block history, for longer blocks of repeat offenders. */
struct sg_offender {
	__u64 last_expiry_ns;	/* when the last block ends */
	__u32 strikes;		/* blocks so far, within block-ttl-max of each other */
	__u32 pad;
};

/* Trap ports: a bitmap over (class, port) for TCP and UDP, one bit each. */
#define SG_TRAP_WORDS		(2 * 65536 / 64)
#define SG_TRAP_INDEX(pc, port)	(((pc) - 1) * 1024 + (port) / 64)

/* Exposed services in segment mode: LPM over (protocol class, port,
 * destination); port 0 means every port of that class. */
struct sg_exposed_key {
	__u32 prefixlen;	/* 32 (class, port) + the destination prefix in 128-bit terms */
	__u8 pc;		/* enum sg_proto_class */
	__u8 pad;
	__u16 port;
	struct sg_addr addr;
};
#define SG_EXPOSED_KEY_BITS	(32 + 128)

struct sg_exposed {
	__u32 flags;
};

/* An outbound flow seen on an inside interface (segment mode): inbound
 * packets of the same flow are answers, never probes. */
struct sg_flow_key {
	struct sg_addr remote;
	struct sg_addr local;
	__u16 remote_port;
	__u16 local_port;
	__u8 pc;
	__u8 pad[3];
};

/* ---- Blocks -------------------------------------------------------------- */

enum sg_detector {
	SG_DET_NONE = 0,
	SG_DET_DISTINCT_PORTS = 1,	/* more distinct targets than threshold */
	SG_DET_MANUAL = 2,		/* an operator's block */
	SG_DET_SCORE = 3,		/* failure score (Threshold Random Walk) */
	SG_DET_SWEEP = 4,		/* segment mode: too many destination hosts */
	SG_DET_DISTRIBUTED = 5,		/* a source network, taken together */
	SG_DET_SLOW = 6,		/* distinct failures over the slow window */
	SG_DET_TRAP = 7,		/* a probe to a trap port */
	SG_DET_FRAGMENT = 8,		/* score crossed by tiny first fragments */
	SG_DET_STEALTH = 9,		/* score crossed by stealth-flag probes */
};
#define SG_DETECTOR_NAMES { "none", "distinct_ports", "manual", "failure_score", "sweep", \
			    "distributed", "slow", "trap", "fragment", "stealth_flags" }

#define SG_BLOCK_MANUAL		1	/* added by an operator */
/* An IPv6 block's key is a whole prefix (ipv6_prefix long), and an
 * allow-listed address inside it stays allowed: only a block with this flag
 * looks the allow-list up when it matches.  The flag is set where an
 * allow-list entry narrower than the prefix lies inside it: userspace keeps
 * those prefixes, with a count of such entries each, in sg_allow_inside
 * (user/ops.c), and flags a block on its creation (the program, from that
 * map) and on `allow add` (userspace). */
#define SG_BLOCK_ALLOW_INSIDE	2

struct sg_block {
	__u64 expires_ns;	/* monotonic; 0 = never */
	__u64 created_ns;
	__u32 detector;		/* enum sg_detector */
	__u32 flags;		/* SG_BLOCK_* */
	__u32 prefixlen;	/* for CIDR blocks: the entry's own key length */
	__u32 strikes;		/* 1 for a first block, more for repeat offenders */
};

/* Allow-list entries the daemon keeps current; operators cannot remove them. */
#define SG_ALLOW_AUTO		1	/* this host's own address, or loopback */
#define SG_ALLOW_GATEWAY	2	/* a default gateway */
#define SG_ALLOW_RESOLVER	4	/* a configured DNS resolver */
#define SG_ALLOW_AUTOMATIC	(SG_ALLOW_AUTO | SG_ALLOW_GATEWAY | SG_ALLOW_RESOLVER)
/* From the daemon's configuration (file or flags): a reload removes it when
 * the configuration no longer lists it. */
#define SG_ALLOW_CONFIG		8

struct sg_allow {
	__u32 flags;		/* SG_ALLOW_* */
};

/* Which address ranges the allow-list may hold an entry for: a bit per
 * IPv4 /16 and a bit per IPv6 /32 (hashed), set for every range an entry
 * covers.  A probe whose bit is clear cannot be allowed, and the trie is
 * not looked up (most probes come from outside every allowed range).
 * Bits are only ever set: by sg_allow_add() before its entry goes in, and
 * by the loader from the trie (maps of an older build).  So the hint is
 * always a superset of the trie; a deleted entry's bit only costs the
 * lookup it used to. */
#define SG_ALLOW_HINT_BITS	65536	/* per family */

struct sg_allow_hint {
	__u64 w[2 * SG_ALLOW_HINT_BITS / 64];	/* IPv4 /16s, then IPv6 /32s */
};

/* The bit of an IPv6 address's first 32 bits (as stored), hashed. */
static inline __attribute__((always_inline)) __u32 sg_allow_hint_v6(__u32 w0)
{
	return SG_ALLOW_HINT_BITS + ((w0 * 0x9e3779b1u) >> 16);
}

/* An address's bit: IPv4 (mapped), its /16; IPv6, its first 32 bits. */
static inline __attribute__((always_inline)) __u32 sg_allow_hint_bit(const struct sg_addr *a)
{
	const __u8 *b = (const __u8 *)a;

	if (sg_addr_mapped(a))
		return (__u32)b[12] << 8 | b[13];
	return sg_allow_hint_v6(a->w[0]);
}

/* ---- Events (ring buffer) ---------------------------------------------- */

enum sg_action {
	SG_ACT_BLOCKED = 0,	/* enforce mode: source blocked */
	SG_ACT_MONITORED = 1,	/* monitor mode: reported only */
	SG_ACT_BLOCK_FAILED = 2,	/* block table full: probes dropped, source not blocked */
	SG_ACT_CAP_REACHED = 3,		/* max-blocks reached: probes dropped, source not blocked */
};
#define SG_ACTION_NAMES { "blocked", "monitored", "block_failed", "cap_reached" }

struct sg_event {
	__u64 ts_ns;		/* kernel monotonic clock */
	struct sg_addr src;	/* source key, or source network for "distributed" */
	__u32 ifindex;
	__u8 family;		/* 4 or 6 */
	__u8 prefixlen;		/* of src, in its own family */
	__u8 action;		/* enum sg_action */
	__u8 detector;		/* enum sg_detector */
	__u32 count;		/* distinct targets counted by the detector that fired */
	__u32 threshold;	/* that detector's threshold */
	__s32 score;		/* failure score at detection */
	__u32 kinds;		/* SG_PROBE_* */
	__u32 nsample;
	__u32 strikes;		/* 1 for a first block, more for repeat offenders */
	__u32 hosts;		/* segment mode: distinct destinations */
	__u32 protect;		/* enum sg_protect when detected */
	__u64 window_ns;	/* of the detector that fired */
	__u64 block_ttl_ns;
	struct sg_addr last_dst;	/* the probe that tripped it */
	__u32 last_target;	/* SG_TARGET of that probe */
	__u32 pad;
	__u32 sample[SG_EVENT_SAMPLE];	/* host mode: SG_TARGET values */
};

/* ---- Interfaces (array map, written by the daemon, read by the CLI) ---- */

enum sg_xdp_mode {
	SG_XDP_NONE = 0,
	SG_XDP_NATIVE = 1,
	SG_XDP_GENERIC = 2,
};

enum sg_iface_role {
	SG_IFACE_OUTSIDE = 0,	/* detects and blocks */
	SG_IFACE_INSIDE = 1,	/* segment mode: records the segment's outbound flows */
};

struct sg_iface {
	__u32 ifindex;		/* 0 = unused slot */
	__u32 xdp_mode;		/* enum sg_xdp_mode */
	char name[16];
	__u32 role;		/* enum sg_iface_role */
	__u32 pad;
};

/* ---- Statistics (per-CPU array, one element) ----------------------------
 * Append new counters at the end: a running instance keeps its counters
 * across an upgrade by their index. */

#define SG_STATS(X)							\
	X(PACKETS,		"packets")				\
	X(PASSED,		"passed")				\
	X(NOT_IP,		"not_ip")				\
	X(PARSE_ERRORS,		"parse_errors")				\
	X(PROBES,		"probes")				\
	X(PROBES_ALLOWED,	"probes_allowed")			\
	X(PROBES_OPEN,		"probes_open")				\
	X(PROBES_FAILED,	"probes_failed")			\
	X(DROP_FRAGMENT,	"dropped_tiny_fragment")		\
	X(DETECTIONS,		"detections")				\
	X(DROP_BLOCKED,		"dropped_blocked")			\
	X(DROP_DETECT,		"dropped_over_threshold")		\
	X(MONITOR_PASSED,	"monitor_would_drop")			\
	X(BLOCKS_EXPIRED,	"blocks_expired")			\
	X(BLOCK_TABLE_FULL,	"block_table_full")			\
	X(TRACK_FAILED,		"track_insert_failed")			\
	X(TRACK_INSERTS,	"sources_tracked")			\
	X(TRACK_DELETES,	"sources_forgotten")			\
	X(BLOCK_CAP_REACHED,	"block_cap_reached")			\
	X(BLOCKED_PASSED,	"blocked_traffic_passed")		\
	X(EVENTS_LOST,		"events_lost")				\
	X(FLOWS_RECORDED,	"flows_recorded")				\
	X(EVENTS_BUDGET_GLOBAL,	"events_dropped_global_budget")		\
	X(EVENTS_BUDGET_SOURCE,	"events_dropped_source_budget")	\
	X(ADMIT_TAKEN,		"admission_slots_taken")

enum sg_stat {
#define SG_STAT_ENUM(id, name) SG_STAT_##id,
	SG_STATS(SG_STAT_ENUM)
#undef SG_STAT_ENUM
	SG_STAT_MAX
};

/* The value has room for counters added later, so its layout (and with it
 * the pinned map a running instance keeps) survives upgrades that add one. */
#define SG_STATS_CAP		64

struct sg_stats {
	__u64 c[SG_STATS_CAP];
};
_Static_assert(SG_STAT_MAX <= SG_STATS_CAP, "raise SG_STATS_CAP");
_Static_assert(sizeof(struct sg_track_entry) == 64, "a tracking entry is one cache line");
_Static_assert(SG_MAX_SOURCES % SG_TRACK_WAYS == 0 && SG_MAX_SOURCES >= SG_TRACK_WAYS,
	       "SG_MAX_SOURCES must be whole sets");
_Static_assert(SG_MAX_NETS % SG_TRACK_WAYS == 0 && SG_MAX_NETS >= SG_TRACK_WAYS,
	       "SG_MAX_NETS must be whole sets");

#endif /* SCANGUARD_H */
