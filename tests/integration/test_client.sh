#!/bin/sh
# The aurora command-line client (client/) against one scheduler: exit
# codes and messages for network errors, bad configs and bad arguments,
# then the job life cycle (create, status, list, add, restart, kill,
# killall, kills that time out), quotas (aurora_admin set_quota, aurora
# quota get), scheduler_snapshot and prune_tasks. Tasks reach RUNNING and
# KILLED through stand_in_agent.py, which plays the agents' part with
# forceTaskState.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root

AURORA=${AURORA_CLIENT:-${top_builddir:-.}/aurora}
case $AURORA in /*) ;; *) AURORA=$(pwd)/$AURORA ;; esac
CONF=$TMP/conf
mkdir -p "$CONF"
ln -s "$AURORA" "$TMP/aurora_admin"
# HOME too, so that the runner's ~/.aurora plays no part.
aurora() { AURORA_CONFIG_ROOT=$CONF HOME=$TMP AURORA_CLIENT_TIMEOUT=5 "$AURORA" "$@"; }
admin() { AURORA_CONFIG_ROOT=$CONF HOME=$TMP AURORA_CLIENT_TIMEOUT=5 "$TMP/aurora_admin" "$@"; }
# run CMD...: its output (both streams) in $out, its exit code in $rc.
run() { out=$("$@" 2>&1); rc=$?; }
# expect RC TEXT WHAT: the last run exited RC and printed TEXT.
expect() {
	if [ "$rc" = "$1" ] && printf '%s\n' "$out" | grep -qF -- "$2"; then
		ok "$3"
	else
		fail "$3: exit $rc (want $1), output: $out"
	fi
}
# sub and leaf: scheduler_uri paths, which "api" is joined onto (urljoin).
clusters() {
	printf '[{"name": "local", "scheduler_uri": "http://127.0.0.1:%s"},
 {"name": "zk", "zk": "127.0.0.1", "zk_port": %s},
 {"name": "sub", "scheduler_uri": "http://127.0.0.1:%s/aurora/"},
 {"name": "leaf", "scheduler_uri": "http://127.0.0.1:%s/aurora"}]\n' \
	    "$1" "$2" "$1" "$1" >"$CONF/clusters.json"
}
job() {
	cat >"$TMP/hello.json" <<JSON
{"name": "hello", "role": "www-data", "environment": "prod", "cluster": "local",
 "instances": ${1:-2}, "service": true, "constraints": {"host": "limit:1"},
 "task": {"name": "hello", "processes": [{"name": "sleep", "cmdline": "sleep 600"}],
          "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}}
JSON
}
job

# --- Without a scheduler: what fails before or instead of a call.
DEAD=$(free_port)
clusters "$DEAD" "$(free_port)"
run aurora job status local/www-data/prod/hello
expect 7 "127.0.0.1:$DEAD: Connection refused" "no scheduler: exit 7 naming host:port and errno"
run aurora job create local/www-data/prod/hello "$TMP/hello.json"
expect 7 "127.0.0.1:$DEAD" "create without a scheduler: exit 7"
run aurora job list zk/www-data
expect 7 "Failed to connect to Zookeeper" "ZooKeeper down: exit 7"
run aurora job create local/www-data/devel/hello "$TMP/hello.json"
expect 3 "Could not find job local/www-data/devel/hello" "key not in the config: exit 3"
printf '%s\n' "$out" | grep -qF "  local/www-data/prod/hello" &&
    ok "key mismatch lists the candidates" || fail "candidates: $out"
printf '{"name": "hello",\n "role": }\n' >"$TMP/broken.json"
run aurora job create local/www-data/prod/hello "$TMP/broken.json"
expect 3 "$TMP/broken.json:2:" "bad JSON: exit 3 naming file and line"
sed 's/"cpu": 0.1/"cpu": "lots"/' "$TMP/hello.json" >"$TMP/badcpu.json"
run aurora job create local/www-data/prod/hello "$TMP/badcpu.json"
expect 3 'job.task.resources.cpu: expected a number, got "lots"' "bad field: exit 3 naming field and value"
run aurora job create nosuch/www-data/prod/hello "$TMP/hello.json"
expect 3 "Could not find job nosuch/www-data/prod/hello" "cluster not in the config: exit 3"
run aurora job status nosuch/www-data/prod/hello
expect 3 "Unknown cluster: nosuch" "unknown cluster: exit 3"
run aurora job status nosuch/www-data
expect 3 "Unknown cluster: nosuch" "status of a partial key on an unknown cluster: exit 3"
run aurora job list nosuch/www-data
expect 3 "Unknown cluster: nosuch" "list on an unknown cluster: exit 3"
run admin scheduler_snapshot nosuch
expect 1 "Unknown cluster: nosuch. Known clusters: local, zk, sub, leaf" \
    "aurora_admin: unknown cluster exits 1 naming the known ones"
run env AURORA_CONFIG_ROOT="$CONF" HOME="$TMP" AURORA_CLIENT_TIMEOUT=abc "$AURORA" job list local
expect 3 "AURORA_CLIENT_TIMEOUT: expected a positive number of seconds, got 'abc'" \
    "AURORA_CLIENT_TIMEOUT not a number: exit 3 naming it"
run env AURORA_CONFIG_ROOT="$CONF" HOME="$TMP" AURORA_CLIENT_TIMEOUT=-5 "$TMP/aurora_admin" get_scheduler local
expect 1 "AURORA_CLIENT_TIMEOUT: expected a positive number of seconds, got '-5'" \
    "AURORA_CLIENT_TIMEOUT negative: aurora_admin exits 1"
run env AURORA_CONFIG_ROOT="$CONF" HOME="$TMP" AURORA_CLIENT_TIMEOUT=99999999999999999999 \
    "$AURORA" job status local/www-data/prod/hello
expect 7 "127.0.0.1:$DEAD: Connection refused" "AURORA_CLIENT_TIMEOUT huge: clamped, not overflowed"
run aurora job kill local/www-data/prod/hello
expect 6 "The instances list cannot be omitted in a kill command" "kill without instances: exit 6"
run aurora job kill local/www-data/prod/hello/3-1
expect 6 "Invalid instance range" "bad instance range: exit 6"
run aurora job frobnicate
expect 5 "unknown verb 'frobnicate'" "unknown verb: exit 5"
run aurora job create local/www-data/prod/hello
expect 5 "usage: aurora job create" "missing argument: exit 5"
run aurora job status --bogus local/www-data
expect 5 "unrecognized arguments: --bogus" "unknown option: exit 5"
run admin set_quota local www-data 1 1G
expect 1 "Incorrect parameters for set_quota" "aurora_admin: wrong argument count exits 1"
# A redirect whose Location does not parse leaves the address called alone.
REDIR=$(free_port)
python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(307)
        self.send_header("Location", "http://elsewhere:99999/api")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$REDIR" &
EXTRA_PIDS="${EXTRA_PIDS:-} $!"
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$REDIR/" || fail "redirecting server not up"
echo "[{\"name\": \"local\", \"scheduler_uri\": \"http://127.0.0.1:$REDIR\"}]" >"$CONF/clusters.json"
run aurora job list local/www-data
expect 7 "Error: 127.0.0.1:$REDIR redirected to 'http://elsewhere:99999/api'; giving up" \
    "a bad redirect: exit 7 naming the address called"
echo "[{\"name\": \"my local\", \"scheduler_uri\": \"http://127.0.0.1:$DEAD\"}]" >"$CONF/clusters.json"
run aurora job status "my local/www-data/prod/hello"
expect 7 "127.0.0.1:$DEAD: Connection refused" "a cluster name need not be an identifier (as in Aurora)"
echo '[{"name": "local", "zk_port": "x"}]' >"$CONF/clusters.json"
run aurora job status local/www-data/prod/hello
expect 3 "$CONF/clusters.json: cluster 'local': zk_port" "bad clusters.json: exit 3 naming file and field"

# --- With a scheduler.
init_log
start_tree -cluster_name=local || finish
wait_for 10 leads || fail "not leading: $(tail -5 "$TMP/logs/replica.log")"
clusters "$PORT" "$(free_port)"

# --wait-until=RUNNING with nothing to run the tasks: the timeout.
run aurora job create --wait-until=RUNNING --wait-timeout=2 local/www-data/prod/hello "$TMP/hello.json"
expect 9 "Instances (all) of local/www-data/prod/hello did not reach RUNNING within 2 seconds" \
    "--wait-until=RUNNING without agents: exit 9 after --wait-timeout"
printf '%s\n' "$out" | grep -q "local/www-data/prod/hello: PENDING: 2" &&
    ok "--wait-until printed the PENDING count" || fail "wait output: $out"
run aurora job killall --wait-timeout=30 --no-batching local/www-data/prod/hello
expect 0 "Job killall succeeded" "killall of PENDING tasks (deleted)"
run aurora job status local/www-data/prod/hello
expect 6 "Found no jobs matching local/www-data/prod/hello" "after that killall: no tasks left"

python3 "${top_srcdir:-.}/tests/integration/stand_in_agent.py" "$PORT" www-data 120 &
EXTRA_PIDS="${EXTRA_PIDS:-} $!"

run admin get_scheduler local
expect 0 "Found leading scheduler at: http://127.0.0.1:$PORT" "aurora_admin get_scheduler"
run aurora job status local/www-data/prod/hello
expect 6 "Found no jobs matching local/www-data/prod/hello" "status of no job: exit 6"
run aurora job status --write-json local/www-data/prod/hello
expect 0 '{"jobspec":"local/www-data/prod/hello","error":"No matching jobs found"}' "status --write-json of no job: exit 0"
run aurora job status --write-json 'local/we"b\x'
printf '%s\n' "$out" | python3 -c '
import json, sys
assert json.load(sys.stdin)["jobspec"] == "local/we\"b\\x/*/*"
' && [ "$rc" = 0 ] && ok "status --write-json escapes the jobspec" || fail "jobspec json: $rc $out"
run aurora job killall --no-batching local/www-data/prod/nothing
expect 0 "Job killall succeeded" "killall --no-batching: no lookup first, as Aurora"

