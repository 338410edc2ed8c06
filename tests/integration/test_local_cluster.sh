#!/bin/sh
# aurora-local-cluster, the single-machine Mesos master and agents
# (doc/local-cluster.md), driven over the Mesos v1 scheduler API by
# tests/unit/lc_check as a scheduler would: subscription and offers with
# their resources and attributes, tasks run as local processes (finishing,
# failing, killed, killed behind its back), failover with resent updates
# and reconciliation, filters, bad requests, thousands of simulated agents,
# and stopping (SIGTERM, --parent_pid gone) with the tasks' processes.
# Every cluster is started with --parent_pid of this script and stopped
# before it ends; every wait is bounded.
. "${top_srcdir:-.}/tests/integration/lib.sh"

LC=${LOCAL_CLUSTER:-${top_builddir:-.}/aurora-local-cluster}
CHECK=${LC_CHECK:-${top_builddir:-.}/tests/unit/lc_check}
case $LC in /*) ;; *) LC=$(pwd)/$LC ;; esac
case $CHECK in /*) ;; *) CHECK=$(pwd)/$CHECK ;; esac
if [ ! -x "$LC" ] || [ ! -x "$CHECK" ]; then
	echo "skipped: $LC or $CHECK is not built (make check builds lc_check)"
	exit 77
fi

CLUSTERS=
SLEEPER=
stop_clusters() {
	for _p in $CLUSTERS; do stop_lc "$_p"; done
	[ -n "$SLEEPER" ] && kill -KILL "$SLEEPER" 2>/dev/null
}
trap 'stop_clusters; cleanup' EXIT

lc_health() { [ "$(curl -s --max-time 1 "http://127.0.0.1:$LC_PORT/health")" = "OK" ]; }

# start_lc NAME [flags...]: a cluster on a free port, its work_dir
# $TMP/NAME/work, its log $TMP/NAME.out; sets LC_PORT and LC_PID.
start_lc() {
	_name=$1; shift
	LC_PORT=$(free_port)
	mkdir -p "$TMP/$_name"
	"$LC" --port="$LC_PORT" --work_dir="$TMP/$_name/work" "$@" \
	    >"$TMP/$_name.out" 2>&1 &
	LC_PID=$!
	CLUSTERS="$CLUSTERS $LC_PID"
	if ! wait_for 10 lc_health; then
		fail "$_name: no /health within 10 s: $(tail -5 "$TMP/$_name.out")"
		return 1
	fi
}

# stop_lc PID: SIGTERM, and SIGKILL if it is still there after 7 s.
stop_lc() {
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 1 70); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# scenario ARGS...: lc_check against the last cluster started; each of
# its FAIL lines is a failed check of this test.
scenario() {
	timeout 170 "$CHECK" "$LC_PORT" "$@" >"$TMP/check.out" 2>&1
	_rc=$?
	cat "$TMP/check.out"
	_f=$(grep -c '^FAIL' "$TMP/check.out")
	FAILS=$((FAILS + _f))
	[ "$_rc" -eq 0 ] || [ "$_f" -gt 0 ] || fail "lc_check $1 exited $_rc"
}

gone() { ! kill -0 "$1" 2>/dev/null; }

# --- doc/local-cluster.md documents every flag --help lists.
"$LC" --help | sed -n 's/^  --\([a-z_]*\) .*/\1/p' | grep -v '^help$' | sort >"$TMP/help"
sed -n 's/^| `--\([a-z_]*\)` |.*/\1/p' "${top_srcdir:-.}/doc/local-cluster.md" |
    sort >"$TMP/doc"
if [ -s "$TMP/help" ] && diff "$TMP/help" "$TMP/doc" >"$TMP/diff"; then
	ok "doc/local-cluster.md lists the $(wc -l <"$TMP/help") flags of --help"
else
	fail "doc/local-cluster.md and --help differ: $(cat "$TMP/diff")"
fi

# --- Bad flags: exit 2, and the message names the flag.
bad_flag() {
	_want=$1; shift
	"$LC" "$@" >"$TMP/flag.out" 2>&1
	_rc=$?
	if [ "$_rc" = 2 ] && grep -q -- "--$_want" "$TMP/flag.out"; then
		ok "$* -> exit 2, names --$_want"
	else
		fail "$*: exit $_rc: $(cat "$TMP/flag.out")"
	fi
}
bad_flag port --work_dir="$TMP/x" --port=0
bad_flag port --work_dir="$TMP/x" --port=http
bad_flag work_dir --port=5050
bad_flag ports --port=5050 --work_dir="$TMP/x" --ports=32000-31000
bad_flag attributes --port=5050 --work_dir="$TMP/x" --attributes=norack
bad_flag sim_fail_ratio --port=5050 --work_dir="$TMP/x" --simulate_agents=2 --sim_fail_ratio=2
bad_flag no_such_flag --port=5050 --work_dir="$TMP/x" --no_such_flag=1

# --- This machine as one agent: offers, tasks, bad requests.
start_lc a --heartbeat_interval=1 --allocation_interval_ms=200 \
    --kill_grace_ms=1000 --parent_pid=$$ || finish
