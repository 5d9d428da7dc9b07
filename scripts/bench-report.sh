#!/usr/bin/env bash
# One benchmark run over every transport and baseline, and the report made
# from it: tables (latency percentiles, throughput, ratios to the floor and to
# Boost's message_queue, what was skipped and why) and log-scale plots.
#
#   bash scripts/bench-report.sh            # full: 7 sizes, 3 repetitions; rewrites the report
#                                           # section of docs/benchmarks.md and docs/img/*_vs_size.png, ring_rtt_vs_floor.png
#   bash scripts/bench-report.sh --quick    # under a minute: 64 B and 4 KiB, one repetition; prints
#                                           # the tables and writes build/bench-report/ only
#
# The JSON of the run is kept in build/bench-report/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
xipc_require_packages "${xipc_build_packages[@]}" gnuplot-nox python3

quick=false
[ "${1:-}" = "--quick" ] && quick=true

cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
out=build/bench-report
mkdir -p "$out"

if $quick; then
  # The transports a reader compares first, at two sizes, each next to its baseline.
  filter='^(floor/rtt/64|memcpy/throughput/(64|4096)'
  filter+='|(ring|ring_block|mailbox_shm|mailbox_posix_mq|pipe|raw_pipe|local_stream|raw_local_stream|tcp|raw_tcp|local_dgram|udp|boost_mq)/rtt/(64|4096)'
  filter+='|(port_call|raw_unix_seqpacket)/rtt/(64|65536)'
  filter+='|(ring_block|ring_readiness|wait_set16|mailbox_shm|pipe|local_stream)/rtt_idle/64'
  filter+='|(ring|ring_batch|mailbox_shm|pipe|local_stream|tcp|boost_mq)/throughput/(64|4096))(/.*)?$'
  run=(--benchmark_min_time=0.05)
else
  filter='.'
  run=(--benchmark_min_time=0.1 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
fi

# The console shows each benchmark as it finishes; skipped ones say why.
echo "xipc-bench: $(build/release/bench/xipc-bench --benchmark_list_tests --benchmark_filter="$filter" | wc -l) benchmarks"
build/release/bench/xipc-bench --benchmark_filter="$filter" "${run[@]}" \
  --benchmark_out="$out/results.json" --benchmark_out_format=json --benchmark_counters_tabular=true

# The host may move the two CPUs apart for a while (docs/benchmarks.md,
# Method): what was measured with a floor far from the run's is run again, up
# to three times; what stays off is marked in the report.
for attempt in 1 2 3; do
  off=$(python3 scripts/bench_report.py "$out/results.json" --off-placement)
  [ -n "$off" ] || break
  echo "xipc-bench: running again, attempt $attempt of 3, what was measured off the run's placement: $off"
  build/release/bench/xipc-bench --benchmark_filter="$off" "${run[@]}" \
    --benchmark_out="$out/again.json" --benchmark_out_format=json --benchmark_counters_tabular=true
  python3 scripts/bench_report.py "$out/results.json" --replace-from "$out/again.json"
done
if $quick; then
  python3 scripts/bench_report.py "$out/results.json" --markdown "$out/report.md" --plots "$out" --image-prefix ""
  echo
  cat "$out/report.md"
  echo
  echo "The report: $out/report.md, plots in $out/. The full run: bash scripts/bench-report.sh"
else
  python3 scripts/bench_report.py "$out/results.json" --section docs/benchmarks.md --plots docs/img --image-prefix img/
  echo "Rewrote the report in docs/benchmarks.md and docs/img/{latency,throughput}_vs_size.png, ring_rtt_vs_floor.png"
fi
