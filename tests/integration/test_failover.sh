#!/bin/sh
# kill -9 of the leader's whole tree under a concurrent write load, again
# and again (FAILOVER_CYCLES, 3 by default; the long mode runs 100 or
# more): after each kill a new leader holds every write acknowledged so
# far, the killed node rejoins and votes, and at the end all three
# replicas hold the same store at the same applied position.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
ZK_SESSION=3secs
CYCLES=${FAILOVER_CYCLES:-3}
start_zk
for n in 1 2 3; do start_node "$n" -native_log_quorum_size=2; done
wait_for 40 leader || { fail "no leader"; finish; }

acked=0 lost=0 slowest=0 t0=$(now_ms)
for c in $(seq 1 "$CYCLES"); do
	L=$(leader) || { fail "cycle $c: no leader"; break; }
	node_client "$L" submit "c$c" 1000000 16 >"$TMP/c$c" 2>&1 &
	load=$!
	wait_for 20 grep -q "^APPLIED c$c-" "$TMP/c$c" || fail "cycle $c: no write acknowledged"
	# Kill at a different moment of the load each time.
	sleep "0.$(( (c * 37) % 9 + 1 ))"
	stop_node "$L" KILL
	start=$(now_ms)
	wait "$load"
	moved() { _m=$(leader) && [ "$_m" != "$L" ]; }
	wait_for 40 moved || { fail "cycle $c: no new leader after kill -9 of node $L"; break; }
	took=$(( $(now_ms) - start ))
	[ "$took" -gt "$slowest" ] && slowest=$took
	M=$(leader)
	n=$(grep -c "^APPLIED" "$TMP/c$c")
	acked=$((acked + n))
	out=$(node_client "$M" missing "$TMP/c$c")
	if [ "$out" != "missing 0" ]; then
		fail "cycle $c: new leader $M lacks acknowledged writes: $out"
		lost=$((lost + 1))
	fi
	start_node "$L" -native_log_quorum_size=2
	wait_for 60 node_voting "$L" || { fail "cycle $c: node $L does not vote again"; break; }
	[ "$CYCLES" -le 10 ] || [ $((c % 10)) -eq 0 ] &&
	    echo "cycle $c: node $L killed, node $M leads after $took ms, $n writes acknowledged ($acked in all)"
done
[ "$lost" = 0 ] && ok "$CYCLES kill -9 cycles: every one of $acked acknowledged writes was on the new leader (slowest takeover $slowest ms, $(( ($(now_ms) - t0) / 1000 )) s in all)"

# All three replicas end with the same store, holding every write.
same() {
	_a=$(node_client 1 count "") && [ "$_a" = "$(node_client 2 count "")" ] && [ "$_a" = "$(node_client 3 count "")" ]
}
node_client "$(leader)" submit last 10 2 >/dev/null || fail "no write after the last cycle"
wait_for 30 same && ok "all three replicas agree: $(node_client 1 count "" | cut -d' ' -f1) tasks at position $(node_client 1 count "" | cut -d' ' -f2)" ||
    fail "replicas differ: $(node_client 1 count "") / $(node_client 2 count "") / $(node_client 3 count "")"
for n in 1 2 3; do
	for c in $(seq 1 "$CYCLES"); do
		out=$(node_client "$n" missing "$TMP/c$c")
		[ "$out" = "missing 0" ] || fail "node $n lacks writes of cycle $c: $out"
	done
done
finish
