#!/bin/sh
# offerd recovering from what it did not see or could not do:
#  - store events lost on the way: the replica publishes every applied
#    position to offerd, dropping what a subscriber too busy to read has
#    no room for. With offerd stopped (SIGSTOP) while hundreds of jobs are
#    created, events are dropped; offerd sees the gap in their sequence
#    numbers when it runs again, reads the tasks from the store again,
#    and every job's task still runs. Without a gap, no reload happens.
#  - a launch that fails: the Mesos master goes away while replica
#    decides an assignment (replica stopped meanwhile), so the task
#    cannot be launched; it is LOST with Aurora's message and a new task
#    of the instance runs once the master is back.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root

. "${top_srcdir:-.}/tests/integration/client_lib.sh"
JOBS=${STORE_EVENTS_JOBS:-300}
# create NAME: a one-instance service.
create() {
	sed "s/@NAME@/$1/g" "$TMP/job.json.in" >"$TMP/job.json"
	aurora job create "local/www-data/prod/$1" "$TMP/job.json" \
	    >"$TMP/create.out" 2>&1 || fail "create $1: $(cat "$TMP/create.out")"
}
registered() { [ "$(var framework_registered)" = 1 ]; }
# var_at_least NAME N: /vars NAME is N or more.
var_at_least() { [ "$(var "$1")" -ge "$2" ] 2>/dev/null; }
running_at_least() { var_at_least task_store_RUNNING "$1"; }
cat >"$TMP/job.json.in" <<'JSON'
{"name": "@NAME@", "role": "www-data", "environment": "prod", "cluster": "local",
 "instances": 1, "service": true,
 "task": {"name": "@NAME@", "processes": [{"name": "main", "cmdline": "sleep 1000"}],
          "resources": {"cpu": 0.01, "ram": 1048576, "disk": 1048576}}}
JSON

init_log
LOCAL_CLUSTER_FLAGS="" start_tree -first_schedule_delay=2secs \
    -local_cluster_flags="--simulate_agents=20 --racks=4 --cpus=64" || finish
clusters
wait_for 30 registered || { fail "not registered: $(tail -5 "$TMP/logs/offerd.log")"; finish; }

# Nothing lost: no reload.
for i in 1 2 3; do create "before$i"; done
wait_for 30 running_at_least 3 && ok "three jobs RUNNING" ||
    fail "task_store_RUNNING: $(var task_store_RUNNING)"
[ "$(var offerd_store_event_gaps)" = 0 ] &&
    ok "no store event lost while offerd keeps up" ||
    fail "offerd_store_event_gaps: $(var offerd_store_event_gaps)"
PUBLISHED=$(var store_events_published)
[ "${PUBLISHED:-0}" -ge 3 ] 2>/dev/null &&
    ok "the replica numbers its events ($PUBLISHED published)" ||
    fail "store_events_published: $PUBLISHED"

# offerd stopped: the replica's events pile up, then are dropped.
OFFERD=$(worker_pid offerd)
[ -n "$OFFERD" ] || { fail "no offerd"; finish; }
kill -STOP "$OFFERD"
i=0
while [ "$i" -lt "$JOBS" ]; do
	i=$((i + 1))
	create "during$i"
done
kill -CONT "$OFFERD"
if wait_for 60 var_at_least offerd_store_event_gaps 1; then
	ok "offerd saw that store events were lost"
else
	fail "offerd_store_event_gaps: $(var offerd_store_event_gaps) after $JOBS jobs created while it was stopped"
fi
grep -q "were lost on the way; reading the tasks and hosts from the store again" \
    "$TMP/logs/offerd.log" && ok "and said so in its log" ||
    fail "no line about lost events in offerd.log"
if wait_for 90 running_at_least $((JOBS + 3)); then
	ok "all $((JOBS + 3)) tasks RUNNING after the reload"
else
	fail "of $((JOBS + 3)) tasks: $(curl -s "http://127.0.0.1:$PORT/vars" | grep "^task_store_\|^scheduler_tasks_\|^scheduler_placement" | grep -v " 0$" | tr "\n" " ")"
	tail -20 "$TMP/logs/offerd.log" >&2
fi
[ "$(var offerd_tasks_known)" = $((JOBS + 3)) ] &&
    ok "offerd knows every task again" ||
    fail "offerd_tasks_known: $(var offerd_tasks_known)"

# A failed launch: placed after -first_schedule_delay while replica is
# stopped, so the assignment waits; the master dies meanwhile.
LC=$(pgrep -f -- "aurora-local-cluster.*--work_dir=$TMP/local-cluster" | head -n 1)
REPLICA=$(worker_pid replica)
disconnects() { grep -c "disconnected from the Mesos master" "$TMP/logs/offerd.log"; }
more_disconnects() { [ "$(disconnects)" -gt "$BEFORE" ]; }
BEFORE=$(disconnects)
create launch
kill -STOP "$REPLICA"
sleep 3
kill -KILL "$LC"
# offerd has dropped the master's offers before replica answers.
wait_for 30 more_disconnects ||
    fail "offerd did not notice the master's death: $(tail -3 "$TMP/logs/offerd.log")"
kill -CONT "$REPLICA"
if wait_for 30 var_at_least assigner_launch_failures 1; then
	ok "the launch failed (assigner_launch_failures $(var assigner_launch_failures))"
else
	fail "assigner_launch_failures: $(var assigner_launch_failures)"
fi
lost() { [ "$(count launch LOST)" -ge 1 ]; }
one_running() { [ "$(count launch RUNNING)" = 1 ]; }
wait_for 30 lost &&
    status launch | grep -q "Unknown exception attempting to schedule task." &&
    ok "the task is LOST with Aurora's message" ||
    fail "not LOST with the message: $(status launch)"
wait_for 60 one_running &&
    ok "a new task of the instance RUNNING once the master is back" ||
    fail "no new task RUNNING: $(status launch)"
finish
