#!/usr/bin/env bash
# test_faults_junk: issue 5 part 6 (b). On a private stack, cchc-fault throws junk at the ingest
# listener (tcp://): random bytes, dropped and half-sent SP handshakes (FIN and RST), bad SP
# headers, truncated frames, frames whose length prefix exceeds max_message_bytes, garbage after a
# valid handshake, raw well-formed requests whose client vanishes before the reply, undecodable
# IngestRequests and batches, and signed batches over max_batch_records — hundreds of each, with a
# status request on a new connection every 50 (a listener that stops accepting, nng 1.5.2 #1518,
# shows there). Then nothing of it is stored, a normal push succeeds with figures equal to the
# truth, and `cchc status` shows ingest up as the same process that was started before the junk.
#
# Environment: CCHC_FAULT_JUNK_COUNT (per kind, default 200), CCHC_FAULT_SEED (default 606),
# CCHC_FAULT_JUNK_DEADLINE (seconds, default 150), CCHC_PRIVATE_PORT_BASE (see private_stack.sh).
source "$(dirname "$0")/faults_lib.sh"

COUNT=${CCHC_FAULT_JUNK_COUNT:-200}
SEED=${CCHC_FAULT_SEED:-606}
DEADLINE=${CCHC_FAULT_JUNK_DEADLINE:-150}
T0=$SECONDS

step "private stack on port base $PORT_BASE"
pstack_fresh
PID=$(pstack_pid cchc-ingest)
kill -0 "$PID" || fail "cchc-ingest (pid $PID) does not run"
start_ticks() { awk '{ print $22 }' "/proc/$1/stat"; } # since boot: a restart changes it
STARTED=$(start_ticks "$PID")
REQ0=$(status_field ingest requests)
echo "ok: cchc-ingest pid $PID"

step "junk: $COUNT of each kind, seed $SEED"
JUNK_RC=0
"$CCHC_BIN/cchc-fault" junk --config "$CCHC_CONF" --count "$COUNT" --seed "$SEED" \
	--deadline "$DEADLINE" >"$WORK/junk.out" 2>&1 || JUNK_RC=$?
cat "$WORK/junk.out"
assert_eq "cchc-fault junk exit status" 0 "$JUNK_RC"
KINDS=$(grep -c '^junk [a-z-]* *[0-9]* sent' "$WORK/junk.out" || true)
((KINDS >= 11)) || fail "only $KINDS kinds of junk were sent"
while read -r kind sent; do
	((sent == COUNT)) || fail "junk $kind: $sent sent, expected $COUNT"
done < <(sed -nE 's/^junk ([a-z-]+) +([0-9]+) sent.*/\1 \2/p' "$WORK/junk.out")
ANSWERED=$(sed -nE 's/.* ([0-9]+) answered.*/\1/p' "$WORK/junk.out" |
	awk '{ s += $1 } END { print s + 0 }')
echo "ok: $KINDS kinds x $COUNT; $ANSWERED junk requests answered"

step "nothing of the junk was stored"
assert_eq "events stored after the junk" 0 "$(status_field stats stored)"

step "a normal push succeeds afterwards"
cchc gen --period 2024-Q2 --dossiers 300 --seed "$SEED" -o "$WORK/gen.jsonl" \
	--truth "$WORK/truth.json" || fail "cchc gen failed"
N=$(wc -l <"$WORK/gen.jsonl")
push_file "$WORK/gen.jsonl" --no-progress --deadline 60
assert_eq "exit status" 0 "$PUSH_RC"
assert_eq "accepted duplicate rejected" "$N 0 0" "$(push_counts)"
assert_eq "events stored" "$N" "$(status_field stats stored)"
compare_truth "$WORK/truth.json"

step "ingest never went down"
STATUS_RC=0
STATUS=$(cchc status 2>&1) || STATUS_RC=$?
echo "$STATUS"
assert_eq "cchc status exit status" 0 "$STATUS_RC"
grep -qE '^ingest +up ' <<<"$STATUS" || fail "ingest is not up: $STATUS"
assert_eq "cchc-ingest pid" "$PID" "$(pstack_pid cchc-ingest)"
kill -0 "$PID" || fail "cchc-ingest pid $PID is gone"
assert_eq "start time of pid $PID" "$STARTED" "$(start_ticks "$PID")"
REQ1=$(status_field ingest requests)
((REQ1 - REQ0 >= ANSWERED)) ||
	fail "ingest counts $((REQ1 - REQ0)) requests since the start, fewer than the $ANSWERED answered"
echo "ok: same process, $((REQ1 - REQ0)) requests handled since the junk began"

echo "$TEST_NAME: PASS ($((KINDS * COUNT)) junk connections/requests, $((SECONDS - T0))s)"
