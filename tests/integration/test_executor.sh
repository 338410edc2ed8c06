#!/bin/sh
# -thermos_executor_path: tasks launch with Aurora's ExecutorInfo. The
# scheduler runs on its embedded local cluster in simulation mode (nothing
# is executed, so the executor need not exist); what the cluster recorded
# of the LAUNCH (/state.json) must be the executor id thermos-<task id>,
# AuroraExecutor's name, source and label, the command
# ${MESOS_SANDBOX=.}/thermos_executor <flags>, the executor and
# -thermos_executor_resources as executable fetcher URIs, the overhead
# (cpus 0.25, mem 128) as the executor's resources, and the TaskInfo's
# data, which must decode with Apache Thrift's own TBinaryProtocol
# (python3-thrift) as that task's AssignedTask. Without the flag a task
# still has no executor. Bad flag values stop the scheduler with exit 2.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root

PY=/usr/bin/python3
. "${top_srcdir:-.}/tests/integration/client_lib.sh"
# job NAME CMDLINE
job() {
	cat >"$TMP/$1.json" <<JSON
{"name": "$1", "role": "www-data", "environment": "prod", "cluster": "local",
 "instances": 1, "service": true,
 "task": {"name": "$1", "processes": [{"name": "main", "cmdline": "$2"}],
          "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}}
JSON
}
running() { status "$1" | grep -q "status: RUNNING "; }
registered() { [ "$(var framework_registered)" = 1 ]; }
state() { curl -s --max-time 5 "http://127.0.0.1:$LC_PORT/state.json"; }

# expect_bad "what it must say" flags...: exit 2 and one line.
expect_bad() {
	_says=$1; shift
	"$BIN" "$@" -run_dir="$TMP/run" >"$TMP/out" 2>&1; _rc=$?
	if [ "$_rc" = 2 ] && grep -qF -- "$_says" "$TMP/out" && [ "$(wc -l <"$TMP/out")" = 1 ]; then
		ok "exit 2: $(cat "$TMP/out")"
	else
		fail "$* -> rc $_rc: $(cat "$TMP/out")"
	fi
}
expect_bad "-thermos_executor_path: invalid value '/usr/bin/': URI must not end with a slash." \
    -thermos_executor_path=/usr/bin/
expect_bad "-thermos_executor_resources: invalid value '/a/b.pex,,/c/d.tgz': entry 2 is empty" \
    -thermos_executor_resources=/a/b.pex,,/c/d.tgz
expect_bad "-thermos_executor_resources: invalid value 'http://example.com': entry 1 'http://example.com': malformed URI (missing path)" \
    -thermos_executor_resources=http://example.com
# Aurora takes a relative path (Mesos fetches it from the agent's
# frameworks_home): so do we.
"$BIN" -thermos_executor_path=thermos_executor.pex -help >/dev/null 2>"$TMP/out" &&
    ok "a relative -thermos_executor_path is accepted, as in Aurora" ||
    fail "relative path refused: $(cat "$TMP/out")"

# start_sim [flags...]: a tree on a simulated local cluster whose port
# we know (the last -local_cluster_port wins over lib.sh's).
start_sim() {
	LC_PORT=$(free_port)
	LOCAL_CLUSTER_FLAGS="--simulate_agents=3" start_tree \
	    -local_cluster_port="$LC_PORT" -max_registration_delay=30secs "$@" ||
	    finish
	clusters
	wait_for 30 registered || { fail "not registered: $(tail -5 "$TMP/logs/offerd.log")"; finish; }
}

init_log
start_sim -thermos_executor_path=/usr/bin/thermos_executor \
    -thermos_executor_resources=/a/b.pex,/c/d.tgz \
    -thermos_executor_flags='--announcer-ensemble localhost:2181'
job thermos "sleep 600 # {{thermos.ports[http]}}"
aurora job create local/www-data/prod/thermos "$TMP/thermos.json" >"$TMP/create.out" 2>&1 ||
    fail "create: $(cat "$TMP/create.out")"
if wait_for 30 running thermos; then
	ok "the task is RUNNING under the (simulated) executor"
else
	fail "thermos: $(status thermos)"
	tail -20 "$TMP/logs/offerd.log" >&2
fi
TASK_ID=$(status thermos | sed -n 's/.*task id: *\([^ ]*\).*/\1/p' | head -n 1)
[ -n "$TASK_ID" ] || TASK_ID=$(state | "$PY" -c 'import json, sys
print(json.load(sys.stdin)["tasks"][0]["id"])')
state >"$TMP/state.json"
if "$PY" - "$TMP/state.json" "$TASK_ID" >"$TMP/check.out" 2>&1 <<'PY'
import json
import sys

from thrift.protocol import TBinaryProtocol
from thrift.Thrift import TType
from thrift.transport import TTransport

state = json.load(open(sys.argv[1]))
want_id = sys.argv[2]
tasks = [t for t in state["tasks"] if t["id"] == want_id]
bad = []


def check(what, got, want):
    print("%s: %r" % (what, got))
    if got != want:
        bad.append("%s: %r, not %r" % (what, got, want))


check("tasks with that id", len(tasks), 1)
if not tasks:
    sys.exit(1)
t = tasks[0]
x = t["executor"] or {}
src = "www-data.prod.thermos.0"
check("executor id", x.get("id"), "thermos-" + want_id)
check("executor name", x.get("name"), "AuroraExecutor")
check("source", x.get("source"), src)
check("labels", x.get("labels"), {"source": src})
cmd = x.get("command") or {}
check("command", cmd.get("value"),
      "${MESOS_SANDBOX=.}/thermos_executor --announcer-ensemble localhost:2181")
check("shell", cmd.get("shell"), True)
check("uris", [(u["value"], u["executable"], u["extract"])
               for u in cmd.get("uris", [])],
      [("/usr/bin/thermos_executor", True, True), ("/a/b.pex", True, True),
       ("/c/d.tgz", True, True)])
r = x.get("resources") or {}
check("executor resources", (r.get("cpus"), r.get("mem"), r.get("disk")),
      (0.25, 128.0, 0.0))
check("task and executor resources", (round(t["resources"]["cpus"], 3),
                                      t["resources"]["mem"]), (0.35, 144.0))
check("task command", t["command"], cmd.get("value"))

# The data: an AssignedTask in TBinaryProtocol, read by Thrift itself.
buf = TTransport.TMemoryBuffer(bytes.fromhex(t["data"] or ""))
p = TBinaryProtocol.TBinaryProtocol(buf)


def read_struct(p, want):
    """Reads a struct; returns {id: value} for the fields in want
    (id -> reader or 'struct:{...}'), skips the others."""
    out = {}
    p.readStructBegin()
    while True:
        _, ftype, fid = p.readFieldBegin()
        if ftype == TType.STOP:
            break
        w = want.get(fid)
        if w is None:
            p.skip(ftype)
        elif isinstance(w, dict):
            check("field %d type" % fid, ftype, TType.STRUCT)
            out[fid] = read_struct(p, w)
        else:
            check("field %d type" % fid, ftype, w[0])
            out[fid] = w[1](p)
        p.readFieldEnd()
    p.readStructEnd()
    return out


def read_map(p):
    kt, vt, n = p.readMapBegin()
    check("assignedPorts types", (kt, vt), (TType.STRING, TType.I32))
    m = dict((p.readString(), p.readI32()) for _ in range(n))
    p.readMapEnd()
    return m


S = (TType.STRING, lambda p: p.readString())
a = read_struct(p, {
    1: S, 2: S, 3: S,
    4: {28: {1: S, 2: S, 3: S}, 25: {1: S, 2: S}},
    5: (TType.MAP, read_map),
    6: (TType.I32, lambda p: p.readI32()),
})
check("bytes left", len(buf.getvalue()) - buf._buffer.tell(), 0)
check("AssignedTask.taskId (1)", a.get(1), want_id)
check("AssignedTask.slaveId (2)", a.get(2), t["agent_id"])
agents = dict((g["id"], g["hostname"]) for g in state["agents"])
check("AssignedTask.slaveHost (3)", a.get(3), agents.get(t["agent_id"]))
check("AssignedTask.instanceId (6)", a.get(6), 0)
ports = a.get(5, {})
check("AssignedTask.assignedPorts (5)", list(ports), ["http"])
check("the port is the task's", "[%d-%d]" % (ports.get("http", 0),
                                             ports.get("http", 0)),
      t["resources"]["ports"])
tc = a.get(4, {})
check("TaskConfig.job (28)", tc.get(28), {1: "www-data", 2: "prod",
                                          3: "thermos"})
check("TaskConfig.executorConfig.name (25.1)", tc.get(25, {}).get(1),
      "AuroraExecutor")
for b in bad:
    print("BAD " + b)
sys.exit(1 if bad else 0)
PY
then
	ok "the LAUNCH: executor id, name, source, label, command, URIs, resources, and data that Thrift reads as the task's AssignedTask ($(wc -l <"$TMP/check.out") checks)"
else
	fail "the LAUNCH: $(grep BAD "$TMP/check.out" || cat "$TMP/check.out")"
	head -c 3000 "$TMP/state.json" >&2
fi
kill -TERM "$MASTER_PID"; wait "$MASTER_PID"; MASTER_PID=

# Without -thermos_executor_path: the command executor, as before.
rm -rf "$TMP/db" "$TMP/run" "$TMP/logs" "$TMP/local-cluster" && init_log
start_sim
job plain "sleep 600"
aurora job create local/www-data/prod/plain "$TMP/plain.json" >/dev/null 2>&1
wait_for 30 running plain || fail "plain: $(status plain)"
if state | "$PY" -c 'import json, sys
t = json.load(sys.stdin)["tasks"][0]
sys.exit(0 if t["executor"] is None and t["data"] is None and t["command"] == "(sleep 600\n)" else 1)'; then
	ok "without -thermos_executor_path: no executor, no data, the processes as the command"
else
	fail "plain: $(state | head -c 1500)"
fi
kill -TERM "$MASTER_PID"; wait "$MASTER_PID"; MASTER_PID=
finish
