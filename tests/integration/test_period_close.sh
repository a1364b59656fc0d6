#!/usr/bin/env bash
# The closing cycle (docs/design.md §13) on a stack of the test's own: a generated quarter with its
# truth is pushed and closed; records of other dossiers dated in the quarter then arrive late.
# The closed figures still equal the first truth, --as-of now the sum of both truths, and
# `period diff` lists exactly the figures the late truth is not zero in. Reopened and closed
# again, --as-of 1 and --as-of 2 each equal their truth. A closed version's DOCX, PDF and XLSX
# made again later are the bytes whose SHA-256 the closing recorded. stats killed (kill -9) while
# closes run leaves whole versions only.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/private_stack.sh"
PY=/usr/bin/python3
HERE=$(dirname "$0")
P=2024-Q1

pstack_fresh

step "a quarter with its truth, pushed"
cchc gen --period "$P" --dossiers 1500 --seed 71 -o "$WORK/a.jsonl" --truth "$WORK/a.truth.json" ||
	fail "cchc gen a failed"
cchc gen --period "$P" --dossiers 300 --seed 72 -o "$WORK/b.jsonl" --truth "$WORK/b.truth.json" ||
	fail "cchc gen b failed"
"$PY" "$HERE/closing_compare.py" sum "$WORK/a.truth.json" "$WORK/b.truth.json" >"$WORK/ab.truth.json"
push_file "$WORK/a.jsonl"
assert_eq "push a" 0 "$PUSH_RC"

step "closing: silent offices refuse it, --force closes"
RC=0
cchc period close "$P" --by "Nguyễn Văn A" --note "Báo cáo quý I" >"$WORK/close.out" \
	2>"$WORK/close.err" || RC=$?
if ((RC == 1)); then # some offices sent nothing: the close names them and asks for --force
	assert_contains "the refusal names --force" "--force" "$(cat "$WORK/close.err")"
	assert_contains "the refusal names the silent offices" "chưa gửi" "$(cat "$WORK/close.err")"
	cchc period close "$P" --by "Nguyễn Văn A" --note "Báo cáo quý I" --force >"$WORK/close.out" ||
		fail "close --force failed: $(cat "$WORK/close.out")"
else
	assert_eq "close exit status" 0 "$RC"
fi
assert_contains "close says the version" "phiên bản 1" "$(cat "$WORK/close.out")"
cchc period close "$P" --force >/dev/null 2>"$WORK/again.err" && fail "a second close of a closed period succeeded"
assert_contains "a closed period refuses another close" "reopen" "$(cat "$WORK/again.err")"

step "the closed report: as closed, and it says so"
cchc report --period "$P" --format json -o "$WORK/closed.json" 2>/dev/null || fail "report of the closed period failed"
"$PY" "$HERE/property_compare.py" "$WORK/a.truth.json" "$WORK/closed.json" >"$WORK/cmp.out" ||
	fail "closed figures are not the truth: $(head -n 20 "$WORK/cmp.out")"
assert_eq "as_of.closed" true "$(jq .as_of.closed "$WORK/closed.json")"
assert_eq "as_of.version" 1 "$(jq .as_of.version "$WORK/closed.json")"
assert_eq "as_of.by" "Nguyễn Văn A" "$(jq -r .as_of.by "$WORK/closed.json")"
for f in docx pdf xlsx; do
	cchc report --period "$P" --format "$f" -o "$WORK/v1-first.$f" 2>/dev/null || fail "closed $f failed"
done
assert_contains "the closed PDF says so" "Số liệu chốt ngày" "$(pdftotext "$WORK/v1-first.pdf" -)"

