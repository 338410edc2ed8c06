#!/bin/sh
# The ZooKeeper client and group watcher (tests/unit/zk_check.c) against
# Debian's ZooKeeper, started here.
. "${top_srcdir:-.}/tests/integration/lib.sh"
start_zk
timeout 60 "$(dirname "$BIN")/tests/unit/zk_check" "$ZK" || fail "zk_check"
finish
