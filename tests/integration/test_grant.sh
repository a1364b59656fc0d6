#!/usr/bin/env bash
# A source may write only for the offices it is granted (and the units under them). The fixture's
# source `hue` is granted district 474 only: its record for a commune of 474 is stored, its records
# for a commune of 478 and for the province centre 46 are rejected as not_authorized.
source "$(dirname "$0")/lib.sh"

[[ -s "$CCHC_VAR/hue.key" ]] || fail "fixture did not create source hue ($CCHC_VAR/hue.key)"

cat >"$WORK/mixed.jsonl" <<'JSONL'
{"type":"dossier","event_id":"hue-g1-received","office":"19753","dossier":"IT19753-0001","procedure":"1.001234","field":"hotich","kind":"received","channel":"online","at":"2024-01-20T08:00:00+07:00","due":"2024-01-27T17:00:00+07:00"}
{"type":"dossier","event_id":"hue-g2-received","office":"19903","dossier":"IT19903-0001","procedure":"1.001234","field":"hotich","kind":"received","channel":"online","at":"2024-01-20T08:00:00+07:00","due":"2024-01-27T17:00:00+07:00"}
{"type":"dossier","event_id":"hue-g3-received","office":"46","dossier":"IT46-0001","procedure":"1.001234","field":"hotich","kind":"received","channel":"direct","at":"2024-01-20T08:00:00+07:00","due":"2024-01-27T17:00:00+07:00"}
JSONL

R474=$(report 474)
BEFORE_474=$(figure "$R474" .dossiers.all.received)
BEFORE_46=$(figure "$(report 46)" .dossiers.all.received)
assert_eq "received in 478 before" 0 "$(figure "$(report 478)" .dossiers.all.received)"

step "push as hue"
push_file "$WORK/mixed.jsonl" --source hue --key-file "$CCHC_VAR/hue.key"
[[ "$PUSH_RC" != 0 ]] || fail "push with unauthorized records exited 0"
echo "ok: exit status $PUSH_RC (non-zero)"
assert_eq "accepted duplicate rejected" "1 0 2" "$(push_counts)"
[[ -s "$WORK/mixed.jsonl.rejects" ]] || fail "no rejects file written"
REJECTS=$(cat "$WORK/mixed.jsonl.rejects")
assert_eq "not_authorized lines in rejects" 2 "$(grep -c not_authorized <<<"$REJECTS")"
assert_contains "rejects" hue-g2-received "$REJECTS"
assert_contains "rejects" hue-g3-received "$REJECTS"
[[ "$REJECTS" != *hue-g1-received* ]] || fail "the authorized record is listed in the rejects: $REJECTS"

step "only the authorized record is stored"
assert_eq "received in 474" $((BEFORE_474 + 1)) "$(figure "$(report 474)" .dossiers.all.received)"
assert_eq "received in 478" 0 "$(figure "$(report 478)" .dossiers.all.received)"
# 46 covers 474 too: up by exactly the one authorized record, not by the one for 46 itself.
assert_eq "received in 46" $((BEFORE_46 + 1)) "$(figure "$(report 46)" .dossiers.all.received)"

echo "$TEST_NAME: PASS"
