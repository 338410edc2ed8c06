#!/bin/sh
# monit with contrib's check starts the scheduler; after kill -9 of master
# (its workers die with it), monit brings the scheduler back and /health
# answers "OK" again. Uses Debian's monit with a one-second cycle.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
command -v monit >/dev/null || { echo "skipped: monit is not installed"; exit 77; }

PORT=$(free_port)
MONIT_PID=
stop_monit() {
	[ -n "$MONIT_PID" ] && kill -TERM "$MONIT_PID" 2>/dev/null && wait "$MONIT_PID" 2>/dev/null
	m=$(pgrep -f -- "^$BIN .*-run_dir=$TMP/run")
	[ -n "$m" ] && kill -TERM $m 2>/dev/null
	for _ in $(seq 1 70); do
		[ -z "$(pgrep -f -- "-run_dir=$TMP/run")" ] && break
		sleep 0.1
	done
	cleanup
}
trap stop_monit EXIT

cat >"$TMP/start.sh" <<EOS
#!/bin/sh
exec "$BIN" -http_port=$PORT -ip=127.0.0.1 -run_dir=$TMP/run -log_dir=$TMP/logs -native_log_file_path=$TMP/db >>$TMP/scheduler.out 2>&1
EOS
chmod +x "$TMP/start.sh"

# contrib's check, pointed at this run's start script and port.
sed -e "s|/usr/local/share/aurora-scheduler/scheduler.sh|$TMP/start.sh|" \
    -e "s|port 8081|port $PORT|" \
    "${top_srcdir:-.}/contrib/monit/aurora-scheduler.monitrc" >"$TMP/aurora.monitrc"
cat >"$TMP/monitrc" <<EOS
set daemon 1
set logfile $TMP/monit.log
set pidfile $TMP/monit.pid
set idfile $TMP/monit.id
set statefile $TMP/monit.state
include $TMP/aurora.monitrc
EOS
chmod 600 "$TMP/monitrc"

monit -c "$TMP/monitrc" -I >"$TMP/monit.out" 2>&1 &
MONIT_PID=$!

master() { pgrep -f -- "^$BIN .*-run_dir=$TMP/run" | head -n 1; }
if wait_for 60 health_ok; then
	ok "monit started the scheduler"
else
	fail "monit did not start the scheduler"; cat "$TMP/monit.log" >&2; finish
fi
# Let monit run a few cycles with the scheduler up before the kill.
sleep 3
old=$(master)
t0=$(now_ms)
kill -KILL "$old"
if wait_for 90 sh -c "p=\$(pgrep -f -- '^$BIN .*-run_dir=$TMP/run' | head -n 1); [ -n \"\$p\" ] && [ \"\$p\" != $old ]" &&
    wait_for 30 health_ok; then
	ok "monit restarted the scheduler after kill -9 of master in $(( $(now_ms) - t0 )) ms"
else
	fail "the scheduler did not come back"; tail -20 "$TMP/monit.log" >&2
fi
[ "$(curl -s "http://127.0.0.1:$PORT/health")" = "OK" ] && ok "/health is OK again" || fail "/health"
# The old tree is gone: its workers died with their master.
sleep 0.5
n=$(pgrep -f -- "^aurora-scheduler: .*-run_dir=$TMP/run" | wc -l)
[ "$n" = 3 ] && ok "three workers, none left from the old tree" || fail "$n workers: $(pgrep -fa -- "-run_dir=$TMP/run")"
finish
