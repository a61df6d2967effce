#!/usr/bin/env python3
"""Turns compare.sh's results (one JSON object per kes-bench run) into the comparison tables.

Usage: summarize.py RESULTS.jsonl [FACTS.json]
Each line: {"target": "...", "c": 16, "round": 1, "report": {...kes-bench --json...}}.
Medians are over the rounds; ratios are of the medians.
"""
import json
import statistics
import sys

COLUMNS = [
    ("kes-generate", "swift-kes generate"),
    ("kes-decrypt", "swift-kes decrypt"),
    ("bao-datakey", "OpenBao transit/datakey"),
    ("bao-decrypt", "OpenBao transit/decrypt"),
    ("nginx", "nginx GET / (100 B)"),
]


def main():
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    facts = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else {}
    by_key = {}
    for run in runs:
        by_key.setdefault((run["target"], run["c"]), []).append(run["report"])
    concurrencies = sorted({run["c"] for run in runs})
    rounds = max((run["round"] for run in runs), default=0)

    def median(target, c, field):
        reports = by_key.get((target, c), [])
        values = [field(r) for r in reports]
        return statistics.median(values) if values else None

    def rps(target, c):
        return median(target, c, lambda r: r["ok_rps"])

    def errors(target, c):
        return sum(r["errors"] for r in by_key.get((target, c), []))

    def fmt(value, digits=0):
        return "–" if value is None else f"{value:,.{digits}f}"

    def ratio(a, b):
        return "–" if a is None or not b else f"{a / b:.2f}"

    print(f"Throughput: median 2xx req/s over {rounds} round(s)\n")
    print("| C | " + " | ".join(name for _, name in COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for c in concurrencies:
        print(f"| {c} | " + " | ".join(fmt(rps(t, c)) for t, _ in COLUMNS) + " |")

    print("\nRatios of the medians\n")
    print("| C | generate / nginx | decrypt / nginx | generate / OpenBao datakey | decrypt / OpenBao decrypt |")
    print("|---|---|---|---|---|")
    for c in concurrencies:
        print(f"| {c} | {ratio(rps('kes-generate', c), rps('nginx', c))} | {ratio(rps('kes-decrypt', c), rps('nginx', c))} "
              f"| {ratio(rps('kes-generate', c), rps('bao-datakey', c))} | {ratio(rps('kes-decrypt', c), rps('bao-decrypt', c))} |")

    print("\nLatency: median over the rounds of p50 / p99 / p99.9, in ms\n")
    print("| C | " + " | ".join(name for _, name in COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for c in concurrencies:
        cells = []
        for target, _ in COLUMNS:
            p = [median(target, c, lambda r, q=q: r["latency_us"][q]) for q in ("p50", "p99", "p999")]
            cells.append("–" if p[0] is None else " / ".join(f"{v / 1000:.2f}" for v in p))
        print(f"| {c} | " + " | ".join(cells) + " |")

    total_errors = {(t, c): errors(t, c) for t, _ in COLUMNS for c in concurrencies}
    failing = {k: v for k, v in total_errors.items() if v}
    print("\nErrors: " + ("none" if not failing else ", ".join(f"{t} C={c}: {n}" for (t, c), n in sorted(failing.items()))))

    if facts:
        print("\nFootprint\n")
        print("| | swift-kes | OpenBao | nginx |")
        print("|---|---|---|---|")
        print(f"| idle RSS (MiB) | {facts.get('kes_idle_rss_mib', '–')} | {facts.get('bao_idle_rss_mib', '–')} | {facts.get('nginx_idle_rss_mib', '–')} |")
        print(f"| start to first ready (ms) | {facts.get('kes_ready_ms', '–')} | {facts.get('bao_ready_ms', '–')} | {facts.get('nginx_ready_ms', '–')} |")
        print(f"\nswift-kes release binary: {facts.get('kes_binary_mib', '–')} MiB ({facts.get('kes_binary_stripped_mib', '–')} MiB stripped)")
        if facts.get("versions"):
            print(f"Versions: {facts['versions']}")


if __name__ == "__main__":
    main()
