# Helpers for tests that call /api with bodies built in the shell (TJSON),
# sourced after lib.sh: call, bcall (the same in TBinary), code, expect, key,
# task, create.
RECODE="${top_builddir:-.}/tests/unit/thrift_recode"

# call BODY: POSTs a TJSON call; prints the TJSON answer.
call() {
	curl -s --max-time 10 -H 'Content-Type: application/json' \
	    --data-binary "$1" "http://127.0.0.1:$PORT/api"
}
# bcall BODY: the same call in TBinary, the answer recoded to TJSON.
bcall() {
	printf '%s' "$1" | "$RECODE" json binary >"$TMP/req.bin" || return 1
	curl -s --max-time 10 -o "$TMP/ans.bin" \
	    -H 'Content-Type: application/vnd.apache.thrift.binary' \
	    -H 'Accept: application/vnd.apache.thrift.binary' \
	    --data-binary @"$TMP/req.bin" "http://127.0.0.1:$PORT/api" &&
	    "$RECODE" binary json <"$TMP/ans.bin"
}
code() { echo "$1" | sed -n 's/^\[1,"[A-Za-z]*",2,0,{"0":{"rec":{"1":{"i32":\([0-9]\)}.*/\1/p'; }
# expect NAME CODE MESSAGE ANSWER: the answer has that code and message.
expect() {
	if [ "$(code "$4")" = "$2" ] && { [ -z "$3" ] || echo "$4" | grep -qF "$3"; }; then
		ok "$1"
	else
		fail "$1: $4"
	fi
}
key() { echo '{"1":{"str":"'"$1"'"},"2":{"str":"'"$2"'"},"3":{"str":"'"$3"'"}}'; }
# task KEY SERVICE CPUS [EXTRA FIELDS]: a TaskConfig.
task() {
	echo '{"28":{"rec":'"$1"'},"17":{"rec":{"2":{"str":"www-data"}}},"7":{"tf":'"$2"'},"13":{"i32":1},"32":{"set":["rec",3,{"1":{"dbl":'"$3"'}},{"2":{"i64":128}},{"3":{"i64":256}}]},"25":{"rec":{"1":{"str":"AuroraExecutor"},"2":{"str":"{}"}}}'"${4:-}"'}'
}
# create KEY TASK COUNT [EXTRA JOB FIELDS]: a createJob call.
create() {
	echo '[1,"createJob",1,0,{"1":{"rec":{"9":{"rec":'"$1"'},"7":{"rec":{"2":{"str":"www-data"}}},"6":{"rec":'"$2"'},"8":{"i32":'"$3"'}'"${4:-}"'}}}]'
}
