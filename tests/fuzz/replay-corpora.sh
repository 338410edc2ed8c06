#!/bin/sh
# Replays every fuzz target over its checked-in corpus.
set -eu
b=${top_builddir:-.}
s=${top_srcdir:-.}
"$b/tests/fuzz/replay_envelope" "$s/tests/fuzz/corpus/envelope"
"$b/tests/fuzz/replay_http" "$s/tests/fuzz/corpus/http"
