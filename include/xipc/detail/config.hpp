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

// The OS mechanisms a backend chooses by: code asks for a mechanism, not an
// OS, so that a new system with a mechanism gets the code written for it.
// src/CMakeLists.txt picks the backend files by the same rules. A build may
// define one as 0 itself: the test build of the plain POSIX twins on Linux
// (tests/CMakeLists.txt, XIPC_TEST_GENERIC_POSIX) says so for the mechanisms
// it replaces.
#if XIPC_OS_LINUX
#ifndef XIPC_HAS_FUTEX
#define XIPC_HAS_FUTEX 1               // futex(2): sleep on a word in shared memory
#endif
#ifndef XIPC_HAS_MEMFD
#define XIPC_HAS_MEMFD 1               // memfd_create(2): anonymous memory with a descriptor
#endif
#ifndef XIPC_HAS_PIDFD
#define XIPC_HAS_PIDFD 1               // pidfd_open(2): a descriptor that polls readable when a child ends
#endif
#ifndef XIPC_HAS_PROC_FS
#define XIPC_HAS_PROC_FS 1             // /proc: process start times, kernel limits
#endif
#ifndef XIPC_HAS_SOCKET_TABLE
#define XIPC_HAS_SOCKET_TABLE 1        // /proc/net/unix: who is bound to a socket file, without connecting
#endif
#ifndef XIPC_HAS_ATOMIC_CLOEXEC
#define XIPC_HAS_ATOMIC_CLOEXEC 1      // pipe2, accept4, SOCK_CLOEXEC, MSG_CMSG_CLOEXEC
#endif
#ifndef XIPC_HAS_PIPE_SIZE
#define XIPC_HAS_PIPE_SIZE 1           // F_GETPIPE_SZ / F_SETPIPE_SZ
#endif
#ifndef XIPC_HAS_SO_PEERCRED
#define XIPC_HAS_SO_PEERCRED 1         // a Unix-domain peer's pid, uid and gid
#endif
#ifndef XIPC_HAS_POSIX_MQ
#define XIPC_HAS_POSIX_MQ 1            // <mqueue.h> message queues
#endif
#ifndef XIPC_HAS_SYSV_MQ
#define XIPC_HAS_SYSV_MQ 1             // System V message queues, with usable limits
#endif
#ifndef XIPC_HAS_SYSV_SHM
#define XIPC_HAS_SYSV_SHM 1            // System V shared memory: shmget / shmat
#endif
#ifndef XIPC_HAS_POSIX_FALLOCATE
#define XIPC_HAS_POSIX_FALLOCATE 1     // reserving a shared memory object's pages up front
#endif
#ifndef XIPC_HAS_SPAWN_CLOSEFROM
#define XIPC_HAS_SPAWN_CLOSEFROM 1     // posix_spawn_file_actions_addclosefrom_np
#endif
#endif
#if XIPC_OS_LINUX
#ifndef XIPC_HAS_SEQPACKET
#define XIPC_HAS_SEQPACKET 1           // SOCK_SEQPACKET for AF_UNIX: message boundaries kept by the kernel
#endif
#endif
#if XIPC_OS_MACOS || XIPC_OS_BSD
#ifndef XIPC_HAS_ABSTRACT_SOCKETS
#define XIPC_HAS_ABSTRACT_SOCKETS 0    // no AF_UNIX abstract namespace (a leading NUL): Linux's, and Windows 10's
#endif
#ifndef XIPC_HAS_SO_NOSIGPIPE
#define XIPC_HAS_SO_NOSIGPIPE 1        // a socket option that stops SIGPIPE for every send on it
#endif
#endif
#if XIPC_OS_MACOS
#ifndef XIPC_HAS_SHM_SIZE_ONCE
#define XIPC_HAS_SHM_SIZE_ONCE 1       // a shared memory object's size is set once: ftruncate fails after
#endif
#ifndef XIPC_HAS_SHM_UNTYPED_STAT
#define XIPC_HAS_SHM_UNTYPED_STAT 1    // fstat of a shared memory object: st_mode has no file type, only permissions
#endif
#ifndef XIPC_HAS_SPAWN_CLOEXEC_DEFAULT
#define XIPC_HAS_SPAWN_CLOEXEC_DEFAULT 1  // POSIX_SPAWN_CLOEXEC_DEFAULT: only what the actions name reaches a child
#endif
#ifndef XIPC_HAS_MACH_PORTS
#define XIPC_HAS_MACH_PORTS 1          // Mach ports and the bootstrap server: the mach_port mailbox backend
#endif
#endif
#ifndef XIPC_HAS_FUTEX
#define XIPC_HAS_FUTEX 0
#endif
#ifndef XIPC_HAS_MEMFD
#define XIPC_HAS_MEMFD 0
#endif
#ifndef XIPC_HAS_PIDFD
#define XIPC_HAS_PIDFD 0
#endif
#ifndef XIPC_HAS_PROC_FS
#define XIPC_HAS_PROC_FS 0
#endif
#ifndef XIPC_HAS_SOCKET_TABLE
#define XIPC_HAS_SOCKET_TABLE 0
#endif
#ifndef XIPC_HAS_ATOMIC_CLOEXEC
#define XIPC_HAS_ATOMIC_CLOEXEC 0
#endif
#ifndef XIPC_HAS_PIPE_SIZE
#define XIPC_HAS_PIPE_SIZE 0
#endif
#ifndef XIPC_HAS_SO_PEERCRED
#define XIPC_HAS_SO_PEERCRED 0
#endif
#ifndef XIPC_HAS_POSIX_MQ
#define XIPC_HAS_POSIX_MQ 0
#endif
#ifndef XIPC_HAS_SYSV_MQ
#define XIPC_HAS_SYSV_MQ 0
#endif
#ifndef XIPC_HAS_MACH_PORTS
#define XIPC_HAS_MACH_PORTS 0
#endif
#ifndef XIPC_HAS_SYSV_SHM
#define XIPC_HAS_SYSV_SHM 0
#endif
#ifndef XIPC_HAS_POSIX_FALLOCATE
#define XIPC_HAS_POSIX_FALLOCATE 0
#endif
#ifndef XIPC_HAS_SPAWN_CLOSEFROM
#define XIPC_HAS_SPAWN_CLOSEFROM 0
#endif
#ifndef XIPC_HAS_SPAWN_CLOEXEC_DEFAULT
#define XIPC_HAS_SPAWN_CLOEXEC_DEFAULT 0
#endif
#ifndef XIPC_HAS_SEQPACKET
#define XIPC_HAS_SEQPACKET 0
#endif
#ifndef XIPC_HAS_SHM_SIZE_ONCE
#define XIPC_HAS_SHM_SIZE_ONCE 0
#endif
#ifndef XIPC_HAS_SHM_UNTYPED_STAT
#define XIPC_HAS_SHM_UNTYPED_STAT 0
#endif
#ifndef XIPC_HAS_ABSTRACT_SOCKETS
#define XIPC_HAS_ABSTRACT_SOCKETS 1
#endif
#ifndef XIPC_HAS_SO_NOSIGPIPE
#define XIPC_HAS_SO_NOSIGPIPE 0
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
