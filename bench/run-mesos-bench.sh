#!/bin/sh
# run-mesos-bench.sh: scheduling on a simulated cluster. Starts
# aurora-local-cluster with BENCH_AGENTS (10,000) simulated agents of 16
# CPUs, 64 GB RAM, 1 TB disk and ports 31000-32000 (attributes host and
# rack) and one scheduler registered with it, then:
#
#  1. throughput: BENCH_JOBS (100) jobs of BENCH_INSTANCES (1,000)
#     instances, created with createJob from BENCH_PARALLEL (6) clients at
#     once; the time from the first createJob until every job is created,
#     every task assigned, launched and RUNNING, tasks/s, and the CPU
#     seconds and RSS of the scheduler's processes and of the local cluster;
#  2. latency: on a fresh scheduler and a fresh cluster of the same size,
#     BENCH_SAMPLES (50) one-instance jobs one after another, each from
#     createJob until getTasksWithoutConfigs says RUNNING; p50 and p99.
#
# Prints figures only; never fails on a figure. Every wait is bounded
# (BENCH_TIMEOUT seconds, default 600, per phase).
#
# Run from the build directory, as root:
#
#	bench/run-mesos-bench.sh
#	BENCH_JOBS=10 BENCH_INSTANCES=100 bench/run-mesos-bench.sh
#
# BENCH_PERF=1 also records `perf record --call-graph dwarf` of offerd,
# of replica and of the local cluster during the throughput phase, for BENCH_PERF_SECONDS (20) from
# BENCH_PERF_DELAY (0) seconds after the first createJob, into
# BENCH_PERF_DIR (./mesos-bench-perf). BENCH_PHASES=throughput or latency
# runs one phase.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
AURORA_SCHEDULER=${AURORA_SCHEDULER:-$top_builddir/aurora-scheduler}
export top_srcdir top_builddir AURORA_SCHEDULER
. "$top_srcdir/tests/integration/lib.sh"
need_root

LC=${LOCAL_CLUSTER:-$top_builddir/aurora-local-cluster}
HELPER="$top_srcdir/bench/mesos_bench.py"
AGENTS=${BENCH_AGENTS:-10000}
JOBS=${BENCH_JOBS:-100}
INSTANCES=${BENCH_INSTANCES:-1000}
SAMPLES=${BENCH_SAMPLES:-50}
LIMIT=${BENCH_TIMEOUT:-600}
PHASES=${BENCH_PHASES:-throughput,latency}
PERF=${BENCH_PERF:-0}
PERF_SECONDS=${BENCH_PERF_SECONDS:-20}
PERF_DELAY=${BENCH_PERF_DELAY:-0}
PERF_FREQ=${BENCH_PERF_FREQ:-499}
PERF_DIR=${BENCH_PERF_DIR:-$(pwd)/mesos-bench-perf}
export BENCH_TIMEOUT="$LIMIT"
for f in "$LC" "$AURORA_SCHEDULER"; do
	[ -x "$f" ] || { echo "run-mesos-bench: build $f first (make)" >&2; exit 1; }
done
command -v python3 >/dev/null 2>&1 || { echo "run-mesos-bench: needs python3" >&2; exit 1; }