run aurora job create --wait-until=RUNNING --wait-timeout=30 local/www-data/prod/hello "$TMP/hello.json"
expect 0 "Job create succeeded: job url=http://127.0.0.1:$PORT/scheduler/www-data/prod/hello" "create --wait-until=RUNNING"
printf '%s\n' "$out" | grep -q "RUNNING: 2" && ok "--wait-until printed the counts per state" ||
    fail "wait output: $out"
run aurora job create local/www-data/prod/hello "$TMP/hello.json"
expect 4 "Job creation failed due to error:" "creating it again: exit 4 with the scheduler's message"

run aurora job status local/www-data/prod/hello
expect 0 "Active tasks (2):" "status: two active tasks"
printf '%s\n' "$out" | grep -q "Task role: www-data, env: prod, name: hello, instance: 1, status: RUNNING" &&
    printf '%s\n' "$out" | grep -qF "CPU: 0.1 core(s), RAM: 16 MB, Disk: 16 MB" &&
    ok "status: task lines and resources as Aurora prints them" || fail "status text: $out"
run aurora job status --write-json local/www-data
expect 0 '"job": "local/www-data/prod/hello"' "status --write-json with a partial key"
printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d) == 1 and len(d[0]["active"]) == 2, d
t = d[0]["active"][0]
assert t["status"] == "RUNNING" and t["assignedTask"]["instanceId"] == 0, t
assert t["assignedTask"]["task"]["isService"] is True, t
' && ok "status --write-json parses, statuses by name" || fail "status json: $out"

