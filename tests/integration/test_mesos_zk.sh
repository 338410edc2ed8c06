#!/bin/sh
# Finding the Mesos master through ZooKeeper (-mesos_master_address=zk://).
# Two local clusters, A and B, stand for two Mesos masters; the test writes
# their MasterInfo JSON under /mesos as json.info_<sequence> nodes, as Mesos
# masters do. The scheduler registers with the lowest sequence's master
# (A); when B's node becomes the lowest it leaves A and subscribes to B as
# the same framework; when no node is left it says so and waits, ignores a
# leader whose node names no numeric address, and subscribes to the next
# master named (in the legacy MasterInfo form); ZooKeeper (named by host
# name) restarting costs offerd nothing, under its sandbox. A path with no
# master makes it log that it waits and stop with Aurora's registration
# line; a malformed zk:// address is refused at start with one line naming
# the flag.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root

LC=${LOCAL_CLUSTER:-${top_builddir:-.}/aurora-local-cluster}
ZKCLI=/usr/share/zookeeper/bin/zkCli.sh
if [ ! -x "$ZKCLI" ]; then
	echo "skipped: $ZKCLI is not installed"
	exit 77
fi
start_zk

# zk COMMAND ARGS...: one zkCli.sh command (a JVM each: about a second).
zk() {
	echo "> $*" >>"$TMP/zkcli.out"
	timeout 60 "$ZKCLI" -server "$ZK" "$@" >>"$TMP/zkcli.out" 2>&1
}
zk_has() { timeout 60 "$ZKCLI" -server "$ZK" ls /mesos 2>/dev/null | grep -q "$1"; }
# master_info PORT ID: a master's MasterInfo as Mesos writes it (no spaces:
# zkCli.sh splits its arguments on them). ip is 127.0.0.1 in network order.
master_info() {
	printf '{"id":"%s","ip":16777343,"port":%s,"pid":"master@127.0.0.1:%s","hostname":"localhost","version":"1.11.0","address":{"hostname":"localhost","ip":"127.0.0.1","port":%s}}' \
	    "$2" "$1" "$1" "$1"
}

