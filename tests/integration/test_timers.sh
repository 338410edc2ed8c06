#!/bin/sh
# The leader's task timers, with short flags: a task stuck in a transient
# state goes LOST "Task timed out" (and a service is rescheduled), also
# when the scheduler restarted meanwhile; a flapping task is THROTTLED,
# then PENDING once its announced penalty passed; a job keeps at most
# -history_max_per_job_threshold terminated tasks older than the minimum
# retention; terminated tasks are deleted after -history_prune_threshold.
# Jobs are created with the aurora client; tasks are moved with
# forceTaskState, as agents would report them.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root

AURORA=${AURORA_CLIENT:-${top_builddir:-.}/aurora}
case $AURORA in /*) ;; *) AURORA=$(pwd)/$AURORA ;; esac
mkdir -p "$TMP/conf"
aurora() { AURORA_CONFIG_ROOT=$TMP/conf HOME=$TMP AURORA_CLIENT_TIMEOUT=5 "$AURORA" "$@"; }
# ScheduleStatus numbers.
PENDING=0 STARTING=1 RUNNING=2 FINISHED=3 FAILED=4 ASSIGNED=9
force() {
	curl -s --max-time 5 -H 'Content-Type: application/json' --data-binary \
	    '[1,"forceTaskState",1,0,{"1":{"str":"'"$1"'"},"2":{"i32":'"$2"'}}]' \
	    "http://127.0.0.1:$PORT/api" >/dev/null
}
# create NAME INSTANCES SERVICE: a job www-data/prod/NAME.
create() {
	cat >"$TMP/$1.json" <<JSON
{"name": "$1", "role": "www-data", "environment": "prod", "cluster": "local",
 "instances": $2, "service": $3, "max_task_failures": 1,
 "task": {"name": "$1", "processes": [{"name": "p", "cmdline": "sleep 60"}],
          "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}}
JSON
	aurora job create "local/www-data/prod/$1" "$TMP/$1.json" >"$TMP/create.out" 2>&1 ||
	    fail "create $1: $(cat "$TMP/create.out")"
}
# tasks NAME: one line per task: instance status id first-event-ms
# last-event-ms last-event-message, oldest first.
tasks() {
	aurora job status --write-json "local/www-data/prod/$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ts = [] if isinstance(d, dict) else d[0]["active"] + d[0]["inactive"]
ts.sort(key=lambda t: t["taskEvents"][0]["timestamp"])
for t in ts:
    ev = t["taskEvents"]
    print(t["assignedTask"]["instanceId"], t["status"], t["assignedTask"]["taskId"],
          ev[0]["timestamp"], ev[-1]["timestamp"], ev[-1].get("message", ""))
'
}
# id NAME STATUS: the id of the job's newest task in STATUS.
task_id() { tasks "$1" | awk -v s="$2" '$2 == s { id = $3 } END { print id }'; }
status_of() { tasks "$1" | awk -v id="$2" '$3 == id { print $2 }'; }
is() { [ "$(status_of "$1" "$2")" = "$3" ]; }
count() { tasks "$1" | awk -v s="$2" '$2 == s' | wc -l; }

TIMER_FLAGS="-cluster_name=local -transient_task_state_timeout=2secs
 -history_prune_threshold=6secs -history_min_retention_threshold=1secs
 -history_max_per_job_threshold=2 -flapping_task_threshold=1mins
 -initial_flapping_task_delay=1secs -max_flapping_task_delay=2secs"
init_log
# shellcheck disable=SC2086
start_tree $TIMER_FLAGS || finish
wait_for 10 leads || fail "not leading: $(tail -5 "$TMP/logs/replica.log")"
printf '[{"name": "local", "scheduler_uri": "http://127.0.0.1:%s"}]\n' "$PORT" >"$TMP/conf/clusters.json"

# --- A task stuck in ASSIGNED.
create stuck 1 true
stuck=$(task_id stuck PENDING)
force "$stuck" $ASSIGNED
assigned=$(now_ms)
wait_for 10 is stuck "$stuck" LOST && lost=$(now_ms) &&
    ok "ASSIGNED task LOST after -transient_task_state_timeout" ||
    fail "stuck task: $(tasks stuck)"
[ $((lost - assigned)) -ge 1900 ] && ok "not before the timeout ($((lost - assigned)) ms)" ||
    fail "LOST after $((lost - assigned)) ms, before 2 s"
tasks stuck | grep -q "LOST $stuck .* Task timed out" && ok "message: Task timed out" ||
    fail "message: $(tasks stuck)"
[ "$(count stuck PENDING)" = 1 ] && ok "the service task rescheduled PENDING" ||
    fail "rescheduled: $(tasks stuck)"
[ "$(var timed_out_tasks)" = 1 ] && ok "/vars timed_out_tasks 1" || fail "timed_out_tasks $(var timed_out_tasks)"
# Moving on in time cancels it.
moved=$(task_id stuck PENDING)
force "$moved" $ASSIGNED
force "$moved" $STARTING
force "$moved" $RUNNING
sleep 3
is stuck "$moved" RUNNING && ok "a task that left ASSIGNED in time stays RUNNING" ||
    fail "RUNNING task: $(tasks stuck)"

# --- A flapping service: the second quick failure is THROTTLED.
create flap 1 true
t1=$(task_id flap PENDING)
for s in $ASSIGNED $RUNNING $FAILED; do force "$t1" $s; done
t2=$(task_id flap PENDING)
for s in $ASSIGNED $RUNNING $FAILED; do force "$t2" $s; done
t3=$(task_id flap THROTTLED)
line=$(tasks flap | awk -v id="$t3" '$3 == id')
penalty=$(echo "$line" | sed -n 's/.*Rescheduled, penalized for \([0-9]*\) ms for flapping$/\1/p')
[ -n "$t3" ] && [ -n "$penalty" ] && [ "$penalty" -ge 1000 ] && [ "$penalty" -le 2000 ] &&
    ok "THROTTLED, penalized for $penalty ms (1 to 2 s)" || fail "throttled: $(tasks flap)"
wait_for 10 is flap "$t3" PENDING && ok "THROTTLED -> PENDING" || fail "unthrottled: $(tasks flap)"
line=$(tasks flap | awk -v id="$t3" '$3 == id')
throttled_at=$(echo "$line" | cut -d' ' -f4)
pending_at=$(echo "$line" | cut -d' ' -f5)
[ $((pending_at - throttled_at)) -ge "$penalty" ] &&
    ok "not before the penalty ($((pending_at - throttled_at)) ms >= $penalty ms)" ||
    fail "PENDING $((pending_at - throttled_at)) ms after THROTTLED, penalty $penalty"

# --- History: at most 2 terminated tasks older than 1 s per job.
create hist 4 false
for i in 0 1 2; do
	t=$(tasks hist | awk -v i=$i '$1 == i { print $3 }')
	force "$t" $ASSIGNED
	force "$t" $FINISHED
done
[ "$(count hist FINISHED)" = 3 ] && ok "3 finished, none older than the minimum retention: all kept" ||
    fail "history: $(tasks hist)"
sleep 1.5
t=$(tasks hist | awk '$1 == 3 { print $3 }')
force "$t" $ASSIGNED
force "$t" $FINISHED
kept() { [ "$(tasks hist | awk '{ print $1 }' | sort -n | tr '\n' ' ')" = "2 3 " ]; }
wait_for 5 kept && ok "the 4th finished: the 2 oldest pruned, instances 2 and 3 kept" ||
    fail "history after the 4th: $(tasks hist)"

# --- Everything terminated goes after -history_prune_threshold.
none() { [ -z "$(tasks hist)" ]; }
wait_for 12 none && ok "terminated tasks pruned after -history_prune_threshold" ||
    fail "not pruned: $(tasks hist)"
[ "$(var tasks_pruned)" -ge 4 ] && ok "/vars tasks_pruned $(var tasks_pruned)" ||
    fail "tasks_pruned $(var tasks_pruned)"
[ "$(count stuck RUNNING)" = 1 ] && [ "$(count stuck LOST)" = 0 ] &&
    ok "active tasks are never pruned" || fail "stuck after pruning: $(tasks stuck)"

# --- A transient task found at election gets a full timeout from then.
create elect 1 true
e=$(task_id elect PENDING)
force "$e" $ASSIGNED
sleep 1	# so that a timeout counted from the event would come early
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null
# shellcheck disable=SC2086
start_tree $TIMER_FLAGS || finish
elected=$(now_ms)
wait_for 10 leads || fail "not leading after restart"
printf '[{"name": "local", "scheduler_uri": "http://127.0.0.1:%s"}]\n' "$PORT" >"$TMP/conf/clusters.json"
wait_for 10 is elect "$e" LOST && lost=$(now_ms) &&
    ok "after a restart: the ASSIGNED task LOST" || fail "after restart: $(tasks elect)"
[ $((lost - elected)) -ge 1500 ] && ok "a full timeout after the election ($((lost - elected)) ms)" ||
    fail "LOST $((lost - elected)) ms after the election"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null
finish
