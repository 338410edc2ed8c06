#!/bin/sh
# Jobs and tasks through POST /api, with bodies built here in both Thrift
# protocols, as Aurora's clients send them: createJob (a service and a
# batch job), Aurora's validation messages for bad configurations (which
# store nothing), getJobs, getJobSummary, getRoleSummary, getConfigSummary,
# killTasks of one instance and of all, restartShards, addInstances,
# setQuota/getQuota and production jobs needing quota, forceTaskState
# through the task state machine (a failed service task is rescheduled),
# pruneTasks; and everything still there after a restart.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
. "${top_srcdir:-.}/tests/integration/api_lib.sh"
tasks_of() { call '[1,"getTasksStatus",1,0,{"1":{"rec":{"14":{"str":"www-data"}}}}]'; }
# Task ids as assignedTask.taskId (ancestorId names them too).
count_tasks() { tasks_of | grep -o '"1":{"rec":{"1":{"str":"www-data-' | wc -l; }

init_log
start_tree -cluster_name=test || finish
wait_for 10 leads || fail "not leading: $(tail -5 "$TMP/logs/replica.log")"

HELLO=$(key www-data prod hello)
BATCH=$(key www-data devel batch)
out=$(call "$(create "$HELLO" "$(task "$HELLO" 1 0.5)" 3)")
expect "createJob of a 3-instance service (TJSON): OK" 1 "" "$out"
out=$(bcall "$(create "$BATCH" "$(task "$BATCH" 0 0.25)" 2)")
expect "createJob of a batch job (TBinary): OK" 1 "" "$out"
out=$(tasks_of)
n=$(echo "$out" | grep -o '"str":"www-data-prod-hello-[012]-[0-9a-f]\{8\}-[0-9a-f]\{4\}-4[0-9a-f]\{3\}-[89ab][0-9a-f]\{3\}-[0-9a-f]\{12\}"' | wc -l)
[ "$n" = 3 ] && [ "$(count_tasks)" = 5 ] &&
    ok "task ids role-env-name-instance-uuid, 5 tasks" || fail "task ids ($n): $out"
echo "$out" | grep -q '"4":{"lst":\["rec",1,{"1":{"i64":[0-9]*},"2":{"i32":0},"4":{"str":"[^"]*"}}\]}' &&
    ok "each task has one PENDING event with time and scheduler host" || fail "events: $out"
echo "$out" | grep -q '"30":{"str":"preemptible"}' && echo "$out" | grep -q '"18":{"tf":0}' &&
    echo "$out" | grep -q '"29":{"rec":{"1":{"rec":{}}}}' &&
    ok "populated as Aurora does: default tier, not production, a Mesos container" ||
    fail "populated: $out"

# Bad input: Aurora's message, and nothing stored.
BAD=$(key www-data qa bad)
expect "unknown environment" 0 "Job environment qa doesn't match: ^(prod|devel|test|staging\\d*)\$" \
    "$(call "$(create "$BAD" "$(task "$BAD" 1 1)" 1)")"
expect "duplicate job" 0 "Job www-data/prod/hello already exists" \
    "$(call "$(create "$HELLO" "$(task "$HELLO" 1 1)" 1)")"
BAD=$(key www-data prod bad)
expect "too many instances" 0 "Instance count must be between 1 and 4000 inclusive." \
    "$(call "$(create "$BAD" "$(task "$BAD" 1 1)" 4001)")"
expect "no CPU" 0 "num_cpus must be greater than 0.0" \
    "$(call "$(create "$BAD" "$(task "$BAD" 1 0)" 1)")"
expect "a role's dedicated hosts" 0 "Only other may use hosts dedicated for that role." \
    "$(call "$(create "$BAD" "$(task "$BAD" 1 1 ',"20":{"set":["rec",1,{"1":{"str":"dedicated"},"2":{"rec":{"1":{"rec":{"1":{"tf":0},"2":{"set":["str",1,"other/x"]}}}}}}]}')" 1)")"
expect "unknown tier" 0 "Invalid tier 'gold' in TaskConfig." \
    "$(call "$(create "$BAD" "$(task "$BAD" 1 1 ',"30":{"str":"gold"}')" 1)")"
expect "cron through createJob" 0 "Cron jobs may only be created/updated by calling scheduleCronJob." \
    "$(call "$(create "$BAD" "$(task "$BAD" 0 1)" 1 ',"4":{"str":"* * * * *"}')")"
expect "bad job key" 0 "Job key IJobKey{role=www-data, environment=prod, name=a b} is invalid." \
    "$(call "$(create "$(key www-data prod 'a b')" "$(task "$BAD" 1 1)" 1)")"
PROD=$(key www-data prod web)
expect "production without quota" 0 "Insufficient resource quota: CPU quota exceeded by 2.00 core(s); RAM quota exceeded by 256.00 MB; disk quota exceeded by 512.00 MB" \
    "$(call "$(create "$PROD" "$(task "$PROD" 1 1 ',"30":{"str":"preferred"}')" 2)")"
