# Cross-compiling xipc for 64-bit Windows with Debian's mingw-w64 (the posix
# thread model, package g++-mingw-w64-x86-64-posix). Test programs run under
# Wine through CMAKE_CROSSCOMPILING_EMULATOR, so ctest and
# gtest_discover_tests work as on a native build; scripts/windows-test.sh
# sets up the Wine environment they need.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

# Executables that need nothing but the system DLLs (kernel32, msvcrt, ws2_32):
# Wine finds no mingw runtime DLLs, and neither would a user's machine.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# Libraries and headers come from the mingw sysroot, never from the host's /usr.
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Wine with its own prefix under the build directory, no display, no debug
# chatter, and without the .NET and HTML engines it would offer to install.
find_program(XIPC_WINE NAMES wine wine64 wine-stable)
if(XIPC_WINE)
  set(XIPC_WINEPREFIX "${CMAKE_BINARY_DIR}/wine-prefix" CACHE PATH "The Wine prefix the tests run in")
  set(CMAKE_CROSSCOMPILING_EMULATOR
    "${CMAKE_COMMAND};-E;env;--unset=DISPLAY;WINEPREFIX=${XIPC_WINEPREFIX};WINEDEBUG=-all;WINEDLLOVERRIDES=mscoree,mshtml=;${XIPC_WINE}")
endif()
