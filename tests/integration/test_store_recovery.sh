#!/bin/sh
# A replica whose directory was wiped does not vote until it has caught
# up. With one of the other two stopped it cannot make a quorum with the
# leader, so a write is not acknowledged meanwhile; once the other is back
# it recovers, catches up with what is written while it does, votes, and
# with it the two followers hold every acknowledged write when the leader
# is killed.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
ZK_SESSION=3secs
answers() { [ -n "$(node_var "$1" native_log_replica_status_VOTING)" ]; }
start_zk

for n in 1 2 3; do start_node "$n" -native_log_quorum_size=2; done
wait_for 40 leader || { fail "no leader"; finish; }
L=$(leader)
set -- $(for n in 1 2 3; do [ "$n" != "$L" ] && echo "$n"; done)
B=$1 C=$2
node_client "$L" submit before 300 16 >"$TMP/before" && ok "300 writes acknowledged by leader $L" ||
    fail "writes: $(grep -v ^APPLIED "$TMP/before" | head -3)"

# C comes back empty while B is down: C is the only other replica.
stop_node "$B"
stop_node "$C"
rm -rf "$TMP/n$C/db" && mkdir "$TMP/n$C/db"
start_node "$C" -native_log_quorum_size=2
wait_for 20 answers "$C" || fail "wiped node $C does not answer /vars"
out=$(node_client "$L" submit blocked 1 1)
case $out in
APPLIED*) fail "a write was acknowledged with the leader and a wiped replica only: $out" ;;
*) ok "no write acknowledged while the wiped node recovers: $out" ;;
esac
node_voting "$C" && fail "wiped node $C votes without having caught up" ||
    ok "wiped node $C is not VOTING: $(curl -s "http://127.0.0.1:$(node_port "$C")/vars" | grep '^native_log_replica_status_.* 1$')"

# B is back: C recovers and catches up while writes go on.
start_node "$B" -native_log_quorum_size=2
wait_for 60 leader || { fail "no leader once node $B is back"; finish; }
N=$(leader)
node_client "$N" submit during 2000 16 >"$TMP/during" 2>&1 ||
    fail "writes while node $C recovers: $(grep -v ^APPLIED "$TMP/during" | head -3)"
wait_for 60 node_voting "$C" && ok "wiped node $C votes again" || fail "wiped node $C never votes"
log=$TMP/n$C/logs/replica.log
catchup=$(grep -n "Starting catch-up from position" "$log" | head -1 | cut -d: -f1)
joined=$(grep -n "Successfully joined the Paxos group" "$log" | head -1 | cut -d: -f1)
[ -n "$catchup" ] && [ -n "$joined" ] && [ "$catchup" -lt "$joined" ] &&
    ok "node $C caught up before it joined: $(sed -n "${catchup}p" "$log" | sed 's/.*: //')" ||
    fail "node $C: catch-up line ${catchup:-none}, joined line ${joined:-none}"
caught_up() { [ "$(node_count "$C" before-)" = 300 ] && [ "$(node_count "$C" during-)" = "$(node_count "$N" during-)" ]; }
wait_for 30 caught_up && ok "node $C holds the 300 writes from before and all $(node_count "$N" during-) made while it recovered" ||
    fail "node $C: $(node_count "$C" before-) of 300, $(node_count "$C" during-) of $(node_count "$N" during-)"

# The leader dies: the two others, one of them rebuilt, have everything.
stop_node "$N" KILL
moved() { _m=$(leader) && [ "$_m" != "$N" ]; }
wait_for 40 moved || { fail "no new leader after kill -9 of node $N"; finish; }
M=$(leader)
out=$(node_client "$M" missing "$TMP/before"); out2=$(node_client "$M" missing "$TMP/during")
[ "$out" = "missing 0" ] && [ "$out2" = "missing 0" ] &&
    ok "new leader $M (with node $C rebuilt) has every acknowledged write" || fail "new leader $M: $out / $out2"
finish
