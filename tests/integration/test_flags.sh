#!/bin/sh
# Bad flags and bad environments stop the scheduler at once with exit code
# 2 and one line naming what is wrong; -help lists every flag.
. "${top_srcdir:-.}/tests/integration/lib.sh"

# expect_bad "what it must say" flags...
expect_bad() {
	_says=$1; shift
	"$BIN" "$@" -run_dir="$TMP/run" >"$TMP/out" 2>&1; _rc=$?
	if [ "$_rc" = 2 ] && grep -qF -- "$_says" "$TMP/out" && [ "$(wc -l <"$TMP/out")" = 1 ]; then
		ok "exit 2: $_says"
	else
		fail "$* -> rc $_rc: $(cat "$TMP/out")"
	fi
}

expect_bad "-http_port: invalid value 'abc'" -http_port=abc
expect_bad "unknown flag -no_such_flag" -no_such_flag=1
expect_bad "-zk_session_timeout: invalid value '15'" -zk_session_timeout=15
expect_bad "mode 'rx' must be ro or rw" -global_container_mounts=/a:/b:rx
expect_bad "entry '/a:relative'" -global_container_mounts=/ok:/ok,/a:relative
expect_bad "-native_log_quorum_size" -native_log_quorum_size=0
expect_bad "-dlog_max_entry_size: invalid value '64MB': must be between 1KB and 32MB" -dlog_max_entry_size=64MB
expect_bad "-dlog_snapshot_interval" -dlog_snapshot_interval=0secs
expect_bad "-mesos_master_address" -mesos_master_address=zk://zk1:2181
expect_bad "unexpected argument 'stray'" stray

if [ "$(id -u)" = 0 ]; then
	expect_bad "-native_log_quorum_size=2 needs -zk_endpoints" -native_log_quorum_size=2
	expect_bad "-user: no such user 'no-such-user-here'" -user=no-such-user-here
	expect_bad "-user: 'root' is root" -user=root
	LIBPROCESS_PORT=notaport expect_bad "LIBPROCESS_PORT='notaport'" -http_port=1
	LIBPROCESS_IP=999.1.1.1 expect_bad "LIBPROCESS_IP='999.1.1.1'" -http_port=1
	long=/tmp/$(python3 -c 'print("r"*120)')
	"$BIN" -run_dir="$long" >"$TMP/out" 2>&1; rc=$?
	[ "$rc" = 2 ] && grep -q "too long for the IPC socket paths" "$TMP/out" && ok "long -run_dir refused" || fail "long run_dir: $rc $(cat "$TMP/out")"
fi

"$BIN" -help >"$TMP/help" 2>&1; rc=$?
[ "$rc" = 0 ] && ok "-help exits 0" || fail "-help exit $rc"
for f in http_port ip hostname cluster_name log_dir run_dir user native_log_file_path \
    native_log_quorum_size native_log_zk_group_path zk_endpoints zk_session_timeout \
    serverset_path mesos_master_address framework_name framework_failover_timeout \
    max_registration_delay thermos_executor_path thermos_executor_resources \
    thermos_executor_flags global_container_mounts backup_dir dlog_snapshot_interval; do
	grep -q "^  -$f\$" "$TMP/help" && ok "-help lists -$f" || fail "-help lacks -$f"
done
grep -q "Default: 21days" "$TMP/help" && ok "defaults shown" || fail "no defaults in -help"
finish
