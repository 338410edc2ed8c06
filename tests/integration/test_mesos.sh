#!/bin/sh
# The scheduler on its embedded local cluster, as a newcomer runs it: the
# leader registers (framework_registered, ACTIVE, the framework id
# stored), a batch job's `echo hello` runs to FINISHED with its output in
# the task's sandbox, a failing batch task is retried up to
# max_task_failures, a service whose process exits is rescheduled, a kill
# ends the process, a task whose process is killed behind the scheduler's
# back is rescheduled. Then an agent without a rack takes nothing, and a
# master that is not there stops the scheduler with Aurora's line.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root

. "${top_srcdir:-.}/tests/integration/client_lib.sh"
# job NAME SERVICE MAX_FAILURES CMDLINE: a one-instance job's config.
job() {
	cat >"$TMP/$1.json" <<JSON
{"name": "$1", "role": "www-data", "environment": "prod", "cluster": "local",
 "instances": 1, "service": $2, "max_task_failures": $3,
 "task": {"name": "$1", "processes": [{"name": "main", "cmdline": "$4"}],
          "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}}
JSON
}
has() { [ "$(count "$1" "$2")" -ge "${3:-1}" ]; }
# sandbox_of JOB: the sandbox of the job's newest task (by its id).
sandbox_of() {
	ls -d "$TMP"/local-cluster/sandboxes/www-data-prod-"$1"-0-* 2>/dev/null |
	    head -n 1
}

init_log
LOCAL_CLUSTER_FLAGS="" start_tree -max_registration_delay=30secs || finish
clusters
if wait_for 30 sh -c "[ \"\$(curl -s http://127.0.0.1:$PORT/vars | sed -n 's/^framework_registered //p')\" = 1 ]"; then
	ok "the leader registered with the local cluster"
else
	fail "framework_registered: $(var framework_registered)"
	tail -20 "$TMP"/logs/offerd.log >&2
	finish
fi
wait_for 10 sh -c "[ \"\$(curl -s http://127.0.0.1:$PORT/vars | sed -n 's/^scheduler_lifecycle_ACTIVE //p')\" = 1 ]" &&
    ok "lifecycle LEADER_AWAITING_REGISTRATION -> ACTIVE" ||
    fail "not ACTIVE: $(curl -s "http://127.0.0.1:$PORT/vars" | grep scheduler_lifecycle_)"
grep -q "saving the framework id" "$TMP/logs/replica.log" &&
    ok "the framework id is stored" || fail "no framework id saved"

# A batch job: echo hello, FINISHED, output in the sandbox.
job hello false 1 "echo hello from aurora"
aurora job create local/www-data/prod/hello "$TMP/hello.json" >"$TMP/create.out" 2>&1 ||
    fail "create hello: $(cat "$TMP/create.out")"
if wait_for 30 has hello FINISHED; then
	ok "echo hello ran to FINISHED"
else
	fail "hello did not finish: $(status hello)"
	tail -20 "$TMP"/logs/offerd.log "$TMP"/logs/local_cluster.log >&2
fi
SB=$(sandbox_of hello)
[ -n "$SB" ] && grep -q "hello from aurora" "$SB/stdout" &&
    ok "its output is in the sandbox's stdout" || fail "sandbox ${SB:-none}: $(cat "$SB/stdout" 2>&1)"
status hello | grep -q "STARTING" && status hello | grep -q "RUNNING" &&
    ok "the task went through STARTING and RUNNING" || fail "events: $(status hello)"

# A batch task that fails is retried until max_task_failures.
job flaky false 2 "exit 3"
aurora job create local/www-data/prod/flaky "$TMP/flaky.json" >/dev/null 2>&1
if wait_for 40 has flaky FAILED 2; then
	ok "a failing batch task ran max_task_failures=2 times"
else
	fail "flaky: $(status flaky)"
fi
sleep 2
[ "$(count flaky FAILED)" = 2 ] && [ "$(status flaky | grep -c 'status: PENDING\|status: RUNNING\|status: ASSIGNED\|status: STARTING')" = 0 ] &&
    ok "and not a third time" || fail "flaky after the limit: $(status flaky)"
status flaky | grep -q "Command exited with status 3" &&
    ok "the failure's message is the executor's" || fail "message: $(status flaky)"

# A service whose process exits is rescheduled.
job svc true -1 "sleep 1"
aurora job create local/www-data/prod/svc "$TMP/svc.json" >/dev/null 2>&1
if wait_for 40 has svc FINISHED 2; then
	ok "a service whose process exits is started again"
else
	fail "svc: $(status svc)"
fi
aurora job killall local/www-data/prod/svc >/dev/null 2>&1

# A kill ends the process.
job sleeper true -1 "sleep 600 # sleeper-$$"
aurora job create local/www-data/prod/sleeper "$TMP/sleeper.json" >/dev/null 2>&1
wait_for 30 has sleeper RUNNING && ok "a service reached RUNNING" || fail "sleeper: $(status sleeper)"
wait_for 10 pgrep -f "[s]leeper-$$" >/dev/null && ok "its process runs" || fail "no sleeper process"
# Behind the scheduler's back: FAILED, and a new task takes its place.
pkill -KILL -f "[s]leeper-$$"
if wait_for 40 sh -c "[ \"\$(AURORA_CONFIG_ROOT=$CONF HOME=$TMP $AURORA job status local/www-data/prod/sleeper 2>&1 | grep -c 'status: RUNNING ')\" = 1 ] && AURORA_CONFIG_ROOT=$CONF HOME=$TMP $AURORA job status local/www-data/prod/sleeper 2>&1 | grep -q 'status: FAILED '"; then
	ok "a process killed behind its back: FAILED, and rescheduled to RUNNING"
else
	fail "after the kill -9: $(status sleeper)"
fi
aurora job killall local/www-data/prod/sleeper >"$TMP/kill.out" 2>&1 ||
    fail "killall: $(cat "$TMP/kill.out")"
wait_for 20 sh -c "! pgrep -f \"[s]leeper-$$\" >/dev/null" &&
    ok "killall: the process is gone" || fail "sleeper still runs"
wait_for 20 sh -c "[ \"\$(AURORA_CONFIG_ROOT=$CONF HOME=$TMP $AURORA job status local/www-data/prod/sleeper 2>&1 | grep -c 'status: KILLED ')\" -ge 1 ]" &&
    ok "and the task is KILLED" || fail "sleeper: $(status sleeper)"
[ "$(var task_kill_retries)" != "" ] && ok "task_kill_retries is in /vars" || fail "no task_kill_retries"
[ "$(var scheduler_resource_offers)" -ge 1 ] 2>/dev/null &&
    ok "scheduler_resource_offers counts offers" || fail "offers: $(var scheduler_resource_offers)"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID"; MASTER_PID=
pgrep -f -- "--work_dir=$TMP/local-cluster" >/dev/null &&
    fail "the local cluster outlived the scheduler" || ok "the local cluster stops with the scheduler"

# An agent without a rack takes nothing.
rm -rf "$TMP/db" "$TMP/run" && init_log
LOCAL_CLUSTER_FLAGS="--attributes=host:lonely" start_tree || finish
clusters
wait_for 30 sh -c "[ \"\$(curl -s http://127.0.0.1:$PORT/vars | sed -n 's/^framework_registered //p')\" = 1 ]" ||
    fail "not registered with the rackless agent"
job norack false 1 "true"
aurora job create local/www-data/prod/norack "$TMP/norack.json" >/dev/null 2>&1
sleep 3
has norack PENDING && [ "$(count norack RUNNING)" = 0 ] &&
    ok "an agent without a rack attribute takes no task" || fail "norack: $(status norack)"
curl -s "http://127.0.0.1:$PORT/pendingtasks" | grep -qF '"reason":"[Constraint not satisfied: rack]"' &&
    ok "its pending reason: Constraint not satisfied: rack" ||
    fail "norack reason: $(curl -s "http://127.0.0.1:$PORT/pendingtasks")"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID"; MASTER_PID=

# No master there: Aurora's line, and the scheduler stops.
rm -rf "$TMP/db" "$TMP/run" "$TMP/logs" && init_log
DEAD=$(free_port)
t0=$(now_ms)
timeout 60 "$BIN" -http_port="$(free_port)" -ip=127.0.0.1 -run_dir="$TMP/run" \
    -log_dir="$TMP/logs" -native_log_file_path="$TMP/db" -backup_dir="$TMP/backups" \
    -mesos_master_address="127.0.0.1:$DEAD" -max_registration_delay=3secs \
    >"$TMP/dead.out" 2>&1
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] &&
    ok "an unreachable master stops the scheduler (exit $rc, $(( $(now_ms) - t0 )) ms)" ||
    fail "exit $rc"
grep -q "Framework has not been registered within the tolerated delay." "$TMP/logs/offerd.log" &&
    ok "with Aurora's registration line" || fail "offerd.log: $(tail -5 "$TMP/logs/offerd.log")"
finish
