#!/usr/bin/env bash
#
# run-http-bench.sh: HTTP throughput/latency of aurora-scheduler's httpd
# against a minimal single-threaded libevent evhttp server, plus the idle
# RSS of the whole scheduler process tree. Prints figures only: nothing
# here fails on timing.
#
# Run from the build directory, as root (the scheduler's master must be):
#
#	sudo bench/run-http-bench.sh
#
# Environment:
#	AURORA_SCHEDULER   the binary (default: $(pwd)/aurora-scheduler)
#	BENCH_DURATION     wrk -d per run (default: 10s)
#	BENCH_CONNECTIONS  wrk -c (default: 50)
#	BENCH_THREADS      wrk -t (default: 2)
#	BENCH_VERBOSE      1: also print wrk's raw output
#	CC                 compiler for the minimal server (default: cc)
#
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AURORA_SCHEDULER=${AURORA_SCHEDULER:-"$(pwd)/aurora-scheduler"}
BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-50}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_VERBOSE=${BENCH_VERBOSE:-0}
CC=${CC:-cc}
GOAL_RATIO=0.8
START_TIMEOUT=20	# seconds to wait for /health
STOP_TIMEOUT=7		# master stops its workers within 5 s

TMP=
MASTER_PID=
MINIMAL_PID=

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'run-http-bench: %s\n' "$*" >&2; exit 1; }

