#!/usr/bin/env bash
# test_faults_ingest: issue 5 part 6 (a), the ingest part. On a private stack, `cchc push` sends a
# generated quarter (2024-Q2) in small batches while cchc-ingest is killed with SIGKILL, more than
# once, each time once stats has stored a further share of the records, and brought back with
# stack.sh up. The push must finish on its own (it retries), exit 0 with nothing rejected; every
# line is then stored exactly once, every figure of the quarter's JSON report equals the truth of
# `cchc gen`, and `cchc-stats --verify` finds no difference.
#
# Environment: CCHC_FAULT_DOSSIERS (default 3000), CCHC_FAULT_KILLS (default 2),
# CCHC_FAULT_SEED (default 505), CCHC_PRIVATE_PORT_BASE (see private_stack.sh).
source "$(dirname "$0")/faults_lib.sh"

NDOSS=${CCHC_FAULT_DOSSIERS:-3000}
KILLS=${CCHC_FAULT_KILLS:-2}
SEED=${CCHC_FAULT_SEED:-505}
PUSH_DEADLINE=240
T0=$SECONDS

step "private stack on port base $PORT_BASE; generate 2024-Q2, $NDOSS dossiers, seed $SEED"
pstack_fresh
cchc gen --period 2024-Q2 --dossiers "$NDOSS" --seed "$SEED" -o "$WORK/gen.jsonl" \
	--truth "$WORK/truth.json" || fail "cchc gen failed"
N=$(wc -l <"$WORK/gen.jsonl")
echo "ok: $N records"

step "push in batches of 20 and kill -9 cchc-ingest $KILLS times on the way"
# The push's own limits bound the test: it gives up at its deadline (exit 2), never hangs.
(
	rc=0
	cchc push --no-progress --batch-records 20 --deadline "$PUSH_DEADLINE" "$WORK/gen.jsonl" \
		>"$WORK/push.out" 2>&1 || rc=$?
	echo "$rc" >"$WORK/push.rc"
) &
PUSH=$!
BG_PIDS+=("$PUSH")
push_running() { kill -0 "$PUSH" 2>/dev/null; }
stored_at_least() { (($(status_field stats stored) >= $1)) || ! push_running; }
for ((k = 1; k <= KILLS; k++)); do
	# Strike once stats holds k/(KILLS+1) of the records: the push is then well under way.
	want=$((N * k / (KILLS + 1)))
	wait_until 120 "stats storing $want records" stored_at_least "$want"
	push_running ||
		fail "the push ended before kill $k ($(status_field stats stored) of $N stored); use more data"
	pid=$(pstack_pid cchc-ingest)
	if [[ -z "$pid" ]] || ! kill -0 "$pid"; then fail "no running cchc-ingest to kill"; fi
	kill -9 "$pid"
	wait_until 10 "cchc-ingest (pid $pid) to die" eval "! kill -0 $pid 2>/dev/null"
	echo "fault $k: kill -9 cchc-ingest (pid $pid), $(status_field stats stored) of $N records stored"
	pstack up >"$WORK/up.log" 2>&1 || fail "stack.sh up after kill $k: $(tail -n 20 "$WORK/up.log")"
	npid=$(pstack_pid cchc-ingest)
	[[ "$npid" != "$pid" ]] || fail "cchc-ingest was not restarted"
	echo "ok: cchc-ingest back as pid $npid"
done
wait "$PUSH" || true
check_push_out "$WORK/push.out" "$(cat "$WORK/push.rc" 2>/dev/null || echo none)" "$N"
echo "ok: push finished after $KILLS kills: accepted $A, duplicate $D, rejected 0"
# An acknowledged batch is stored once: the duplicates are batches stats committed while ingest
# was dying, resent by the push.
((A <= N)) || fail "accepted $A, more than the $N lines"

step "every line stored exactly once"
push_file "$WORK/gen.jsonl" --no-progress --deadline "$PUSH_DEADLINE"
assert_eq "exit status (everything again)" 0 "$PUSH_RC"
assert_eq "accepted duplicate rejected (everything again)" "0 $N 0" "$(push_counts)"

step "figures equal the truth"
compare_truth "$WORK/truth.json"

echo "$TEST_NAME: PASS ($N records, $KILLS kills of cchc-ingest, $((SECONDS - T0))s)"
