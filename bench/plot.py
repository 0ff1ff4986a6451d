#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""plot.py - draws the benchmark's scaling results (and the main table) from
results.json into a PNG next to it.  Needs Debian's python3-matplotlib, so it
runs under /usr/bin/python3, not whatever python3 comes first on PATH.

    bench/plot.py RESULTS.json OUT.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt  # noqa: E402

# scanguard's lines take these; the baselines keep gray and orange.
SG_COLORS = ["tab:blue", "tab:green", "tab:red", "tab:purple"]
PROGS = [("ns_per_packet", "scanguard", "tab:blue"),
         ("empty_xdp_ns", "empty XDP", "tab:gray"),
         ("xdp_filter_ns", "xdp-filter", "tab:orange")]


def series(ax, points, title, xlabel, logx):
    """One line per (scenario, program), error bars p25..p75."""
    keys = sorted({(p["scenario"], p["name"]) for p in points})
    styles = ["o-", "s--", "^-.", "d:"]
    for i, (scen, name) in enumerate(keys):
        pts = sorted((p for p in points if p["name"] == name), key=lambda p: p["x"])
        xs = [p["x"] for p in pts]
        for key, label, color in PROGS:
            if key != "ns_per_packet" and i > 0:
                continue  # one baseline line per panel is enough
            ys = [p[key] for p in pts]
            err = [[p[key] - p["spread"][key]["p25"] for p in pts],
                   [p["spread"][key]["p75"] - p[key] for p in pts]]
            if key == "ns_per_packet":
                lbl, col = f"{name} ({label})", SG_COLORS[i % len(SG_COLORS)]
            else:
                lbl, col = f"{label} (frames of {name})", color
            ax.errorbar(xs, ys, yerr=err, fmt=styles[i % len(styles)], color=col,
                        label=lbl, capsize=3)
    if logx:
        ax.set_xscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("ns per packet (median, p25-p75)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot.py RESULTS.json OUT.png")
    with open(sys.argv[1]) as f:
        r = json.load(f)
    fig, axes = plt.subplots(1, 3, figsize=(19, 6))

    main_rows = r["scenarios"]
    names = [p["name"] for p in main_rows]
    x = range(len(names))
    w = 0.27
    for i, (key, label, color) in enumerate(PROGS):
        axes[0].bar([v + (i - 1) * w for v in x], [p[key] for p in main_rows], w, label=label,
                    color=color,
                    yerr=[[p[key] - p["spread"][key]["p25"] for p in main_rows],
                          [p["spread"][key]["p75"] - p[key] for p in main_rows]],
                    capsize=2)
    axes[0].set_xticks(list(x))
    axes[0].set_xticklabels(names, rotation=60, ha="right", fontsize=7)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("ns per packet (median, log scale)")
    axes[0].set_title("scenarios: same frames, same run")
    axes[0].legend(fontsize=8)
    axes[0].grid(True, axis="y", alpha=0.3)

    scaling = r.get("scaling", [])
    series(axes[1], [p for p in scaling if p["series"] == "tracked_sources"],
           "tracked sources (IPv6, scenarios 4 cycling and 5)", "sources in the tracking map", True)
    series(axes[2], [p for p in scaling if p["series"] == "allow_cidrs"],
           "allow-list size (10,000 blocks)", "allow-list CIDRs", True)
    m = r["machine"]
    fig.suptitle(f"scanguard-bench {r['generated']}  kernel {m['kernel']}  {m['cpu_model']}"
                 f"  (CPU {m['bench_cpu']} of {m['cpus_online']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
