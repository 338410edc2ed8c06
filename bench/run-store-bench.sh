#!/bin/sh
# Acknowledged store writes at 1, 16, 64 and 256 concurrent writers, on
# one scheduler (quorum 1) and on three sharing ZooKeeper (quorum 2), all
# on this machine. Prints bench/store_writers' table for each and the log
# rounds the writes took. Figures only: it never fails on a timing.
#
#   make bench/store_writers && sudo bench/run-store-bench.sh
#
# BENCH_WRITES (default 5000 per writer count), BENCH_WRITERS (1,16,64,256).
. "${top_srcdir:-$(dirname "$0")/..}/tests/integration/lib.sh"
need_root
WRITES=${BENCH_WRITES:-5000}
WRITERS=${BENCH_WRITERS:-1,16,64,256}
SW=$(dirname "$BIN")/bench/store_writers
[ -x "$SW" ] || { echo "build it first: make bench/store_writers" >&2; exit 2; }
rounds() { curl -s "http://127.0.0.1:$1/vars" | sed -n 's/^scheduler_log_entries_written //p'; }
leads() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/leaderhealth")" = 200 ]; }

echo "== one scheduler, quorum 1 (data under $TMP)"
init_log
start_tree || finish
wait_for 20 leads || { echo "the scheduler does not lead" >&2; finish; }
before=$(rounds "$PORT")
"$SW" "$TMP/run" -n "$WRITES" -w "$WRITERS"
echo "log rounds: $(( $(rounds "$PORT") - before ))"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null; MASTER_PID=

echo "== three schedulers, quorum 2, ZooKeeper"
start_zk
for n in 1 2 3; do start_node "$n" -native_log_quorum_size=2; done
wait_for 40 leader || { echo "no leader" >&2; finish; }
L=$(leader)
before=$(rounds "$(node_port "$L")")
"$SW" "$TMP/n$L/run" -n "$WRITES" -w "$WRITERS"
echo "log rounds: $(( $(rounds "$(node_port "$L")") - before ))"
finish