# Two masters: local clusters of simulated agents, stopped by lib.sh's
# cleanup (their --work_dir is under $TMP) or when this script is gone.
lc_health() { [ "$(curl -s -o /dev/null --max-time 1 -w '%{http_code}' "http://127.0.0.1:$1/health")" = 200 ]; }
start_lc() {
	"$LC" --port="$2" --work_dir="$TMP/lc-$1" --simulate_agents=2 \
	    --parent_pid=$$ >"$TMP/lc-$1.log" 2>&1 &
	EXTRA_PIDS="${EXTRA_PIDS:-} $!"
	wait_for 20 lc_health "$2" || { fail "local cluster $1 did not start"; finish; }
}
# framework LC_PORT FIELD: FIELD (id, connected) of the local cluster's
# only framework ("none" without one).
framework() {
	curl -s --max-time 2 "http://127.0.0.1:$1/state.json" | python3 -c '
import json, sys
f = json.load(sys.stdin)["frameworks"]
print(f[0][sys.argv[1]] if len(f) == 1 else "none")' "$2" 2>/dev/null
}
registered() { [ "$(var framework_registered)" = "${1:-1}" ]; }
talks_to() { [ "$(var mesos_master)" = "127.0.0.1:$1" ] && registered; }
connected() { [ "$(framework "$1" connected)" = "$2" ]; }
has_framework() { [ "$(framework "$1" id)" = "$2" ]; }

PORT_A=$(free_port)
PORT_B=$(free_port)
start_lc A "$PORT_A"
start_lc B "$PORT_B"
ok "two local clusters: A on $PORT_A, B on $PORT_B"

zk create /mesos
zk create /mesos/json.info_0000000001 "$(master_info "$PORT_A" master-a)"
zk_has json.info_0000000001 || { fail "cannot create A's node: $(tail -5 "$TMP/zkcli.out")"; finish; }

init_log
# A server named by host name: offerd resolves it before its sandbox.
URL=zk://localhost:$ZK_PORT/mesos
# After lib.sh's own -mesos_master_address: the last one counts.
start_tree -mesos_master_address="$URL" -max_registration_delay=60secs || finish
if wait_for 30 talks_to "$PORT_A"; then
	ok "registered with A, the master of the lowest sequence"
else
	fail "not registered with A: framework_registered=$(var framework_registered) mesos_master=$(var mesos_master)"
	tail -20 "$TMP/logs/offerd.log" >&2
	finish
fi
wait_for 10 sh -c "[ \"\$(curl -s http://127.0.0.1:$PORT/vars | sed -n 's/^scheduler_lifecycle_ACTIVE //p')\" = 1 ]" &&
    ok "lifecycle ACTIVE" || fail "not ACTIVE: $(curl -s "http://127.0.0.1:$PORT/vars" | grep scheduler_lifecycle_)"
FID=$(framework "$PORT_A" id)
[ -n "$FID" ] && [ "$FID" != none ] && connected "$PORT_A" True &&
    ok "A's /state.json shows the framework, connected: $FID" ||
    fail "A's frameworks: $(curl -s "http://127.0.0.1:$PORT_A/state.json" | head -c 300)"
wait_for 10 grep -q "saving the framework id $FID" "$TMP/logs/replica.log" &&
    ok "the scheduler's store has that framework id" ||
    fail "replica.log: $(grep 'framework id' "$TMP/logs/replica.log")"
grep -q "the leading Mesos master is 127.0.0.1:$PORT_A (/mesos/json.info_0000000001" \
    "$TMP/logs/offerd.log" && ok "offerd names the master it found" ||
    fail "offerd.log: $(grep -i 'master' "$TMP/logs/offerd.log" | tail -5)"

# B's node comes next, then A's goes: B leads.
zk create /mesos/json.info_0000000002 "$(master_info "$PORT_B" master-b)"
sleep 1
talks_to "$PORT_A" && ok "a second master's node changes nothing while A's is lowest" ||
    fail "after B's node: mesos_master=$(var mesos_master)"
zk delete /mesos/json.info_0000000001
if wait_for 20 talks_to "$PORT_B" && wait_for 10 has_framework "$PORT_B" "$FID"; then
	ok "A's node gone: subscribed to B as the same framework"
else
	fail "after A's node went: mesos_master=$(var mesos_master) registered=$(var framework_registered) B: $(framework "$PORT_B" id)"
	tail -20 "$TMP/logs/offerd.log" >&2
fi
wait_for 10 connected "$PORT_B" True && ok "B shows it connected" || fail "B: connected=$(framework "$PORT_B" connected)"
wait_for 10 connected "$PORT_A" False && ok "and A shows it gone" || fail "A: connected=$(framework "$PORT_A" connected)"
[ "$(grep -c 'saving the framework id' "$TMP/logs/replica.log")" = 1 ] &&
    ok "the stored framework id did not change" ||
    fail "framework ids saved: $(grep 'saving the framework id' "$TMP/logs/replica.log")"
grep -q "Registered with ID value: \"$FID\", master: 127.0.0.1:$PORT_B" "$TMP/logs/offerd.log" &&
    ok "offerd's registration line names B and the same id" ||
    fail "offerd.log: $(grep 'Registered with' "$TMP/logs/offerd.log")"

# No node left: offerd says so once and waits; A's node again: back to A.
zk delete /mesos/json.info_0000000002
if wait_for 20 registered 0; then
	ok "no master node: not registered"
else
	fail "still registered: mesos_master=$(var mesos_master)"
fi
wait_for 10 grep -q "no leading Mesos master under $URL: no json.info_ node; waiting for one" \
    "$TMP/logs/offerd.log" && ok "offerd logs that it waits for a master" ||
    fail "offerd.log: $(tail -5 "$TMP/logs/offerd.log")"
wait_for 10 connected "$PORT_B" False && ok "B shows it gone" || fail "B: connected=$(framework "$PORT_B" connected)"
# A leader whose node names no numeric address: host names are not resolved.
zk create /mesos/json.info_0000000003 "{\"id\":\"x\",\"hostname\":\"localhost\",\"port\":$PORT_A}"
wait_for 10 grep -q "node /mesos/json.info_0000000003 is unusable: no numeric address" \
    "$TMP/logs/offerd.log" && ok "a node without a numeric address is logged and not used" ||
    fail "offerd.log: $(tail -3 "$TMP/logs/offerd.log")"
registered 0 || fail "registered with json.info_0000000003: $(var mesos_master)"
zk delete /mesos/json.info_0000000003
# An older master's MasterInfo: no address, the legacy ip (network order).
zk create /mesos/json.info_0000000004 "{\"id\":\"old\",\"ip\":16777343,\"port\":$PORT_A,\"hostname\":\"localhost\"}"
if wait_for 20 talks_to "$PORT_A" && wait_for 10 connected "$PORT_A" True &&
    has_framework "$PORT_A" "$FID"; then
	ok "a master's node again (legacy ip and port): subscribed to it as the same framework"
else
	fail "after json.info_0000000004: mesos_master=$(var mesos_master) registered=$(var framework_registered)"
fi
[ "$(grep -c 'no leading Mesos master under' "$TMP/logs/offerd.log")" = 1 ] &&
    ok "the wait was logged once" ||
    fail "wait lines: $(grep -c 'no leading Mesos master under' "$TMP/logs/offerd.log")"

# ZooKeeper restarts: the client reconnects (resolving its servers again)
# under offerd's sandbox, and the master stays.
kill -KILL "$ZK_PID"; wait "$ZK_PID" 2>/dev/null
sleep 1
java -cp "/etc/zookeeper/conf:$ZK_JAR" -Dzookeeper.log.dir="$TMP/zk" \
    org.apache.zookeeper.server.ZooKeeperServerMain "$TMP/zk/zoo.cfg" \
    >>"$TMP/zk/zk.out" 2>&1 &
ZK_PID=$!
wait_for 60 zk_ok || { fail "ZooKeeper did not start again"; finish; }
if wait_for 20 grep -q "reconnected to ZooKeeper at localhost:$ZK_PORT" "$TMP/logs/offerd.log"; then
	ok "offerd reconnected to ZooKeeper after its restart"
else
	fail "offerd.log: $(grep -v ZOO_ "$TMP/logs/offerd.log" | tail -3)"
fi
talks_to "$PORT_A" && ok "and still talks to A" || fail "after ZooKeeper's restart: $(var mesos_master)"
[ "$(var worker_offerd_restarts)" = 0 ] && ! grep -q "sandbox violation" "$TMP/logs/offerd.log" &&
    ok "offerd ran under its sandbox without a restart" ||
    fail "offerd restarts: $(var worker_offerd_restarts); $(grep 'sandbox violation' "$TMP/logs/offerd.log")"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID"; MASTER_PID=
sanitizer_check
mv "$TMP/logs" "$TMP/logs.switch"

# A path without masters (a slash at its end, as Mesos allows): waiting,
# then Aurora's registration line.
rm -rf "$TMP/db" "$TMP/run" && init_log
t0=$(now_ms)
timeout 60 "$BIN" -http_port="$(free_port)" -ip=127.0.0.1 -run_dir="$TMP/run" \
    -log_dir="$TMP/logs" -native_log_file_path="$TMP/db" -backup_dir="$TMP/backups" \
    -mesos_master_address="zk://$ZK/nomaster/" -max_registration_delay=3secs \
    >"$TMP/nomaster.out" 2>&1
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] &&
    ok "no master in ZooKeeper stops the scheduler (exit $rc, $(( $(now_ms) - t0 )) ms)" ||
    fail "exit $rc"
grep -q "no leading Mesos master under zk://$ZK/nomaster: the path does not exist; waiting for one" \
    "$TMP/logs/offerd.log" && ok "offerd logged that it waits for a master" ||
    fail "offerd.log: $(tail -5 "$TMP/logs/offerd.log")"
grep -q ": Framework has not been registered within the tolerated delay\.$" "$TMP/logs/offerd.log" &&
    ok "with Aurora's registration line" || fail "offerd.log: $(tail -5 "$TMP/logs/offerd.log")"

# Malformed addresses: exit 2, one line naming the flag.
expect_bad() {
	"$BIN" -run_dir="$TMP/run" -mesos_master_address="$1" >"$TMP/bad.out" 2>&1
	_rc=$?
	if [ "$_rc" = 2 ] && [ "$(wc -l <"$TMP/bad.out")" = 1 ] &&
	    grep -q -- "-mesos_master_address" "$TMP/bad.out" && grep -q -- "$2" "$TMP/bad.out"; then
		ok "$1 refused: $(cat "$TMP/bad.out")"
	else
		fail "$1: exit $_rc: $(cat "$TMP/bad.out")"
	fi
}
expect_bad "zk://" "needs a path"
expect_bad "zk:///mesos" "names its ZooKeeper servers"
expect_bad "zk://$ZK" "needs a path"
expect_bad "zk://user:secret@$ZK/mesos" "credentials"
expect_bad "zk://$ZK//" "must be a ZooKeeper path"
finish
