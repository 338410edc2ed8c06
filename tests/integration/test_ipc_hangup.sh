#!/bin/sh
# Something connects to the workers' unix sockets and hangs up at once, as
# a worker crashing while it dials does. Every worker keeps serving new
# connections (a listener that stopped taking them is opened again, and
# the worker's log says so), and none of them is restarted.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
init_log
start_tree || finish
ready() { [ "$(var scheduler_lifecycle_LEADER_AWAITING_REGISTRATION)" = 1 ]; }
wait_for 20 ready || { fail "the scheduler does not lead"; finish; }
"$CLIENT" "$TMP/run" submit before 10 2 >"$TMP/before" || fail "writes before: $(head -3 "$TMP/before")"
R=$(worker_pid replica) O=$(worker_pid offerd)
# Healthy listeners pass every probe (one every 2 s): none is reopened.
sleep 5
[ "$(var ipc_replica_listener_restarts) $(var ipc_offerd_listener_restarts)" = "0 0" ] &&
    ok "no listener reopened while nothing hung up" ||
    fail "listeners reopened with nothing hanging up: $(grep -h "listening again" "$TMP"/logs/*.log | head -2)"

# 100 hang-ups on each socket: replica's requests and events, offerd's.
python3 - "$TMP/run/httpd/ipc" <<'EOF'
import os, socket, sys
for name in ("replica.ipc", "events.ipc", "offerd.ipc"):
    path = os.path.join(sys.argv[1], name)
    for _ in range(100):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
        except OSError as e:
            sys.exit("%s: %s" % (path, e))
        s.close()
EOF
[ $? = 0 ] && ok "300 connections hung up at once" || fail "cannot connect to the workers' sockets"

out=$("$CLIENT" "$TMP/run" missing "$TMP/before" 2>"$TMP/missing.err")
[ "$out" = "missing 0" ] && ok "a new connection to replica is served: $out" || fail "replica after the hang-ups: $out $(cat "$TMP/missing.err")"
"$CLIENT" "$TMP/run" submit after 10 2 >"$TMP/after" 2>&1 && ok "writes go on" ||
    fail "writes after the hang-ups: $(grep -v ^APPLIED "$TMP/after" | head -3)"
# offerd's status comes to /vars through a connection made before; a new
# one (httpd restarted) must be served as well.
kill -KILL "$(worker_pid httpd)"
reaches_all() { health_ok && [ -n "$(var ipc_offerd_requests_served)" ] && [ -n "$(var native_log_proposal)" ]; }
wait_for 20 reaches_all && ok "a restarted httpd reaches replica and offerd" ||
    fail "after httpd restarted: /vars has no offerd counters"
[ "$(worker_pid replica) $(worker_pid offerd)" = "$R $O" ] && ok "replica and offerd were not restarted" ||
    fail "workers restarted: $(grep -E 'exited|restarting' "$TMP/logs/master.log" | head -3)"
for w in replica offerd; do
	n=$(var "ipc_${w}_listener_restarts")
	if [ "${n:-0}" -gt 0 ]; then
		grep -q "the listener stopped taking connections .*; listening again" "$TMP/logs/$w.log" &&
		    ok "$w listened again $n time(s) and says so in $w.log" ||
		    fail "ipc_${w}_listener_restarts $n but $w.log: $(tail -3 "$TMP/logs/$w.log")"
	else
		ok "$w's listeners never stopped (ipc_${w}_listener_restarts ${n:-none})"
	fi
done
finish
