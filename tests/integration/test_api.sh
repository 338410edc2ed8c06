#!/bin/sh
# POST /api on one scheduler, as Aurora's clients use it: the protocol of
# the request from Content-Type (415 otherwise), of the answer from
# Accept; ERROR_TRANSIENT "Storage is not READY" before the log is
# initialized; Thrift exceptions for unknown methods and bad arguments;
# INVALID_REQUEST naming a method not supported yet; the answers counted
# in /vars.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root

# api [curl options...] BODY: POSTs BODY, prints "CODE CONTENT-TYPE" then
# the body on the next line.
api() {
	_body=$1; shift
	curl -s --max-time 10 -o "$TMP/api.out" -D "$TMP/api.hdr" \
	    -w '%{http_code} %{content_type}\n' "$@" --data-binary "$_body" \
	    "http://127.0.0.1:$PORT/api"
	cat "$TMP/api.out"; echo
}
tiers='[1,"getTierConfigs",1,0,{}]'

start_tree || finish
# Alone and not leading yet (nothing to lead without a log): nobody to
# redirect to; asked to answer anyway, storage is not ready.
out=$(api "$tiers" -H 'Content-Type: application/json')
echo "$out" | head -n 1 | grep -q '^503 text/html' && echo "$out" | grep -q 'No Leader Found' &&
    ok "no leader: 503" || fail "no leader: $out"
out=$(api "$tiers" -H 'Content-Type: application/json' -H 'Bypass-Leader-Redirect: 1')
echo "$out" | grep -q '"1":{"i32":6}' && echo "$out" | grep -q 'Storage is not READY' &&
    ok "before initialize, with Bypass-Leader-Redirect: ERROR_TRANSIENT, Storage is not READY" ||
    fail "early call: $out"
kill -TERM "$MASTER_PID"; wait "$MASTER_PID" 2>/dev/null

init_log
start_tree -cluster_name=test-cluster || finish
wait_for 10 leads || fail "not leading: $(tail -5 "$TMP/logs/replica.log")"

# The web UI's request: TJSON in, TJSON out.
out=$(api "$tiers" -H 'Content-Type: application/vnd.apache.thrift.json; charset=UTF-8')
want='[1,"getTierConfigs",2,0,{"0":{"rec":{"1":{"i32":1},"3":{"rec":{"27":{"rec":{"1":{"str":"preemptible"},"2":{"set":["rec",3,{"1":{"str":"preemptible"},"2":{"map":["str","str",2,{"preemptible":"true","revocable":"false"}]}},{"1":{"str":"preferred"},"2":{"map":["str","str",2,{"preemptible":"false","revocable":"false"}]}},{"1":{"str":"revocable"},"2":{"map":["str","str",2,{"preemptible":"true","revocable":"true"}]}}]}}}}},"5":{"rec":{"1":{"str":"test-cluster"},"3":{"str":""}}},"6":{"lst":["rec",0]}}}}]'
[ "$out" = "200 application/vnd.apache.thrift.json
$want" ] && ok "getTierConfigs in TJSON: Aurora's default tiers, serverInfo.clusterName" ||
    fail "getTierConfigs: $out"
# Media types compare without case, as Guava's do (but for values).
out=$(api "$tiers" -H 'Content-Type: Application/Vnd.Apache.Thrift.JSON; CHARSET=utf-8')
[ "$(echo "$out" | head -n 1)" = "200 application/vnd.apache.thrift.json" ] &&
    ok "Content-Type compared without case" || fail "case: $out"
# No Content-Type (curl's default is form data: say none) is TJSON too.
out=$(api "$tiers" -H 'Content-Type:')
[ "$(echo "$out" | head -n 1)" = "200 application/vnd.apache.thrift.json" ] &&
    ok "no Content-Type: TJSON" || fail "no content type: $out"

# The Python client's request: TBinary in, TBinary out.
printf '\200\001\000\001\000\000\000\016getTierConfigs\000\000\000\011\000' >"$TMP/bin.req"
curl -s --max-time 10 -o "$TMP/bin.out" -w '%{http_code} %{content_type}\n' \
    -H 'Content-Type: application/vnd.apache.thrift.binary' \
    -H 'Accept: application/vnd.apache.thrift.binary' \
    --data-binary @"$TMP/bin.req" "http://127.0.0.1:$PORT/api" >"$TMP/bin.code"
[ "$(cat "$TMP/bin.code")" = "200 application/vnd.apache.thrift.binary" ] &&
    [ "$(head -c 4 "$TMP/bin.out" | od -An -tx1 | tr -d ' \n')" = 80010002 ] &&
    grep -q preemptible "$TMP/bin.out" && grep -q test-cluster "$TMP/bin.out" &&
    ok "getTierConfigs in TBinary, answered in TBinary (seqid kept)" ||
    fail "binary: $(cat "$TMP/bin.code") $(od -An -c "$TMP/bin.out" | head -3)"
# The answer reads back with Apache Thrift's own library, when present.
if /usr/bin/python3 -c 'import thrift' 2>/dev/null; then
	/usr/bin/python3 - "$TMP/bin.out" <<'PY' && ok "python3-thrift reads the binary answer" || fail "python3-thrift could not read it"
import sys
from thrift.protocol import TBinaryProtocol
from thrift.transport import TTransport
p = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(open(sys.argv[1], 'rb').read()))
name, mtype, seqid = p.readMessageBegin()
assert (name, mtype, seqid) == ('getTierConfigs', 2, 9), (name, mtype, seqid)
p.skip(12)
p.readMessageEnd()
PY
fi

