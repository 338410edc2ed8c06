#!/bin/sh
# The Thrift codec against Apache Thrift's own implementation of both
# protocols (python3-thrift): messages written by the reference library
# must read back and encode, in either protocol, to the reference's bytes.
. "${top_srcdir:-.}/tests/integration/lib.sh"

PY=/usr/bin/python3
RECODE="${top_builddir:-.}/tests/unit/thrift_recode"
if ! "$PY" -c 'import thrift.protocol.TJSONProtocol' 2>/dev/null; then
	echo "skipped: python3-thrift is not installed (contrib/install-deps)"
	exit 77
fi
"$PY" "${top_srcdir:-.}/tests/integration/thrift_reference.py" "$TMP" ||
	fail "the reference script failed"

n=0
for ref in "$TMP"/*.json; do
	name=$(basename "$ref" .json)
	for from in json binary; do
		for to in json binary; do
			n=$((n + 1))
			if ! "$RECODE" $from $to <"$TMP/$name.$from" \
			    >"$TMP/out" 2>"$TMP/err"; then
				fail "$name: $from -> $to: $(cat "$TMP/err")"
			elif ! cmp -s "$TMP/out" "$TMP/$name.$to"; then
				fail "$name: $from -> $to differs from Thrift's:"
				od -c "$TMP/$name.$to" | head -8 >&2
				od -c "$TMP/out" | head -8 >&2
			fi
		done
	done
done
[ "$n" -ge 24 ] || fail "only $n comparisons ran"
[ "$FAILS" -eq 0 ] && ok "$n recodings match Apache Thrift's bytes"
finish
