#!/bin/sh
# Placement on three simulated agents (2 cpus each, racks rack-0..2):
# value constraints (and their negation), limit constraints (host:
# limit:1 puts one instance per host and leaves the rest PENDING), too
# large a task, an unknown attribute value, dedicated agents; each PENDING
# task's reason in Aurora's words through getPendingReason and GET
# /pendingtasks; GET /offers; the agents' attributes saved in the store;
# a job too big for one store event all placed.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/api_lib.sh"
need_root

. "${top_srcdir:-.}/tests/integration/client_lib.sh"
# job NAME INSTANCES CPUS CONSTRAINTS: a service's config.
job() {
	cat >"$TMP/$1.json" <<JSON
{"name": "$1", "role": "www-data", "environment": "prod", "cluster": "local",
 "instances": $2, "service": true, "constraints": $4,
 "task": {"name": "$1", "processes": [{"name": "main", "cmdline": "sleep 1000"}],
          "resources": {"cpu": $3, "ram": 16777216, "disk": 16777216}}}
JSON
	aurora job create "local/www-data/prod/$1" "$TMP/$1.json" >"$TMP/$1.out" 2>&1 ||
	    fail "create $1: $(cat "$TMP/$1.out")"
}
# hosts JOB: the hosts of its RUNNING tasks, one per line, sorted.
hosts() { status "$1" | sed -n 's/.*status: RUNNING on \(.*\)$/\1/p' | sort; }
# reason JOB: getPendingReason's reasons for the job's PENDING tasks.
reason() {
	call '[1,"getPendingReason",1,0,{"1":{"rec":{"11":{"set":["rec",1,'"$(key www-data prod "$1")"']}}}}]' |
	    python3 -c 'import json, sys
a = json.load(sys.stdin)[4]["0"]["rec"]
rs = a["3"]["rec"]["21"]["rec"]["1"]["set"][2:]
print("\n".join(sorted(set(r["2"]["str"] for r in rs))))'
}
registered() { [ "$(var framework_registered)" = 1 ]; }
running() { [ "$(count "$1" RUNNING)" = "$2" ]; }
pending_with() { [ "$(count "$1" PENDING)" = "$2" ] && [ "$(reason "$1")" = "$3" ]; }

init_log
LOCAL_CLUSTER_FLAGS="" start_tree -local_cluster_flags="--simulate_agents=3 --racks=3 --cpus=2" || finish
clusters
wait_for 30 registered || { fail "not registered: $(tail -5 "$TMP/logs/offerd.log")"; finish; }

# The agents' attributes are in the store, once each.
wait_for 10 sh -c "[ \"\$(curl -s http://127.0.0.1:$PORT/vars | sed -n 's/^offerd_hosts_known //p')\" = 3 ]" &&
    ok "the three agents' attributes are known" ||
    fail "offerd_hosts_known: $(var offerd_hosts_known)"
[ "$(var host_attribute_saves)" = 3 ] && ok "and saved once each" ||
    fail "host_attribute_saves: $(var host_attribute_saves)"

# GET /offers: the held offers as JSON.
curl -s "http://127.0.0.1:$PORT/offers" >"$TMP/offers.json"
python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
assert isinstance(o, list) and len(o) == 3, o
for x in o:
    assert x["id"]["value"] and x["agent_id"]["value"] and x["hostname"], x
    assert any(r["name"] == "cpus" and r["type"] == "SCALAR" and r["scalar"]["value"] == 2 for r in x["resources"]), x
    assert {a["name"] for a in x["attributes"]} >= {"host", "rack"}, x' "$TMP/offers.json" &&
    ok "GET /offers lists the three offers as JSON" || fail "/offers: $(head -c 600 "$TMP/offers.json")"

# host: limit:1 -> one instance per host, the fourth waits.
job spread 4 0.1 '{"host": "limit:1"}'
wait_for 20 running spread 3 && ok "host limit:1: three instances RUNNING" ||
    fail "spread: $(status spread)"
[ "$(hosts spread | uniq | wc -l)" = 3 ] && ok "on three different hosts" ||
    fail "spread hosts: $(hosts spread)"
wait_for 10 pending_with spread 1 "Limit not satisfied: host" &&
    ok "the fourth is PENDING: Limit not satisfied: host" ||
    fail "spread reason: '$(reason spread)' $(count spread PENDING) pending"

# A value constraint: rack-1 only (one agent).
job onrack 2 0.1 '{"rack": "rack-1"}'
wait_for 20 running onrack 2 && ok "rack constraint: both RUNNING" || fail "onrack: $(status onrack)"
[ "$(hosts onrack | uniq | wc -l)" = 1 ] && ok "on the one agent of rack-1" ||
    fail "onrack hosts: $(hosts onrack)"
# Negated: anywhere but rack-1.
job notrack 2 0.1 '{"rack": "!rack-1"}'
wait_for 20 running notrack 2 && ok "negated rack constraint: both RUNNING" ||
    fail "notrack: $(status notrack)"
