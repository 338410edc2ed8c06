#!/bin/sh
# The replicated log on one scheduler: an uninitialised replica says so in
# replica.log and the scheduler does not lead; after `aurora-log
# initialize` it leads, survives a replica crash, and a second initialize
# is refused. A log directory that cannot exist is a configuration error.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root

start_tree || finish
if wait_for 10 grep -q "Replica in EMPTY status received a broadcasted recover request" "$TMP/logs/replica.log"; then
	ok "uninitialised replica logs the EMPTY line"
else
	fail "no EMPTY line: $(tail -5 "$TMP/logs/replica.log")"
fi
[ "$(var native_log_replica_status_EMPTY)" = 1 ] && ok "/vars: status EMPTY" || fail "status: $(var native_log_replica_status_EMPTY)"
[ "$(var native_log_storage_ready)" = 0 ] && ok "/vars: storage not ready" || fail "storage ready"
[ "$(var scheduler_lifecycle_PREPARING_STORAGE)" = 1 ] && ok "lifecycle PREPARING_STORAGE" || fail "lifecycle"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/leaderhealth")
[ "$code" = 502 ] && ok "/leaderhealth 502 without a log" || fail "/leaderhealth $code"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null

init_log
"$AURORA_LOG" status --path="$TMP/db" | grep -q '^status: VOTING' && ok "initialized: VOTING" || fail "not VOTING"
start_tree || finish
wait_for 10 leads && ok "/leaderhealth 200 once the log is initialized" || fail "not leading: $(tail -5 "$TMP/logs/replica.log")"
[ "$(var scheduler_lifecycle_LEADER_AWAITING_REGISTRATION)" = 1 ] && ok "lifecycle LEADER_AWAITING_REGISTRATION" || fail "lifecycle"
grep -q "SchedulerLifecycle state machine transition STORAGE_PREPARED -> LEADER_AWAITING_REGISTRATION" "$TMP/logs/replica.log" &&
	ok "transitions logged as Aurora does" || fail "no transition line"
# Read-only commands run beside the scheduler.
"$AURORA_LOG" status --path="$TMP/db" | grep -q '^promised: 1$' && ok "aurora-log status while running" || fail "status"
# A learned mark reaches the disk with the next write, or within 20 ms.
filled() { "$AURORA_LOG" read --path="$TMP/db" | grep -q "^0	nop	learned"; }
wait_for 5 filled && ok "aurora-log read: position 0 filled" || fail "read: $("$AURORA_LOG" read --path="$TMP/db")"

# A crashed replica comes back and is elected with a higher proposal.
old=$(worker_pid replica)
kill -KILL "$old"
newer() { p=$(worker_pid replica); [ -n "$p" ] && [ "$p" != "$old" ] && leads && [ "$(var native_log_proposal)" = 2 ]; }
wait_for 15 newer && ok "replica restarted and leads again (proposal 2)" ||
	fail "after kill: proposal $(var native_log_proposal); master.log: $(tail -3 "$TMP/logs/master.log"); replica.log: $(tail -5 "$TMP/logs/replica.log")"

"$AURORA_LOG" initialize --path="$TMP/db" >"$TMP/reinit" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q "refusing to initialize a replica that is not empty" "$TMP/reinit" &&
	ok "second initialize refused" || fail "reinitialize: rc $rc $(cat "$TMP/reinit")"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null

# A log path under a regular file: replica stops with exit 2, master too.
: >"$TMP/file"
timeout 20 "$BIN" -http_port="$(free_port)" -ip=127.0.0.1 -run_dir="$TMP/run" -log_dir="$TMP/logs2" \
    -native_log_file_path="$TMP/file/db" >"$TMP/bad.out" 2>&1; rc=$?
[ "$rc" = 2 ] && ok "bad -native_log_file_path: exit 2" || fail "bad path: rc $rc"
grep -q -- "-native_log_file_path=$TMP/file/db: cannot create" "$TMP/logs2/replica.log" &&
	ok "replica.log names the flag" || fail "replica.log: $(tail -3 "$TMP/logs2/replica.log")"
finish