run aurora job list local/www-data
expect 0 "local/www-data/prod/hello" "list by role"
run aurora job list local/nobody
[ "$rc" = 0 ] && [ -z "$out" ] && ok "list of a role without jobs: nothing" || fail "list nobody: $rc $out"
run aurora job list leaf/www-data
expect 0 "leaf/www-data/prod/hello" "scheduler_uri http://h:p/aurora: calls go to /api (urljoin)"
run aurora job list sub/www-data
expect 7 "http://127.0.0.1:$PORT/aurora/api answered HTTP 404" "scheduler_uri http://h:p/aurora/: calls go to /aurora/api"

run aurora job add --wait-until=RUNNING --wait-timeout=30 local/www-data/prod/hello/0 1
expect 0 "local/www-data/prod/hello: RUNNING: 1" "add one instance from instance 0's config"
run aurora job add local/www-data/prod/hello/7 1
expect 6 "Invalid instance parameter: [7]" "add from an instance that is not active: exit 6"

run aurora job restart local/www-data/prod/hello/1
expect 0 "Job local/www-data/prod/hello restarted successfully" "restart one instance"
before=$(var scheduler_thrift_restartShards_events)
run aurora job restart local/www-data/prod/hello
expect 0 "Job local/www-data/prod/hello restarted successfully" "restart all active instances"
after=$(var scheduler_thrift_restartShards_events)
[ $((${after:-0} - ${before:-0})) = 3 ] &&
    ok "restart: one instance per call (--batch-size 1, as Aurora)" || fail "restart batches"
# The stand-in agent brings the restarted instances back; the kill below
# is of a RUNNING instance, not of one between its restart and its return.
back() { [ "$(aurora job status local/www-data/prod/hello 2>&1 | grep -c 'status: RUNNING ')" = 3 ]; }
wait_for 30 back || fail "after the restart: $(aurora job status local/www-data/prod/hello 2>&1 | grep status:)"

