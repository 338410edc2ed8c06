#!/bin/sh
# Runs each libFuzzer target for a few seconds from its corpus (builds made
# with configure --enable-fuzzers). New inputs go to a scratch directory,
# not into the checked-in corpus.
set -eu
b=${top_builddir:-.}
s=${top_srcdir:-.}
secs=${FUZZ_SECONDS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
for t in envelope http thrift_json thrift_binary; do
	mkdir -p "$tmp/$t"
	"$b/tests/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
	    "$tmp/$t" "$s/tests/fuzz/corpus/$t" 2>"$tmp/$t.log" ||
		{ tail -40 "$tmp/$t.log"; exit 1; }
	grep -E '^(stat::number_of_executed_units|Done)' "$tmp/$t.log" || true
done
