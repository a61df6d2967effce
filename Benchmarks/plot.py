#!/usr/bin/env python3
"""Draws benchmark results as SVG line charts, with the standard library only.

Usage: plot.py [-o DIR] [--link-prefix P] [--skip PREFIX ...] RESULTS.jsonl [MORE.jsonl ...]
       plot.py --demo [-o DIR]

Each input line is one measurement:
  {"curve": "store_startup", "title": "Start-up to first ready", "xlabel": "keys in the store",
   "ylabel": "ms", "server": "swift-kes", "x": 10000, "y": 61.0}
Optional: "log_y": true (log-scale y axis), "note": "..." (caption under the chart; the first
record of the curve that has one wins). Records sharing (curve, server, x) are repeated runs:
the point is their median and a thin bar spans min-max.

Writes DIR/<curve>.svg (DIR defaults to charts/ beside this script) and prints a Markdown
snippet per curve: the chart embedded as ![title](<link-prefix><curve>.svg) and a table of
the medians, with a "swift-kes / kes-2023" ratio column when both servers are present.
"""
import argparse
import itertools
import json
import math
import os
import random
import statistics
import sys
import tempfile
from xml.sax.saxutils import escape

WIDTH, HEIGHT, NOTE_HEIGHT, LEGEND_ROW = 640, 400, 22, 16
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 70, 620, 62, 340
FIXED_COLOURS = {"swift-kes": "#d9480f", "kes-2023": "#1c7ed6", "nginx": "#2b8a3e"}
# Seven colours against six markers, so colour + marker pairs only repeat after 42 servers.
PALETTE = ["#7048e8", "#c2255c", "#0c8599", "#e67700", "#495057", "#5c940d", "#9c6644"]
SUFFIXES = ["", "k", "M", "G", "T"]
MARKERS = ["circle", "square", "triangle", "diamond", "down", "cross"]
RATIO = ("swift-kes", "kes-2023")
MIN_TICK_GAP_PX = 42  # x labels closer than this would overlap


# ---------- input ----------

def load(paths):
    """Groups records into {curve: {"meta": {...}, "points": {server: {x: [y, ...]}}}}."""
    curves = {}
    for path in paths:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    curve, server, x, y = rec["curve"], rec["server"], float(rec["x"]), float(rec["y"])
                except KeyError as err:
                    sys.exit(f"{path}:{number}: missing field {err}: {line.strip()}")
                except (ValueError, TypeError) as err:
                    sys.exit(f"{path}:{number}: bad record ({err}): {line.strip()}")
                entry = curves.setdefault(curve, {"meta": {}, "points": {}})
                meta = entry["meta"]
                for key in ("title", "xlabel", "ylabel", "log_y", "note"):
                    # First value wins so a later stray record can't relabel a chart.
                    if rec.get(key) not in (None, "") and key not in meta:
                        meta[key] = rec[key]
                entry["points"].setdefault(server, {}).setdefault(x, []).append(y)
    return curves


def order_servers(servers):
    """Known servers first in a fixed order, so charts and tables line up across curves."""
    known = [s for s in FIXED_COLOURS if s in servers]
    return known + [s for s in servers if s not in FIXED_COLOURS]


def styles(servers):
    """One colour and marker per server; fixed colours for the servers we compare most."""
    result, spare = {}, itertools.cycle(PALETTE)
    for i, server in enumerate(servers):
        colour = FIXED_COLOURS.get(server) or next(spare)
        result[server] = (colour, MARKERS[i % len(MARKERS)])
    return result


# ---------- numbers ----------

def compact(value, sig=2, exact=False, unit=None):
    """1234 -> 1.2k, 35.2 -> 35, 0.412 -> 0.41. Never rounds away integer digits.

    exact=True adds decimals until the text is the value itself, for tick labels
    (2500 must read 2.5k, not 3k)."""
    if value == 0:
        return "0"
    if unit is None:
        unit = min(max(0, math.floor(math.log10(abs(value)) / 3)), len(SUFFIXES) - 1)
    scaled = value / 1000 ** unit
    for extra in range(8):
        decimals = max(0, sig - math.floor(math.log10(abs(scaled))) - 1) + extra
        text = f"{scaled:.{decimals}f}"
        if not exact and abs(float(text)) >= 1000 and unit < len(SUFFIXES) - 1:
            # Rounding carried into the next unit (999.7 -> "1000"): say 1k instead.
            return compact(value, sig, exact, unit + 1)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if not exact or math.isclose(float(text) * 1000 ** unit, value, rel_tol=1e-9):
            break
    return text + SUFFIXES[unit]


