#!/usr/bin/env bash
# The main job: build Release, run the shared-memory producer/consumer pair,
# and print a short xipc-bench table. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
xipc_require_packages "${xipc_build_packages[@]}"

cmake --preset release >/dev/null
cmake --build --preset release

bin=build/release
echo
echo "== shared memory: producer, then consumer =="
"$bin/examples/shm_producer"
"$bin/examples/shm_consumer"

echo
echo "== xipc-bench (short run; the full one is build/release/bench/xipc-bench) =="
"$bin/bench/xipc-bench" --benchmark_min_time=0.1 \
  --benchmark_filter='^(floor/rtt/64|memcpy/throughput/(64|4096|262144)|(raw_shm|shared_memory|boost_shm)/setup/4096)$'
