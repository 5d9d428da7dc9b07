// The one place that reads compiler and OS macros. Everything else in xipc
// tests only the XIPC_* names defined here.
#pragma once

#if defined(_WIN32)
#define XIPC_OS_WINDOWS 1
#elif defined(__APPLE__) && defined(__MACH__)
#define XIPC_OS_MACOS 1
#define XIPC_OS_POSIX 1
#elif defined(__linux__)
#define XIPC_OS_LINUX 1
#define XIPC_OS_POSIX 1
#elif defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
#define XIPC_OS_BSD 1
#define XIPC_OS_POSIX 1
#else
#error "xipc: unknown platform; supported are Linux, macOS, the BSDs and Windows"
#endif

#ifndef XIPC_OS_WINDOWS
#define XIPC_OS_WINDOWS 0
#endif
#ifndef XIPC_OS_MACOS
#define XIPC_OS_MACOS 0
#endif
#ifndef XIPC_OS_LINUX
#define XIPC_OS_LINUX 0
#endif
#ifndef XIPC_OS_BSD
#define XIPC_OS_BSD 0
#endif
#ifndef XIPC_OS_POSIX
#define XIPC_OS_POSIX 0
#endif

// Tells the CPU that this thread is spinning, so that it yields its pipeline to the sibling hyperthread.
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define XIPC_CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define XIPC_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define XIPC_CPU_RELAX() ((void)0)
#endif

#if defined(__clang__) || defined(__GNUC__)
#define XIPC_LIKELY(x) __builtin_expect(!!(x), 1)
#define XIPC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define XIPC_LIKELY(x) (x)
#define XIPC_UNLIKELY(x) (x)
#endif
