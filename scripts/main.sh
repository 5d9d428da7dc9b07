#!/usr/bin/env bash
# The main job: build Release, run the shared-memory, pipe, ring, broadcast and mailbox
# producer/consumer pairs, the socket examples, and the quick benchmark report. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
xipc_require_packages "${xipc_build_packages[@]}"

cmake --preset release >/dev/null
cmake --build --preset release

bin=build/release
echo
echo "== shared memory: producer, then consumer =="
"$bin/examples/shm_producer"
"$bin/examples/shm_consumer"

echo
echo "== ordinary pipe: the parent writes \"Greetings\", the child reads it =="
"$bin/examples/pipe_parent_child"

echo
echo "== ring channel: consumer and producer as two processes, 1 million 64-byte messages =="
"$bin/examples/ring_consumer" &
consumer=$!
"$bin/examples/ring_producer"
wait "$consumer"

echo
echo "== broadcast: one publisher, three subscriber processes, each getting all 100,000 messages =="
"$bin/examples/broadcast_publisher" xipc-broadcast-example 3 &
publisher=$!
"$bin/examples/broadcast_subscriber" xipc-broadcast-example &
first=$!
"$bin/examples/broadcast_subscriber" xipc-broadcast-example &
second=$!
"$bin/examples/broadcast_subscriber" xipc-broadcast-example
wait "$first"
wait "$second"
wait "$publisher"

echo
echo "== bounded buffer: two semaphores and a mutex in one shared region, consumer and producer as two processes =="
"$bin/examples/bounded_buffer_consumer" &
consumer=$!
"$bin/examples/bounded_buffer_producer"
wait "$consumer"

echo
echo "== mailbox: the receiver creates it, the sender fills it; out by priority =="
"$bin/examples/mailbox_receiver" &
receiver=$!
"$bin/examples/mailbox_sender"
wait "$receiver"

echo
echo "== ports: the date server as a port service, a client calling it from two threads =="
"$bin/examples/port_date_server" 1 &
server=$!
"$bin/examples/port_date_client" 20000
wait "$server"

echo
echo "== ports: 16 MiB buffers through a connection's section, read in place by the server =="
"$bin/examples/port_bulk_server" 1 &
server=$!
"$bin/examples/port_bulk_client" 16
wait "$server"

echo
echo "== the date server on TCP port 6013, and a client =="
"$bin/examples/date_server" 127.0.0.1:6013 1 &
server=$!
"$bin/examples/date_client" 127.0.0.1:6013
wait "$server"

echo
echo "== echo over a Unix-domain socket: blocking server, then the same client against an Asio server =="
"$bin/examples/local_echo_server" unix:@xipc-echo 1 &
server=$!
"$bin/examples/local_echo_client" unix:@xipc-echo 1000
wait "$server"
"$bin/examples/asio_echo_server" unix:@xipc-echo 2 &
server=$!
"$bin/examples/local_echo_client" unix:@xipc-echo 1000 &
client=$!
"$bin/examples/local_echo_client" unix:@xipc-echo 1000
wait "$client" "$server"

echo
echo "== handover: a TCP server passes each accepted connection to a worker process =="
"$bin/examples/handover_worker" unix:@xipc-handover &
worker=$!
"$bin/examples/handover_server" 127.0.0.1:6014 unix:@xipc-handover 2 &
server=$!
"$bin/examples/date_client" 127.0.0.1:6014
"$bin/examples/date_client" 127.0.0.1:6014
wait "$server" "$worker"

echo
echo "== event loops: one thread serves two rings, a mailbox and a TCP connection (epoll, then Boost.Asio) =="
"$bin/examples/epoll_event_loop" 6015 &
server=$!
"$bin/examples/event_loop_feeder" 6015 20000
wait "$server"
"$bin/examples/asio_event_loop" 6016 &
server=$!
"$bin/examples/event_loop_feeder" 6016 20000
wait "$server"

echo
echo "== the fast log pipeline: producers -> datagram socket -> agent (wait_set) -> ring -> aggregator (pwritev + fdatasync), by batch size =="
"$bin/examples/log_pipeline" 4 5000

echo
echo "== the quick benchmark report: the main transports at 64 B and 4 KiB, next to their baselines =="
bash scripts/bench-report.sh --quick
