#!/usr/bin/env bash
# Runs the ring's throughput benchmarks beside their baselines and draws
# docs/img/ring_throughput.png (message rate and bandwidth against message
# size, log scales). Writes the raw results to build/release/ring-bench.json.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
xipc_require_packages "${xipc_build_packages[@]}" gnuplot-nox python3

cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
json=build/release/ring-bench.json
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

# This machine's two CPUs can move to another placement mid-run, which
# changes every cross-core figure. Each result carries the floor measured
# next to it (floor_ns); a run whose floors disagree is run again.
for attempt in 1 2 3 4 5; do
  build/release/bench/xipc-bench --benchmark_min_time=0.2 --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true \
    --benchmark_filter='^(ring|ring_zero_copy|ring_batch|slots|memcpy)/throughput/' \
    --benchmark_out="$json" --benchmark_out_format=json >/dev/null
  # One file per transport: bytes, messages per second, bytes per second (medians).
  if python3 - "$json" "$data" <<'PY'
import json, sys, collections
results, out = json.load(open(sys.argv[1])), sys.argv[2]
rows = collections.defaultdict(list)
floors = []
for b in results["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"].replace("/real_time", "")
    transport, _, size = name.split("/")
    rows[transport].append((int(size), b.get("msgs_per_s", 0), b["bytes_per_second"]))
    if "floor_ns" in b:
        floors.append(b["floor_ns"])
if max(floors) > 1.5 * min(floors):
    print(f"the floor moved from {min(floors):.0f} to {max(floors):.0f} ns during the run")
    sys.exit(1)
for transport, points in rows.items():
    with open(f"{out}/{transport}.dat", "w") as f:
        for size, msgs, bps in sorted(points):
            f.write(f"{size} {msgs} {bps}\n")
with open(f"{out}/context.txt", "w") as f:
    c = results["context"]
    f.write(f'{c.get("cpu_model", "?")}, {c["num_cpus"]} CPUs, {c.get("kernel", "")}, floor {sum(floors) / len(floors):.0f} ns')
PY
  then
    break
  fi
  [ "$attempt" -lt 5 ] || { echo "ring-plot: no run with a steady placement in 5 attempts"; exit 1; }
done

mkdir -p docs/img
gnuplot <<GP
set terminal pngcairo size 1100,450 font ",10"
set output "docs/img/ring_throughput.png"
set multiplot layout 1,2 title "xipc ring between two processes, one per CPU — $(cat "$data/context.txt")"
set logscale xy
set grid
set xrange [4:2000000]
set format x "%.0s%cB"
set format y "%.0s%c"
set xlabel "message bytes"
set key top right
set ylabel "messages per second"
plot "$data/ring.dat" using 1:2 with linespoints title "ring, send (copy)", \
     "$data/ring_zero_copy.dat" using 1:2 with linespoints title "ring, prepare/commit (in place)", \
     "$data/ring_batch.dat" using 1:2 with linespoints title "ring, batch of 32", \
     "$data/slots.dat" using 1:2 with linespoints dashtype 2 title "raw fixed-slot queue"
set ylabel "bytes per second"
set key top left
plot "$data/ring.dat" using 1:3 with linespoints title "ring, send (copy)", \
     "$data/ring_zero_copy.dat" using 1:3 with linespoints title "ring, prepare/commit (in place)", \
     "$data/ring_batch.dat" using 1:3 with linespoints title "ring, batch of 32", \
     "$data/slots.dat" using 1:3 with linespoints dashtype 2 title "raw fixed-slot queue", \
     "$data/memcpy.dat" using 1:3 with linespoints lc rgb "black" dashtype 3 title "memcpy, one core"
unset multiplot
GP
echo "wrote docs/img/ring_throughput.png and $json"
