#!/usr/bin/env python3
"""Turns versus-kes.sh's results into the side-by-side tables of BENCHMARKS.md.

Usage: summarize_versus.py RESULTS.jsonl
Each line: {"phase": "closed"|"open", "server": "swift-kes"|"kes-2023"|"nginx", "op": ..., "c": 16,
"round": 1, "cpu_ticks": N, "hz": 100, "report": {...kes-bench --json...}}.
Every figure is the median over the rounds; ratios are of the medians.
"""
import json
import statistics
import sys


def cpu_us_per_request(run):
    requests = run["report"]["requests"]
    return run["cpu_ticks"] / run["hz"] * 1e6 / requests if requests else None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=1):
    return "–" if value is None else f"{value:,.{digits}f}"


def ratio(a, b):
    return "–" if a is None or not b else f"{a / b:.2f}"


def main():
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    groups = {}
    for run in runs:
        groups.setdefault((run["phase"], run["server"], run["op"], run["c"]), []).append(run)

    def stat(phase, server, op, c, pick):
        return median(pick(run) for run in groups.get((phase, server, op, c), []))

    def rps(phase, server, op, c):
        return stat(phase, server, op, c, lambda r: r["report"]["ok_rps"])

    def latency_ms(phase, server, op, c, percentile):
        return stat(phase, server, op, c, lambda r: r["report"]["latency_us"][percentile] / 1000)

    def cpu(phase, server, op, c):
        return stat(phase, server, op, c, cpu_us_per_request)

    closed = sorted({(run["op"], run["c"]) for run in runs if run["phase"] == "closed" and run["server"] != "nginx"},
                    key=lambda k: (k[1], k[0]))
    rounds = max((run["round"] for run in runs if run["phase"] == "closed"), default=0)
    print(f"Closed loop, medians of {rounds} round(s)\n")
    print("| op | C | KES 2023 req/s | swift-kes req/s | ratio | KES p99 (ms) | swift-kes p99 (ms) |"
          " KES CPU (µs/req) | swift-kes CPU (µs/req) | nginx CPU (µs/req) | swift-kes CPU / nginx |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for op, c in closed:
        kes, swift = rps("closed", "kes-2023", op, c), rps("closed", "swift-kes", op, c)
        nginx_cpu = cpu("closed", "nginx", "static", c)
        swift_cpu = cpu("closed", "swift-kes", op, c)
        print(f"| {op} | {c} | {fmt(kes, 0)} | {fmt(swift, 0)} | {ratio(swift, kes)} "
              f"| {fmt(latency_ms('closed', 'kes-2023', op, c, 'p99'), 2)} | {fmt(latency_ms('closed', 'swift-kes', op, c, 'p99'), 2)} "
              f"| {fmt(cpu('closed', 'kes-2023', op, c))} | {fmt(swift_cpu)} | {fmt(nginx_cpu)} | {ratio(swift_cpu, nginx_cpu)} |")
    nginx_cs = sorted({run["c"] for run in runs if run["server"] == "nginx"})
    if nginx_cs:
        print("\nnginx static body: " + "; ".join(
            f"C={c} {fmt(rps('closed', 'nginx', 'static', c), 0)} req/s, p99 {fmt(latency_ms('closed', 'nginx', 'static', c, 'p99'), 2)} ms"
            for c in nginx_cs))

    open_runs = [run for run in runs if run["phase"] == "open"]
    if open_runs:
        c = open_runs[0]["c"]
        rate = open_runs[0]["report"].get("rate")
        tail_rounds = max(run["round"] for run in open_runs)
        print(f"\nOpen loop, generate at {fmt(rate, 0)} req/s on {c} connections, latency from each request's due time,"
              f" medians of {tail_rounds} round(s)\n")
        print("| | KES 2023 | swift-kes | swift-kes / KES |")
        print("|---|---|---|---|")
        for percentile, label in (("p50", "p50 (ms)"), ("p99", "p99 (ms)"), ("p999", "p99.9 (ms)"), ("max", "max (ms)")):
            kes = latency_ms("open", "kes-2023", "generate", c, percentile)
            swift = latency_ms("open", "swift-kes", "generate", c, percentile)
            print(f"| {label} | {fmt(kes, 2)} | {fmt(swift, 2)} | {ratio(swift, kes)} |")
        print(f"| answered req/s | {fmt(rps('open', 'kes-2023', 'generate', c), 0)} | {fmt(rps('open', 'swift-kes', 'generate', c), 0)} | |")
        print(f"| CPU (µs/req) | {fmt(cpu('open', 'kes-2023', 'generate', c))} | {fmt(cpu('open', 'swift-kes', 'generate', c))} "
              f"| {ratio(cpu('open', 'swift-kes', 'generate', c), cpu('open', 'kes-2023', 'generate', c))} |")
        print("\nEvery open-loop round, p99 / p99.9 (ms): " + "; ".join(
            f"{run['server']} {run['report']['latency_us']['p99'] / 1000:.2f} / {run['report']['latency_us']['p999'] / 1000:.2f}"
            for run in open_runs))


if __name__ == "__main__":
    main()
