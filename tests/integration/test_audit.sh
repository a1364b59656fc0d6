#!/usr/bin/env bash
# The audit log (issue 5): every batch stats commits leaves an entry chained to the one before by
# SHA-256; `cchc audit verify` finds an altered entry and a removed one, and a refused batch adds
# no entry. Records go to district 481 in 2023-Q3, a period no other test uses.
source "$(dirname "$0")/lib.sh"
PERIOD=2023-Q3

PSQL=(psql "$(sed -n 's/^stats\.db *= *//p' "$CCHC_CONF")" -v ON_ERROR_STOP=1 -tAq)
restore() { "${PSQL[@]}" -c "DROP TABLE IF EXISTS audit_saved_$$" >/dev/null 2>&1 || true; }
on_exit_after restore

entries() { # the number of entries `cchc audit verify` read (must be intact)
	local out
	out=$(cchc audit verify) || fail "audit verify: exit $?: $out"
	sed -E 's/^audit log: ([0-9]+) entries, chain intact$/\1/' <<<"$out"
}

record() { # record ID
	printf '{"type":"dossier","event_id":"aud-%s","office":"481","dossier":"AUD-%s","procedure":"1.001234","field":"hotich","kind":"received","channel":"direct","at":"2023-08-01T08:00:00+07:00","due":"2023-08-08T17:00:00+07:00"}\n' "$1" "$1" >"$WORK/$1.jsonl"
	echo "$WORK/$1.jsonl"
}

step "each committed batch adds one entry; a refused batch adds none"
N0=$(entries)
for id in a b c; do
	push_file "$(record $id)" --max-retries 3
	assert_eq "push $id" "0 1 0 0" "$PUSH_RC $(push_counts)"
done
assert_eq "entries after three batches" $((N0 + 3)) "$(entries)"
head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/wrong.key"
push_file "$(record d)" --key-file "$WORK/wrong.key" --max-retries 1
[[ "$PUSH_RC" == 2 ]] || fail "push with a wrong key: exit $PUSH_RC"
assert_eq "entries after a refused batch" $((N0 + 3)) "$(entries)"
LAST=$("${PSQL[@]}" -c "SELECT max(id) FROM audit_log")
assert_eq "last entry's counts" "481|1|1|0|0" \
	"$("${PSQL[@]}" -c "SELECT 481, records, accepted, duplicate, rejected FROM audit_log WHERE id = $LAST")"

step "an altered entry is found"
"${PSQL[@]}" -c "UPDATE audit_log SET accepted = accepted + 1 WHERE id = $LAST"
OUT=$(cchc audit verify) && fail "verify passed over an altered entry: $OUT"
assert_contains "verify" "BROKEN at entry $LAST: its content does not match its hash" "$OUT"
"${PSQL[@]}" -c "UPDATE audit_log SET accepted = accepted - 1 WHERE id = $LAST"
assert_eq "entries after repair" $((N0 + 3)) "$(entries)"

step "a removed entry is found"
MID=$((LAST - 1))
"${PSQL[@]}" -c "CREATE TABLE audit_saved_$$ AS SELECT * FROM audit_log WHERE id = $MID; DELETE FROM audit_log WHERE id = $MID"
OUT=$(cchc audit verify) && fail "verify passed over a removed entry: $OUT"
assert_contains "verify" "BROKEN at entry $LAST: does not link to the entry before it" "$OUT"
"${PSQL[@]}" -c "INSERT INTO audit_log SELECT * FROM audit_saved_$$"
assert_eq "entries after putting it back" $((N0 + 3)) "$(entries)"
echo "$TEST_NAME: PASS"