run aurora job kill --wait-timeout=30 --message="test kill" local/www-data/prod/hello/2
expect 0 "Successfully killed instances [2]" "kill instance 2"
printf '%s\n' "$out" | grep -q "Job kill succeeded" && ok "kill: Job kill succeeded" || fail "kill: $out"
run aurora job status local/www-data/prod/hello
expect 0 "Active tasks (2):" "after the kill: two active"
printf '%s\n' "$out" | grep -q "KILLING: Killed by UNSECURE." && printf '%s\n' "$out" | grep -q "test kill" &&
    printf '%s\n' "$out" | grep -q "Inactive tasks" && ok "the kill message is in the killed task's events" ||
    fail "kill message: $out"
run aurora job killall --wait-timeout=30 --no-batching local/www-data/prod/hello
expect 0 "Job killall succeeded" "killall"
run aurora job status local/www-data/prod/hello
expect 0 "Active tasks (0):" "after killall: nothing active"
printf '%s\n' "$out" | grep -q "Inactive tasks (" && ok "after killall: the killed tasks are inactive" ||
    fail "after killall: $out"
run aurora job killall --wait-timeout=30 local/www-data/prod/hello
expect 6 "No tasks to kill found for job local/www-data/prod/hello" "killall of nothing: exit 6"
run aurora job restart local/www-data/prod/hello
expect 0 "Job local/www-data/prod/hello restarted successfully" "restart with nothing active: success, as Aurora"

# Kills that do not finish: the agent runs this role's tasks, then stops.
sed 's/"www-data"/"stuck"/' "$TMP/hello.json" >"$TMP/stuck.json"
python3 "${top_srcdir:-.}/tests/integration/stand_in_agent.py" "$PORT" stuck 3 &
AGENT=$!
run aurora job create --wait-until=RUNNING --wait-timeout=30 local/stuck/prod/hello "$TMP/stuck.json"
expect 0 "Job create succeeded" "create a job whose kills will hang"
wait "$AGENT"
run aurora job kill --no-batching --wait-timeout=1 local/stuck/prod/hello/0
expect 9 "Instances [0] were not killed in time" "kill --no-batching timing out: exit 9"
printf '%s\n' "$out" | grep -q "did not reach" && fail "kill timeout: two messages: $out" ||
    ok "kill timeout: Aurora's message only"
run aurora job kill --wait-timeout=1 local/stuck/prod/hello/1
expect 4 "Exceeded maximum number of errors while killing instances" "batched kill timing out: exit 4"
printf '%s\n' "$out" | grep -qF "Instances [1] were not killed in time" &&
    ok "batched kill timeout names the batch" || fail "batch timeout: $out"
run aurora job killall --no-batching --wait-timeout=1 local/stuck/prod/hello
expect 9 "Instances None were not killed in time" "killall --no-batching timing out: exit 9"

run admin set_quota local www-data 2 4096 8G
expect 0 "Response from scheduler: OK" "aurora_admin set_quota"
run aurora quota get local/www-data
expect 0 "Allocated:" "quota get"
[ "$(printf '%s\n' "$out" | sed -n 2,4p)" = "  CPU: 2.0 core(s)
  RAM: 4096 MB
  Disk: 8192 MB" ] && ok "quota get: the quota set, in Aurora's layout" || fail "quota: $out"
run aurora quota get --write-json local/www-data
expect 0 '"numCpus":2' "quota get --write-json"
run admin increase_quota local www-data 1 0 0
expect 0 "Response from scheduler: OK" "aurora_admin increase_quota"
run aurora quota get local/www-data
expect 0 "CPU: 3.0 core(s)" "increase_quota added to the quota"
run admin scheduler_snapshot local
expect 0 "Response from scheduler: OK" "aurora_admin scheduler_snapshot"
run admin prune_tasks --states=RUNNING local
expect 1 "Failed to prune tasks: Tasks in non-terminal state cannot be pruned." \
    "aurora_admin prune_tasks refused: exit 1"
run admin prune_tasks --role=www-data local
[ "$rc" = 0 ] && [ "$out" = "Tasks pruned." ] && ok "aurora_admin prune_tasks: Aurora's one line" ||
    fail "prune_tasks: $rc $out"
run aurora job status local/www-data/prod/hello
expect 6 "Found no jobs matching" "the pruned tasks are gone"

finish
