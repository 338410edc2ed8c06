#!/bin/sh
# The process tree as an operator sees it: four processes, /health, /vars,
# /leaderhealth, httpd's privileges, logs, restarts after kill -9, SIGHUP
# and a clean SIGTERM.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
start_tree || finish

# /health: exactly "OK\n", text/plain, as monit and Aurora's clients expect.
curl -s -D "$TMP/h" -o "$TMP/body" "http://127.0.0.1:$PORT/health"
printf 'OK\n' | cmp -s - "$TMP/body" && ok "/health is OK\\n" || fail "/health body: $(od -c "$TMP/body")"
grep -qi '^content-type: text/plain' "$TMP/h" && ok "/health is text/plain" || fail "/health content type"

# Four processes, each showing its role.
for w in replica offerd httpd; do
	[ -n "$(worker_pid $w)" ] && ok "ps shows aurora-scheduler: $w" || fail "no $w process"
	[ "$(cat /proc/"$(worker_pid $w)"/status | awk '/^PPid/ {print $2}')" = "$MASTER_PID" ] ||
		fail "$w is not master's child"
done

# httpd runs unprivileged, chrooted, with no_new_privs and seccomp.
H=$(worker_pid httpd)
grep -q '^Uid:[[:space:]]*65534' /proc/"$H"/status && ok "httpd runs as nobody" || fail "httpd uid: $(grep Uid /proc/"$H"/status)"
grep -q '^NoNewPrivs:[[:space:]]*1' /proc/"$H"/status && ok "httpd NoNewPrivs 1" || fail "httpd NoNewPrivs"
[ "$(readlink /proc/"$H"/root)" = "$TMP/run/httpd" ] && ok "httpd is chrooted" || fail "httpd root: $(readlink /proc/"$H"/root)"
# Sanitizer builds run without seccomp (configure --disable-sandbox).
if curl -s "http://127.0.0.1:$PORT/vars" | grep -q '^sandbox_enabled 1'; then
	for w in httpd replica offerd; do
		grep -q '^Seccomp:[[:space:]]*2' /proc/"$(worker_pid $w)"/status && ok "$w Seccomp 2" || fail "$w Seccomp"
	done
else
	echo "skip: seccomp checks (built with --disable-sandbox)"
fi
# Only root and httpd's group can reach the sockets.
[ "$(stat -c '%a %U %G' "$TMP/run/httpd/ipc")" = "750 root nogroup" ] && ok "ipc dir 750 root:nogroup" || fail "ipc dir: $(stat -c '%a %U %G' "$TMP/run/httpd/ipc")"

# /vars and /vars.json come from every process over IPC.
curl -s "http://127.0.0.1:$PORT/vars" >"$TMP/vars"
for v in "flag_http_port $PORT" "flag_framework_name Aurora" "flag_zk_session_timeout 15secs" \
    "worker_httpd_state running" "worker_replica_pid " "worker_offerd_restarts 0" \
    "scheduler_lifecycle_PREPARING_STORAGE 1" "framework_registered 0" "uptime_secs " "build_version " \
    "http_200_responses_events " "ipc_replica_requests_served " "ipc_master_malformed_messages 0"; do
	grep -q "^$v" "$TMP/vars" && ok "/vars has '$v'" || fail "/vars lacks '$v'"
done
curl -s -D "$TMP/h" "http://127.0.0.1:$PORT/vars.json" >"$TMP/vars.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["worker_httpd_state"]=="running"; assert d["flag_http_port"]==sys.argv[2]; assert isinstance(d["uptime_secs"], int)' "$TMP/vars.json" "$PORT" &&
	ok "/vars.json parses" || fail "/vars.json: $(head -c 300 "$TMP/vars.json")"
grep -qi '^content-type: application/json' "$TMP/h" && ok "/vars.json is application/json" || fail "/vars.json content type"

# /leaderhealth: no leader is known yet.
code=$(curl -s -o "$TMP/lh" -w '%{http_code}' "http://127.0.0.1:$PORT/leaderhealth")
[ "$code" = 502 ] && ok "/leaderhealth 502" || fail "/leaderhealth answered $code"
grep -q "^Current status: There is no leading scheduler or the leader is unknown." "$TMP/lh" && ok "/leaderhealth text" || fail "/leaderhealth text"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")" = 404 ] && ok "404" || fail "unknown path"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/health")" = 405 ] && ok "405" || fail "POST /health"

# Oversized headers are refused without harm.
big=$(python3 -c 'print("x"*40000)')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "http://127.0.0.1:$PORT/health")
[ "$code" != 200 ] && ok "oversized headers refused ($code)" || fail "oversized headers accepted"
health_ok && ok "still healthy" || fail "unhealthy after oversized headers"

# Each log file exists and names its process.
for p in master replica offerd httpd; do
	grep -q " $p\[[0-9]*\]: " "$TMP/logs/$p.log" 2>/dev/null && ok "$p.log names $p" || fail "$p.log"
done

# kill -9 each worker in turn: it comes back and /health answers again.
for w in replica offerd httpd; do
	old=$(worker_pid $w)
	t0=$(now_ms)
	kill -KILL "$old"
	if wait_for 10 sh -c "p=\$(pgrep -f -- '^aurora-scheduler: $w --worker=$w .*-run_dir=$TMP/run'); [ -n \"\$p\" ] && [ \"\$p\" != $old ]" &&
	    wait_for 10 health_ok && wait_for 10 sh -c "curl -s http://127.0.0.1:$PORT/vars | grep -q '^worker_${w}_state running'"; then
		ok "$w back after kill -9 in $(( $(now_ms) - t0 )) ms"
	else
		fail "$w did not come back"
	fi
done
grep -q "httpd\[$H\] exited on signal 9" "$TMP/logs/master.log" && ok "master logged httpd's exit" || fail "no exit line for httpd[$H]"
curl -s "http://127.0.0.1:$PORT/vars" | grep -q '^worker_httpd_restarts 1' && ok "restart counted" || fail "restarts in /vars"

# SIGHUP reopens the log files.
mv "$TMP/logs/master.log" "$TMP/logs/master.log.1"
mv "$TMP/logs/httpd.log" "$TMP/logs/httpd.log.1"
kill -HUP "$MASTER_PID"
wait_for 5 test -s "$TMP/logs/master.log" && ok "master.log reopened" || fail "master.log not reopened"
kill -KILL "$(worker_pid httpd)"
wait_for 10 sh -c "grep -q ' httpd\[' '$TMP/logs/httpd.log'" && ok "httpd.log reopened" || fail "httpd.log not reopened"
wait_for 10 health_ok || fail "no health after HUP"

# SIGTERM: every process stops, master exits 0, nothing is left behind.
t0=$(now_ms)
kill -TERM "$MASTER_PID"
wait "$MASTER_PID"; rc=$?
[ "$rc" = 0 ] && ok "master exited 0 after SIGTERM in $(( $(now_ms) - t0 )) ms" || fail "master exited $rc"
MASTER_PID=
sleep 0.2
[ -z "$(pgrep -f -- "-run_dir=$TMP/run")" ] && ok "no process left" || fail "left behind: $(pgrep -fa -- "-run_dir=$TMP/run")"
finish
