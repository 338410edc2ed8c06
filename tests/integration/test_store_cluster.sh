#!/bin/sh
# The store on three schedulers (quorum 2, Debian's ZooKeeper): the
# leader takes writes and followers refuse them; followers apply every
# write; after the leader's tree is killed -9 under write load the new
# leader holds every acknowledged write and takes new ones, and the old
# node comes back as a follower and catches up. Replicas that missed a
# snapshot and the truncation after it (one stopped, one wiped) restore
# their stores from the snapshot in the log.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
ZK_SESSION=3secs
start_zk

for n in 1 2 3; do start_node "$n" -native_log_quorum_size=2; done
wait_for 40 leader || { fail "no leader"; finish; }
L=$(leader)
F=$(for n in 1 2 3; do [ "$n" != "$L" ] && echo "$n"; done | head -n 1)

node_client "$L" submit first 500 16 >"$TMP/first" && ok "leader (node $L): 500 writes acknowledged" ||
    fail "leader writes: $(grep -v ^APPLIED "$TMP/first" | head -3)"
out=$(node_client "$F" submit nope 1 1)
[ "$out" = "NOT_LEADING nope-0 This scheduler is not the leader" ] && ok "a follower refuses writes" || fail "follower write: $out"
all_have() { for n in 1 2 3; do [ "$(node_count "$n" first-)" = "$2" ] || return 1; done; }
wait_for 20 all_have first- 500 && ok "every replica's store holds the 500 tasks" ||
    fail "counts: $(for n in 1 2 3; do printf '%s ' "$(node_count "$n" first-)"; done)"
[ "$(node_count "$F" nope-)" = 0 ] && ok "the refused write is nowhere" || fail "refused write stored"
# Aurora's API on a follower: 307 to the leader's /api (query kept), or
# answered here when the client says Bypass-Leader-Redirect.
tiers='[1,"getTierConfigs",1,0,{}]'
loc=$(curl -s -o /dev/null -w "%{http_code} %{redirect_url}" -H "Content-Type: application/json" --data-binary "$tiers" \
    "http://127.0.0.1:$(node_port "$F")/api?x=1")
# The host is what the leader announces in ZooKeeper (-hostname).
case $loc in "307 http://"*":$(node_port "$L")/api?x=1") true ;; *) false ;; esac && ok "a follower's /api redirects to the leader: $loc" ||
    fail "follower /api: '$loc' (leader on port $(node_port "$L"))"
out=$(curl -s -L -H "Content-Type: application/json" --data-binary "$tiers" "http://127.0.0.1:$(node_port "$F")/api")
echo "$out" | grep -q '"1":{"i32":1}' && ok "following the redirect, the leader answers" || fail "after redirect: $out"
out=$(curl -s -H "Content-Type: application/json" -H "Bypass-Leader-Redirect: true" --data-binary "$tiers" "http://127.0.0.1:$(node_port "$F")/api")
echo "$out" | grep -q '"1":{"i32":1}' && ok "Bypass-Leader-Redirect: the follower answers itself" || fail "bypass: $out"

# kill -9 of the leader's whole tree under write load.
node_client "$L" submit load 200000 16 >"$TMP/load" 2>&1 &
cpid=$!
wait_for 20 grep -q "^APPLIED load-" "$TMP/load" || fail "no write acknowledged under load"
sleep 1
stop_node "$L" KILL
wait "$cpid"
acked=$(grep -c "^APPLIED" "$TMP/load")
start=$(now_ms)
moved() { _n=$(leader) && [ "$_n" != "$L" ]; }
wait_for 30 moved || { fail "no new leader after kill -9 of node $L"; finish; }
N=$(leader)
ok "node $N leads $(( $(now_ms) - start )) ms after the kill"
out=$(node_client "$N" missing "$TMP/load")
[ "$acked" -gt 0 ] && [ "$out" = "missing 0" ] && ok "the new leader has all $acked acknowledged writes" ||
    fail "after $acked acknowledged writes: $out"