def linear_ticks(lo, hi, target=5):
    """Round ticks (steps of 1, 2, 2.5, 5 x 10^n) covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def log_ticks(lo, hi):
    """Decades, plus 2 and 5 when the data spans too few decades to show much."""
    e0, e1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if e1 == e0:
        e1 += 1
    if e1 - e0 <= 2:
        candidates = [m * 10 ** e for e in range(e0, e1 + 1) for m in (1, 2, 5)]
        bottom = max(t for t in candidates if t <= lo * (1 + 1e-9))
        # "> bottom" keeps two ticks apart when every value is the same.
        top = min(t for t in candidates if t >= hi * (1 - 1e-9) and t > bottom)
        return [t for t in candidates if bottom <= t <= top]
    stride = math.ceil((e1 - e0) / 6)
    return [10.0 ** e for e in range(e0, e1 + 1, stride)]


# ---------- geometry ----------

def x_scale(xs):
    """Maps x (log scale) to pixels, padded so end points sit off the axes."""
    lo, hi = math.log10(min(xs)), math.log10(max(xs))
    pad = max((hi - lo) * 0.06, 0.3 if hi == lo else 0.05)
    lo, hi = lo - pad, hi + pad
    return lambda x: PLOT_LEFT + (math.log10(x) - lo) / (hi - lo) * (PLOT_RIGHT - PLOT_LEFT)


def y_scale(ticks, log):
    """Maps y to pixels so the first and last ticks are the plot's bottom and top."""
    lo, hi = ticks[0], ticks[-1]
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    span = PLOT_BOTTOM - PLOT_TOP

    def to_px(y):
        v = math.log10(y) if log else y
        return PLOT_BOTTOM - (v - lo) / (hi - lo) * span
    return to_px


def x_ticks(xs, to_px):
    """Ticks at the measured x values (that is what a reader looks up), thinned to stay legible."""
    kept = []
    for x in sorted(set(xs)):
        if not kept or to_px(x) - to_px(kept[-1]) >= MIN_TICK_GAP_PX:
            kept.append(x)
    return kept


# ---------- SVG ----------

def text(x, y, content, size=12, anchor="middle", extra=""):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>'
            f"{escape(str(content))}</text>")


def marker(kind, x, y, colour, r=4.0):
    fill = f'fill="{colour}" stroke="white" stroke-width="1"'
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {fill}/>'
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {fill}/>'
    if kind == "cross":
        return (f'<path d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}M{x - r:.1f},{y + r:.1f}'
                f'L{x + r:.1f},{y - r:.1f}" stroke="{colour}" stroke-width="2"/>')
    r += 1  # triangles and diamonds look smaller than a circle of the same radius
    shapes = {
        "triangle": [(0, -r), (r, r * 0.8), (-r, r * 0.8)],
        "down": [(0, r), (r, -r * 0.8), (-r, -r * 0.8)],
        "diamond": [(0, -r), (r, 0), (0, r), (-r, 0)],
    }
    points = " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in shapes[kind])
    return f'<polygon points="{points}" {fill}/>'


def legend(servers, style):
    """Rows of entries under the title, so it never hides data; returns (parts, extra rows)."""
    parts, x, y = [], PLOT_LEFT, 46
    for server in servers:
        colour, kind = style[server]
        width = 30 + 7 * len(server) + 18  # ~7 px per character at 12 px
        if x + width > PLOT_RIGHT and x > PLOT_LEFT:
            x, y = PLOT_LEFT, y + LEGEND_ROW
        parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 22}" y2="{y - 4}" stroke="{colour}" stroke-width="2"/>')
        parts.append(marker(kind, x + 11, y - 4, colour))
        parts.append(text(x + 28, y, server, anchor="start"))
        x += width
    return parts, (y - 46) // LEGEND_ROW