step "records dated in the quarter arrive after the close"
BEFORE_B=$(date +%Y-%m-%dT%H:%M:%S.%3N%:z) # every event of a was stored before it
push_file "$WORK/b.jsonl"
assert_eq "push b" 0 "$PUSH_RC"
cchc report --period "$P" --format json -o "$WORK/closed-after.json" 2>/dev/null || fail "report failed"
"$PY" "$HERE/property_compare.py" "$WORK/a.truth.json" "$WORK/closed-after.json" >"$WORK/cmp.out" ||
	fail "the closed figures moved with the late records: $(head -n 20 "$WORK/cmp.out")"
cchc report --period "$P" --as-of now --format json -o "$WORK/now.json" 2>/dev/null || fail "--as-of now failed"
"$PY" "$HERE/property_compare.py" "$WORK/ab.truth.json" "$WORK/now.json" >"$WORK/cmp.out" ||
	fail "--as-of now is not the truth of all records: $(head -n 20 "$WORK/cmp.out")"
assert_eq "--as-of now says it is not closed" false "$(jq .as_of.closed "$WORK/now.json")"
cchc report --period "$P" --as-of "$BEFORE_B" --format json -o "$WORK/before-b.json" 2>/dev/null ||
	fail "--as-of $BEFORE_B failed"
"$PY" "$HERE/property_compare.py" "$WORK/a.truth.json" "$WORK/before-b.json" >"$WORK/cmp.out" ||
	fail "--as-of the moment before the late records is not the first truth: $(head -n 20 "$WORK/cmp.out")"
assert_eq "--as-of TIME says when" true "$(jq '.as_of.at != null and .as_of.closed == false' "$WORK/before-b.json")"

step "period diff: exactly the figures the late records changed"
cchc period diff "$P" --format json >"$WORK/diff.json" || fail "period diff failed"
"$PY" "$HERE/closing_compare.py" diff "$WORK/diff.json" "$WORK/b.truth.json" >"$WORK/diff.out" ||
	fail "the diff is not the late truth: $(head -n 20 "$WORK/diff.out")"
