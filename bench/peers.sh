# The systems the store is measured against, each as three servers on
# loopback with their data under $TMP (the same disk as the schedulers'),
# fsync on as they ship. Sourced by bench/run-store-bench.sh after
# tests/integration/lib.sh; their pids go in EXTRA_PIDS, which lib.sh's
# cleanup kills.

# start_etcd3: a 3-member etcd cluster; sets ETCD_LEADER (host:port of
# the member that leads) and ETCD_ENDPOINTS.
etcd_leads() {
	etcdctl --endpoints="$1" endpoint status -w json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["Status"]
sys.exit(0 if s["leader"] == s["header"]["member_id"] else 1)'
}
etcd_leader() {
	for _e in $(echo "$ETCD_ENDPOINTS" | tr , ' '); do
		etcd_leads "$_e" && { ETCD_LEADER=$_e; return 0; }
	done
	return 1
}
start_etcd3() {
	_cluster= ETCD_ENDPOINTS= ETCD_PIDS=
	for _i in 1 2 3; do
		eval "_peer_$_i=$(free_port) _client_$_i=$(free_port)"
		eval "_cluster=\$_cluster,e$_i=http://127.0.0.1:\$_peer_$_i"
	done
	mkdir -p "$TMP/etcd"
	for _i in 1 2 3; do
		eval "_pp=\$_peer_$_i _cp=\$_client_$_i"
		ETCD_ENDPOINTS=$ETCD_ENDPOINTS,127.0.0.1:$_cp
		etcd --name "e$_i" --data-dir "$TMP/etcd/e$_i" \
		    --listen-client-urls "http://127.0.0.1:$_cp" \
		    --advertise-client-urls "http://127.0.0.1:$_cp" \
		    --listen-peer-urls "http://127.0.0.1:$_pp" \
		    --initial-advertise-peer-urls "http://127.0.0.1:$_pp" \
		    --initial-cluster "${_cluster#,}" \
		    --initial-cluster-state new \
		    --initial-cluster-token aurora-bench \
		    >"$TMP/etcd/e$_i.log" 2>&1 &
		ETCD_PIDS="$ETCD_PIDS $!"
	done
	ETCD_ENDPOINTS=${ETCD_ENDPOINTS#,}
	EXTRA_PIDS="${EXTRA_PIDS:-} $ETCD_PIDS"
	wait_for 60 etcd_leader || { echo "etcd elected no leader: $(tail -3 "$TMP/etcd/e1.log")" >&2; return 1; }
	etcd_leader
}
stop_etcd3() {
	# shellcheck disable=SC2086
	kill -TERM $ETCD_PIDS 2>/dev/null
	for _p in $ETCD_PIDS; do wait "$_p" 2>/dev/null; done
}
# etcd_count PREFIX: keys under PREFIX, read through the cluster.
etcd_count() {
	etcdctl --endpoints="$ETCD_ENDPOINTS" get "$1" --prefix --limit=1 -w json |
	    python3 -c 'import json, sys; print(json.load(sys.stdin).get("count", 0))'
}

# start_zk3: a 3-server ZooKeeper ensemble; sets ZK3_LEADER (host:port of
# the server that leads).
zk_mode() {
	python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"srvr")
out = b""
while True:
    b = s.recv(4096)
    if not b: break
    out += b
for l in out.decode().splitlines():
    if l.startswith("Mode: "): print(l[6:])' "$1"
}
zk3_leader() {
	for _i in 1 2 3; do
		eval "_cp=\$_zc_$_i"
		[ "$(zk_mode "$_cp" 2>/dev/null)" = leader ] && { ZK3_LEADER=127.0.0.1:$_cp; return 0; }
	done
	return 1
}
start_zk3() {
	ZK3_PIDS=
	for _i in 1 2 3; do
		eval "_zc_$_i=$(free_port) _zq_$_i=$(free_port) _ze_$_i=$(free_port)"
	done
	for _i in 1 2 3; do
		_d=$TMP/zk3/$_i
		mkdir -p "$_d/data"
		echo "$_i" >"$_d/data/myid"
		eval "_cp=\$_zc_$_i"
		{
			printf '%s\n' "tickTime=2000" "initLimit=10" "syncLimit=5" \
			    "dataDir=$_d/data" "clientPort=$_cp" \
			    "clientPortAddress=127.0.0.1" "admin.enableServer=false" \
			    "4lw.commands.whitelist=ruok,srvr"
			for _j in 1 2 3; do
				eval "echo server.$_j=127.0.0.1:\$_zq_$_j:\$_ze_$_j"
			done
		} >"$_d/zoo.cfg"
		java -cp "/etc/zookeeper/conf:$ZK_JAR" -Dzookeeper.log.dir="$_d" \
		    org.apache.zookeeper.server.quorum.QuorumPeerMain "$_d/zoo.cfg" \
		    >"$_d/zk.out" 2>&1 &
		ZK3_PIDS="$ZK3_PIDS $!"
	done
	EXTRA_PIDS="${EXTRA_PIDS:-} $ZK3_PIDS"
	wait_for 90 zk3_leader || { echo "ZooKeeper elected no leader: $(tail -3 "$TMP/zk3/1/zk.out")" >&2; return 1; }
	zk3_leader
}
stop_zk3() {
	# shellcheck disable=SC2086
	kill -TERM $ZK3_PIDS 2>/dev/null
	for _p in $ZK3_PIDS; do wait "$_p" 2>/dev/null; done
}
zk_version() { dpkg-query -W -f='${Version}' zookeeper 2>/dev/null; }
