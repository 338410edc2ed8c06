#!/bin/sh
# A worker that keeps dying stops the scheduler: httpd cannot bind a port
# that another program holds, dies each time, and master gives up after
# -worker_crash_limit deaths, stops the others cleanly and exits 1. replica
# is never touched meanwhile.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root

PORT=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(60)' "$PORT" &
HOLDER=$!
trap 'kill $HOLDER 2>/dev/null; cleanup' EXIT
sleep 0.3

t0=$(now_ms)
timeout 60 "$BIN" -http_port="$PORT" -ip=127.0.0.1 -run_dir="$TMP/run" -log_dir="$TMP/logs" -native_log_file_path="$TMP/db" \
    -worker_crash_limit=4 -worker_restart_backoff=20ms -worker_crash_window=30secs >"$TMP/out" 2>&1
rc=$?
[ "$rc" = 1 ] && ok "master exited 1 after the crash loop in $(( $(now_ms) - t0 )) ms" || fail "master exited $rc"
grep -q "httpd died 4 times within 30000 ms; stopping the scheduler" "$TMP/logs/master.log" &&
	ok "master says why" || fail "no crash-loop line: $(tail -5 "$TMP/logs/master.log")"
[ "$(grep -c 'exited with code 1' "$TMP/logs/master.log")" -ge 4 ] && ok "each death logged" || fail "deaths not logged"
grep -q "cannot listen on 127.0.0.1:$PORT" "$TMP/logs/httpd.log" && ok "httpd.log says why" || fail "httpd.log"
# replica started once, was never restarted, and stopped cleanly.
[ "$(grep -c 'started replica\[' "$TMP/logs/master.log")" = 1 ] && ok "replica started once" || fail "replica restarted"
grep -q "replica\[[0-9]*\] exited with code 0" "$TMP/logs/master.log" && ok "replica stopped cleanly" || fail "replica exit"
[ -z "$(pgrep -f -- "-run_dir=$TMP/run")" ] && ok "no process left" || fail "processes left"
finish