scenario offer
scenario tasks "$TMP/a/work"
scenario errors
curl -s --max-time 5 "http://127.0.0.1:$LC_PORT/state.json" >"$TMP/state.json"
if python3 - "$TMP/state.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
a = s["agents"][0]
assert set(a["resources"]) == {"cpus", "mem", "disk", "ports"}, a
assert a["resources"]["ports"] == "[31000-32000]", a
assert set(a["attributes"]) == {"host", "rack"} and a["attributes"]["rack"] == "local", a
t = {x["id"]: x for x in s["tasks"]}
assert t["hello"]["state"] == "TASK_FINISHED" and t["hello"]["pid"] is None, t["hello"]
assert t["hello"]["command"].startswith("echo hello"), t["hello"]
assert t["docker"]["container"]["type"] == "DOCKER", t["docker"]
assert "greedy" not in t, "a task refused with TASK_ERROR is not recorded"
for k in ("launched", "finished", "failed", "killed", "offers_sent", "declines", "accepts"):
    assert isinstance(s["counters"][k], int), k
assert all(not f["connected"] for f in s["frameworks"]), s["frameworks"]
PY
then ok "/state.json: agent, tasks, counters as documented"
else fail "/state.json: $(head -c 2000 "$TMP/state.json")"
fi

# --- Failover, reconciliation, teardown; filters.
start_lc b --heartbeat_interval=1 --allocation_interval_ms=200 \
    --kill_grace_ms=1000 --parent_pid=$$ || finish
scenario failover
scenario filters

# --- --attributes replaces the list: an agent with no rack.
# With heartbeats 15 s apart, a hang-up is seen without writing to it.
start_lc c --attributes='host:x' --parent_pid=$$ || finish
scenario offer attr:host=x noattr:rack
scenario hangup

# --- Simulation: 2000 agents, offers in batches; {i} in --attributes.
start_lc d --simulate_agents=2000 --allocation_interval_ms=200 \
    --parent_pid=$$ || finish
scenario sim 2000
n=$(curl -s --max-time 10 "http://127.0.0.1:$LC_PORT/state.json" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["agents"]))')
[ "$n" = 2000 ] && ok "/state.json lists 2000 agents" || fail "/state.json: $n agents"
start_lc e --simulate_agents=3 --attributes='host:sim-{i};rack:r{i}' \
    --parent_pid=$$ || finish
scenario offer attr:host=sim-0 attr:rack=r0
scenario fuzz
start_lc f --simulate_agents=1 --sim_task_ms=300 --sim_fail_ratio=0.5 \
    --parent_pid=$$ || finish
scenario simend

# --- SIGTERM: a task that ignores SIGTERM is SIGKILLed after the grace.
start_lc g --kill_grace_ms=500 --parent_pid=$$ || finish
pid=$(timeout 30 "$CHECK" "$LC_PORT" spawn "trap '' TERM; echo ready; sleep 300" |
    sed -n 's/^pid //p')
ready() { [ "$(cat "$TMP/g/work/sandboxes/spawned/stdout" 2>/dev/null)" = ready ]; }
if [ -n "$pid" ] && [ "$pid" -gt 0 ] && wait_for 5 ready; then
	ok "a task's process $pid runs and ignores SIGTERM"
	kill -TERM "$LC_PID"
	wait_for 6 gone "$LC_PID" && ok "SIGTERM: the cluster stopped" ||
	    fail "SIGTERM: still running after 6 s"
	wait "$LC_PID"
	rc=$?
	[ "$rc" = 0 ] && ok "exit status 0" || fail "exit status $rc"
	wait_for 2 gone "$pid" && ok "the task's process is gone" ||
	    fail "process $pid survived the cluster"
	grep -q "SIGKILL" "$TMP/g.out" && ok "SIGKILL after --kill_grace_ms" ||
	    fail "no SIGKILL in $(tail -5 "$TMP/g.out")"
else
	fail "spawn: no running task ($pid)"
fi

# --- --parent_pid gone: the cluster stops and takes its tasks along.
sleep 300 &
SLEEPER=$!
start_lc h --parent_pid="$SLEEPER" --kill_grace_ms=500 || finish
pid=$(timeout 30 "$CHECK" "$LC_PORT" spawn "sleep 300" | sed -n 's/^pid //p')
if [ -n "$pid" ] && [ "$pid" -gt 0 ]; then
	kill -KILL "$SLEEPER"
	wait "$SLEEPER" 2>/dev/null
	wait_for 6 gone "$LC_PID" && ok "--parent_pid gone: the cluster stopped" ||
	    fail "--parent_pid gone: still running after 6 s"
	wait "$LC_PID"
	rc=$?
	[ "$rc" = 0 ] && ok "exit status 0" || fail "exit status $rc"
	wait_for 2 gone "$pid" && ok "the task's process is gone" ||
	    fail "process $pid survived the cluster"
else
	fail "spawn: no running task ($pid)"
fi

stop_clusters
CLUSTERS=
finish
