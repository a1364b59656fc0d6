#!/usr/bin/env bash
# Push a small hand-made file for district 476 and read the figures back through `cchc report`;
# push it again (all duplicates, figures unchanged); resend one event_id with other content
# (rejected as conflict, figures unchanged). The expected figures are worked out by hand in
# tests/data/integration-476-2024Q1.expected.json. The figures are absolute, so it runs on a stack of
# its own: a generated quarter of the shared stack (test_asof's 2023-Q1, province-wide) can leave a
# dossier of 476's communes open for good, and that counts as carried over into every later period.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/private_stack.sh"
pstack_fresh

FILE="$DATA/integration-476-2024Q1.jsonl"
EXPECTED="$DATA/integration-476-2024Q1.expected.json"
N=$(wc -l <"$FILE")
cp "$FILE" "$WORK/records.jsonl" # push writes FILE.rejects next to its input

check_figures() { # check_figures REPORT
	local r=$1 key fb
	for key in $(jq -r '.dossiers | keys[]' "$EXPECTED"); do
		assert_eq "dossiers.all.$key" "$(jq -r ".dossiers.$key" "$EXPECTED")" "$(figure "$r" ".dossiers.all.$key")"
	done
	fb=$(feedback_path "$r")
	for key in $(jq -r '.feedback | keys[]' "$EXPECTED"); do
		assert_eq "feedback.$key" "$(jq -r ".feedback.$key" "$EXPECTED")" "$(figure "$r" "$fb.$key")"
	done
	assert_identity "$r"
	assert_eq "period.label" "$PERIOD" "$(jq -r '.period.label' "$r")"
	assert_eq "scope.code" 476 "$(jq -r '.scope.code' "$r")"
}

step "first push of $N records"
push_file "$WORK/records.jsonl"
assert_eq "exit status" 0 "$PUSH_RC"
assert_eq "accepted duplicate rejected" "$N 0 0" "$(push_counts)"

step "figures of scope 476 match the file"
R1=$(report 476)
check_figures "$R1"
# The province-wide report includes the district's dossiers.
RP=$(report 46)
((RP_RECEIVED = $(figure "$RP" .dossiers.all.received)))
((RP_RECEIVED >= 8)) || fail "province received $RP_RECEIVED < the district's 8"
echo "ok: province received $RP_RECEIVED >= 8"

step "second push: all duplicates, figures unchanged"
push_file "$WORK/records.jsonl"
assert_eq "exit status" 0 "$PUSH_RC"
assert_eq "accepted duplicate rejected" "0 $N 0" "$(push_counts)"
R2=$(report 476)
check_figures "$R2"
assert_eq "whole report unchanged" "$(jq -S .dossiers "$R1")" "$(jq -S .dossiers "$R2")"

step "conflicting resend: same event_id, other content"
# d5's `received` again with another due time (would turn it from overdue to within due), and a
# harmless duplicate beside it: the duplicate counts, the conflict is rejected and stores nothing.
grep '"it476-d5-received"' "$FILE" | sed 's/2024-02-20T17:00:00+07:00/2024-04-20T17:00:00+07:00/' \
	>"$WORK/conflict.jsonl"
grep '"it476-d1-received"' "$FILE" >>"$WORK/conflict.jsonl"
[[ $(grep -c 2024-04-20 "$WORK/conflict.jsonl") == 1 ]] || fail "test data: could not build the conflict"
push_file "$WORK/conflict.jsonl"
[[ "$PUSH_RC" != 0 ]] || fail "push with a conflict exited 0"
echo "ok: exit status $PUSH_RC (non-zero)"
assert_eq "accepted duplicate rejected" "0 1 1" "$(push_counts)"
[[ -s "$WORK/conflict.jsonl.rejects" ]] || fail "no $WORK/conflict.jsonl.rejects written"
REJECTS=$(cat "$WORK/conflict.jsonl.rejects")
assert_contains "rejects file" conflict "$REJECTS"
assert_contains "rejects file" it476-d5-received "$REJECTS"
R3=$(report 476)
check_figures "$R3"
assert_eq "pending_overdue still counts d5" 1 "$(figure "$R3" .dossiers.all.pending_overdue)"

echo "$TEST_NAME: PASS"