[ "$(count_tasks)" = 5 ] && ok "bad configurations stored nothing" || fail "stored: $(count_tasks)"
expect "populateJobConfig of a bad config" 0 "Invalid configuration: num_cpus must be greater than 0.0" \
    "$(call '[1,"populateJobConfig",1,0,{"1":{"rec":{"9":{"rec":'"$BAD"'},"6":{"rec":'"$(task "$BAD" 1 0)"'},"8":{"i32":1}}}}]')"

# Reading jobs.
out=$(call '[1,"getJobs",1,0,{"1":{"str":"www-data"}}]')
expect "getJobs" 1 "" "$out"
echo "$out" | grep -q '"1":{"set":\["rec",2,' && echo "$out" | grep -q '"8":{"i32":3}' &&
    ok "getJobs: 2 jobs, hello with 3 instances" || fail "getJobs: $out"
out=$(bcall '[1,"getJobSummary",1,0,{"1":{"str":"www-data"}}]')
echo "$out" | grep -q '"2":{"rec":{"1":{"i32":0},"2":{"i32":0},"3":{"i32":0},"4":{"i32":3}}}' &&
    ok "getJobSummary (TBinary): 3 pending" || fail "getJobSummary: $out"
out=$(call '[1,"getRoleSummary",1,0,{}]')
echo "$out" | grep -q '{"1":{"str":"www-data"},"2":{"i32":2},"3":{"i32":0}}' &&
    ok "getRoleSummary: www-data has 2 jobs" || fail "getRoleSummary: $out"
out=$(call '[1,"getConfigSummary",1,0,{"1":{"rec":'"$HELLO"'}}]')
echo "$out" | grep -q '"3":{"set":\["rec",1,{"1":{"i32":0},"2":{"i32":2}}\]}' &&
    ok "getConfigSummary: one config for instances 0-2" || fail "getConfigSummary: $out"
out=$(call '[1,"getPendingReason",1,0,{"1":{"rec":{"14":{"str":"www-data"},"5":{"set":["i32",1,2]}}}}]')
expect "getPendingReason refuses statuses" 0 "Statuses is not supported in TaskQuery(role:www-data, statuses:[RUNNING])" "$out"

# Kills: a PENDING task is deleted at once.
out=$(call '[1,"killTasks",1,0,{"4":{"rec":'"$HELLO"'},"5":{"set":["i32",1,1]},"6":{"str":"bye"}}]')
expect "killTasks of instance 1" 1 "" "$out"
[ "$(count_tasks)" = 4 ] && ok "the PENDING instance is gone" || fail "after kill: $(count_tasks)"
expect "restartShards of an instance that is not active" 0 "Not all requested shards are active." \
    "$(call '[1,"restartShards",1,0,{"5":{"rec":'"$HELLO"'},"3":{"set":["i32",1,1]}}]')"
expect "restartShards of PENDING instances: OK, nothing to restart" 1 "" \
    "$(call '[1,"restartShards",1,0,{"5":{"rec":'"$HELLO"'},"3":{"set":["i32",2,0,2]}}]')"
out=$(call '[1,"addInstances",1,0,{"3":{"rec":{"1":{"rec":'"$HELLO"'},"2":{"i32":0}}},"4":{"i32":2}}]')
expect "addInstances of 2 from instance 0" 1 "" "$out"
tasks_of | grep -q '"str":"www-data-prod-hello-4-' && [ "$(count_tasks)" = 6 ] &&
    ok "new instances 3 and 4, after the highest" || fail "addInstances: $(tasks_of)"
expect "addInstances from an instance that is not there" 0 "No active task found for a given instance ID." \
    "$(call '[1,"addInstances",1,0,{"3":{"rec":{"1":{"rec":'"$HELLO"'},"2":{"i32":1}}},"4":{"i32":1}}]')"

# Quota.
expect "setQuota with a negative value" 0 "Negative values in: IResourceAggregate{resources=[IResource{setField=NUM_CPUS, value=-1.0}" \
    "$(call '[1,"setQuota",1,0,{"1":{"str":"www-data"},"2":{"rec":{"4":{"set":["rec",3,{"1":{"dbl":-1}},{"2":{"i64":1024}},{"3":{"i64":1024}}]}}}}]')"
expect "setQuota without disk" 2 "Quota resources must be exactly: [CPUS, RAM_MB, DISK_MB]" \
    "$(call '[1,"setQuota",1,0,{"1":{"str":"www-data"},"2":{"rec":{"4":{"set":["rec",2,{"1":{"dbl":1}},{"2":{"i64":1024}}]}}}}]')"
