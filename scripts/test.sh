#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and tests the
# dev (warnings as errors), asan (Address+UndefinedBehavior sanitizers) and
# tsan (ThreadSanitizer) configurations, runs the ring fuzzer for a minute
# (clang's libFuzzer), and checks that the run left no shared-memory object
# behind. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
# mingw-w64 compiles every public header for Windows as a portability guard;
# clang 14 with its runtime builds the libFuzzer target.
xipc_require_packages "${xipc_build_packages[@]}" g++-mingw-w64-x86-64-posix clang-14 libclang-rt-14-dev

# Test objects are named xt<pid>.<n>.<test>: shared memory as /dev/shm/xipc.xt*,
# FIFOs and files in the temporary directory, sockets in xipc's socket directory.
leftovers() {
  local tmp=${TMPDIR:-/tmp}
  {
    find /dev/shm -maxdepth 1 -name 'xipc.xt*' -newer "$1"
    find "$tmp" -maxdepth 1 -name 'xt*' -newer "$1"
    find "$tmp/xipc-$(id -u)" ${XDG_RUNTIME_DIR:+"$XDG_RUNTIME_DIR/xipc"} -maxdepth 1 -name 'xt*' -newer "$1"
  } 2>/dev/null
}
started=$(mktemp)
trap 'rm -f "$started"' EXIT

for preset in dev asan tsan fuzz; do
  echo "== $preset =="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset" -j 2
done

left=$(leftovers "$started")
if [ -n "$left" ]; then
  echo "xipc: the test run left objects behind:"
  echo "$left"
  exit 1
fi
echo "xipc: no shared memory, FIFO, file or socket left behind"
