#!/usr/bin/env python3
"""Turns xipc-bench's JSON into the benchmark report: Markdown tables
(latency percentiles, throughput, ratios to the floor and to Boost's
message_queue, what was skipped and why) and gnuplot plots.

    bench_report.py results.json --markdown report.md [--section docs/benchmarks.md] [--plots DIR]

--section replaces the text between the report markers in an existing file
instead of writing a file of its own.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import sys
from collections import defaultdict

BEGIN = "<!-- report:begin (scripts/bench-report.sh writes this part) -->"
END = "<!-- report:end -->"

# Transports in the order the tables list them: xipc first, then baselines.
ORDER = [
    "ring", "ring_zero_copy", "ring_batch", "ring_adaptive", "ring_block", "ring_readiness", "wait_set16",
    "broadcast1", "broadcast1_adaptive", "broadcast4_adaptive", "broadcast4", "rings4",
    "mailbox_shm", "mailbox_posix_mq", "mailbox_sysv",
    "pipe", "fifo", "named_pipe_byte", "named_pipe_msg", "port", "port_call",
    "local_stream", "local_dgram", "tcp", "udp",
    "floor", "floor_copy", "memcpy", "slots", "boost_mq",
    "raw_pipe", "raw_fifo", "raw_unix_stream", "raw_unix_seqpacket",
    "raw_local_stream", "raw_local_dgram", "raw_tcp", "raw_udp",
    "raw_posix_mq", "raw_sysv",
]
# Drawn in the plots: one line per transport, the rest would be unreadable.
PLOTTED = ["ring", "ring_batch", "mailbox_shm", "pipe", "named_pipe_msg", "local_stream", "local_dgram", "tcp",
           "udp", "mailbox_posix_mq", "mailbox_sysv", "boost_mq", "memcpy", "slots"]


def size_label(size):
    if size >= 1 << 20 and size % (1 << 20) == 0:
        return f"{size >> 20} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size >> 10} KiB"
    return f"{size} B"


def time_label(ns):
    if ns is None:
        return ""
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def rate_label(value, unit=""):
    if value is None:
        return ""
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.2f} {prefix}{unit}"
    return f"{value:.0f} {unit}".strip()


# A figure whose floor_ns differs from the run's by more than this factor was
# measured with the two CPUs placed differently (docs/benchmarks.md, Method).
PLACEMENT_TOLERANCE = 1.5


def order_key(transport):
    return (ORDER.index(transport) if transport in ORDER else len(ORDER), transport)


class Results:
    def __init__(self, data):
        self.context = data.get("context", {})
        self.rows = {}  # (transport, measure, size) -> benchmark entry
        self.skipped = []  # (name, reason)
        for entry in data.get("benchmarks", []):
            if entry.get("run_type") == "aggregate" and entry.get("aggregate_name") != "median":
                continue
            name = entry.get("run_name", entry["name"])
            parts = name.split("/")
            if len(parts) < 3:
                continue
            transport, measure = parts[0], parts[1]
            try:
                size = int(parts[2])
            except ValueError:
                continue
            if entry.get("error_occurred"):
                reason = entry.get("error_message", "")
                if (name, reason) not in self.skipped:
                    self.skipped.append((name, reason))
                continue
            self.rows[(transport, measure, size)] = entry

        # The run's placement: the median of every floor measured in it. The
        # host may move the two CPUs farther apart for a while; a figure whose
        # floor is off by more than PLACEMENT_TOLERANCE was measured elsewhere.
        floors = [e["floor_ns"] for e in self.rows.values() if e.get("floor_ns")]
        self.floor = statistics.median(floors) if floors else None

    def off_placement(self, transport, measure, size):
        entry = self.rows.get((transport, measure, size))
        if entry is None or not self.floor or not entry.get("floor_ns"):
            return False
        ratio = entry["floor_ns"] / self.floor
        return ratio > PLACEMENT_TOLERANCE or ratio < 1 / PLACEMENT_TOLERANCE

    def off_placement_runs(self):
        return sorted(e.get("run_name", e["name"]) for key, e in self.rows.items() if self.off_placement(*key))

    def mark(self, transport, measure, size):
        return " †" if self.off_placement(transport, measure, size) else ""

    def transports(self, measure):
        return sorted({t for (t, m, _) in self.rows if m == measure}, key=order_key)

    def sizes(self, measure):
        return sorted({s for (_, m, s) in self.rows if m == measure})

    def value(self, transport, measure, size, counter):
        entry = self.rows.get((transport, measure, size))
        if entry is None:
            return None
        if counter == "bytes_per_second" and counter not in entry:
            return None
        return entry.get(counter)


def machine_table(results):
    c = results.context
    fields = [
        ("CPU", c.get("cpu_model", "")),
        ("usable cores", c.get("usable_cores", c.get("num_cpus", ""))),
        ("kernel", c.get("kernel", "")),
        ("compiler", c.get("compiler", "")),
        ("build", c.get("build_flags", "")),
        ("run", c.get("date", "")),
    ]
    lines = ["| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in fields if v != ""]
    return "\n".join(lines)


def rtt_table(results, measure, size):
    floor = results.value("floor", "rtt", 64, "rtt_ns")
    boost = results.value("boost_mq", measure, size, "rtt_ns")
    lines = ["| transport | mean | p50 | p99 | p99.9 | max | × floor | × boost_mq |",
             "|---|---|---|---|---|---|---|---|"]
    for t in results.transports(measure):
        rtt = results.value(t, measure, size, "rtt_ns")
        if rtt is None:
            continue
        vs_floor = results.value(t, measure, size, "vs_floor")
        if vs_floor is None and floor:
            vs_floor = rtt / floor
        ratio_boost = f"{rtt / boost:.2f}" if boost else ""
        cells = [time_label(results.value(t, measure, size, k)) for k in ("p50_ns", "p99_ns", "p999_ns", "max_ns")]
        floor_cell = f"{vs_floor:.1f}" if vs_floor is not None else ""
        mark = results.mark(t, measure, size)
        lines.append(f"| `{t}` | {time_label(rtt)}{mark} | " + " | ".join(cells) + f" | {floor_cell} | {ratio_boost} |")
    return "\n".join(lines)


def by_size_table(results, measure, counter, label):
    sizes = results.sizes(measure)
    lines = ["| transport | " + " | ".join(size_label(s) for s in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    for t in results.transports(measure):
        cells = [label(results.value(t, measure, s, counter)) + results.mark(t, measure, s)
                 if results.value(t, measure, s, counter) is not None else "" for s in sizes]
        lines.append(f"| `{t}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def throughput_ratio_table(results):
    sizes = results.sizes("throughput")
    lines = ["| transport | " + " | ".join(size_label(s) for s in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    for t in results.transports("throughput"):
        cells = []
        for s in sizes:
            mine = results.value(t, "throughput", s, "msgs_per_s")
            boost = results.value("boost_mq", "throughput", s, "msgs_per_s")
            mark = results.mark(t, "throughput", s) or results.mark("boost_mq", "throughput", s)
            cells.append(f"{mine / boost:.1f}×{mark}" if mine and boost else "")
        lines.append(f"| `{t}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_plots(results, directory):
    """Latency and throughput against size, log scales, with gnuplot."""
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryDirectory() as data_dir:
        return draw(results, directory, data_dir)


def draw(results, directory, data_dir):
    made = []
    for measure, counter, name, ylabel in (("rtt", "rtt_ns", "latency_vs_size", "round trip (ns)"),
                                           ("throughput", "bytes_per_second", "throughput_vs_size",
                                            "throughput (bytes/s)")):
        series = []
        for t in results.transports(measure):
            if t not in PLOTTED:
                continue
            points = [(s, results.value(t, measure, s, counter)) for s in results.sizes(measure)]
            points = [(s, v) for s, v in points if v]
            if len(points) < 2:
                continue
            path = os.path.join(data_dir, f"{name}.{t}.dat")
            with open(path, "w") as f:
                f.writelines(f"{s} {v}\n" for s, v in points)
            series.append((t, path))
        if not series:
            continue
        made.append(plot_by_size(os.path.join(directory, f"{name}.png"), series, ylabel, "outside right"))
    made += draw_ring_against_floor(results, directory, data_dir)
    return made


def plot_by_size(png, series, ylabel, key):
    """One log-log plot against message size: a line per (title, data file) of `series`."""
    plot = ", ".join(f"'{p}' using 1:2 with linespoints title '{t}'" for t, p in series)
    script = f"""set terminal pngcairo size 1000,640 noenhanced
