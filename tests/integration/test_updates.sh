#!/bin/sh
# The job update reads through POST /api: getJobUpdateSummaries and
# getJobUpdateDetails on an empty store, then on updates saved in the
# store (as the updater will save them): each JobUpdateQuery filter, the
# newest modification first, offset and limit, both protocols, and
# Aurora's messages for a missing argument and an unknown key.
. "${top_srcdir:-.}/tests/integration/lib.sh"
need_root
. "${top_srcdir:-.}/tests/integration/api_lib.sh"
# summaries QUERY: getJobUpdateSummaries with that JobUpdateQuery.
summaries() { echo '[1,"getJobUpdateSummaries",1,0,{"1":{"rec":'"$1"'}}]'; }
# ids ANSWER: the update ids in an answer, in order.
ids() { echo "$1" | grep -o '"str":"u[0-9]"' | sed 's/"str":"\(u[0-9]\)"/\1/' | tr '\n' ' '; }
# same NAME WANT ANSWER: OK with those update ids, in that order.
same() {
	if [ "$(code "$3")" = 1 ] && [ "$(ids "$3")" = "$2" ]; then ok "$1"; else fail "$1: $3"; fi
}
save() { "$CLIENT" "$TMP/run" update "$@" >"$TMP/save.out" 2>&1 || fail "saving update $4: $(cat "$TMP/save.out")"; }

init_log
start_tree -cluster_name=test || finish
wait_for 10 leads || fail "not leading: $(tail -5 "$TMP/logs/replica.log")"

same "getJobUpdateSummaries, no updates: OK, none" "" "$(call '[1,"getJobUpdateSummaries",1,0,{"1":{"rec":{}}}]')"
expect "getJobUpdateDetails without key or query: ERROR" 2 "Either key or query must be set." \
    "$(call '[1,"getJobUpdateDetails",1,0,{}]')"
HELLO=$(key www-data prod hello)
expect "getJobUpdateDetails of an unknown key: INVALID_REQUEST" 0 \
    "Invalid update: JobUpdateKey(job:JobKey(role:www-data, environment:prod, name:hello), id:nope)" \
    "$(call '[1,"getJobUpdateDetails",1,0,{"1":{"rec":{"1":{"rec":'"$HELLO"'},"2":{"str":"nope"}}}}]')"

# ROLLING_FORWARD 0, ROLLED_FORWARD 4, ROLLED_BACK 5, ABORTED 6.
save www-data prod hello u1 alice 4 1000
save www-data prod hello u2 bob 0 3000
save www-data devel batch u3 alice 6 2000
save other prod x u4 carol 5 4000

same "all, newest first" "u4 u2 u3 u1 " "$(call "$(summaries '{}')")"
same "by role" "u2 u3 u1 " "$(call "$(summaries '{"2":{"str":"www-data"}}')")"
same "by job key" "u2 u1 " "$(call "$(summaries '{"3":{"rec":'"$HELLO"'}}')")"
same "by update key" "u1 " "$(call "$(summaries '{"8":{"rec":{"1":{"rec":'"$HELLO"'},"2":{"str":"u1"}}}}')")"
same "by user" "u3 u1 " "$(call "$(summaries '{"4":{"str":"alice"}}')")"
same "by statuses" "u4 u1 " "$(call "$(summaries '{"5":{"set":["i32",2,4,5]}}')")"
same "role and user together" "u3 u1 " "$(call "$(summaries '{"2":{"str":"www-data"},"4":{"str":"alice"}}')")"
same "offset 1, limit 1" "u2 " "$(call "$(summaries '{"6":{"i32":1},"7":{"i32":1}}')")"
same "offset past the end: none" "" "$(call "$(summaries '{"6":{"i32":9}}')")"
same "no match: none" "" "$(call "$(summaries '{"2":{"str":"nobody"}}')")"
same "TBinary: by role" "u2 u3 u1 " "$(bcall "$(summaries '{"2":{"str":"www-data"}}')")"
out=$(call "$(summaries '{"8":{"rec":{"1":{"rec":'"$HELLO"'},"2":{"str":"u2"}}}}')")
echo "$out" | grep -qF '"3":{"str":"bob"},"4":{"rec":{"1":{"i32":0},"2":{"i64":3000},"3":{"i64":3000}}}' &&
    ok "a summary: user, state ROLLING_FORWARD, created and modified" || fail "summary: $out"

out=$(call '[1,"getJobUpdateDetails",1,0,{"2":{"rec":{"2":{"str":"other"}}}}]')
same "getJobUpdateDetails by query: detailsList" "u4 " "$out"
out=$(call '[1,"getJobUpdateDetails",1,0,{"1":{"rec":{"1":{"rec":'"$HELLO"'},"2":{"str":"u1"}}}}]')
expect "getJobUpdateDetails by key: OK, deprecated" 1 \
    "The key argument is deprecated, use the query argument instead" "$out"
echo "$out" | grep -qF '"2":{"lst":["rec",1,{"1":{"i32":4},"2":{"i64":1000},"3":{"str":"alice"}}]}' &&
    ok "details: the update's events" || fail "details: $out"
finish