echo "ok: $(tail -n 1 "$WORK/diff.out")"
# the events that can change P's figures: those dated before its end (15/03/2024 local)
B_EVENTS=$("$PY" -c '
import json, sys
from datetime import datetime
end = datetime.fromisoformat("2024-03-15T00:00:00+07:00")
print(sum(datetime.fromisoformat(json.loads(l)["at"]) < end for l in open(sys.argv[1])))' "$WORK/b.jsonl")
assert_eq "late events counted by office and store day" "$B_EVENTS" "$(jq '[.arrivals[].events] | add' "$WORK/diff.json")"
cchc period diff "$P" >"$WORK/diff.txt" || fail "period diff (text) failed"
assert_contains "the text diff" "Số liệu điều chỉnh sau khi chốt" "$(cat "$WORK/diff.txt")"
cchc period diff "$P" --format csv >"$WORK/diff.csv" || fail "period diff (csv) failed"
assert_eq "csv rows = json changes" "$(jq '.changes | length' "$WORK/diff.json")" "$(($(wc -l <"$WORK/diff.csv") - 1))"

step "the report now, with the annex of what changed since the close"
cchc report --period "$P" --as-of now --with-revisions --format docx -o "$WORK/rev.docx" 2>/dev/null ||
	fail "--with-revisions docx failed"
cchc report --period "$P" --as-of now --with-revisions --format pdf -o "$WORK/rev.pdf" 2>/dev/null ||
	fail "--with-revisions pdf failed"
assert_contains "the PDF annex" "PHỤ LỤC: SỐ LIỆU ĐIỀU CHỈNH SAU KHI CHỐT" "$(pdftotext "$WORK/rev.pdf" -)"
assert_eq "one annex line per changed figure" "$(jq '.changes | length' "$WORK/diff.json")" \
	"$(unzip -p "$WORK/rev.docx" word/document.xml | grep -o '→' | wc -l)"

step "reopen, close again: two versions, each its own truth"
cchc period reopen "$P" >/dev/null 2>&1 && fail "reopen without a reason succeeded"
cchc period reopen "$P" --reason "Bổ sung hồ sơ của các xã gửi muộn" --by "Trần Thị B" >"$WORK/reopen.out" ||
	fail "reopen failed"
cchc period close "$P" --force --by "Trần Thị B" >"$WORK/close2.out" || fail "the second close failed"
assert_contains "second close" "phiên bản 2" "$(cat "$WORK/close2.out")"
for v in 1 2; do
	cchc report --period "$P" --as-of "$v" --format json -o "$WORK/v$v.json" 2>/dev/null || fail "--as-of $v failed"
done
"$PY" "$HERE/property_compare.py" "$WORK/a.truth.json" "$WORK/v1.json" >"$WORK/cmp.out" ||
	fail "--as-of 1 is not the first truth: $(head -n 20 "$WORK/cmp.out")"
"$PY" "$HERE/property_compare.py" "$WORK/ab.truth.json" "$WORK/v2.json" >"$WORK/cmp.out" ||
	fail "--as-of 2 is not the truth of all records: $(head -n 20 "$WORK/cmp.out")"
cchc period list "$P" >"$WORK/list.out" || fail "period list failed"
assert_eq "versions listed" 2 "$(grep -c "phiên bản" "$WORK/list.out")"
assert_contains "the reopened version says why" "Bổ sung hồ sơ" "$(cat "$WORK/list.out")"
cchc audit verify >/dev/null || fail "the audit chain does not verify after closings"

step "a closed version's files, made again later, are the recorded bytes"
# the clock moves on (at least into the next second) before they are made again
start=$(date +%s)
clock_moved() { (($(date +%s) > start)); }
wait_until 5 "the clock to move" clock_moved
for f in docx pdf xlsx; do
	cchc report --period "$P" --as-of 1 --format "$f" -o "$WORK/v1-again.$f" 2>/dev/null || fail "$f again failed"
	cmp -s "$WORK/v1-first.$f" "$WORK/v1-again.$f" || fail "version 1's $f differs when made again"
	sha=$(sha256sum "$WORK/v1-again.$f" | cut -d' ' -f1)
	awk -v v="phiên bản 1" -v s="SHA-256 $f" 'index($0, v) { on = 1; next } /phiên bản/ { on = 0 }
		on && index($0, s) { print $NF }' "$WORK/list.out" | grep -qx "$sha" ||
		fail "version 1's $f does not have the SHA-256 its closing recorded"
done
echo "ok: docx, pdf and xlsx of version 1 are the recorded bytes"

step "stats killed during closes: whole versions only"
for i in 1 2 3 4; do
	if cchc period list "$P" | grep -q "đang có hiệu lực"; then
		cchc period reopen "$P" --reason "thử lần $i" >/dev/null || fail "reopen $i failed"
	fi
	before=$(cchc period list "$P" | grep -c "phiên bản")
	cchc period close "$P" --force --timeout-ms 5000 >/dev/null 2>&1 &
	closer=$!
	pid=$(pstack_pid cchc-stats)
	# the kill lands somewhere in the close: before, during or after its transaction
	awk -v n="$i" 'BEGIN { srand(n); system("sleep " (rand() * 0.05)) }'
	kill -9 "$pid" 2>/dev/null || true
	wait "$closer" || true
	pstack up >"$WORK/up.log" 2>&1 || fail "stack.sh up after kill $i: $(tail -n 5 "$WORK/up.log")"
	after=$(cchc period list "$P" | grep -c "phiên bản")
	((after == before || after == before + 1)) || fail "kill $i: $before versions became $after"
	for v in $(seq 1 "$after"); do
		cchc report --period "$P" --as-of "$v" --format json -o "$WORK/k.json" 2>/dev/null ||
			fail "kill $i: version $v cannot be read back"
	done
done
echo "ok: every version after the kills reads back whole"
cchc audit verify >/dev/null || fail "the audit chain does not verify after the kills"
