#!/bin/sh
# doc/flags.md and `aurora-scheduler -help` list the same flags.
. "${top_srcdir:-.}/tests/integration/lib.sh"
DOC="${top_srcdir:-.}/doc/flags.md"
"$BIN" -help | sed -n 's/^  -\([a-z_0-9]*\)$/\1/p' | sort >"$TMP/help"
sed -n 's/^### -\([a-z_0-9]*\)$/\1/p' "$DOC" | sort >"$TMP/doc"
[ -s "$TMP/help" ] || fail "-help listed no flags"
if diff "$TMP/help" "$TMP/doc" >"$TMP/diff"; then
	ok "$(wc -l <"$TMP/help") flags documented"
else
	fail "doc/flags.md and -help differ (< only in -help, > only in the doc):"
	cat "$TMP/diff" >&2
fi
finish