# True while $1 exists and is not a zombie.
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# Direct children of $1 (from /proc/*/stat, ppid is field 4).
children() {
	local f stat rest ppid
	for f in /proc/[0-9]*/stat; do
		stat=$(cat "$f" 2>/dev/null) || continue
		rest=${stat##*) }
		read -r _ ppid _ <<<"$rest"
		if [[ $ppid == "$1" ]]; then
			rest=${f#/proc/}
			echo "${rest%/stat}"
		fi
	done
}

# $1 and all its descendants, parents first.
tree() {
	local c
	echo "$1"
	for c in $(children "$1"); do
		tree "$c"
	done
}

# Sends SIGTERM to $1, waits up to $2 seconds, then SIGKILLs what is left
# of its tree, and reaps it (it is our child).
stop_pid() {
	local pid=$1 secs=$2 rest i
	alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	rest=$(tree "$pid")
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < secs * 10; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		log "pid $pid did not stop within ${secs}s; SIGKILL"
		# shellcheck disable=SC2086 # a list of pids
		kill -KILL $rest 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [[ -n $MASTER_PID ]]; then
		log "stopping aurora-scheduler (pid $MASTER_PID)"
		stop_pid "$MASTER_PID" "$STOP_TIMEOUT"
	fi
	if [[ -n $MINIMAL_PID ]]; then
		stop_pid "$MINIMAL_PID" 2
	fi
	if [[ -n $TMP && -d $TMP ]]; then
		rm -rf -- "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_scheduler_logs() {
	local f
	for f in "$TMP/scheduler.out" "$TMP"/logs/*.log; do
		[[ -s $f ]] || continue
		printf -- '--- %s (last 20 lines)\n' "${f#"$TMP"/}" >&2
		tail -n 20 "$f" >&2
	done
}

# A free TCP port on 127.0.0.1, below the usual ephemeral range so that
# wrk's client sockets never take it. Ports in $* are excluded.
pick_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 12000))
		[[ " $* " == *" $p "* ]] && continue
		if command -v ss >/dev/null 2>&1; then
			[[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]] || continue
		elif command -v python3 >/dev/null 2>&1; then
			python3 - "$p" <<-'EOF' 2>/dev/null || continue
				import socket, sys
				s = socket.socket()
				s.bind(("127.0.0.1", int(sys.argv[1])))
				s.close()
			EOF
		fi
		echo "$p"
		return 0
	done
	die "no free port found in 20000-31999"
}

have_libevent() {
	printf '#include <event2/http.h>\nint main(void){return 0;}\n' |
	    "$CC" -x c -o /dev/null - -levent >/dev/null 2>&1
}

ensure_tools() {
	local pkgs=()
	command -v wrk >/dev/null 2>&1 || pkgs+=(wrk)
	command -v curl >/dev/null 2>&1 || pkgs+=(curl)
	command -v "$CC" >/dev/null 2>&1 || pkgs+=(gcc libc6-dev)
	if command -v "$CC" >/dev/null 2>&1 && ! have_libevent; then
		pkgs+=(libevent-dev)
	fi
	((${#pkgs[@]} == 0)) && return 0
	command -v apt-get >/dev/null 2>&1 ||
	    die "missing: ${pkgs[*]} (and no apt-get to install them)"
	log "installing ${pkgs[*]}"
	apt-get update >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" >/dev/null
	have_libevent || die "cannot link a program with -levent"
}

# Milliseconds from a wrk latency such as 812.00us, 3.31ms, 1.20s, 1.00m.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000
		else if (u == "s") n *= 1000
		else if (u == "m") n *= 60000
		else if (u != "ms") { print "?"; exit }
		printf "%.2f", n
	}'
}

# Runs wrk against $2 and leaves "req/s p99_ms notes" in RESULT_$1.
run_wrk() {
	local key=$1 url=$2 out rps p99 notes
	out="$TMP/wrk-$key.txt"
	log "wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS -d$BENCH_DURATION $url"
	if ! wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" \
	    -d"$BENCH_DURATION" --latency "$url" >"$out" 2>&1; then
		log "wrk failed for $url:"
		cat "$out" >&2
	fi
	if [[ $BENCH_VERBOSE == 1 ]]; then
		cat "$out" >&2
	fi
	rps=$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' "$out")
	p99=$(awk '$1 == "99%" { print $2; exit }' "$out")
	[[ -n $p99 ]] && p99=$(to_ms "$p99")
	notes=$(awk '
	    /Non-2xx or 3xx responses:/ { printf "non-2xx=%s ", $NF }
	    /Socket errors:/ { sub(/.*Socket errors: /, ""); gsub(/ /, "");
		printf "socket-errors(%s) ", $0 }' "$out")
	printf -v "RESULT_$key" '%s %s %s' "${rps:-?}" "${p99:-?}" \
	    "${notes:-}"
}

# KiB of VmRSS for $1, or empty.
rss_kib() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || true
}

argv0() {
	local a
	a=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n 1) || true
	echo "${a:-?}"
}

# Per-process and total VmRSS of the tree under $1.
report_rss() {
	local pid kib total=0
	printf '%-8s %-36s %10s\n' PID PROCESS "RSS KiB"
	for pid in $(tree "$1"); do
		kib=$(rss_kib "$pid")
		[[ -n $kib ]] || continue
		total=$((total + kib))
		printf '%-8s %-36s %10s\n' "$pid" "$(argv0 "$pid")" "$kib"
	done
	printf '%-8s %-36s %10s  (%s MiB)\n' "" "total" "$total" \
	    "$(awk -v k="$total" 'BEGIN { printf "%.1f", k / 1024 }')"
}

# ---------------------------------------------------------------------

[[ $EUID -eq 0 ]] ||
    die "run as root (sudo): the scheduler's master must start as root"
[[ -x $AURORA_SCHEDULER ]] ||
    die "$AURORA_SCHEDULER: not found; build first (./configure && make)" \
	"and run from the build directory, or set AURORA_SCHEDULER"
[[ -f $SCRIPT_DIR/minimal_evhttp.c ]] ||
    die "$SCRIPT_DIR/minimal_evhttp.c: not found"
ensure_tools

# Short: -run_dir holds the IPC sockets, whose paths are length-limited.
TMP=$(mktemp -d /tmp/aurbench.XXXXXX)

log "building minimal_evhttp in $TMP"
"$CC" -O2 -o "$TMP/minimal_evhttp" "$SCRIPT_DIR/minimal_evhttp.c" -levent

PORT=$(pick_port)
log "starting $AURORA_SCHEDULER on 127.0.0.1:$PORT"
"$AURORA_SCHEDULER" -http_port="$PORT" -ip=127.0.0.1 \
    -run_dir="$TMP/run" -log_dir="$TMP/logs" \
    -native_log_file_path="$TMP/db" -backup_dir="$TMP/backups" \
    </dev/null >"$TMP/scheduler.out" 2>&1 &
MASTER_PID=$!

for ((i = 0; ; i++)); do
	if [[ $(curl -sf --max-time 1 "http://127.0.0.1:$PORT/health" \
	    2>/dev/null) == OK ]]; then
		break
	fi
	if ! alive "$MASTER_PID"; then
		wait "$MASTER_PID" && rc=0 || rc=$?
		MASTER_PID=
		show_scheduler_logs
		die "aurora-scheduler exited (status $rc) before /health answered"
	fi
	if ((i >= START_TIMEOUT * 4)); then
		show_scheduler_logs
		die "/health did not answer OK within ${START_TIMEOUT}s"
	fi
	sleep 0.25
done
log "/health is OK after ~$((i / 4))s"

# The minimal server's /vars body: a copy of ours, byte for byte.
for ((i = 0; i < 20; i++)); do
	if curl -sf --max-time 2 -o "$TMP/vars.txt" \
	    "http://127.0.0.1:$PORT/vars" && [[ -s $TMP/vars.txt ]]; then
		break
	fi
	rm -f "$TMP/vars.txt"
	sleep 0.25
done
if [[ -s $TMP/vars.txt ]]; then
	VARS_ARGS=(-b "$TMP/vars.txt")
	VARS_BYTES=$(wc -c <"$TMP/vars.txt")
else
	log "could not fetch our /vars; the minimal one serves 4096 bytes"
	VARS_ARGS=(-s 4096)
	VARS_BYTES=4096
fi

MIN_PORT=$(pick_port "$PORT")
"$TMP/minimal_evhttp" "${VARS_ARGS[@]}" "$MIN_PORT" \
    </dev/null >"$TMP/minimal.out" 2>&1 &
MINIMAL_PID=$!
for ((i = 0; ; i++)); do
	[[ $(curl -sf --max-time 1 "http://127.0.0.1:$MIN_PORT/health" \
	    2>/dev/null) == OK ]] && break
	if ! alive "$MINIMAL_PID" || ((i >= 40)); then
		cat "$TMP/minimal.out" >&2
		die "minimal_evhttp did not come up on 127.0.0.1:$MIN_PORT"
	fi
	sleep 0.25
done

RSS_BEFORE="$TMP/rss-before.txt"
report_rss "$MASTER_PID" >"$RSS_BEFORE"

# Alternate servers so that neither always runs on a warmer machine.
for ep in health vars; do
	run_wrk "ours_$ep" "http://127.0.0.1:$PORT/$ep"
	run_wrk "min_$ep" "http://127.0.0.1:$MIN_PORT/$ep"
done

log "load done; idling 2 s before measuring RSS"
sleep 2

OURS_VARS_NOW=$(curl -sf --max-time 2 "http://127.0.0.1:$PORT/vars" |
    wc -c) || OURS_VARS_NOW='?'

echo
echo "aurora-scheduler HTTP benchmark"
echo "  binary:      $AURORA_SCHEDULER"
echo "  host:        $(uname -srm), $(nproc) CPUs"
echo "  libevent:    $(pkg-config --modversion libevent 2>/dev/null ||
    echo '?')"
echo "  wrk:         -t$BENCH_THREADS -c$BENCH_CONNECTIONS" \
    "-d$BENCH_DURATION --latency (client on the same host)"
echo "  /vars body:  ours $VARS_BYTES bytes when copied," \
    "$OURS_VARS_NOW bytes now; minimal $VARS_BYTES bytes"
echo
printf '%-9s %12s %11s %12s %11s %9s  %s\n' ENDPOINT "OURS REQ/S" \
    "OURS P99" "MIN REQ/S" "MIN P99" RATIO "GOAL >= $GOAL_RATIO"
NOTES=()
for ep in health vars; do
	ours_var="RESULT_ours_$ep"
	min_var="RESULT_min_$ep"
	read -r o_rps o_p99 o_notes <<<"${!ours_var}"
	read -r m_rps m_p99 m_notes <<<"${!min_var}"
	ratio=$(awk -v o="$o_rps" -v m="$m_rps" 'BEGIN {
		if (o ~ /^[0-9]+$/ && m ~ /^[0-9]+$/ && m > 0)
			printf "%.2f", o / m
		else
			print "?"
	}')
	goal=$(awk -v r="$ratio" -v g="$GOAL_RATIO" 'BEGIN {
		if (r == "?") print "?"
		else print (r + 0 >= g + 0) ? "met" : "below"
	}')
	printf '%-9s %12s %9s ms %12s %8s ms %9s  %s\n' "/$ep" "$o_rps" \
	    "$o_p99" "$m_rps" "$m_p99" "$ratio" "$goal"
	if [[ -n $o_notes ]]; then
		NOTES+=("ours /$ep: $o_notes")
	fi
	if [[ -n $m_notes ]]; then
		NOTES+=("minimal /$ep: $m_notes")
	fi
done
if ((${#NOTES[@]} > 0)); then
	echo
	echo "wrk reported errors:"
	printf '  %s\n' "${NOTES[@]}"
fi
echo "(ratio = ours req/s / minimal req/s; the goal is >= $GOAL_RATIO)"

echo
echo "Idle RSS of the scheduler tree (VmRSS) right after start:"
cat "$RSS_BEFORE"
echo
echo "Idle RSS of the scheduler tree (VmRSS) after the load and 2 s idle:"
report_rss "$MASTER_PID"
echo
echo "For comparison, minimal_evhttp after the load:" \
    "$(rss_kib "$MINIMAL_PID") KiB"
