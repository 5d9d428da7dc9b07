#!/usr/bin/env bash
# Builds and links the macOS configurations (CMake presets macos and
# macos-x86_64): the library, the tests, the examples, the xipc tool and,
# where Google Benchmark's sources are at hand, xipc-bench, as Mach-O for
# arm64 and x86_64, with clang 14 and lld against a macOS SDK. Nothing built
# here runs here; .github/workflows/macos.yml runs it all on macOS.
#
#   bash scripts/macos-build.sh [SYSROOT]   # default: $XIPC_MACOS_SDK, else /tmp/xipc-macos-sdk
#
# The SDK is Apple's: it is never part of xipc, and nothing downloads it.
# DEVELOPERS.md says how to assemble one. Without one this says
# "skipped: no macOS SDK" and succeeds. Google Benchmark's sources come from
# $XIPC_BENCHMARK_SOURCE_DIR; without them xipc-bench is skipped, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
export XIPC_MACOS_SDK=${1:-${XIPC_MACOS_SDK:-/tmp/xipc-macos-sdk}}
if [ ! -d "$XIPC_MACOS_SDK/usr/include" ] || [ ! -d "$XIPC_MACOS_SDK/usr/lib" ]; then
  echo "macOS build skipped: no macOS SDK (looked in $XIPC_MACOS_SDK)"
  exit 0
fi
source scripts/deps.sh
# clang and lld's Mach-O linker; llvm-14 for ar, otool and install_name_tool that know Mach-O.
xipc_require_packages cmake ninja-build clang-14 lld-14 llvm-14 libfmt-dev libboost-dev googletest
export XIPC_BENCHMARK_SOURCE_DIR=${XIPC_BENCHMARK_SOURCE_DIR:-}
if [ -z "$XIPC_BENCHMARK_SOURCE_DIR" ]; then
  echo "macOS build: xipc-bench skipped: no Google Benchmark sources (XIPC_BENCHMARK_SOURCE_DIR)"
fi

for preset in macos macos-x86_64; do
  arch=${preset#macos}; arch=${arch#-}; arch=${arch:-arm64}
  echo "== $preset ($arch, against $XIPC_MACOS_SDK) =="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  # Every program is a Mach-O executable for the architecture asked for.
  count=0
  while IFS= read -r program; do
    header=$(llvm-otool-14 -hv "$program" | tail -1)
    case "$arch:$header" in
      arm64:*ARM64*EXECUTE* | x86_64:*X86_64*EXECUTE*) count=$((count + 1)) ;;
      *) echo "macOS build: $program is not a Mach-O $arch executable: $header"; exit 1 ;;
    esac
  done < <(find "build/$preset" -path "build/$preset/googletest" -prune -o -path "build/$preset/benchmark" -prune -o \
             -type f -perm -u+x -not -name '*.cmake' -not -name '*.sh' -not -path '*/CMakeFiles/*' -print)
  echo "macOS build: $count programs linked as Mach-O for $arch"
done