def render(meta, points):
    """Returns the SVG text for one curve."""
    log_y = bool(meta.get("log_y"))
    # Log axes cannot show zero or negatives: drop such values rather than crash.
    usable = {s: {x: [y for y in ys if y > 0 or not log_y] for x, ys in by_x.items() if x > 0}
              for s, by_x in points.items()}
    usable = {s: {x: ys for x, ys in by_x.items() if ys} for s, by_x in usable.items()}
    usable = {s: by_x for s, by_x in usable.items() if by_x}
    if not usable:
        return None
    servers = order_servers(list(usable))
    style = styles(servers)
    all_x = [x for by_x in usable.values() for x in by_x]
    all_y = [y for by_x in usable.values() for ys in by_x.values() for y in ys]

    y_ticks = (log_ticks(min(all_y), max(all_y)) if log_y
               else linear_ticks(min(0.0, min(all_y)), max(0.0, max(all_y) * 1.04)))
    to_x, to_y = x_scale(all_x), y_scale(y_ticks, log_y)
    note = meta.get("note")
    legend_parts, extra_rows = legend(servers, style)
    # Extra legend rows push the plot down rather than squeeze it.
    shift = extra_rows * LEGEND_ROW
    height = HEIGHT + shift + (NOTE_HEIGHT if note else 0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" fill="#212529">',
           # Opaque background so the chart stays readable in GitHub's dark mode.
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           text(WIDTH / 2, 24, meta.get("title", ""), size=14, extra=' font-weight="bold"')]
    out += legend_parts
    out.append(f'<g transform="translate(0 {shift})">')

    for t in y_ticks:
        py = to_y(t)
        out.append(f'<line x1="{PLOT_LEFT}" y1="{py:.1f}" x2="{PLOT_RIGHT}" y2="{py:.1f}" stroke="#e9ecef"/>')
        out.append(text(PLOT_LEFT - 6, py + 4, compact(t, exact=True), anchor="end"))
    for t in x_ticks(all_x, to_x):
        px = to_x(t)
        out.append(f'<line x1="{px:.1f}" y1="{PLOT_TOP}" x2="{px:.1f}" y2="{PLOT_BOTTOM}" stroke="#f1f3f5"/>')
        out.append(f'<line x1="{px:.1f}" y1="{PLOT_BOTTOM}" x2="{px:.1f}" y2="{PLOT_BOTTOM + 5}" stroke="#495057"/>')
        out.append(text(px, PLOT_BOTTOM + 19, compact(t, exact=True)))
    out.append(f'<path d="M{PLOT_LEFT},{PLOT_TOP}V{PLOT_BOTTOM}H{PLOT_RIGHT}" fill="none" stroke="#495057"/>')
    out.append(text((PLOT_LEFT + PLOT_RIGHT) / 2, PLOT_BOTTOM + 40, meta.get("xlabel", ""), size=13))
    mid_y = (PLOT_TOP + PLOT_BOTTOM) / 2
    out.append(text(18, mid_y, meta.get("ylabel", ""), size=13, extra=f' transform="rotate(-90 18 {mid_y:.1f})"'))

    for server in servers:
        out += series(usable[server], style[server], to_x, to_y)

    if note:
        out.append(text(WIDTH / 2, HEIGHT + 8, note, size=12, extra=' fill="#495057" font-style="italic"'))
    out += ["</g>", "</svg>"]
    return "\n".join(out) + "\n"


