#!/bin/sh
# The log's disk fills up: on a small tmpfs, writes to one scheduler fail
# with an error that says so, every write acknowledged before is still
# there, and writing resumes once space is freed.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
mkdir -p "$TMP/small"
if ! mount -t tmpfs -o size=8m tmpfs "$TMP/small" 2>"$TMP/mount.err"; then
	echo "skipped: cannot mount a tmpfs here: $(cat "$TMP/mount.err")"
	exit 77
fi
MOUNTS=$TMP/small
DB=$TMP/small/db
"$AURORA_LOG" initialize --path="$DB" >/dev/null || fail "aurora-log initialize"
start_tree -native_log_file_path="$DB" -worker_restart_backoff=100ms || finish
ready() { [ "$(var scheduler_lifecycle_LEADER_AWAITING_REGISTRATION)" = 1 ]; }
wait_for 20 ready || { fail "the store is not READY"; finish; }

"$CLIENT" "$TMP/run" submit before 200 8 >"$TMP/before" && ok "200 writes before the disk fills" ||
    fail "writes before: $(grep -v ^APPLIED "$TMP/before" | head -3)"
# Leave about 256 KiB free, then write until a write fails.
avail=$(df -k --output=avail "$TMP/small" | tail -1)
dd if=/dev/zero of="$TMP/small/filler" bs=1k count=$((avail - 256)) 2>/dev/null
"$CLIENT" "$TMP/run" submit fill 100000 8 >"$TMP/fill" 2>&1
acked=$(grep -c "^APPLIED" "$TMP/fill")
failed=$(grep -v "^APPLIED" "$TMP/fill" | head -1)
case $failed in
*"no space left"*) ok "after $acked more writes the disk is full: $failed" ;;
*) fail "no clear error once the disk is full ($acked acknowledged): '$failed'" ;;
esac
# The writes queued behind the one that failed hear so at once.
late=$(grep -c "no answer before the deadline" "$TMP/fill")
[ "$late" = 0 ] && ok "every write in flight was answered: $(grep -v "^APPLIED" "$TMP/fill" | cut -d' ' -f1 | sort | uniq -c | tr -s ' ' | tr '\n' ',')" ||
    fail "$late writes in flight waited for their deadline"
grep -q "no space left on the log's disk" "$TMP/logs/replica.log" &&
    ok "replica.log: $(grep -o "[^:]*: no space left on the log's disk.*" "$TMP/logs/replica.log" | head -1)" ||
    fail "replica.log does not say the disk is full: $(tail -3 "$TMP/logs/replica.log")"

# Still full: writing again soon fails the same way. After replica was
# restarted (its log write failed) it may first fit a few writes into
# pages the failed commit left; those are acknowledged and must stay.
wait_for 30 ready || fail "the store is not READY after the disk filled"
"$CLIENT" "$TMP/run" submit again 100000 8 >"$TMP/again" 2>&1
refused=$(grep -v "^APPLIED" "$TMP/again" | head -1)
case $refused in
*"no space left"*) ok "writing again while the disk is full: $refused" ;;
*) fail "writing again while the disk is full: '$refused'" ;;
esac

# Space comes back: writing resumes, and nothing acknowledged was lost.
rm -f "$TMP/small/filler"
wait_for 30 ready || fail "the store is not READY again after space was freed"
resumed() { "$CLIENT" "$TMP/run" submit after 50 4 >"$TMP/after" 2>&1; }
wait_for 30 resumed && ok "writing resumed once space was freed" ||
    fail "no writes after space was freed: $(grep -v ^APPLIED "$TMP/after" | head -3)"
out=$("$CLIENT" "$TMP/run" missing "$TMP/before")
[ "$out" = "missing 0" ] && ok "all 200 writes from before are there" || fail "before: $out"
out=$("$CLIENT" "$TMP/run" missing "$TMP/fill")
[ "$out" = "missing 0" ] && ok "all $acked writes acknowledged while the disk filled are there" || fail "fill: $out"
out=$("$CLIENT" "$TMP/run" missing "$TMP/again")
[ "$out" = "missing 0" ] && ok "all $(grep -c "^APPLIED" "$TMP/again") writes acknowledged when writing again are there" || fail "again: $out"
# A write answered as in the log but not applied is applied now; one
# refused (NOT_READY) is nowhere. Others answered UNKNOWN may go either way.
settled() {
	_task=$(echo "$1" | cut -d' ' -f2)
	case $1 in
	"UNKNOWN "*"written to the log"*)
		_has=$("$CLIENT" "$TMP/run" has "$_task")
		[ "$_has" = found ] &&
		    ok "$_task, answered as in the log, was applied once space was freed" ||
		    fail "$_task was answered as in the log but is not applied: $_has; replica.log: $(tail -3 "$TMP/logs/replica.log")" ;;
	NOT_READY*)
		_has=$("$CLIENT" "$TMP/run" has "$_task")
		[ "$_has" = absent ] &&
		    ok "$_task, refused, is nowhere" ||
		    fail "$_task was refused but is stored: $_has; replica.log: $(tail -3 "$TMP/logs/replica.log")" ;;
	esac
}
settled "$failed"
settled "$refused"
finish
