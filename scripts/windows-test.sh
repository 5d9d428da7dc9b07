#!/usr/bin/env bash
# Builds the Windows configuration with mingw-w64 and runs its whole test
# suite under Wine (docs/windows.md). Called by scripts/test.sh; safe to run
# on its own and again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
xipc_require_packages cmake ninja-build libfmt-dev libgtest-dev g++-mingw-w64-x86-64-posix
XIPC_APT_RECOMMENDS=1 xipc_require_packages wine wine64

echo "== windows (mingw-w64, tests under Wine) =="
cmake --preset windows >/dev/null
cmake --build --preset windows

# The same environment as the emulator that cmake/mingw-w64.cmake sets for ctest.
export WINEPREFIX="$PWD/build/windows/wine-prefix"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY
# One wineserver for the whole run, started (and the prefix made) before the
# first test: else every test pays Wine's start-up. Stopped afterwards, also on
# failure, so that no Wine helper keeps ctest's output pipe open.
stop_wine() { wineserver -k 2>/dev/null || true; }
trap stop_wine EXIT
wineserver -p120 2>/dev/null || true  # already running for this prefix is fine
wine cmd /c exit >/dev/null 2>&1 || true
# Wine's slower process start-up and timers need more than the 300 s the presets give.
# A failed test runs once more: now and then Wine ends a test's .exe with no
# output at all, a different test each time (docs/windows.md).
timeout 1200 ctest --preset windows -j 2 --repeat until-pass:2