def series(by_x, style, to_x, to_y):
    """Line through the medians, min-max bars for repeated runs, then markers on top."""
    colour, kind = style
    xs = sorted(by_x)
    parts = []
    for x in xs:
        lo, hi = min(by_x[x]), max(by_x[x])
        if hi > lo:
            px, top, bottom = to_x(x), to_y(hi), to_y(lo)
            parts.append(f'<path d="M{px:.1f},{top:.1f}V{bottom:.1f}M{px - 3:.1f},{top:.1f}h6M{px - 3:.1f},{bottom:.1f}h6" '
                         f'stroke="{colour}" stroke-width="1" stroke-opacity="0.7" fill="none"/>')
    coords = [(to_x(x), to_y(statistics.median(by_x[x]))) for x in xs]
    if len(coords) > 1:
        path = "M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in coords)
        parts.insert(0, f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>')
    parts += [marker(kind, px, py, colour) for px, py in coords]
    return parts


# ---------- Markdown ----------

def md(value):
    """Keeps names with brackets or pipes from breaking the image link or the table."""
    return str(value).replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def markdown(curve, meta, points, link_prefix):
    servers = order_servers(list(points))
    xs = sorted({x for by_x in points.values() for x in by_x})
    with_ratio = all(s in points for s in RATIO)
    header = [md(h) for h in [meta.get("xlabel") or "x"] + servers] + ([" / ".join(RATIO)] if with_ratio else [])
    lines = [f"![{md(meta.get('title', curve))}]({link_prefix}{curve}.svg)", "",
             "| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]

    def median(server, x):
        ys = points[server].get(x)
        return statistics.median(ys) if ys else None

    for x in xs:
        cells = [compact(x, exact=True)]
        cells += ["–" if median(s, x) is None else compact(median(s, x), sig=3) for s in servers]
        if with_ratio:
            a, b = median(RATIO[0], x), median(RATIO[1], x)
            cells.append(f"{a / b:.2f}" if a is not None and b else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ---------- demo ----------

def write_demo(directory):
    """Plausible-looking data with repeats, a log-y curve, a note, and odd x values."""
    rng = random.Random(7)
    records = []
    startup = {"swift-kes": lambda n: 20 + n * 0.004, "kes-2023": lambda n: 45 + n * 0.011}
    for server, cost in startup.items():
        for n in (1000, 10000, 100000):
            for _ in range(5):
                records.append({"curve": "store_startup", "title": "Start-up to first ready",
                                "xlabel": "keys in the store", "ylabel": "ms", "server": server,
                                "x": n, "y": round(cost(n) * rng.uniform(0.9, 1.15), 1)})
    rps = {"swift-kes": 60000, "kes-2023": 38000, "nginx": 140000, "openbao": 9000}
    for server, peak in rps.items():
        for c in (1, 4, 16, 64, 256):
            records.append({"curve": "throughput", "title": "Throughput by concurrency", "xlabel": "connections",
                            "ylabel": "requests / s", "server": server, "x": c, "log_y": True,
                            "note": "one run per point; log scale", "y": round(peak * c / (c + 12), 0)})
    for server, base in (("swift-kes", 0.41), ("kes-2023", 0.9)):
        for n in (10, 500, 5000, 50000):
            for _ in range(3):
                records.append({"curve": "lookup_latency", "title": "Key lookup p99", "xlabel": "keys",
                                "ylabel": "ms", "server": server, "x": n,
                                "y": round(base * (1 + math.log10(n) / 4) * rng.uniform(0.95, 1.1), 3)})
    path = os.path.join(directory, "demo.jsonl")
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="*", help="JSON-lines result files")
    parser.add_argument("-o", dest="out", help="output directory (default: charts/ beside this script)")
    parser.add_argument("--link-prefix", default="charts/",
                        help="path put before <curve>.svg in the Markdown (default: charts/)")
    parser.add_argument("--skip", action="append", default=[], metavar="PREFIX",
                        help="leave out curves whose name starts with PREFIX (repeatable)")
    parser.add_argument("--demo", action="store_true", help="render made-up data into a temp directory")
    args = parser.parse_args()

    if args.demo:
        demo_dir = tempfile.mkdtemp(prefix="plot-demo-")
        args.inputs = [write_demo(demo_dir)]
        args.out = args.out or os.path.join(demo_dir, "charts")
        print(f"demo data: {args.inputs[0]}", file=sys.stderr)
    if not args.inputs:
        parser.error("give at least one results file, or --demo")
    out_dir = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "charts")
    os.makedirs(out_dir, exist_ok=True)

    for curve, entry in load(args.inputs).items():
        if any(str(curve).startswith(prefix) for prefix in args.skip):
            continue
        entry["meta"].setdefault("title", str(curve))
        svg = render(entry["meta"], entry["points"])
        if svg is None:
            print(f"{curve}: nothing plottable (x and, on log_y, y must be > 0)", file=sys.stderr)
            continue
        path = os.path.join(out_dir, f"{curve}.svg")
        with open(path, "w") as f:
            f.write(svg)
        print(f"wrote {path}", file=sys.stderr)
        print(markdown(curve, entry["meta"], entry["points"], args.link_prefix))


if __name__ == "__main__":
    main()
