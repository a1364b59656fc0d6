#!/usr/bin/env bash
# `cchc status` answers 0 while all three services run and 1 as soon as any one is stopped;
# `stack.sh up` again starts only what is missing and leaves the rest (same pids); data stored before
# a restart of every service is still there after it. Scope: district 479, used by no other test.
source "$(dirname "$0")/lib.sh"

status_rc() {
	local rc=0
	cchc status >"$WORK/status.out" 2>&1 || rc=$?
	echo "$rc"
}
pid_of() { cat "$CCHC_VAR/run/$1.pid"; }

assert_eq "status with everything up" 0 "$(status_rc)"
console=$(sed -n 's/^console.listen = //p' "$CCHC_CONF")
assert_contains "export's console in cchc status" "console $console" "$(cat "$WORK/status.out")"

cat >"$WORK/one.jsonl" <<'JSONL'
{"type":"dossier","event_id":"it479-s1-received","office":"19960","dossier":"IT19960-0001","procedure":"1.001234","field":"hotich","kind":"received","channel":"online","at":"2024-02-01T08:00:00+07:00","due":"2024-02-08T17:00:00+07:00"}
JSONL
push_file "$WORK/one.jsonl"
assert_eq "exit status" 0 "$PUSH_RC"

step "up while everything runs changes nothing"
declare -A PIDS
for s in postgres cchc-stats cchc-ingest cchc-export; do PIDS[$s]=$(pid_of $s); done
"$STACK" up
for s in postgres cchc-stats cchc-ingest cchc-export; do
	assert_eq "$s pid after a second up" "${PIDS[$s]}" "$(pid_of $s)"
done

for svc in cchc-export cchc-ingest cchc-stats; do
	step "$svc stopped"
	"$STACK" stop "$svc"
	[[ ! -f "$CCHC_VAR/run/$svc.pid" ]] || fail "$svc pid file left after stop"
	assert_eq "status with $svc stopped" 1 "$(status_rc)"
	"$STACK" up
	assert_eq "status after up" 0 "$(status_rc)"
	for s in cchc-stats cchc-ingest cchc-export; do
		[[ "$s" == "$svc" ]] && continue
		assert_eq "$s untouched while $svc restarted" "${PIDS[$s]}" "$(pid_of $s)"
	done
	PIDS[$svc]=$(pid_of "$svc")
done

step "a stale pid file counts as not running"
"$STACK" stop cchc-export
echo 999999 >"$CCHC_VAR/run/cchc-export.pid"
assert_eq "status with a stale export pid" 1 "$(status_rc)"
"$STACK" up
assert_eq "status after up" 0 "$(status_rc)"
[[ "$(pid_of cchc-export)" != 999999 ]] || fail "stale pid kept"

step "data survives restarts"
assert_eq "received in 479" 1 "$(figure "$(report 479)" .dossiers.all.received)"

echo "$TEST_NAME: PASS"
