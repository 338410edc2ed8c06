#!/bin/sh
# Snapshots and restarts with a large store, on one scheduler: for each
# size (100k and 1M tasks by default) it fills the store through the
# scheduler (256 writers), takes a snapshot while 16 writers keep writing,
# then restarts the scheduler. Prints the snapshot's time, parts and
# bytes, the longest a write waited for its round during it and the
# writers' latencies meanwhile, the restart-to-READY time, and the time
# to rebuild the store after a (simulated) machine crash. Figures only:
# it never fails on a timing.
#
#   make bench/store_writers tests/unit/store_client && sudo bench/run-snapshot-bench.sh
#
# BENCH_TASKS (default "100000 1000000").
. "${top_srcdir:-$(dirname "$0")/..}/tests/integration/lib.sh"
need_root
SIZES=${BENCH_TASKS:-100000 1000000}
SW=$(dirname "$BIN")/bench/store_writers
for b in "$SW" "$CLIENT"; do
	[ -x "$b" ] || { echo "build it first: make bench/store_writers tests/unit/store_client" >&2; exit 2; }
done
ready() { [ "$(var native_log_storage_ready)" = 1 ]; }
stop() { kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null; MASTER_PID=; }

# Starts the scheduler again (same flags as start_tree) and prints the
# ms until /vars says its storage is READY, polling every 10 ms.
restart_ms() {
	_t0=$(now_ms)
	# shellcheck disable=SC2086
	"$BIN" $FLAGS >"$TMP/master.out" 2>&1 &
	MASTER_PID=$!
	_i=0
	until ready; do
		_i=$((_i + 1))
		[ "$_i" -lt 6000 ] || return 1
		sleep 0.01
	done
	RESTART_MS=$(( $(now_ms) - _t0 ))
}

# Kills the tree as a machine crash would, with the store's marker naming
# another boot, restarts it and prints the ms until the store is rebuilt
# from the log up to the position it held.
rebuild_ms() {
	_applied=$(var store_applied_position)
	crash_machine || return 1
	restart_ms || return 1
	_i=0
	until [ "$(var store_applied_position)" -ge "$_applied" ] 2>/dev/null; do
		_i=$((_i + 1)); [ "$_i" -lt 30000 ] || return 1; sleep 0.01
	done
	REBUILD_MS=$(( $(now_ms) - _t0 ))
}

for n in $SIZES; do
	rm -rf "$TMP/db" "$TMP/run" "$TMP/logs"
	echo "== $n tasks (data under $TMP)"
	init_log
	start_tree || finish
	wait_for 20 leads || { echo "the scheduler does not lead" >&2; finish; }
	echo "filling:"
	"$SW" "$TMP/run" -n "$n" -w 256 -s 0
	echo "store_tasks $(var store_tasks), LMDB files: log $(du -m "$TMP/db/data.mdb" | cut -f1) MB, store $(du -m "$TMP/db/store/data.mdb" | cut -f1) MB"

	echo "writes during the snapshot (16 writers):"
	"$SW" "$TMP/run" -n 20000 -w 16 -s 0 >"$TMP/load.out" &
	lpid=$!
	sleep 1
	t0=$(now_ms)
	out=$("$CLIENT" "$TMP/run" snapshot)
	took=$(( $(now_ms) - t0 ))
	wait "$lpid"
	cat "$TMP/load.out"
	echo "snapshot: $out in $took ms (request to answer)," \
	    "$(var scheduler_log_snapshot_last_parts) parts," \
	    "$(( $(var scheduler_log_snapshot_last_bytes) / 1048576 )) MB"
	echo "longest wait of a write for its round during the snapshot:" \
	    "$(( $(var scheduler_log_snapshot_longest_write_wait_nanos) / 1000 )) us"
	stop

	restart_ms || { echo "no READY after restart" >&2; finish; }
	echo "restart to READY: $RESTART_MS ms ($(grep -o 'Store at log position.*' "$TMP/logs/replica.log" | tail -1))"
	rebuild_ms || { echo "the store was not rebuilt after the machine crash" >&2; finish; }
	echo "machine crash with the store unsynced: READY in $RESTART_MS ms, store rebuilt from the log in $REBUILD_MS ms ($(grep -o 'Store restored.*' "$TMP/logs/replica.log" | tail -1))"
	stop
done
finish