set output '{png}'
set logscale xy
set xlabel 'message size (bytes)'
set ylabel '{ylabel}'
set key {key}
set grid
plot {plot}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return png


def draw_ring_against_floor(results, directory, data_dir):
    """The ring's round trip by size against the floor for a message of that size (floor_copy)."""
    series = []
    for t, title in (("ring", "ring (spsc_ring, spinning)"), ("floor_copy", "floor: the bytes copied, and one line, each way")):
        points = [(s, results.value(t, "rtt", s, "rtt_ns")) for s in results.sizes("rtt")]
        points = [(s, v) for s, v in points if v]
        if len(points) < 2:
            return []
        path = os.path.join(data_dir, f"ring_vs_floor.{t}.dat")
        with open(path, "w") as f:
            f.writelines(f"{s} {v}\n" for s, v in points)
        series.append((title, path))
    return [plot_by_size(os.path.join(directory, "ring_rtt_vs_floor.png"), series, "round trip (ns)", "top left")]


def ring_floor_table(results):
    """The ring's round trip over floor_copy's, size by size."""
    sizes = [s for s in results.sizes("rtt")
             if results.value("ring", "rtt", s, "rtt_ns") and results.value("floor_copy", "rtt", s, "rtt_ns")]
    if not sizes:
        return ""
    lines = ["| | " + " | ".join(size_label(s) for s in sizes) + " |", "|---|" + "---|" * len(sizes)]
    ring = [results.value("ring", "rtt", s, "rtt_ns") for s in sizes]
    floor = [results.value("floor_copy", "rtt", s, "rtt_ns") for s in sizes]
    lines.append("| `ring/rtt` | " + " | ".join(time_label(v) for v in ring) + " |")
    lines.append("| `floor_copy/rtt` | " + " | ".join(time_label(v) for v in floor) + " |")
    lines.append("| ring ÷ floor | " + " | ".join(f"{r / f:.2f}" for r, f in zip(ring, floor)) + " |")
    return "\n".join(lines)