node_client "$N" submit after 100 8 >/dev/null && ok "the new leader takes writes" || fail "no writes on the new leader"

# The old node rejoins as a follower and catches up.
start_node "$L" -native_log_quorum_size=2
want=$(node_count "$N" load-)
caught_up() { [ "$(node_count "$L" load-)" = "$want" ] && [ "$(node_count "$L" after-)" = 100 ]; }
wait_for 40 caught_up && ok "node $L rejoined and caught up ($want + 100 tasks)" ||
    fail "node $L: $(node_count "$L" load-) of $want, $(node_count "$L" after-) of 100"
[ "$(leaderhealth "$L")" = 503 ] && ok "node $L follows" || fail "node $L: $(leaderhealth "$L")"

# A follower stopped while the leader snapshots and truncates the log
# comes back, finds its next positions truncated, and restores its store
# from the snapshot; a wiped one (an empty log directory) does too.
O=$(for n in 1 2 3; do [ "$n" != "$N" ] && [ "$n" != "$L" ] && echo "$n"; done)
stop_node "$O"
node_client "$N" submit away 300 8 >/dev/null || fail "writes while node $O is away"
# Writes go on around the snapshot: those just before and after the
# position it holds must survive the truncation on a restored replica.
node_client "$N" submit during 2000 8 >"$TMP/during" 2>&1 &
dpid=$!
wait_for 20 grep -q "^APPLIED during-" "$TMP/during" || fail "no write before the snapshot"
out=$(node_client "$N" snapshot)
case $out in APPLIED*) ok "node $N snapshot during writes: $out" ;; *) fail "snapshot on node $N: $out" ;; esac
wait "$dpid" || fail "writes around the snapshot: $(grep -v ^APPLIED "$TMP/during" | head -3)"
node_client "$N" submit later 50 4 >/dev/null || fail "writes after the snapshot"
start_node "$O" -native_log_quorum_size=2
restored() { [ "$(node_count "$O" away-)" = 300 ] && [ "$(node_count "$O" during-)" = 2000 ] && [ "$(node_count "$O" later-)" = 50 ]; }
wait_for 40 restored && ok "node $O restored from the snapshot and caught up (300 + 2000 + 50 tasks)" ||
    fail "node $O: $(node_count "$O" away-) of 300, $(node_count "$O" during-) of 2000, $(node_count "$O" later-) of 50: $(grep -i 'snapshot\|restor\|truncat' "$TMP/n$O/logs/replica.log" | tail -3)"
grep -q "Store restored at log position" "$TMP/n$O/logs/replica.log" && ok "node $O: $(grep -o 'Store restored at.*' "$TMP/n$O/logs/replica.log" | tail -1)" ||
    fail "node $O did not restore from a snapshot"
same() { [ "$(node_count "$O" "")" = "$(node_count "$N" "")" ] && [ "$(node_count "$L" "")" = "$(node_count "$N" "")" ]; }
wait_for 20 same && ok "all three stores hold $(node_count "$N" "") tasks" ||
    fail "tasks: $(node_count 1 "") $(node_count 2 "") $(node_count 3 "")"

stop_node "$L"
rm -rf "$TMP/n$L/db" && mkdir "$TMP/n$L/db"
start_node "$L" -native_log_quorum_size=2
wiped_back() { [ "$(node_count "$L" "")" = "$(node_count "$N" "")" ] && [ "$(node_var "$L" native_log_replica_status_VOTING)" = 1 ]; }
wait_for 60 wiped_back && ok "wiped node $L recovered, voting with all $(node_count "$N" "") tasks" ||
    fail "wiped node $L: $(node_count "$L" "") tasks, VOTING=$(node_var "$L" native_log_replica_status_VOTING): $(tail -3 "$TMP/n$L/logs/replica.log")"
grep -q "Store restored at log position" "$TMP/n$L/logs/replica.log" && ok "wiped node $L: $(grep -o 'Store restored at.*' "$TMP/n$L/logs/replica.log" | tail -1)" ||
    fail "wiped node $L did not restore from a snapshot"
finish