expect "setQuota" 1 "" \
    "$(bcall '[1,"setQuota",1,0,{"1":{"str":"www-data"},"2":{"rec":{"4":{"set":["rec",3,{"1":{"dbl":4}},{"2":{"i64":4096}},{"3":{"i64":4096}}]}}}}]')"
expect "a production job within quota" 1 "" \
    "$(call "$(create "$PROD" "$(task "$PROD" 1 1 ',"30":{"str":"preferred"}')" 2)")"
out=$(call '[1,"getQuota",1,0,{"1":{"str":"www-data"}}]')
echo "$out" | grep -q '"1":{"rec":{"4":{"set":\["rec",3,{"1":{"dbl":4}},{"2":{"i64":4096}},{"3":{"i64":4096}}\]}}},"2":{"rec":{"4":{"set":\["rec",3,{"1":{"dbl":2}},{"2":{"i64":256}},{"3":{"i64":512}}\]}}}' &&
    ok "getQuota: the quota and the production job's use" || fail "getQuota: $out"
expect "setQuota below what production uses" 0 "Quota: IResourceAggregate{resources=[IResource{setField=NUM_CPUS, value=1.0}, IResource{setField=RAM_MB, value=4096}, IResource{setField=DISK_MB, value=4096}]} is less then current prod reservation: ResourceBag{resourceVectors={CPUS=2.0, RAM_MB=256.0, DISK_MB=512.0}}" \
    "$(call '[1,"setQuota",1,0,{"1":{"str":"www-data"},"2":{"rec":{"4":{"set":["rec",3,{"1":{"dbl":1}},{"2":{"i64":4096}},{"3":{"i64":4096}}]}}}}]')"

# The state machine, forced: a failed service task is rescheduled.
id=$(tasks_of | grep -o '"str":"www-data-prod-hello-0-[0-9a-f-]*"' | head -n 1 | sed 's/"str":"\(.*\)"/\1/')
call '[1,"forceTaskState",1,0,{"1":{"str":"'"$id"'"},"2":{"i32":9}}]' >/dev/null
out=$(call '[1,"forceTaskState",1,0,{"1":{"str":"'"$id"'"},"2":{"i32":4}}]')
expect "forceTaskState ASSIGNED then FAILED" 1 "" "$out"
out=$(call '[1,"getTasksStatus",1,0,{"1":{"rec":{"11":{"set":["rec",1,'"$HELLO"']},"7":{"set":["i32",1,0]}}}}]')
echo "$out" | grep -q '"2":{"i32":4},"3":{"i32":1}' &&
    echo "$out" | grep -q '"3":{"i32":1},"4":{"lst":\["rec",1,{"1":{"i64":[0-9]*},"2":{"i32":0},"3":{"str":"Rescheduled"}' &&
    echo "$out" | grep -q '"5":{"str":"'"$id"'"}' &&
    echo "$out" | grep -q '"3":{"str":"Transition forced by UNSECURE"}' &&
    ok "FAILED counted a failure; a new PENDING task, Rescheduled, with the ancestor" ||
    fail "rescheduled: $out"
expect "pruneTasks of active tasks" 2 "Tasks in non-terminal state cannot be pruned." \
    "$(call '[1,"pruneTasks",1,0,{"1":{"rec":{"5":{"set":["i32",1,0]}}}}]')"
expect "pruneTasks" 1 "" "$(call '[1,"pruneTasks",1,0,{"1":{"rec":{"14":{"str":"www-data"}}}}]')"
tasks_of | grep -q '"1":{"rec":{"1":{"str":"'"$id"'"' && fail "pruned task still there" ||
    ok "the FAILED task is pruned"

out=$(call '[1,"killTasks",1,0,{"4":{"rec":'"$BATCH"'}}]')
expect "killall of the batch job" 1 "" "$out"
expect "killall again: nothing to kill" 1 "No tasks to kill." \
    "$(call '[1,"killTasks",1,0,{"4":{"rec":'"$BATCH"'}}]')"
before=$(tasks_of)
n=$(count_tasks)
[ "$(var task_store_PENDING)" = 6 ] && [ "$(var task_store_RUNNING)" = 0 ] &&
    ok "/vars: task_store_PENDING 6" || fail "task_store_PENDING: $(var task_store_PENDING)"
[ "$(var scheduler_thrift_createJob_events)" -ge 10 ] &&
    [ "$(var scheduler_core_rounds)" -ge 8 ] &&
    ok "/vars: scheduler_thrift_createJob_events, scheduler_core_rounds" ||
    fail "vars: $(var scheduler_thrift_createJob_events) $(var scheduler_core_rounds)"

# Everything survives a restart.
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null
start_tree -cluster_name=test || finish
wait_for 10 leads || fail "not leading after restart"
[ "$(tasks_of)" = "$before" ] && [ "$n" = 6 ] &&
    ok "after a restart: the same $n tasks" || fail "after restart ($n): $(tasks_of)"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null
finish
