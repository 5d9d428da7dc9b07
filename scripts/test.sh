#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and tests the
# dev (warnings as errors), asan (Address+UndefinedBehavior sanitizers) and
# tsan (ThreadSanitizer) configurations, runs the ring, port, broadcast and
# shm mailbox fuzzers (100 s together; clang's libFuzzer), builds the Windows configuration and
# runs its tests under Wine, builds and links the macOS configurations where a
# macOS SDK is present (scripts/macos-build.sh; else it says "skipped: no
# macOS SDK"), and checks that the run left no shared-memory object behind.
# Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
# mingw-w64 compiles every public header for Windows as a portability guard;
# clang 14 with its runtime builds the libFuzzer target.
xipc_require_packages "${xipc_build_packages[@]}" g++-mingw-w64-x86-64-posix clang-14 libclang-rt-14-dev python3 pkg-config

# Test objects are named xt<pid>.<n>.<test>: shared memory as /dev/shm/xipc.xt*,
# every other kind's region as /dev/shm/xipc:<kind>.xt* (rings, mailboxes,
# semaphores, mutexes, conditions), a mailbox's POSIX queue as
# /dev/mqueue/xipc:mbox.xt* or a System V queue, System V shared memory as a
# segment, FIFOs and files in the temporary directory, sockets in xipc's
# socket directory (a port's as port:xt*), doorbell sockets in
# /tmp/xipc-<uid>.bells.
leftovers() {
  local tmp=${TMPDIR:-/tmp}
  {
    find /dev/shm /dev/mqueue -maxdepth 1 \( -name 'xipc.xt*' -o -name 'xipc:*.xt*' \) -newer "$1"
    find "$tmp" -maxdepth 1 -name 'xt*' -newer "$1"
    find "$tmp/xipc-$(id -u)" ${XDG_RUNTIME_DIR:+"$XDG_RUNTIME_DIR/xipc"} -maxdepth 1 \( -name 'xt*' -o -name 'port:xt*' \) -newer "$1"
    # Doorbells bound to socket files (the generic POSIX build's, as on macOS).
    find "/tmp/xipc-$(id -u).bells" -mindepth 1 -maxdepth 1 -newer "$1"
  } 2>/dev/null
  # System V objects have no names: any more of this user's than before the run.
  local now
  now=$(sysv_count msg)
  if [ "$now" -gt "$2" ]; then echo "$((now - $2)) System V message queue(s) (ipcs -q)"; fi
  now=$(sysv_count shm)
  if [ "$now" -gt "$3" ]; then echo "$((now - $3)) System V shared memory segment(s) (ipcs -m)"; fi
}
sysv_count() { awk -v uid="$(id -u)" 'NR > 1 && $8 == uid' "/proc/sysvipc/$1" 2>/dev/null | wc -l; }
# POSIX queues are listed only where the mqueue filesystem is mounted.
if [ ! -d /dev/mqueue ] || ! mountpoint -q /dev/mqueue; then
  if [ "$(id -u)" = 0 ] && mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue 2>/dev/null; then
    echo "xipc: mounted the mqueue filesystem on /dev/mqueue to check for leftover POSIX queues"
  else
    echo "xipc: /dev/mqueue is not mounted: leftover POSIX message queues cannot be listed"
  fi
fi
started=$(mktemp)
sysv_queues_before=$(sysv_count msg)
sysv_segments_before=$(sysv_count shm)
trap 'rm -f "$started"' EXIT

# How long each part took, printed at the end: the whole run must stay well
# inside CI's limit.
timings=()
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  timings+=("$name $((SECONDS - start)) s")
}
for preset in dev asan tsan fuzz; do
  echo "== $preset =="
  cmake --preset "$preset" >/dev/null
  timed "$preset build" cmake --build --preset "$preset"
  timed "$preset tests" ctest --preset "$preset" -j 2
done
timed "windows build and tests" bash scripts/windows-test.sh
# Built and linked against a macOS SDK where one is present; else "skipped: no macOS SDK".
timed "macos build" bash scripts/macos-build.sh
echo "xipc: time taken: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g'); ${SECONDS} s in all"

left=$(leftovers "$started" "$sysv_queues_before" "$sysv_segments_before")
if [ -n "$left" ]; then
  echo "xipc: the test run left objects behind:"
  echo "$left"
  exit 1
fi
echo "xipc: no shared memory, message queue, FIFO, file or socket left behind"
