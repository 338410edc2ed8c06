#!/bin/sh
# Replays every fuzz target over its checked-in corpus.
set -eu
b=${top_builddir:-.}
s=${top_srcdir:-.}
"$b/tests/fuzz/replay_envelope" "$s/tests/fuzz/corpus/envelope"
"$b/tests/fuzz/replay_http" "$s/tests/fuzz/corpus/http"
"$b/tests/fuzz/replay_thrift_json" "$s/tests/fuzz/corpus/thrift_json"
"$b/tests/fuzz/replay_thrift_binary" "$s/tests/fuzz/corpus/thrift_binary"
