#!/usr/bin/env bash
# A source that signs with the wrong private key, with an empty key file, or under an unknown name
# is refused and nothing of the batch is stored; the same record with the right key is accepted
# (so the refusals were about the key, not the record). Scope: district 477, used by no other test.
source "$(dirname "$0")/lib.sh"

cat >"$WORK/one.jsonl" <<'JSONL'
{"type":"dossier","event_id":"it477-k1-received","office":"19867","dossier":"IT19867-0001","procedure":"1.001234","field":"hotich","kind":"received","channel":"direct","at":"2024-02-01T08:00:00+07:00","due":"2024-02-08T17:00:00+07:00"}
JSONL

received_477() { figure "$(report 477)" .dossiers.all.received; }

assert_eq "received in 477 before" 0 "$(received_477)"

step "key pair that is not dev's: signing as dev with it"
# A fresh key pair, registered only in a scratch sources file the server never reads.
cchc source add intruder --grant 46 --key-out "$WORK/other.key" --sources-file "$WORK/scratch-sources" \
	>/dev/null || fail "cchc source add (scratch) failed"
[[ -s "$WORK/other.key" ]] || fail "cchc source add wrote no key"
push_file "$WORK/one.jsonl" --source dev --key-file "$WORK/other.key"
[[ "$PUSH_RC" != 0 ]] || fail "push signed with a wrong key exited 0"
[[ "$PUSH_OUT" != *"accepted 1"* ]] || fail "push signed with a wrong key was accepted: $PUSH_OUT"
assert_eq "received in 477 after wrong key" 0 "$(received_477)"

step "same, with the key given in the environment"
PUSH_RC=0
PUSH_OUT=$(CCHC_SOURCE=dev CCHC_KEY_FILE="$WORK/other.key" cchc push "$WORK/one.jsonl" 2>&1) || PUSH_RC=$?
echo "push (env): exit $PUSH_RC: $PUSH_OUT"
[[ "$PUSH_RC" != 0 ]] || fail "push signed with a wrong key (env) exited 0"
assert_eq "received in 477 after wrong key (env)" 0 "$(received_477)"

step "empty key file"
: >"$WORK/empty.key"
push_file "$WORK/one.jsonl" --source dev --key-file "$WORK/empty.key"
[[ "$PUSH_RC" != 0 ]] || fail "push with an empty key file exited 0"
[[ "$PUSH_OUT" != *"accepted 1"* ]] || fail "push with an empty key was accepted: $PUSH_OUT"
assert_eq "received in 477 after empty key" 0 "$(received_477)"

step "unknown source name with a valid-looking key"
push_file "$WORK/one.jsonl" --source nosuchsource --key-file "$WORK/other.key"
[[ "$PUSH_RC" != 0 ]] || fail "push as an unknown source exited 0"
assert_eq "received in 477 after unknown source" 0 "$(received_477)"

step "control: the right key (dev's, from the config) is accepted"
push_file "$WORK/one.jsonl"
assert_eq "exit status" 0 "$PUSH_RC"
assert_eq "accepted duplicate rejected" "1 0 0" "$(push_counts)"
assert_eq "received in 477 after the right key" 1 "$(received_477)"

echo "$TEST_NAME: PASS"
