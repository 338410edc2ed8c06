#!/bin/sh
# Three schedulers sharing ZooKeeper (Debian's, started here): one leads
# and announces itself as Aurora does; killing its replica, its whole tree,
# or stopping it past the session timeout moves leadership; a wrong quorum
# size is refused.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
ZK_SESSION=3secs
start_zk

# one_leader: exactly one node answers 200, every other one 503.
one_leader() {
	_l=0 _f=0
	for _n in $NODES; do
		case $(leaderhealth "$_n") in
		200) _l=$((_l + 1)) ;;
		503) _f=$((_f + 1)) ;;
		esac
	done
	[ "$_l" = 1 ] && [ "$_f" = $(($(echo $NODES | wc -w) - 1)) ]
}
zk_get() {
	/usr/share/zookeeper/bin/zkCli.sh -server "$ZK" get "$1" 2>/dev/null | grep '^{'
}
zk_ls() {
	/usr/share/zookeeper/bin/zkCli.sh -server "$ZK" ls "$1" 2>/dev/null | grep '^\['
}

for n in 1 2 3; do start_node "$n" -native_log_quorum_size=2; done
if wait_for 40 one_leader; then
	ok "one leader (200), two followers (503)"
else
	for n in 1 2 3; do echo "node $n: $(leaderhealth "$n")"; tail -5 "$TMP/n$n/logs/replica.log"; done >&2
	fail "no single leader"; finish
fi
L=$(leader)
[ "$(node_var "$L" native_log_zk_replicas)" = 3 ] && ok "the leader counts 3 replicas" || fail "replicas: $(node_var "$L" native_log_zk_replicas)"
[ "$(node_var "$L" zk_connection_state_CONNECTED)" = 1 ] && ok "zk_connection_state_CONNECTED 1" || fail "connection state"
[ "$(node_var "$L" native_log_state)" = WRITING ] && ok "the leader writes the log" || fail "state $(node_var "$L" native_log_state)"

# The ServerSet announcement, as Aurora's clients read it.
member=$(zk_ls /aurora/scheduler | tr -d '[],' | tr ' ' '\n' | grep '^member_')
host=$(hostname)
want="{\"serviceEndpoint\":{\"host\":\"$host\",\"port\":$(node_port "$L")},\"additionalEndpoints\":{\"http\":{\"host\":\"$host\",\"port\":$(node_port "$L")}},\"status\":\"ALIVE\"}"
got=$(zk_get "/aurora/scheduler/$member")
[ "$got" = "$want" ] && ok "member_ node holds Aurora's ServerSet JSON" || fail "member_ ($member): $got"
[ "$(zk_ls /aurora/scheduler | grep -o '_c_[0-9a-f-]*-lock-[0-9]*' | wc -l)" = 3 ] &&
	ok "three Curator lock nodes (_c_<uuid>-lock-<seq>)" || fail "lock nodes: $(zk_ls /aurora/scheduler)"

# 1. The leader's replica dies: it exits the election, another leads.
start=$(now_ms)
pkill -KILL -f -- "^aurora-scheduler: replica .*-run_dir=$TMP/n$L/run"
moved() { _n=$(leader) && [ "$_n" != "$1" ] && one_leader; }
if wait_for 20 moved "$L"; then
	ok "leader's replica killed: node $(leader) leads after $(( $(now_ms) - start )) ms"
else
	fail "leadership did not move from node $L"
fi
back() { [ "$(leaderhealth "$1")" = 503 ] && [ "$(node_var "$(leader)" native_log_zk_replicas)" = 3 ]; }
wait_for 15 back "$L" && ok "restarted replica follows; still 3 replicas" || fail "node $L: $(leaderhealth "$L"), replicas $(node_var "$(leader)" native_log_zk_replicas)"

# 2. The leader's whole tree is killed: its session expires, another leads.
L=$(leader)
old_proposal=$(node_var "$L" native_log_proposal)
start=$(now_ms)
stop_node "$L" KILL
NODES=$(echo $NODES | tr ' ' '\n' | grep -v "^$L\$" | tr '\n' ' ')
if wait_for 30 one_leader; then
	N=$(leader)
	ok "leader killed: node $N leads after $(( $(now_ms) - start )) ms"
	[ "$(node_var "$N" native_log_proposal)" -gt "$old_proposal" ] &&
		ok "new writer's proposal is higher" || fail "proposal $(node_var "$N" native_log_proposal) <= $old_proposal"
else
	fail "no leader after killing node $L"
fi
start_node "$L" -native_log_quorum_size=2
wait_for 30 one_leader && [ "$(leaderhealth "$L")" = 503 ] && ok "killed node rejoins as a follower" || fail "node $L: $(leaderhealth "$L")"

# 3. The leader is stopped past its session timeout: on waking up it must
# not lead; its replica commits suicide and rejoins.
L=$(leader)
pkill -STOP -f -- "-run_dir=$TMP/n$L/run"
others_lead() { _n=$(leader) && [ "$_n" != "$1" ]; }
if wait_for 30 others_lead "$L"; then ok "stopped leader replaced by node $(leader)"; else fail "no new leader while node $L stopped"; fi
pkill -CONT -f -- "-run_dir=$TMP/n$L/run"
wait_for 20 grep -q "Lost leadership, committing suicide." "$TMP/n$L/logs/replica.log" &&
	ok "woken leader logs 'Lost leadership, committing suicide.'" || fail "no suicide line: $(tail -5 "$TMP/n$L/logs/replica.log")"
wait_for 30 one_leader && [ "$(leaderhealth "$L")" = 503 ] && ok "woken leader follows" || fail "after SIGCONT node $L: $(leaderhealth "$L")"
stop_nodes

# 4. Three replicas with -native_log_quorum_size=1: nobody writes.
for n in 1 2 3; do start_node "$n" -native_log_quorum_size=1; done
refused() { grep -q "lists 3 replicas, more than 2 \* -native_log_quorum_size - 1 = 1 (-native_log_quorum_size=1)" "$TMP"/n*/logs/replica.log; }
wait_for 30 refused && ok "wrong quorum: error names the flag, q and the count" || fail "no quorum error"
sleep 2
for n in 1 2 3; do
	[ "$(leaderhealth "$n")" = 502 ] || fail "node $n answers $(leaderhealth "$n") with a wrong quorum"
	[ "$(node_var "$n" native_log_state)" = FOLLOWING ] || fail "node $n: $(node_var "$n" native_log_state)"
done
[ "$(node_var 1 native_log_quorum_fenced)" = 1 ] && ok "nobody writes; /vars native_log_quorum_fenced 1" || fail "not fenced"
stop_nodes

# 5. Configuration errors exit 2 before anything starts.
timeout 20 "$BIN" -http_port="$(free_port)" -ip=127.0.0.1 -run_dir="$TMP/run" -zk_endpoints="$ZK" \
    >"$TMP/nogroup.out" 2>&1; rc=$?
[ "$rc" = 2 ] && grep -q -- "-zk_endpoints needs -native_log_zk_group_path" "$TMP/nogroup.out" &&
	ok "-zk_endpoints without a group path: exit 2" || fail "rc $rc: $(cat "$TMP/nogroup.out")"
finish
