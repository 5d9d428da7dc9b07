#!/usr/bin/env bash
# Checks that the code a macOS build compiles does compile against Apple's
# headers: every file in src/posix/ (and the portable layers above it), for
# arm64 and x86_64, with clang and libc++ from a macOS SDK sysroot.
#
#   bash scripts/macos-check.sh [SYSROOT]     # default: $XIPC_MACOS_SDK, else /tmp/xipc-macos-sdk
#
# The SDK is Apple's: it is never part of xipc, and nothing downloads it.
# DEVELOPERS.md says how to assemble one. Without one this says
# "skipped: no macOS SDK" and succeeds.
set -euo pipefail
cd "$(dirname "$0")/.."
sysroot=${1:-${XIPC_MACOS_SDK:-/tmp/xipc-macos-sdk}}
if [ ! -d "$sysroot/usr/include" ]; then
  echo "macOS check skipped: no macOS SDK (looked in $sysroot)"
  exit 0
fi
clang=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$clang" ]; then
  echo "macOS check skipped: no clang++"
  exit 0
fi
# fmt comes header-only from Debian's package; nothing else of Linux's /usr/include.
deps=$(mktemp -d)
trap 'rm -rf "$deps"' EXIT
mkdir -p "$deps/include"
ln -s /usr/include/fmt "$deps/include/fmt"

# The files a macOS build compiles: src/posix (shared with Linux) and the
# portable layers. src/linux and src/win32 are not among them.
files=$(ls src/posix/*.cpp src/{core,memory,ring,broadcast,sync,mailbox,io,net,port,survey}/*.cpp)
check() {  # ARCH FILE
  "$clang" -target "$1-apple-macos13" -isysroot "$sysroot" -stdlib=libc++ -std=c++20 -fsyntax-only \
    -Wall -Wextra -Wpedantic -Werror -DFMT_HEADER_ONLY -isystem "$deps/include" -Iinclude -Isrc "$2" ||
    { echo "macOS check: $2 does not compile for $1"; return 1; }
}
export -f check
export clang sysroot deps
count=$(echo $files | wc -w)
if printf '%s\n' $files | sed 's/^/arm64 /; p; s/^arm64 /x86_64 /' | xargs -P "$(nproc)" -n 2 bash -c 'check "$0" "$1"'; then
  echo "macOS check: $count files compile for arm64 and x86_64"
else
  exit 1
fi
