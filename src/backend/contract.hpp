// The backend contract: everything an OS backend (src/posix with src/linux,
// src/win32, src/posix with src/mach) provides to the portable layers, in one header
// set with the same names on every backend. A new backend is done when it
// defines all of it; tests/backend/check_contract.py checks that each does
// (ctest backend_contract), and tests/backend/ holds the behaviour every
// backend must show (wait and wake, process identity, mapping, stream I/O).
//
// Each header says which file of each backend implements it:
//   backend/os_error.hpp        OS error values to xipc's error model
//   backend/wait_wake.hpp       sleeping on a word in shared memory, waking it
//   backend/process_identity.hpp  a token per live process, and whether it lives
//   backend/mapping.hpp         mapping a memory object, its size, closing
//   backend/pipe.hpp            anonymous pipes
//   backend/stream_io.hpp       byte streams with deadlines (pipes, FIFOs)
//   backend/named_pipe_io.hpp   a named-pipe connection's byte and message I/O
//   backend/sockets.hpp         the socket calls each OS makes its own way
//   backend/handle_passing.hpp  checking a handle that arrived from a peer
//   backend/doorbell.hpp        the OS object behind a readiness handle, rung by other processes
//   backend/handle_wait.hpp     sleeping until any of many handles is ready (wait_set)
//
// The mailbox's backends are chosen by mechanism, not by OS: shm on every
// system, the kernel queues where XIPC_HAS_POSIX_MQ or XIPC_HAS_SYSV_MQ says
// so, Mach ports where XIPC_HAS_MACH_PORTS does; each is one
// mailbox_backend_of<> (mailbox/mailbox_queue.hpp).
//
// Besides these, each backend defines these members of public types
// (declared in include/xipc/), listed one per line for the check:
// BEGIN PUBLIC MEMBERS
//   close_native_handle close_native_socket
//   shared_memory::create shared_memory::open shared_memory::remove
//   anonymous_memory::create mapped_file::open mapped_region::release
//   pipe_atomic_write_bytes pipe_end::capacity pipe_end::set_capacity
//   fifo::create fifo::open_reader fifo::open_writer fifo::remove
//   fifo_reader::read_some fifo_writer::write_some
//   named_pipe_server::create named_pipe_server::accept named_pipe_server::remove_name named_pipe::connect
//   named_pipe::connected_pair
//   child_process::spawn child_process::wait child_process::kill
//   send_handles receive_handles
// END PUBLIC MEMBERS
#pragma once

#include "backend/doorbell.hpp"
#include "backend/handle_passing.hpp"
#include "backend/handle_wait.hpp"
#include "backend/mapping.hpp"
#include "backend/named_pipe_io.hpp"
#include "backend/os_error.hpp"
#include "backend/pipe.hpp"
#include "backend/process_identity.hpp"
#include "backend/sockets.hpp"
#include "backend/stream_io.hpp"
#include "backend/wait_wake.hpp"