def report(results, plots, image_prefix):
    out = []
    out.append("### Machine\n")
    out.append(machine_table(results) + "\n")
    if ("floor", "rtt", 64) in results.rows:
        out.append(f"Floor (one cache line bounced between the two CPUs): "
                   f"{time_label(results.value('floor', 'rtt', 64, 'rtt_ns'))}. "
                   "× floor uses the floor measured next to each benchmark.\n")
    off = results.off_placement_runs()
    if off:
        out.append(f"† marks a figure measured while the floor next to it was more than {PLACEMENT_TOLERANCE}× "
                   f"away from the run's ({time_label(results.floor)}, the median of every floor measured): the "
                   "host had placed the two CPUs differently, so the figure does not compare with the rest. "
                   f"{len(off)} of {len(results.rows)} figures are marked; `scripts/bench-report.sh` reran them "
                   "up to three times first.\n")
    for size in (64, 4096):
        if any(m == "rtt" and s == size for (_, m, s) in results.rows):
            out.append(f"### Round trip, {size_label(size)}\n")
            out.append(rtt_table(results, "rtt", size) + "\n")
    if any(m == "rtt_idle" for (_, m, _) in results.rows):
        out.append("### Idle round trip, 64 B (each after 200 µs of quiet: a receiver that sleeps is asleep)\n")
        out.append(rtt_table(results, "rtt_idle", 64) + "\n")
    if any(m == "rtt" for (_, m, _) in results.rows):
        out.append("### Round trip by size (mean)\n")
        out.append(by_size_table(results, "rtt", "rtt_ns", time_label) + "\n")
    ring_floor = ring_floor_table(results)
    if ring_floor:
        out.append("### The ring against the floor, by size\n")
        out.append("`floor_copy/rtt/N` moves N bytes each way with nothing else: the sender copies them into "
                   "shared memory and sets a flag, the receiver sees the flag and copies them out: the copies "
                   "a copying transport makes, with no protocol around them. Up to 64 KiB it is the floor for "
                   "a message of that size; at 1 MiB the copies themselves vary with where the buffers lie in "
                   "memory by more than a protocol costs, and the ring has measured below it. Plot: "
                   "`img/ring_rtt_vs_floor.png`.\n")
        out.append(ring_floor + "\n")
    if any(m == "throughput" for (_, m, _) in results.rows):
        out.append("### Throughput by size, messages per second\n")
        out.append(by_size_table(results, "throughput", "msgs_per_s", lambda v: rate_label(v)) + "\n")
        out.append("### Throughput by size, bytes per second\n")
        out.append(by_size_table(results, "throughput", "bytes_per_second", lambda v: rate_label(v, "B/s")) + "\n")
        if any(t == "boost_mq" for (t, m, _) in results.rows):
            out.append("### Throughput relative to Boost.Interprocess `message_queue` (messages per second)\n")
            out.append(throughput_ratio_table(results) + "\n")
    for png in plots:
        title = os.path.splitext(os.path.basename(png))[0].replace("_", " ")
        out.append(f"![{title}]({image_prefix}{os.path.basename(png)})\n")
    out.append("### Skipped\n")
    if results.skipped:
        out.append("| benchmark | why |\n|---|---|")
        out += [f"| `{n}` | {r.removeprefix('skipped: ')} |" for n, r in results.skipped]
        out.append("")
    else:
        out.append("Nothing: every benchmark ran.\n")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results")
    parser.add_argument("--markdown", help="write the report to this file")
    parser.add_argument("--section", help="replace the report section of this Markdown file")
    parser.add_argument("--plots", help="write PNG plots into this directory")
    parser.add_argument("--image-prefix", default="", help="how the Markdown refers to the plots' directory")
    parser.add_argument("--off-placement", action="store_true",
                        help="print, as one regular expression, the benchmarks measured off the run's placement")
    parser.add_argument("--replace-from", help="replace the results' entries with this run's, benchmark by benchmark")
    args = parser.parse_args()
    with open(args.results) as f:
        data = json.load(f)
    if args.replace_from:
        with open(args.replace_from) as f:
            rerun = json.load(f).get("benchmarks", [])
        again = {e.get("run_name", e["name"]) for e in rerun}
        data["benchmarks"] = [e for e in data.get("benchmarks", []) if e.get("run_name", e["name"]) not in again] + rerun
        with open(args.results, "w") as f:
            json.dump(data, f, indent=1)
        return
    results = Results(data)
    if args.off_placement:
        off = results.off_placement_runs()
        if off:
            print("^(" + "|".join(re.escape(name) for name in off) + ")$")
        return
    plots = write_plots(results, args.plots) if args.plots else []
    text = report(results, plots, args.image_prefix)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.section:
        with open(args.section) as f:
            document = f.read()
        if BEGIN not in document or END not in document:
            sys.exit(f"{args.section} has no report markers ({BEGIN} ... {END})")
        head, rest = document.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(args.section, "w") as f:
            f.write(head + BEGIN + "\n\n" + text + "\n" + END + tail)
    if not args.markdown and not args.section:
        print(text)


if __name__ == "__main__":
    main()