out=$(api "$tiers" -H 'Content-Type: text/plain')
[ "$out" = "415 text/plain
Unsupported Content-Type: text/plain" ] && ok "415 for text/plain, naming it" || fail "415: $out"

out=$(api '[1,"getJobz",1,4,{}]' -H 'Content-Type: application/json')
[ "$out" = "200 application/vnd.apache.thrift.json
[1,\"getJobz\",3,4,{\"1\":{\"str\":\"Invalid method name: 'getJobz'\"},\"2\":{\"i32\":1}}]" ] &&
    ok "an unknown method: TApplicationException UNKNOWN_METHOD" || fail "unknown method: $out"

out=$(api '[1,"getJobs",1,0,{"1":{"str":"a"},"2":{"lst":["str",2,"x"]}}]' -H 'Content-Type: application/json')
echo "$out" | grep -q '"2":{"i32":7}' && echo "$out" | grep -q 'a list says 2 elements but holds 1' &&
    ok "malformed arguments: PROTOCOL_ERROR naming the problem" || fail "bad args: $out"

out=$(api 'garbage' -H 'Content-Type: application/json')
echo "$out" | head -n 1 | grep -q '^400 ' && echo "$out" | grep -q 'Not a Thrift call: not JSON' &&
    ok "not a Thrift message: 400" || fail "garbage: $out"

out=$(api '' -H 'Content-Type: application/json')
[ "$out" = "400 text/plain
Not a Thrift call: the request has no body" ] && ok "an empty body: 400, saying so" || fail "empty body: $out"

out=$(api '[1,"startJobUpdate",1,0,{}]' -H 'Content-Type: application/json')
echo "$out" | grep -q '"1":{"i32":0}' && echo "$out" | grep -q 'startJobUpdate is not supported by this scheduler yet' &&
    ok "a method not implemented yet: INVALID_REQUEST naming it" || fail "startJobUpdate: $out"

code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://127.0.0.1:$PORT/api")
[ "$code" = 405 ] && ok "PUT /api: 405" || fail "PUT: $code"

[ "$(var scheduler_thrift_response_OK)" = 4 ] &&
    [ "$(var scheduler_thrift_response_INVALID_REQUEST)" = 1 ] &&
    [ "$(var scheduler_thrift_getTierConfigs_events)" = 4 ] &&
    ok "/vars: scheduler_thrift_response_<CODE>, scheduler_thrift_<method>_events" ||
    fail "vars: OK $(var scheduler_thrift_response_OK) INVALID $(var scheduler_thrift_response_INVALID_REQUEST) events $(var scheduler_thrift_getTierConfigs_events)"
finish
