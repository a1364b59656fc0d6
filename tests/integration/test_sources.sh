#!/usr/bin/env bash
# Sources (docs/design.md §9): `cchc source add` registers a new office system, ingest takes it on SIGHUP
# without a restart, `cchc source list` shows it, and after `cchc source revoke` + SIGHUP its
# batches are refused with nothing stored. Records go to district 481, in 2023-Q3, a period no other test uses.
source "$(dirname "$0")/lib.sh"
PERIOD=2023-Q3 # a period no other test writes to

SOURCES=$(sed -n 's/^sources_file *= *//p' "$CCHC_CONF")
[[ "$SOURCES" == /* ]] || SOURCES="$(dirname "$CCHC_CONF")/$SOURCES"
LOG="$CCHC_VAR/log/cchc-ingest.log"
INGEST_PID=$(cat "$CCHC_VAR/run/cchc-ingest.pid")
NAME="aluoi-$$"

# reload: SIGHUP to ingest, then wait (bounded) until its log says the file was reread.
reload() {
	local before deadline=$((SECONDS + 20))
	before=$(grep -c "sources file reread" "$LOG" || true)
	kill -HUP "$INGEST_PID"
	until (($(grep -c "sources file reread" "$LOG" || true) > before)); do
		((SECONDS < deadline)) || fail "ingest did not reread the sources file: $(tail -5 "$LOG")"
	done
	echo "ok: ingest reread the sources file"
}

record() { # record ID
	printf '{"type":"dossier","event_id":"src-%s","office":"481","dossier":"SRC-%s","procedure":"1.001234","field":"hotich","kind":"received","channel":"direct","at":"2023-07-21T08:00:00+07:00","due":"2023-07-28T17:00:00+07:00"}\n' "$1" "$1" >"$WORK/$1.jsonl"
	echo "$WORK/$1.jsonl"
}

BEFORE=$(figure "$(report 481)" .dossiers.all.received)

step "add a source granted district 481"
cchc source add "$NAME" --grant 481 --key-out "$WORK/$NAME.key" >/dev/null || fail "source add failed"
[[ "$(stat -c %a "$WORK/$NAME.key")" == 600 ]] || fail "private key is not mode 0600"
assert_contains "source list" "$NAME" "$(cchc source list)"
push_file "$(record early)" --source "$NAME" --key-file "$WORK/$NAME.key" --max-retries 2
[[ "$PUSH_RC" == 2 ]] || fail "a source ingest has not reread yet was accepted (exit $PUSH_RC)"
reload
push_file "$(record a)" --source "$NAME" --key-file "$WORK/$NAME.key" --max-retries 3
assert_eq "push as the new source" "0 1 0 0" "$PUSH_RC $(push_counts)"
assert_eq "ingest kept its process" "$INGEST_PID" "$(cat "$CCHC_VAR/run/cchc-ingest.pid")"

step "revoke it"
cchc source revoke "$NAME" >/dev/null || fail "source revoke failed"
[[ "$(cchc source list)" != *"$NAME"* ]] || fail "revoked source still listed"
grep -q '^dev ' "$SOURCES" || fail "revoke removed other sources"
reload
push_file "$(record b)" --source "$NAME" --key-file "$WORK/$NAME.key" --max-retries 2
[[ "$PUSH_RC" == 2 ]] || fail "push as a revoked source: exit $PUSH_RC, expected 2"
assert_contains "refusal" "unknown source" "$PUSH_OUT"
cchc source revoke "$NAME" >/dev/null 2>&1 && fail "revoking an unknown source succeeded"

step "exactly one record stored"
assert_eq "received in 481" $((BEFORE + 1)) "$(figure "$(report 481)" .dossiers.all.received)"
echo "$TEST_NAME: PASS"
