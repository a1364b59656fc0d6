#!/usr/bin/env bash
# test_shutdown: issue 11 item 6. On a private stack, `cchc push` sends a generated quarter
# (2024-Q3) while cchc-ingest and cchc-stats are stopped with SIGTERM in turn, each time once stats
# has stored a further share of the records, and started again with stack.sh up. A service stopped
# that way must answer every request it holds before it exits. What shows it:
# - the push sees no duplicate: a reply dropped for a request in hand makes its sender resend the
#   request (REQ does so on reconnect), and stats, having committed it already, answers duplicate;
# - the push retried nothing: no request of it timed out or was refused as unavailable;
# - each stopped service logged how many requests it held and that it answered all of them, and
#   across the stops each service did hold some (else the test proved nothing);
# - every line is stored exactly once and the quarter's figures equal the truth of `cchc gen`.
#
# Environment: CCHC_SHUTDOWN_DOSSIERS (default 3000), CCHC_SHUTDOWN_SEED (default 611),
# CCHC_PRIVATE_PORT_BASE (see private_stack.sh).
source "$(dirname "$0")/faults_lib.sh"

NDOSS=${CCHC_SHUTDOWN_DOSSIERS:-3000}
SEED=${CCHC_SHUTDOWN_SEED:-611}
PUSH_DEADLINE=240
STOP_DEADLINE=60 # seconds a stopped service may take to exit; its drain deadline is well under it
STOPS=(cchc-ingest cchc-stats cchc-ingest cchc-stats)
T0=$SECONDS

step "private stack on port base $PORT_BASE; generate 2024-Q3, $NDOSS dossiers, seed $SEED"
pstack_fresh
cchc gen --period 2024-Q3 --dossiers "$NDOSS" --seed "$SEED" -o "$WORK/gen.jsonl" \
	--truth "$WORK/truth.json" || fail "cchc gen failed"
N=$(wc -l <"$WORK/gen.jsonl")
UNIQUE=$(jq -r .event_id "$WORK/gen.jsonl" | sort -u | wc -l)
assert_eq "distinct event_ids in the generated file (a first push has no duplicate of its own)" \
	"$N" "$UNIQUE"

step "push in batches of 20 and stop ${STOPS[*]} with SIGTERM on the way"
# The binary itself in the background (not the cchc function, which would run in a subshell),
# so that $PUSH is its pid and the clean-up ends the push if it hangs.
"$CCHC_BIN/cchc" push --no-progress --batch-records 20 --deadline "$PUSH_DEADLINE" "$WORK/gen.jsonl" \
	>"$WORK/push.out" 2>&1 &
PUSH=$!
BG_PIDS+=("$PUSH")
push_running() { kill -0 "$PUSH" 2>/dev/null; }
stored_at_least() { (($(status_field stats stored) >= $1)) || ! push_running; }
gone() { ! kill -0 "$1" 2>/dev/null; }
for ((k = 1; k <= ${#STOPS[@]}; k++)); do
	name=${STOPS[k - 1]}
	log="$PVAR/log/$name.log"
	want=$((N * k / (${#STOPS[@]} + 1)))
	wait_until 120 "stats storing $want records" stored_at_least "$want"
	push_running ||
		fail "the push ended before stop $k ($(status_field stats stored) of $N stored); use more data"
	pid=$(pstack_pid "$name")
	if [[ -z "$pid" ]] || ! kill -0 "$pid"; then fail "no running $name to stop"; fi
	before=$(wc -l <"$log")
	stored=$(status_field stats stored)
	kill -TERM "$pid"
	wait_until "$STOP_DEADLINE" "$name (pid $pid) to exit after SIGTERM" gone "$pid"
	tail -n +"$((before + 1))" "$log" >"$WORK/stop$k.log"
	echo "stop $k: SIGTERM to $name (pid $pid), $stored of $N records stored:"
	grep -E 'stopping|stopped' "$WORK/stop$k.log" | sed 's/^/    /' || true
	pstack up >"$WORK/up.log" 2>&1 || fail "stack.sh up after stop $k: $(tail -n 20 "$WORK/up.log")"
	npid=$(pstack_pid "$name")
	[[ "$npid" != "$pid" ]] || fail "$name was not restarted"
	echo "ok: $name back as pid $npid"
done
PUSH_RC=0
wait "$PUSH" || PUSH_RC=$?
check_push_out "$WORK/push.out" "$PUSH_RC" "$N"
echo "ok: push finished after ${#STOPS[@]} stops: accepted $A, duplicate $D, rejected 0"
((D == 0)) || fail "the push was told $D records were duplicates: replies to requests a" \
	"stopping service held were dropped, and the requests were sent again"
echo "ok: no duplicate: no reply to a request in hand was dropped"
RETRIES=$(grep -c 'retrying in' "$WORK/push.out" || true)
assert_eq "requests the push had to send again (timed out or refused as unavailable)" 0 "$RETRIES"
# What each service logged when it stopped (checked after the client's view, which matters most):
# "stopping: N requests in hand" once it stops taking requests, then "stopped cleanly: N ...".
declare -A HELD=([cchc-ingest]=0 [cchc-stats]=0)
for ((k = 1; k <= ${#STOPS[@]}; k++)); do
	name=${STOPS[k - 1]}
	held=$(sed -n 's/.*stopping: \([0-9]*\) requests\{0,1\} in hand.*/\1/p' "$WORK/stop$k.log")
	[[ -n "$held" ]] || fail "stop $k: $name did not log how many requests it held"
	clean=$(sed -n 's/.*stopped cleanly: \([0-9]*\) requests\{0,1\} answered.*/\1/p' "$WORK/stop$k.log")
	[[ -n "$clean" ]] || fail "stop $k: $name did not log that it stopped cleanly"
	assert_eq "stop $k: requests $name answered of the $held it held" "$held" "$clean"
	HELD[$name]=$((HELD[$name] + held))
done
for name in cchc-ingest cchc-stats; do
	((HELD[$name] > 0)) || fail "$name held no request at any of its stops: nothing was tested"
	echo "ok: $name held ${HELD[$name]} requests in all at its stops, and answered them"
done

step "every line stored exactly once"
push_file "$WORK/gen.jsonl" --no-progress --deadline "$PUSH_DEADLINE"
assert_eq "exit status (everything again)" 0 "$PUSH_RC"
assert_eq "accepted duplicate rejected (everything again)" "0 $N 0" "$(push_counts)"

step "figures equal the truth"
compare_truth "$WORK/truth.json"

echo "$TEST_NAME: PASS ($N records, ${#STOPS[@]} stops, $((SECONDS - T0))s)"