LC_PID=
PERF_PIDS=
stop_cluster() {
	[ -n "$LC_PID" ] || return 0
	kill -TERM "$LC_PID" 2>/dev/null
	for _ in $(seq 1 70); do
		kill -0 "$LC_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$LC_PID" 2>/dev/null
	wait "$LC_PID" 2>/dev/null
	LC_PID=
}
stop_tree() {
	[ -n "$MASTER_PID" ] || return 0
	kill -TERM "$MASTER_PID" 2>/dev/null
	for _ in $(seq 1 70); do
		kill -0 "$MASTER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$MASTER_PID" 2>/dev/null
	wait "$MASTER_PID" 2>/dev/null
	MASTER_PID=
	wait_for 10 _tree_gone
}
bench_cleanup() {
	for _p in $PERF_PIDS; do kill -INT "$_p" 2>/dev/null; wait "$_p" 2>/dev/null; done
	stop_tree
	stop_cluster
	cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

lc_health() { [ "$(curl -s --max-time 1 "http://127.0.0.1:$LC_PORT/health")" = "OK" ]; }
registered() { [ "$(var framework_registered)" = 1 ]; }
# All agents offered: the scheduler holds an offer from each.
all_offered() { [ "$(var outstanding_offers)" -ge "$AGENTS" ] 2>/dev/null; }

# up NAME: a fresh local cluster and a fresh scheduler registered with it;
# the previous run's logs are kept under $TMP/NAME-logs until the end.
up() {
	rm -rf "$TMP/db" "$TMP/run" "$TMP/backups" "$TMP/lc"
	LC_PORT=$(free_port)
	"$LC" --port="$LC_PORT" --work_dir="$TMP/lc" --parent_pid=$$ \
	    --simulate_agents="$AGENTS" --cpus=16 --mem_mb=65536 \
	    --disk_mb=1048576 --ports=31000-32000 --racks=100 \
	    >"$TMP/$1-cluster.log" 2>&1 &
	LC_PID=$!
	if ! wait_for 60 lc_health; then
		echo "$1: the local cluster did not answer /health within 60 s:" >&2
		tail -5 "$TMP/$1-cluster.log" >&2
		return 1
	fi
	init_log
	# lib.sh's mesos_flags names a master that never answers; a later
	# flag wins (common/flags.c), so ours is the one used.
	start_tree -cluster_name=bench -mesos_master_address="127.0.0.1:$LC_PORT" \
	    -max_registration_delay=5mins || return 1
	if ! wait_for 120 registered; then
		echo "$1: not registered with the local cluster within 120 s" >&2
		tail -5 "$TMP/logs/offerd.log" >&2
		return 1
	fi
	# Placement sees every agent from the start (offers come in
	# batches of 1000 each allocation interval).
	wait_for 120 all_offered ||
	    echo "$1: note: only $(var outstanding_offers) of $AGENTS agents offered after 120 s"
	return 0
}
down() {
	stop_tree
	stop_cluster
	mv "$TMP/logs" "$TMP/$1-logs" 2>/dev/null
}

# scan_logs NAME: the WARN, ERROR and FATAL lines the run left in the
# scheduler's logs, counted by wording (numbers and ids made N and ID).
scan_logs() {
	cat "$TMP/$1-logs"/*.log 2>/dev/null | grep -E ' (WARN|ERROR|FATAL) ' |
	    sed "s|$TMP|\$TMP|g" |
	    sed 's/^[^ ]* //; s/[0-9a-f]\{8\}-[0-9a-f-]*[0-9a-f]/ID/g; s/[0-9][0-9]*/N/g' |
	    sort | uniq -c | sort -rn >"$TMP/$1-warnings"
	[ -s "$TMP/$1-warnings" ] || return 0
	echo "  the scheduler's logs: $(awk '{ n += $1 } END { print n }' "$TMP/$1-warnings") WARN/ERROR/FATAL line(s), most frequent:"
	head -5 "$TMP/$1-warnings" | cut -c1-200 | sed 's/^/   /'
}

perf_start() {
	[ "$PERF" = 1 ] || return 0
	command -v perf >/dev/null 2>&1 || { echo "  (BENCH_PERF=1: perf is not installed)"; return 0; }
	mkdir -p "$PERF_DIR"
	for w in offerd replica local-cluster; do
		case $w in
		local-cluster) _p=$LC_PID ;;
		*) _p=$(worker_pid "$w") ;;
		esac
		[ -n "$_p" ] || continue
		# DWARF call graphs: the build has debug info but no frame
		# pointers, and -g alone attributes leaf calls (strcmp) to
		# nobody.
		(sleep "$PERF_DELAY"; exec perf record -F "$PERF_FREQ" \
		    --call-graph dwarf,16384 -o "$PERF_DIR/$w.data" -p "$_p" \
		    -- sleep "$PERF_SECONDS") >"$PERF_DIR/$w.out" 2>&1 &
		PERF_PIDS="$PERF_PIDS $!"
	done
}
perf_finish() {
	[ -n "$PERF_PIDS" ] || return 0
	for _p in $PERF_PIDS; do wait "$_p" 2>/dev/null; done
	PERF_PIDS=
	echo "perf: $PERF_DIR/{offerd,replica,local-cluster}.data (perf report -i FILE --no-children)"
}

echo "cluster: $AGENTS simulated agents, 16 CPUs, 65536 MB, 1048576 MB disk, ports 31000-32000 each"
echo "tasks: 0.1 CPU, 16 MB RAM, 16 MB disk, no port"

case ",$PHASES," in *,throughput,*)
	if up throughput; then
		perf_start
		BENCH_MASTER_PID=$MASTER_PID BENCH_CLUSTER_PID=$LC_PID \
		    python3 "$HELPER" load "$PORT" "$JOBS" "$INSTANCES"
		perf_finish
	fi
	down throughput
	scan_logs throughput
	;;
esac

case ",$PHASES," in *,latency,*)
	if up latency; then
		python3 "$HELPER" latency "$PORT" "$SAMPLES"
	fi
	down latency
	scan_logs latency
	;;
esac
exit 0
