// Everything in xipc, for users who prefer one include.
//
// Thread safety: each header says it for its types (docs/concepts.md has the table).
#pragma once

#include <xipc/anonymous_memory.hpp>
#include <xipc/broadcast.hpp>
#include <xipc/child_process.hpp>
#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/endpoint.hpp>
#include <xipc/error.hpp>
#include <xipc/fifo.hpp>
#include <xipc/handle_passing.hpp>
#include <xipc/io.hpp>
#include <xipc/mailbox.hpp>
#include <xipc/mapped_file.hpp>
#include <xipc/name.hpp>
#include <xipc/named_pipe.hpp>
#include <xipc/native_handle.hpp>
#include <xipc/passable.hpp>
#include <xipc/permissions.hpp>
#include <xipc/pipe.hpp>
#include <xipc/port.hpp>
#include <xipc/process_condition.hpp>
#include <xipc/process_mutex.hpp>
#include <xipc/readiness.hpp>
#include <xipc/ring_channel.hpp>
#include <xipc/semaphore.hpp>
#include <xipc/sigpipe.hpp>
#include <xipc/shared_memory.hpp>
#include <xipc/sysv_shared_memory.hpp>
#include <xipc/sockets.hpp>
#include <xipc/spsc_ring.hpp>
#include <xipc/wait_set.hpp>
