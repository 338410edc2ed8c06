# Helpers for the integration tests: start the real process tree on a
# loopback port in a temporary directory, drive it over HTTP, clean up.
# Sourced by tests/integration/test_*.sh (run by `make check`).

set -u
BIN=${AURORA_SCHEDULER:-$(pwd)/aurora-scheduler}
AURORA_LOG=${AURORA_LOG:-$(dirname "$BIN")/aurora-log}
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
# A sanitizer report in any process's log fails the test.
sanitizer_check() {
	if grep -l -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' \
	    "$TMP"/logs/*.log "$TMP"/*.out "$TMP"/n*/logs/*.log 2>/dev/null; then
		fail "a sanitizer reported an error (files above)"
		grep -h -A20 -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' \
		    "$TMP"/logs/*.log "$TMP"/*.out "$TMP"/n*/logs/*.log 2>/dev/null | head -60 >&2
	fi
}
finish() {
	sanitizer_check
	[ "$FAILS" -eq 0 ] && exit 0
	echo "$FAILS check(s) failed" >&2
	exit 1
}
# Workers exit without freeing what lives as long as they do.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export ASAN_OPTIONS

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "skipped: the scheduler must be started as root"
		exit 77
	fi
}

# A free loopback port.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Short paths: the IPC socket paths under -run_dir have a length limit.
TMP=$(mktemp -d /tmp/aurora-it.XXXXXX)
MASTER_PID=
ZK_PID=
NODES=
cleanup() {
	if [ -n "$MASTER_PID" ] && kill -0 "$MASTER_PID" 2>/dev/null; then
		kill -TERM "$MASTER_PID" 2>/dev/null
		for _ in $(seq 1 70); do
			kill -0 "$MASTER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$MASTER_PID" 2>/dev/null
	fi
	pkill -KILL -f -- "-run_dir=$TMP/run" 2>/dev/null
	pkill -TERM -f -- "--work_dir=$TMP/" 2>/dev/null
	stop_nodes
	[ -n "$ZK_PID" ] && kill -KILL "$ZK_PID" 2>/dev/null && wait "$ZK_PID" 2>/dev/null
	# File systems a test mounted under $TMP.
	for _m in ${MOUNTS:-}; do umount -l "$_m" 2>/dev/null; done
	# Other servers a script started (the benchmarks' peers).
	for _p in ${EXTRA_PIDS:-}; do kill -KILL "$_p" 2>/dev/null; wait "$_p" 2>/dev/null; done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

# wait_for SECONDS COMMAND...: retries every 0.05 s until it succeeds.
wait_for() {
	_limit=$1; shift
	_end=$(( $(date +%s%N) / 1000000 + _limit * 1000 ))
	while [ "$(( $(date +%s%N) / 1000000 ))" -lt "$_end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

health_ok() { [ "$(curl -s --max-time 1 "http://127.0.0.1:$PORT/health")" = "OK" ]; }

# start_tree [extra flags...]: starts master, waits for /health.
# mesos_flags DIR: with LOCAL_CLUSTER_FLAGS set (even to ""), the embedded
# local cluster on a free port with those flags; else a Mesos
# master that never answers (port 1: refused at once, and never a port a
# test's server may take later), so tasks stay where forceTaskState puts
# them (stand_in_agent.py) and nothing reconciles them away.
mesos_flags() {
	if [ -n "${LOCAL_CLUSTER_FLAGS+set}" ]; then
		echo "-local_cluster_port=$(free_port) -local_cluster_work_dir=$1/local-cluster -local_cluster_flags=$LOCAL_CLUSTER_FLAGS"
	else
		echo "-mesos_master_address=127.0.0.1:1 -max_registration_delay=1days"
	fi
}

start_tree() {
	PORT=$(free_port)
	FLAGS="-http_port=$PORT -ip=127.0.0.1 -run_dir=$TMP/run -log_dir=$TMP/logs -native_log_file_path=$TMP/db -backup_dir=$TMP/backups $(mesos_flags "$TMP")"
	# shellcheck disable=SC2086
	"$BIN" $FLAGS "$@" >"$TMP/master.out" 2>&1 &
	MASTER_PID=$!
	if ! wait_for 20 health_ok; then
		fail "the tree did not answer /health within 20 s"
		cat "$TMP/master.out" "$TMP"/logs/*.log >&2 2>/dev/null
		return 1
	fi
}

# leads: this tree's scheduler is the leader.
leads() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/leaderhealth")" = 200 ]; }

# init_log: what an operator does once per scheduler before its first start.
init_log() {
	"$AURORA_LOG" initialize --path="$TMP/db" >"$TMP/init.out" 2>&1 ||
	    fail "aurora-log initialize: $(cat "$TMP/init.out")"
}

# var NAME: one value from /vars.
var() {
	curl -s --max-time 2 "http://127.0.0.1:$PORT/vars" | sed -n "s/^$1 //p"
}

# worker_pid NAME: the pid of a worker of our tree.
worker_pid() {
	pgrep -f -- "^aurora-scheduler: $1 --worker=$1 .*-run_dir=$TMP/run" | head -n 1
}

# crash_machine: the tree started by start_tree goes down as in a machine
# crash (SIGKILL, replica first so nothing stops cleanly), and the store's
# unsynced marker is made to name another boot, as the next boot finds it.
# 1 if the marker was not there (the store was closed cleanly).
crash_machine() {
	kill -STOP "$MASTER_PID"
	kill -KILL "$(worker_pid replica)" "$MASTER_PID"
	wait "$MASTER_PID" 2>/dev/null
	MASTER_PID=
	wait_for 10 _tree_gone || return 1
	[ -f "$TMP/db/store/unsynced-since-boot" ] || return 1
	echo 00000000-0000-0000-0000-000000000000 >"$TMP/db/store/unsynced-since-boot"
}
_tree_gone() { [ -z "$(worker_pid replica)$(worker_pid offerd)$(worker_pid httpd)" ]; }

# now_ms: wall-clock milliseconds, for reporting how long things took.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# start_zk: Debian's ZooKeeper, alone, on a loopback port with its data
# under $TMP; sets ZK (host:port). Skips the test when it is not installed.
ZK_JAR=/usr/share/java/zookeeper.jar
zk_ok() {
	python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"ruok")
sys.exit(0 if s.recv(4) == b"imok" else 1)' "$ZK_PORT"
}
start_zk() {
	if [ ! -f "$ZK_JAR" ] || ! command -v java >/dev/null; then
		echo "skipped: Debian's zookeeper package is not installed"
		exit 77
	fi
	ZK_PORT=$(free_port)
	ZK=127.0.0.1:$ZK_PORT
	mkdir -p "$TMP/zk/data"
	printf '%s\n' "tickTime=500" "minSessionTimeout=1000" \
	    "maxSessionTimeout=60000" "dataDir=$TMP/zk/data" \
	    "clientPort=$ZK_PORT" "clientPortAddress=127.0.0.1" \
	    "admin.enableServer=false" "4lw.commands.whitelist=ruok" \
	    >"$TMP/zk/zoo.cfg"
	java -cp "/etc/zookeeper/conf:$ZK_JAR" -Dzookeeper.log.dir="$TMP/zk" \
	    org.apache.zookeeper.server.ZooKeeperServerMain "$TMP/zk/zoo.cfg" \
	    >"$TMP/zk/zk.out" 2>&1 &
	ZK_PID=$!
	if ! wait_for 60 zk_ok; then
		fail "ZooKeeper did not start: $(tail -5 "$TMP/zk/zk.out")"
		finish
	fi
}

# start_node N [flags...]: scheduler N of a cluster sharing ZooKeeper
# (start_zk first), its files under $TMP/nN, its HTTP port PORT_N. Its
# log replica is initialized the first time.
zk_flags() {
	echo "-zk_endpoints=$ZK -native_log_zk_group_path=/aurora/replicated-log -serverset_path=/aurora/scheduler -zk_session_timeout=${ZK_SESSION:-4secs}"
}
start_node() {
	_n=$1; shift
	_d=$TMP/n$_n
	mkdir -p "$_d"
	eval "_port=\${PORT_$_n:-}"
	[ -n "$_port" ] || _port=$(free_port)
	eval "PORT_$_n=$_port"
	[ -d "$_d/db" ] || "$AURORA_LOG" initialize --path="$_d/db" >/dev/null ||
	    fail "aurora-log initialize for node $_n"
	# shellcheck disable=SC2046
	"$BIN" -http_port="$_port" -ip=127.0.0.1 -run_dir="$_d/run" \
	    -log_dir="$_d/logs" -native_log_file_path="$_d/db" \
	    -backup_dir="$_d/backups" $(mesos_flags "$_d") \
	    $(zk_flags) "$@" >>"$_d/master.out" 2>&1 &
	eval "PID_$_n=$!"
	case " $NODES " in *" $_n "*) ;; *) NODES="$NODES $_n" ;; esac
}
node_pid() { eval "echo \${PID_$1:-}"; }
node_port() { eval "echo \${PORT_$1:-}"; }
# node_var N NAME: one value from node N's /vars.
node_var() {
	curl -s --max-time 2 "http://127.0.0.1:$(node_port "$1")/vars" | sed -n "s/^$2 //p"
}
# leaderhealth N: node N's /leaderhealth status code.
leaderhealth() {
	curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$(node_port "$1")/leaderhealth"
}
# stop_node N [KILL]: stops node N's whole tree (TERM, then KILL).
stop_node() {
	_p=$(node_pid "$1")
	[ -n "$_p" ] || return 0
	if [ "${2:-TERM}" = TERM ]; then
		kill -TERM "$_p" 2>/dev/null
		for _ in $(seq 1 70); do
			kill -0 "$_p" 2>/dev/null || break
			sleep 0.1
		done
	fi
	pkill -KILL -f -- "-run_dir=$TMP/n$1/run" 2>/dev/null
	wait "$_p" 2>/dev/null
	eval "PID_$1="
}
stop_nodes() {
	for _n in $NODES; do stop_node "$_n"; done
}
# The store's test client (tests/unit/store_client): node_client N ARGS
# runs it against node N, node_count N PREFIX prints how many of node N's
# tasks start with PREFIX; node_voting N: node N's replica is VOTING.
CLIENT=${STORE_CLIENT:-$(dirname "$BIN")/tests/unit/store_client}
node_client() { _n=$1; shift; "$CLIENT" "$TMP/n$_n/run" "$@"; }
node_count() { node_client "$1" count "$2" | cut -d' ' -f1; }
node_voting() { [ "$(node_var "$1" native_log_replica_status_VOTING)" = 1 ]; }
# leader: the number of the node whose /leaderhealth says 200, if one.
leader() {
	for _n in $NODES; do
		[ "$(leaderhealth "$_n")" = 200 ] && { echo "$_n"; return 0; }
	done
	return 1
}
