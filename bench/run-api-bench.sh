#!/bin/sh
# run-api-bench.sh: Aurora's API on one scheduler. Creates a job of
# BENCH_INSTANCES (4,000) instances with createJob (time until the
# answer, i.e. until it is in the log and applied), then reads its tasks
# with getTasksWithoutConfigs at 1 and 50 connections in both Thrift
# protocols (wrk: requests/s, p50, p99), and prints the bytes the log
# took per task and the answer's bytes per task. Prints figures only.
#
# Run from the build directory, as root:
#
#	bench/run-api-bench.sh
#
# Environment: BENCH_DURATION (wrk -d, default 10s), BENCH_INSTANCES.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
AURORA_SCHEDULER=${AURORA_SCHEDULER:-$top_builddir/aurora-scheduler}
export top_srcdir top_builddir AURORA_SCHEDULER
. "$top_srcdir/tests/integration/lib.sh"
need_root
DURATION=${BENCH_DURATION:-10s}
INSTANCES=${BENCH_INSTANCES:-4000}
RECODE="$top_builddir/tests/unit/thrift_recode"
command -v wrk >/dev/null 2>&1 || { echo "run-api-bench: needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$RECODE" ] || { echo "run-api-bench: build $RECODE first (make check TESTS=)" >&2; exit 1; }

init_log
start_tree -cluster_name=bench || finish
wait_for 10 leads || { echo "not leading" >&2; finish; }

key='{"1":{"str":"www-data"},"2":{"str":"prod"},"3":{"str":"bench"}}'
task='{"28":{"rec":'$key'},"17":{"rec":{"2":{"str":"www-data"}}},"7":{"tf":1},"13":{"i32":1},"32":{"set":["rec",4,{"1":{"dbl":0.1}},{"2":{"i64":64}},{"3":{"i64":64}},{"4":{"str":"http"}}]},"25":{"rec":{"1":{"str":"AuroraExecutor"},"2":{"str":"{\"name\": \"bench\", \"task\": {\"processes\": [{\"name\": \"hello\", \"cmdline\": \"while true; do echo hello; sleep 10; done\"}]}}"}}}}'
printf '%s' '[1,"createJob",1,0,{"1":{"rec":{"9":{"rec":'"$key"'},"7":{"rec":{"2":{"str":"www-data"}}},"6":{"rec":'"$task"'},"8":{"i32":'"$INSTANCES"'}}}}]' >"$TMP/create.json"
printf '%s' '[1,"getTasksWithoutConfigs",1,0,{"1":{"rec":{"11":{"set":["rec",1,'"$key"']}}}}]' >"$TMP/get.json"
"$RECODE" json binary <"$TMP/get.json" >"$TMP/get.binary"

bytes0=$(var scheduler_log_bytes_written)
t0=$(now_ms)
out=$(curl -s --max-time 120 -H 'Content-Type: application/json' \
    --data-binary @"$TMP/create.json" "http://127.0.0.1:$PORT/api")
t1=$(now_ms)
echo "$out" | grep -q '"1":{"i32":1}' || { echo "createJob failed: $out" >&2; finish; }
bytes1=$(var scheduler_log_bytes_written)
echo "createJob of $INSTANCES instances: $((t1 - t0)) ms until acknowledged"
echo "log bytes per task: $(( (bytes1 - bytes0) / INSTANCES ))"

for proto in json binary; do
	if [ $proto = json ]; then ctype=application/vnd.apache.thrift.json; else ctype=application/vnd.apache.thrift.binary; fi
	size=$(curl -s -o /dev/null -w '%{size_download}' -H "Content-Type: $ctype" -H "Accept: $ctype" \
	    --data-binary @"$TMP/get.$proto" "http://127.0.0.1:$PORT/api")
	echo "getTasksWithoutConfigs ($proto): $size bytes, $((size / INSTANCES)) per task"
	cat >"$TMP/post.lua" <<EOF
local f = io.open("$TMP/get.$proto", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "$ctype"
wrk.headers["Accept"] = "$ctype"
EOF
	for c in 1 50; do
		t=$((c < 2 ? 1 : 2))
		wrk -t$t -c$c -d"$DURATION" --latency -s "$TMP/post.lua" \
		    "http://127.0.0.1:$PORT/api" >"$TMP/wrk.txt" 2>&1
		rps=$(sed -n 's/^Requests\/sec: *//p' "$TMP/wrk.txt")
		p50=$(sed -n 's/^ *50% *//p' "$TMP/wrk.txt")
		p99=$(sed -n 's/^ *99% *//p' "$TMP/wrk.txt")
		non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$TMP/wrk.txt")
		echo "getTasksWithoutConfigs ($proto, $c conn): $rps req/s, p50 $p50, p99 $p99${non2xx:+, $non2xx non-2xx}"
	done
done
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null
finish
