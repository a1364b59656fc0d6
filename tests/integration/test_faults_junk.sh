#!/usr/bin/env bash
# test_faults_junk: issue 5 part 6 (b). On a private stack, cchc-fault throws junk at the ingest
# listener (tcp://): random bytes, dropped and half-sent SP handshakes (FIN and RST), bad SP
# headers, truncated frames, frames whose length prefix exceeds max_message_bytes, garbage after a
# valid handshake, raw well-formed requests whose client vanishes before the reply, undecodable
# IngestRequests and batches, and signed batches over max_batch_records — hundreds of each, with a
# status request on a new connection every 50 (a listener that stops accepting, nng 1.5.2 #1518,
# shows there). Then nothing of it is stored, a normal push succeeds with figures equal to the
# truth, and `cchc status` shows ingest up as the same process that was started before the junk.
# Then the console (issue 13): `cchc-fault console-junk` throws random bytes, cut requests, a
# 100 kB request line, 10,000 headers, bodies far over console.max_body_bytes with and without
# Content-Length and slow clients past console.max_per_address at its http:// port, and broken
# TLS handshakes at a second cchc-export's https:// console; after each, export answers `cchc
# status` and a GET on the console as the same process, and no log has a sanitizer report.
#
# Environment: CCHC_FAULT_JUNK_COUNT (per kind, default 200), CCHC_FAULT_CONSOLE_COUNT (per
# console kind, default 50), CCHC_FAULT_SEED (default 606), CCHC_FAULT_JUNK_DEADLINE (seconds,
# default 150), CCHC_PRIVATE_PORT_BASE (see private_stack.sh).
source "$(dirname "$0")/faults_lib.sh"
source "$(dirname "$0")/console_lib.sh"

COUNT=${CCHC_FAULT_JUNK_COUNT:-200}
CCOUNT=${CCHC_FAULT_CONSOLE_COUNT:-50}
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

# console_junk WHAT KINDS OUT cchc-fault-options...: runs console-junk, checks every kind ran its
# rounds (slowloris 3 at most), and prints the report.
console_junk() {
	local what=$1 want=$2 out=$3 rc=0 kinds kind sent rounds
	shift 3
	"$CCHC_BIN/cchc-fault" console-junk --count "$CCOUNT" --seed "$SEED" --deadline "$DEADLINE" \
		"$@" >"$out" 2>&1 || rc=$?
	cat "$out"
	assert_eq "cchc-fault console-junk ($what) exit status" 0 "$rc"
	kinds=$(grep -c '^console [a-z-]* *[0-9]* sent' "$out" || true)
	assert_eq "console kinds sent ($what)" "$want" "$kinds"
	while read -r kind sent; do
		rounds=$CCOUNT
		[[ "$kind" == slowloris ]] && rounds=$((CCOUNT < 3 ? CCOUNT : 3))
		((sent == rounds)) || fail "console $kind: $sent sent, expected $rounds"
	done < <(sed -nE 's/^console ([a-z-]+) +([0-9]+) sent.*/\1 \2/p' "$out")
}

# export_alive PID STARTED: still that process, answering `cchc status`.
export_alive() {
	local out rc=0
	out=$(cchc status 2>&1) || rc=$?
	assert_eq "cchc status exit status" 0 "$rc"
	grep -qE '^export +up ' <<<"$out" || fail "export is not up: $out"
	kill -0 "$1" || fail "cchc-export pid $1 is gone"
	assert_eq "start time of cchc-export pid $1" "$2" "$(start_ticks "$1")"
}

step "console junk (http): $CCOUNT of each kind"
EPID=$(pstack_pid cchc-export)
ESTARTED=$(start_ticks "$EPID")
CONSOLE=$(sed -n 's/^console.listen = //p' "$CCHC_CONF")
[[ "$CONSOLE" == http://127.0.0.1:* ]] || fail "the stack's console is '$CONSOLE'"
console_junk http 7 "$WORK/console-junk.out"

step "export and its console still answer"
export_alive "$EPID" "$ESTARTED"
wait_until 30 "the console $CONSOLE to answer GET /" console_answers "$CONSOLE"
echo "ok: $CONSOLE answers: $(head -n 1 "$WORK/console.head")"

step "TLS junk at an https console (a second cchc-export)"
https_export_start junk
BG_PIDS+=("$HTTPS_PID")
TSTARTED=$(start_ticks "$HTTPS_PID")
console_junk https 5 "$WORK/console-tls-junk.out" --url "$HTTPS_URL" --config "$HTTPS_CONF"
kill -0 "$HTTPS_PID" || fail "the https cchc-export (pid $HTTPS_PID) is gone"
assert_eq "start time of the https cchc-export" "$TSTARTED" "$(start_ticks "$HTTPS_PID")"
wait_until 30 "the https console to answer GET /" console_answers "$HTTPS_URL" \
	--cacert "$CERTS/ca.pem"
grep -qi '^Strict-Transport-Security: max-age=' "$WORK/console.head" || fail "no HSTS after the junk"
echo "ok: $HTTPS_URL answers: $(head -n 1 "$WORK/console.head")"
https_exports_stop
export_alive "$EPID" "$ESTARTED"

echo "$TEST_NAME: PASS ($((KINDS * COUNT)) junk connections/requests and the console's," \
	"$((SECONDS - T0))s)"
