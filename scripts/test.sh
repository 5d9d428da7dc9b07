#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and tests the
# dev (warnings as errors), asan (Address+UndefinedBehavior sanitizers) and
# tsan (ThreadSanitizer) configurations, runs the ring fuzzer for a minute
# (clang's libFuzzer), builds the Windows configuration and runs its tests
# under Wine, and checks that the run left no shared-memory object behind.
# Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
# mingw-w64 compiles every public header for Windows as a portability guard;
# clang 14 with its runtime builds the libFuzzer target.
xipc_require_packages "${xipc_build_packages[@]}" g++-mingw-w64-x86-64-posix clang-14 libclang-rt-14-dev python3 pkg-config

# Test objects are named xt<pid>.<n>.<test>: shared memory as /dev/shm/xipc.xt*,
# semaphores and mutexes as /dev/shm/xipc:sem.xt* and /dev/shm/xipc:mtx.xt*,
# rings as /dev/shm/xipc:ring.xt*, mailboxes as /dev/shm/xipc:mbox.xt* with a
# POSIX queue /dev/mqueue/xipc:mbox.xt* or a System V queue, FIFOs and files in
# the temporary directory, sockets in xipc's socket directory.
leftovers() {
  local tmp=${TMPDIR:-/tmp}
  {
    find /dev/shm /dev/mqueue -maxdepth 1 \( -name 'xipc.xt*' -o -name 'xipc:ring.xt*' -o -name 'xipc:mbox.xt*' -o -name 'xipc:sem.xt*' -o -name 'xipc:mtx.xt*' \) -newer "$1"
    find "$tmp" -maxdepth 1 -name 'xt*' -newer "$1"
    find "$tmp/xipc-$(id -u)" ${XDG_RUNTIME_DIR:+"$XDG_RUNTIME_DIR/xipc"} -maxdepth 1 -name 'xt*' -newer "$1"
  } 2>/dev/null
  # System V queues have no names: any more queues of this user than before the run.
  local now
  now=$(sysv_queues)
  if [ "$now" -gt "$2" ]; then echo "$((now - $2)) System V message queue(s) (ipcs -q)"; fi
}
sysv_queues() { awk -v uid="$(id -u)" 'NR > 1 && $8 == uid' /proc/sysvipc/msg 2>/dev/null | wc -l; }
# POSIX queues are listed only where the mqueue filesystem is mounted.
if [ ! -d /dev/mqueue ] || ! mountpoint -q /dev/mqueue; then
  if [ "$(id -u)" = 0 ] && mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue 2>/dev/null; then
    echo "xipc: mounted the mqueue filesystem on /dev/mqueue to check for leftover POSIX queues"
  else
    echo "xipc: /dev/mqueue is not mounted: leftover POSIX message queues cannot be listed"
  fi
fi
started=$(mktemp)
sysv_before=$(sysv_queues)
trap 'rm -f "$started"' EXIT

for preset in dev asan tsan fuzz; do
  echo "== $preset =="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset" -j 2
done
bash scripts/windows-test.sh

left=$(leftovers "$started" "$sysv_before")
if [ -n "$left" ]; then
  echo "xipc: the test run left objects behind:"
  echo "$left"
  exit 1
fi
echo "xipc: no shared memory, message queue, FIFO, file or socket left behind"
