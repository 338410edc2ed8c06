# Helpers for the integration tests: start the real process tree on a
# loopback port in a temporary directory, drive it over HTTP, clean up.
# Sourced by tests/integration/test_*.sh (run by `make check`).

set -u
BIN=${AURORA_SCHEDULER:-$(pwd)/aurora-scheduler}
AURORA_LOG=${AURORA_LOG:-$(dirname "$BIN")/aurora-log}
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
# A sanitizer report in any process's log fails the test.
sanitizer_check() {
	if grep -l -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' \
	    "$TMP"/logs/*.log "$TMP"/*.out 2>/dev/null; then
		fail "a sanitizer reported an error (files above)"
		grep -h -A20 -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' \
		    "$TMP"/logs/*.log "$TMP"/*.out 2>/dev/null | head -60 >&2
	fi
}
finish() {
	sanitizer_check
	[ "$FAILS" -eq 0 ] && exit 0
	echo "$FAILS check(s) failed" >&2
	exit 1
}
# Workers exit without freeing what lives as long as they do.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export ASAN_OPTIONS

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "skipped: the scheduler must be started as root"
		exit 77
	fi
}

# A free loopback port.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Short paths: the IPC socket paths under -run_dir have a length limit.
TMP=$(mktemp -d /tmp/aurora-it.XXXXXX)
MASTER_PID=
cleanup() {
	if [ -n "$MASTER_PID" ] && kill -0 "$MASTER_PID" 2>/dev/null; then
		kill -TERM "$MASTER_PID" 2>/dev/null
		for _ in $(seq 1 70); do
			kill -0 "$MASTER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$MASTER_PID" 2>/dev/null
	fi
	pkill -KILL -f -- "-run_dir=$TMP/run" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

# wait_for SECONDS COMMAND...: retries every 0.05 s until it succeeds.
wait_for() {
	_limit=$1; shift
	_end=$(( $(date +%s%N) / 1000000 + _limit * 1000 ))
	while [ "$(( $(date +%s%N) / 1000000 ))" -lt "$_end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

health_ok() { [ "$(curl -s --max-time 1 "http://127.0.0.1:$PORT/health")" = "OK" ]; }

# start_tree [extra flags...]: starts master, waits for /health.
start_tree() {
	PORT=$(free_port)
	FLAGS="-http_port=$PORT -ip=127.0.0.1 -run_dir=$TMP/run -log_dir=$TMP/logs -native_log_file_path=$TMP/db -backup_dir=$TMP/backups"
	# shellcheck disable=SC2086
	"$BIN" $FLAGS "$@" >"$TMP/master.out" 2>&1 &
	MASTER_PID=$!
	if ! wait_for 20 health_ok; then
		fail "the tree did not answer /health within 20 s"
		cat "$TMP/master.out" "$TMP"/logs/*.log >&2 2>/dev/null
		return 1
	fi
}

# init_log: what an operator does once per scheduler before its first start.
init_log() {
	"$AURORA_LOG" initialize --path="$TMP/db" >"$TMP/init.out" 2>&1 ||
	    fail "aurora-log initialize: $(cat "$TMP/init.out")"
}

# var NAME: one value from /vars.
var() {
	curl -s --max-time 2 "http://127.0.0.1:$PORT/vars" | sed -n "s/^$1 //p"
}

# worker_pid NAME: the pid of a worker of our tree.
worker_pid() {
	pgrep -f -- "^aurora-scheduler: $1 --worker=$1 .*-run_dir=$TMP/run" | head -n 1
}

# now_ms: wall-clock milliseconds, for reporting how long things took.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
