#!/bin/sh
# The job update reads through POST /api: getJobUpdateSummaries and
# getJobUpdateDetails on an empty store, then on updates saved in the
# store (as the updater will save them): each JobUpdateQuery filter, the
# newest modification first, offset and limit, both protocols, and
# Aurora's messages for a missing argument and an unknown key.
# getJobUpdateDiff of a job's active tasks against proposed configs:
# instances added, removed, updated and unchanged, and a limited scope.
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

# --- getJobUpdateDiff against a 3-instance service of 0.5 CPU.
out=$(call "$(create "$HELLO" "$(task "$HELLO" 1 0.5)" 3)")
expect "createJob of 3 instances" 1 "" "$out"
# diff TASK COUNT [SETTINGS]: a getJobUpdateDiff call.
diff_of() {
	call '[1,"getJobUpdateDiff",1,0,{"1":{"rec":{"1":{"rec":'"$1"'},"2":{"i32":'"$2"'}'"${3:-}"'}}}]'
}
# diffsum ANSWER: "add=R update=R remove=R unchanged=R", R the groups'
# ranges as first-last@cpus, in order.
diffsum() {
	echo "$1" | python3 -c '
import json, sys
a = json.loads(sys.stdin.read())
d = a[4]["0"]["rec"]["3"]["rec"]["26"]["rec"]
out = []
for name, f in (("add", "1"), ("update", "3"), ("remove", "2"), ("unchanged", "4")):
    groups = d.get(f, {"set": ["rec", 0]})["set"][2:]
    rs = []
    for g in groups:
        cpus = [r["1"]["dbl"] for r in g["1"]["rec"]["32"]["set"][2:] if "1" in r][0]
        rs += ["%d-%d@%g" % (r["1"]["i32"], r["2"]["i32"], cpus) for r in g["3"]["set"][2:]]
    out.append("%s=%s" % (name, ",".join(sorted(rs))))
print(" ".join(out))
'
}
# diff_is NAME WANT ANSWER
diff_is() {
	if [ "$(code "$3")" = 1 ] && [ "$(diffsum "$3")" = "$2" ]; then ok "$1"; else fail "$1: $(diffsum "$3") $3"; fi
}
diff_is "the same config: all unchanged" "add= update= remove= unchanged=0-2@0.5" \
    "$(diff_of "$(task "$HELLO" 1 0.5)" 3)"
diff_is "5 instances: 3-4 added" "add=3-4@0.5 update= remove= unchanged=0-2@0.5" \
    "$(diff_of "$(task "$HELLO" 1 0.5)" 5)"
diff_is "2 instances: 2 removed" "add= update= remove=2-2@0.5 unchanged=0-1@0.5" \
    "$(diff_of "$(task "$HELLO" 1 0.5)" 2)"
diff_is "more CPU: all updated, with their current config" "add= update=0-2@0.5 remove= unchanged=" \
    "$(diff_of "$(task "$HELLO" 1 0.75)" 3)"
diff_is "more CPU for 4, only instances 1 and 3: 1 updated, 3 added" \
    "add=3-3@0.75 update=1-1@0.5 remove= unchanged=0-0@0.5,2-2@0.5" \
    "$(diff_of "$(task "$HELLO" 1 0.75)" 4 ',"3":{"rec":{"7":{"set":["rec",2,{"1":{"i32":1},"2":{"i32":1}},{"1":{"i32":3},"2":{"i32":3}}]}}}')"
diff_is "TBinary: 5 instances" "add=3-4@0.5 update= remove= unchanged=0-2@0.5" \
    "$(bcall '[1,"getJobUpdateDiff",1,0,{"1":{"rec":{"1":{"rec":'"$(task "$HELLO" 1 0.5)"'},"2":{"i32":5}}}}]')"
NEW=$(key www-data prod fresh)
diff_is "a job with no tasks: all added" "add=0-1@0.5 update= remove= unchanged=" \
    "$(diff_of "$(task "$NEW" 1 0.5)" 2)"
expect "a bad config: INVALID_REQUEST with Aurora's message" 0 "Job key" \
    "$(diff_of "$(task "$(key www-data prod 'bad key')" 1 0.5)" 1)"
expect "no request: ERROR" 2 "" "$(call '[1,"getJobUpdateDiff",1,0,{}]')"
finish
