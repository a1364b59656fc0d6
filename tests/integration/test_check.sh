#!/usr/bin/env bash
# `cchc check` and `cchc-stats --verify` on crafted records (tests/data/check-481-2022Q3.jsonl,
# district 481 and 483, a period no other test uses): every finding type appears for the dossier
# that causes it, a clean scope exits 0, and --verify is clean after pushes but names a dossier
# whose state row was corrupted behind stats' back (restored afterwards).
source "$(dirname "$0")/lib.sh"

DATAFILE="$DATA/check-481-2022Q3.jsonl"
PSQL=(psql "$(sed -n 's/^stats\.db *= *//p' "$CCHC_CONF")" -v ON_ERROR_STOP=1 -tAq)

step "push the crafted records"
push_file "$DATAFILE"
[[ "$PUSH_RC" == 0 ]] || fail "push failed: $PUSH_OUT"

step "cchc check 2022-Q3, scope 481"
RC=0
OUT=$(cchc check --period 2022-Q3 --scope 481 2>&1) || RC=$?
echo "$OUT"
assert_eq "check exit status with findings" 1 "$RC"
line() { grep -E "^FAIL +$1 +$2 " <<<"$OUT" || fail "no '$1' finding for $2"; }
assert_contains "orphan" CK481-ORPHAN-1 "$(line orphan 20044)"
assert_contains "orphan feedback" CK481-PAKN-1 "$(line orphan 481)"
assert_contains "due before receipt" CK481-DUE-1 "$(line due_before_received 20047)"
assert_contains "extra finish" CK481-XFIN-1 "$(line extra_finish 20050)"
assert_contains "extra received" CK481-XRCV-1 "$(line extra_received 20050)"
line silent_office 20053 >/dev/null
echo "ok: 20053 (no records) is silent"
! grep -qE "^FAIL +silent_office +20044 " <<<"$OUT" || fail "20044 sent records but is listed silent"
# Every event was stored now, long after 2022-Q3 closed: all are late.
N20044=$(grep -c '"office":"20044"' "$DATAFILE")
assert_contains "late arrivals of 20044" "$N20044 events" "$(line late_arrival 20044)"
grep -qE "^summary:.*identity [0-9]+ ok 0 not ok" <<<"$OUT" || fail "an identity does not hold"
echo "ok: every identity holds"

step "no_successor: district 483 disappeared in 2025-03 without merged_from_codes"
RC=0
OUT=$(cchc check --period 2022-Q3 --scope 483 2>&1) || RC=$?
assert_eq "check 483 exit status" 1 "$RC"
line no_successor 483 >/dev/null
echo "ok: 483 has no known successor"

step "a clean scope: one 2025-07 commune, a period around today, a record of today"
NOW=$(date +%s)
AT=$(TZ=Asia/Ho_Chi_Minh date -d "@$((NOW - 3600))" +%Y-%m-%dT%H:%M:%S+07:00)
DUE=$(TZ=Asia/Ho_Chi_Minh date -d "@$((NOW + 86400 * 5))" +%Y-%m-%dT%H:%M:%S+07:00)
FROM=$(TZ=Asia/Ho_Chi_Minh date -d "@$((NOW - 86400))" +%Y-%m-%d)
TO=$(TZ=Asia/Ho_Chi_Minh date -d "@$((NOW + 86400))" +%Y-%m-%d)
cat >"$WORK/now.jsonl" <<JSONL
{"type":"dossier","event_id":"ck-now-$NOW","office":"20101","dossier":"CK-NOW-$NOW","procedure":"1.001234","field":"hotich","kind":"received","channel":"online","at":"$AT","due":"$DUE"}
JSONL
push_file "$WORK/now.jsonl"
[[ "$PUSH_RC" == 0 ]] || fail "push failed: $PUSH_OUT"
RC=0
OUT=$(cchc check --period "$FROM..$TO" --scope 20101 2>&1) || RC=$?
echo "$OUT"
assert_eq "clean check exit status" 0 "$RC"
assert_contains "clean check" "check: clean" "$OUT"

step "bad period: exit 2"
RC=0
cchc check --period 2022-Q9 --scope 481 >/dev/null 2>&1 || RC=$?
assert_eq "bad period exit status" 2 "$RC"

step "cchc-stats --verify after the pushes"
RC=0
OUT=$("$CCHC_BIN/cchc-stats" --verify --config "$CCHC_CONF" 2>&1) || RC=$?
echo "$OUT" | tail -n 3
assert_eq "verify exit status" 0 "$RC"
assert_contains "verify summary" " 0 differences" "$OUT"

step "a corrupted state row is found, named, and the verifier is clean again once restored"
ORIG=$("${PSQL[@]}" -c "SELECT resolved_class FROM dossier_state WHERE office = '20044' AND dossier = 'CK481-OK-1'")
[[ "$ORIG" =~ ^[0-9]+$ ]] || fail "state of CK481-OK-1 not found: $ORIG"
restore() { "${PSQL[@]}" -c "UPDATE dossier_state SET resolved_class = $ORIG WHERE office = '20044' AND dossier = 'CK481-OK-1'"; }
on_exit_after restore
"${PSQL[@]}" -c "UPDATE dossier_state SET resolved_class = $(((ORIG + 1) % 4)) WHERE office = '20044' AND dossier = 'CK481-OK-1'"
RC=0
OUT=$("$CCHC_BIN/cchc-stats" --verify --config "$CCHC_CONF" 2>&1) || RC=$?
echo "$OUT" | tail -n 3
assert_eq "verify exit status on a corrupted row" 1 "$RC"
assert_contains "verify names the dossier and field" "20044 / CK481-OK-1: resolved_class" "$OUT"
restore
trap on_exit EXIT
RC=0
"$CCHC_BIN/cchc-stats" --verify --config "$CCHC_CONF" >/dev/null 2>&1 || RC=$?
assert_eq "verify exit status after the repair" 0 "$RC"

echo "$TEST_NAME: PASS"