one=$(hosts onrack | head -n 1)
hosts notrack | grep -qx "$one" && fail "notrack ran on rack-1's $one" ||
    ok "and none on rack-1"
# A value no agent has.
job nowhere 1 0.1 '{"rack": "rack-9"}'
wait_for 10 pending_with nowhere 1 "Constraint not satisfied: rack" &&
    ok "rack-9: PENDING, Constraint not satisfied: rack" ||
    fail "nowhere reason: '$(reason nowhere)'"
# Too large for any agent: every resource short is named.
cat >"$TMP/huge.json" <<JSON
{"name": "huge", "role": "www-data", "environment": "prod", "cluster": "local",
 "instances": 1, "service": true,
 "task": {"name": "huge", "processes": [{"name": "main", "cmdline": "true"}],
          "resources": {"cpu": 64, "ram": 1099511627776, "disk": 16777216}}}
JSON
aurora job create local/www-data/prod/huge "$TMP/huge.json" >/dev/null 2>&1 || fail "create huge"
wait_for 10 pending_with huge 1 "Insufficient: CPU,Insufficient: RAM" &&
    ok "too large: PENDING, Insufficient: CPU,Insufficient: RAM" ||
    fail "huge reason: '$(reason huge)'"

# GET /pendingtasks: Aurora's groups with their reasons.
curl -s "http://127.0.0.1:$PORT/pendingtasks" >"$TMP/pending.json"
python3 -c 'import json, sys
g = {x["name"]: x for x in json.load(open(sys.argv[1]))}
assert g["www-data/prod/huge"]["reason"] == "[Insufficient: CPU, Insufficient: RAM]", g
assert g["www-data/prod/spread"]["reason"] == "[Limit not satisfied: host]", g
assert len(g["www-data/prod/spread"]["taskIds"]) == 1, g
assert g["www-data/prod/nowhere"]["penaltyMs"] > 1, g  # grew from -first_schedule_delay
assert "www-data/prod/onrack" not in g, g' "$TMP/pending.json" &&
    ok "GET /pendingtasks lists the waiting groups with their reasons" ||
    fail "/pendingtasks: $(head -c 800 "$TMP/pending.json")"

# Killing a spread instance frees its host for the fourth.
aurora job kill local/www-data/prod/spread/0 >/dev/null 2>&1 || fail "kill spread/0"
wait_for 40 running spread 3 && [ "$(count spread PENDING)" = 0 ] &&
    ok "a killed instance's host takes the waiting one" || fail "spread after kill: $(status spread)"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID"; MASTER_PID=

# Dedicated agents take only jobs dedicated to them; those go only there.
rm -rf "$TMP/db" "$TMP/run" && init_log
LOCAL_CLUSTER_FLAGS="" start_tree -local_cluster_flags="--simulate_agents=2 --cpus=2 --attributes=host:d{i};rack:r{i};dedicated:www-data/d{i}" || finish
clusters
wait_for 30 registered || { fail "not registered (dedicated)"; finish; }
job plain 1 0.1 '{}'
wait_for 10 pending_with plain 1 "Host is dedicated" &&
    ok "a job that is not dedicated: PENDING, Host is dedicated" ||
    fail "plain reason: '$(reason plain)'"
job mine 2 0.1 '{"dedicated": "www-data/d1"}'
wait_for 20 running mine 2 && [ "$(hosts mine | uniq)" = sim-agent-1 ] &&
    ok "a dedicated job runs on its agent only" || fail "mine: $(status mine)"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID"; MASTER_PID=

# A job of 4,000 instances, 6 MB of tasks: more than one store event
# tells offerd about them, and every one of them runs.
rm -rf "$TMP/db" "$TMP/run" && init_log
LOCAL_CLUSTER_FLAGS="" start_tree -local_cluster_flags="--simulate_agents=40 --cpus=16" || finish
clusters
wait_for 30 registered || { fail "not registered (big job)"; finish; }
# 1.5 KB of command line: 4,000 tasks weigh more than an IPC message.
long=$(printf 'echo %01500d' 0)
cat >"$TMP/big.json" <<JSON
{"name": "big", "role": "www-data", "environment": "prod", "cluster": "local",
 "instances": 4000, "service": true,
 "task": {"name": "big", "processes": [{"name": "main", "cmdline": "$long"}],
          "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}}}
JSON
aurora job create local/www-data/prod/big "$TMP/big.json" >"$TMP/big.out" 2>&1 ||
    fail "create big: $(cat "$TMP/big.out")"
all_running() { [ "$(var task_store_RUNNING)" = 4000 ]; }
wait_for 60 all_running && ok "all 4,000 instances of one job RUNNING" ||
    fail "big: $(var task_store_RUNNING) RUNNING, $(var task_store_PENDING) PENDING"
finish
