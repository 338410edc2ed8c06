#!/bin/sh
# Snapshots on one scheduler: one on request holds the store's position
# and truncates the log below it; one taken under write load loses no
# write; a restart resumes from the store without the truncated log;
# -dlog_snapshot_interval takes them by itself; and after a machine
# restart that caught the store unsynced, the store is rebuilt from the
# log's snapshot and entries.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
client() { "$CLIENT" "$TMP/run" "$@"; }

start_tree || finish
out=$(client snapshot)
[ "$out" = "NOT_READY Storage is not READY" ] && ok "before initialize: a snapshot gets Storage is not READY" || fail "early snapshot: $out"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null

init_log
start_tree -dlog_max_entry_size=4KB || finish
wait_for 10 leads || fail "not leading: $(tail -5 "$TMP/logs/replica.log")"
client submit task 500 16 >/dev/null || fail "500 writes"
applied=$(var store_applied_position)
out=$(client snapshot)
[ "$out" = "APPLIED $applied $((applied + 1))" ] && ok "a snapshot on request holds position $applied; the log begins at $((applied + 1))" ||
    fail "snapshot: $out (store at $applied)"
[ "$(var native_log_position_begin)" = $((applied + 1)) ] && ok "/vars native_log_position_begin $((applied + 1))" ||
    fail "begin $(var native_log_position_begin)"
grep -q "Snapshot complete. host attrs: 0, cron jobs: 0, quota confs: 0, tasks: 500, updates: 0, host maintenance requests: 0" "$TMP/logs/replica.log" &&
    ok "replica.log: Aurora's Snapshot complete line with 500 tasks" || fail "no Snapshot complete line"
parts=$(var scheduler_log_snapshot_last_parts)
[ "$parts" -gt 3 ] && ok "-dlog_max_entry_size=4KB: $parts parts of $(var scheduler_log_snapshot_last_bytes) bytes" ||
    fail "parts $parts"
[ "$(var scheduler_log_snapshots)" = 1 ] && [ "$(var scheduler_log_un_snapshotted_transactions)" = 0 ] &&
    ok "/vars scheduler_log_snapshots 1, un-snapshotted 0" || fail "vars $(var scheduler_log_snapshots) $(var scheduler_log_un_snapshotted_transactions)"
"$AURORA_LOG" read --path="$TMP/db" --from=1 --to=3 2>"$TMP/read.err" >/dev/null
grep -q "positions before $((applied + 1)) were truncated" "$TMP/read.err" && ok "aurora-log: the positions before it are truncated" ||
    fail "aurora-log read: $(cat "$TMP/read.err")"
"$AURORA_LOG" read --path="$TMP/db" >"$TMP/read.out"
grep -q "	snapshot position=$applied part=0\$" "$TMP/read.out" && grep -q "	snapshot position=$applied part=$((parts - 1)) last\$" "$TMP/read.out" &&
    ok "aurora-log read names the snapshot's parts" || fail "aurora-log read: $(grep snapshot "$TMP/read.out" | head -3)"

# A snapshot while 16 writers write: none fails, none is lost.
client submit load 3000 16 >"$TMP/load" 2>&1 &
cpid=$!
wait_for 20 grep -q "^APPLIED load-" "$TMP/load" || fail "no write under load"
out=$(client snapshot)
case $out in APPLIED*) ok "a snapshot under write load: $out" ;; *) fail "snapshot under load: $out" ;; esac
wait "$cpid" && ok "all 3000 writes acknowledged around the snapshot" || fail "writes: $(grep -v ^APPLIED "$TMP/load" | head -3)"
[ "$(client missing "$TMP/load")" = "missing 0" ] && ok "none is missing" || fail "$(client missing "$TMP/load")"
ok "longest wait of a write for its round during snapshots: $(var scheduler_log_snapshot_longest_write_wait_nanos) ns"

# A restart resumes from the store; the truncated log is not needed.
applied=$(var store_applied_position)
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null
[ ! -e "$TMP/db/store/unsynced-since-boot" ] && ok "a clean stop syncs the store and removes its unsynced marker" ||
    fail "the store's marker survived a clean stop"
start_tree -dlog_snapshot_interval=1secs || finish
wait_for 10 leads || fail "not leading after restart"
grep -q "Store at log position $applied\$" "$TMP/logs/replica.log" && ok "restart resumes the store at position $applied" ||
    fail "store position: $(grep 'Store at' "$TMP/logs/replica.log" | tail -1)"
[ "$(client count task- | cut -d' ' -f1)" = 500 ] && [ "$(client count load- | cut -d' ' -f1)" = 3000 ] &&
    ok "3500 tasks after restart" || fail "after restart: $(client count task-) $(client count load-)"

# -dlog_snapshot_interval=1secs: snapshots come by themselves.
two() { [ "$(var scheduler_log_snapshots)" -ge 2 ]; }
client submit more 20 2 >/dev/null
wait_for 10 two && ok "-dlog_snapshot_interval=1secs: $(var scheduler_log_snapshots) snapshots in a few seconds" ||
    fail "interval snapshots: $(var scheduler_log_snapshots)"
[ "$(var native_log_position_begin)" -gt "$applied" ] && ok "the log now begins at $(var native_log_position_begin)" ||
    fail "begin $(var native_log_position_begin) <= $applied"

# The machine goes down while the store has unsynced writes (the marker
# names another boot): the store is thrown away and rebuilt from the log.
tasks=$(client count "" | cut -d' ' -f1)
crash_machine && ok "a killed replica leaves the store's unsynced marker" ||
    fail "no marker after kill -9, or workers outlived master"
start_tree || finish
wait_for 10 leads || fail "not leading after the machine restart"
grep -q "the machine restarted while the store had unsynced writes: rebuilding the store from the log" "$TMP/logs/replica.log" &&
    ok "replica.log says the store is rebuilt from the log" || fail "no rebuild line: $(tail -5 "$TMP/logs/replica.log")"
[ "$(grep 'Store at log position' "$TMP/logs/replica.log" | tail -1 | sed 's/.*position //')" = 0 ] &&
    ok "it starts empty" || fail "store start: $(grep 'Store at' "$TMP/logs/replica.log" | tail -1)"
rebuilt() { [ "$(client count "" | cut -d' ' -f1)" = "$tasks" ]; }
wait_for 10 rebuilt && ok "the rebuilt store holds all $tasks tasks (from the snapshot, then the entries after it)" ||
    fail "after rebuild: $(client count "") of $tasks"
finish
