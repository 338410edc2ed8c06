#!/bin/sh
# The store on one scheduler, used over IPC as offerd uses it: writes are
# refused with "Storage is not READY" before the log is initialized, then
# group-committed and acknowledged once applied; reads page through the
# table; the store survives a restart without replaying the log, and no
# acknowledged write is lost when replica is killed -9 under write load.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
client() { "$CLIENT" "$TMP/run" "$@"; }

start_tree || finish
out=$(client submit early 1 1)
[ "$out" = "NOT_READY early-0 Storage is not READY" ] && ok "before initialize: Storage is not READY" || fail "early write: $out"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null

init_log
start_tree || finish
wait_for 10 leads || fail "not leading: $(tail -5 "$TMP/logs/replica.log")"
client submit task 300 32 >"$TMP/acked" && ok "300 writes from 32 writers acknowledged" ||
    fail "writes: $(grep -v ^APPLIED "$TMP/acked" | head -3)"
rounds=$(var scheduler_log_entries_written)
[ "$(var store_largest_batch)" -gt 1 ] && ok "group commit: 300 writes in $rounds log rounds, up to $(var store_largest_batch) per round" ||
    fail "no write shared a round ($rounds rounds)"
[ "$(client count task- | cut -d' ' -f1)" = 300 ] && ok "a paged read sees 300 tasks" || fail "count: $(client count task-)"
[ "$(client has task-7)" = found ] && [ "$(client has task-300)" = absent ] && ok "point reads" || fail "has"
out=$(client submit-empty)
[ "$out" = "REFUSED empty empty transaction" ] && ok "an empty transaction is refused, naming why" || fail "empty: $out"
[ "$(var store_tasks)" = 300 ] && ok "/vars store_tasks 300" || fail "store_tasks $(var store_tasks)"
# Aurora's timed stat for log appends: events, total and per-event nanos.
ev=$(var scheduler_log_native_append_events) tot=$(var scheduler_log_native_append_nanos_total)
[ "$ev" = "$rounds" ] && [ "$(var scheduler_log_native_append_nanos_per_event)" = $((tot / ev)) ] &&
    ok "/vars scheduler_log_native_append_*: $ev events, $((tot / ev)) ns each" ||
    fail "append stats: events '$ev' (rounds $rounds), total '$tot', per event '$(var scheduler_log_native_append_nanos_per_event)'"

# Subscribers see every applied transaction, positions in order.
client follow 40 >"$TMP/follow" &
fpid=$!
wait_for 10 grep -q ready "$TMP/follow" || fail "follower not ready"
client submit sub 40 8 >/dev/null || fail "writes for the subscriber"
wait "$fpid"
out=$(tail -n 1 "$TMP/follow")
case $out in
"transactions 40 positions "*" increasing yes") ok "a subscriber saw the 40 applied transactions in order ($out)" ;;
*) fail "subscriber: $out" ;;
esac
applied=$(var store_applied_position)

# A restart resumes from the applied position instead of replaying.
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null
start_tree || finish
wait_for 10 leads || fail "not leading after restart"
grep -q "Store at log position $applied\$" "$TMP/logs/replica.log" && ok "restart resumes the store at position $applied" ||
    fail "store position: $(grep 'Store at' "$TMP/logs/replica.log")"
[ "$(client count task- | cut -d' ' -f1)" = 300 ] && ok "300 tasks after restart" || fail "after restart: $(client count task-)"

# kill -9 under load: every acknowledged write is there afterwards.
client submit load 200000 16 >"$TMP/load" 2>&1 &
cpid=$!
wait_for 20 grep -q "^APPLIED load-" "$TMP/load" || fail "no write acknowledged under load"
sleep 1
kill -KILL "$(worker_pid replica)"
wait "$cpid"
acked=$(grep -c "^APPLIED" "$TMP/load")
wait_for 20 leads || fail "not leading after kill -9"
out=$(client missing "$TMP/load")
[ "$acked" -gt 0 ] && [ "$out" = "missing 0" ] && ok "kill -9 under load: all $acked acknowledged writes kept" ||
    fail "kill -9 after $acked acknowledged writes: $out"
total=$(client count load- | cut -d' ' -f1)
[ "$total" -ge "$acked" ] && ok "$total stored: $acked acknowledged, the others in flight at the kill" || fail "count $total < $acked"
client submit after 5 2 >/dev/null && ok "writes go on after the restart" || fail "no writes after the restart"
finish
