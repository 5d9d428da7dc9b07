# Cross-compiling xipc for macOS with Debian's clang 14 and lld (ld64.lld),
# against a macOS SDK that the environment names: XIPC_MACOS_SDK (a sysroot
# with usr/include, usr/lib and System/). DEVELOPERS.md says how to put one
# together; none is part of xipc and nothing here downloads one.
#
#   XIPC_MACOS_ARCH   arm64 (default) or x86_64
#
# Nothing built here runs on this machine: the test programs are built and
# linked as Mach-O, and run by the macOS workflow (.github/workflows/macos.yml).
set(CMAKE_SYSTEM_NAME Darwin)
set(CMAKE_SYSTEM_VERSION 22.0)  # macOS 13

if(NOT DEFINED XIPC_MACOS_ARCH)
  set(XIPC_MACOS_ARCH "$ENV{XIPC_MACOS_ARCH}")
endif()
if(NOT XIPC_MACOS_ARCH)
  set(XIPC_MACOS_ARCH arm64)
endif()
set(XIPC_MACOS_ARCH "${XIPC_MACOS_ARCH}" CACHE STRING "arm64 or x86_64")
set(CMAKE_SYSTEM_PROCESSOR "${XIPC_MACOS_ARCH}")
set(CMAKE_OSX_ARCHITECTURES "${XIPC_MACOS_ARCH}" CACHE STRING "")
set(CMAKE_OSX_DEPLOYMENT_TARGET 13.0 CACHE STRING "")

if(NOT DEFINED XIPC_MACOS_SDK)
  set(XIPC_MACOS_SDK "$ENV{XIPC_MACOS_SDK}")
endif()
if(NOT XIPC_MACOS_SDK OR NOT EXISTS "${XIPC_MACOS_SDK}/usr/include")
  message(FATAL_ERROR "xipc: no macOS SDK: set XIPC_MACOS_SDK to a sysroot (see DEVELOPERS.md)")
endif()
set(XIPC_MACOS_SDK "${XIPC_MACOS_SDK}" CACHE PATH "The macOS SDK sysroot")
set(CMAKE_OSX_SYSROOT "${XIPC_MACOS_SDK}" CACHE PATH "")

find_program(XIPC_CLANG NAMES clang-14 clang REQUIRED)
find_program(XIPC_CLANGXX NAMES clang++-14 clang++ REQUIRED)
find_program(XIPC_INSTALL_NAME_TOOL NAMES llvm-install-name-tool-14 llvm-install-name-tool REQUIRED)
find_program(XIPC_OTOOL NAMES llvm-otool-14 llvm-otool REQUIRED)
find_program(XIPC_LLVM_AR NAMES llvm-ar-14 llvm-ar REQUIRED)
find_program(XIPC_LLVM_RANLIB NAMES llvm-ranlib-14 llvm-ranlib REQUIRED)
# clang finds ld64.lld beside itself (package lld-14).
find_program(XIPC_LD64 NAMES ld64.lld-14 ld64.lld REQUIRED)
# C too: GoogleTest's and Google Benchmark's projects enable it.
set(CMAKE_C_COMPILER "${XIPC_CLANG}")
set(CMAKE_C_COMPILER_TARGET "${XIPC_MACOS_ARCH}-apple-macos13")
set(CMAKE_CXX_COMPILER "${XIPC_CLANGXX}")
set(CMAKE_CXX_COMPILER_TARGET "${XIPC_MACOS_ARCH}-apple-macos13")
set(CMAKE_INSTALL_NAME_TOOL "${XIPC_INSTALL_NAME_TOOL}" CACHE FILEPATH "")
set(CMAKE_OTOOL "${XIPC_OTOOL}" CACHE FILEPATH "")
set(CMAKE_AR "${XIPC_LLVM_AR}" CACHE FILEPATH "")
set(CMAKE_RANLIB "${XIPC_LLVM_RANLIB}" CACHE FILEPATH "")
# Apple's libc++ (from the SDK) and lld's Mach-O linker.
set(CMAKE_CXX_FLAGS_INIT "-stdlib=libc++")
set(CMAKE_C_FLAGS_INIT "")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-stdlib=libc++ -fuse-ld=lld")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-stdlib=libc++ -fuse-ld=lld")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-stdlib=libc++ -fuse-ld=lld")

# Headers and libraries come from the SDK, never from the host's /usr.
set(CMAKE_FIND_ROOT_PATH "${XIPC_MACOS_SDK}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The test programs cannot run here: ctest lists them when it runs, on macOS.
set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
