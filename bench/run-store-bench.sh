#!/bin/sh
# Acknowledged 1 KiB writes at 1, 16, 64 and 256 concurrent writers: on
# one scheduler (quorum 1), on three sharing ZooKeeper (quorum 2), and,
# in the same run on the same disk, on a 3-member etcd 3.4 and a 3-server
# ZooKeeper (bench/peers.sh) under the same workload. Prints each table,
# then the three-server figures side by side with the ratios. Figures
# only: it never fails on a timing.
#
#   make bench/store_writers && sudo bench/run-store-bench.sh
#
# BENCH_WRITES (default 5000 per writer count), BENCH_WRITERS (1,16,64,256),
# BENCH_SIZE (bytes per write, default 1024), BENCH_PEERS (1; 0 skips the
# peers).
. "${top_srcdir:-$(dirname "$0")/..}/tests/integration/lib.sh"
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/peers.sh"
need_root
WRITES=${BENCH_WRITES:-5000}
WRITERS=${BENCH_WRITERS:-1,16,64,256}
SIZE=${BENCH_SIZE:-1024}
SW=$(dirname "$BIN")/bench/store_writers
[ -x "$SW" ] || { echo "build it first: make bench/store_writers" >&2; exit 2; }
if [ "${BENCH_PEERS:-1}" = 1 ]; then
	"$BENCH_DIR/../contrib/install-deps" --bench || exit 2
	# libnghttp2 is for this comparison only, so the scheduler's build
	# does not link it.
	${CC:-cc} -O2 -o "$TMP/peer_writers" "$BENCH_DIR/peer_writers.c" \
	    -lnghttp2 -lzookeeper_mt -lpthread || exit 2
fi
rounds() { curl -s "http://127.0.0.1:$1/vars" | sed -n 's/^scheduler_log_entries_written //p'; }

echo "== one scheduler, quorum 1 (data under $TMP)"
init_log
start_tree || finish
wait_for 20 leads || { echo "the scheduler does not lead" >&2; finish; }
before=$(rounds "$PORT")
"$SW" "$TMP/run" -n "$WRITES" -w "$WRITERS" -s "$SIZE"
echo "log rounds: $(( $(rounds "$PORT") - before ))"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null; MASTER_PID=

echo "== three schedulers, quorum 2, ZooKeeper"
start_zk
for n in 1 2 3; do start_node "$n" -native_log_quorum_size=2; done
wait_for 40 leader || { echo "no leader" >&2; finish; }
L=$(leader)
before=$(rounds "$(node_port "$L")")
"$SW" "$TMP/n$L/run" -n "$WRITES" -w "$WRITERS" -s "$SIZE" | tee "$TMP/ours.table"
echo "log rounds: $(( $(rounds "$(node_port "$L")") - before ))"
stop_nodes
[ "${BENCH_PEERS:-1}" = 1 ] || finish

echo "== etcd $(etcd --version | sed -n 's/^etcd Version: //p'), three members, writes to the leader"
start_etcd3 || finish
"$TMP/peer_writers" etcd "$ETCD_LEADER" -n "$WRITES" -w "$WRITERS" -s "$SIZE" | tee "$TMP/etcd.table"
echo "keys stored: $(etcd_count bench/)"
stop_etcd3

echo "== ZooKeeper $(zk_version), three servers, writes to the leader"
start_zk3 || finish
"$TMP/peer_writers" zk "$ZK3_LEADER" -n "$WRITES" -w "$WRITERS" -s "$SIZE" | tee "$TMP/zk.table"
stop_zk3

echo "== three servers side by side: writes/s, p50 and p99 ms ($SIZE-byte writes)"
awk -v ours="$TMP/ours.table" -v etcd="$TMP/etcd.table" -v zk="$TMP/zk.table" '
function load(f, a,   line, n, w) {
	while ((getline line < f) > 0) {
		n = split(line, w, " ")
		if (w[1] ~ /^[0-9]+$/) { a[w[1], "rate"] = w[3]; a[w[1], "p50"] = w[4]; a[w[1], "p99"] = w[5]; rows[w[1]] = 1 }
	}
}
function ratio(x, y) { return y > 0 ? sprintf("%.2f", x / y) : "-" }
BEGIN {
	load(ours, o); load(etcd, e); load(zk, z)
	printf "%7s | %20s | %20s | %20s | %9s %9s\n", "writers", "ours", "etcd", "zookeeper", "ours/etcd", "ours/zk"
	n = 0; for (w in rows) keys[++n] = w + 0
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (keys[j] < keys[i]) { t = keys[i]; keys[i] = keys[j]; keys[j] = t }
	for (i = 1; i <= n; i++) {
		w = keys[i]
		printf "%7d | %8d %5.2f %5.2f | %8d %5.2f %5.2f | %8d %5.2f %5.2f | %9s %9s\n", w,
		    o[w, "rate"], o[w, "p50"], o[w, "p99"], e[w, "rate"], e[w, "p50"], e[w, "p99"],
		    z[w, "rate"], z[w, "p50"], z[w, "p99"], ratio(o[w, "rate"], e[w, "rate"]), ratio(o[w, "rate"], z[w, "rate"])
	}
	if ((64, "rate") in o && (64, "rate") in e)
		printf "goal, 64 writers: >= 3x etcd with p99 no worse: %sx, p99 %.2f vs %.2f ms: %s\n",
		    ratio(o[64, "rate"], e[64, "rate"]), o[64, "p99"], e[64, "p99"],
		    (o[64, "rate"] >= 3 * e[64, "rate"] && o[64, "p99"] <= e[64, "p99"]) ? "met" : "below"
	if ((1, "p50") in o)
		printf "goal, 1 writer: p50 < 1 ms: %.2f ms: %s\n", o[1, "p50"], o[1, "p50"] < 1 ? "met" : "above"
}'
finish
