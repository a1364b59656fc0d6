# shellcheck shell=bash disable=SC2034 # PVAR, PORT_BASE are for the scripts that source this
# faults_lib.sh: what the fault tests (test_faults_*.sh) share on top of lib.sh — a private stack of
# their own (whole-province figures must not mix with other tests' data), pid and status look-ups,
# polling with a deadline, and the comparison of a report with `cchc gen`'s truth. Sourced only.
#
# Environment: CCHC_FAULT_PORT_BASE (default: a free one; the stack uses +1..+3 and +9).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PVAR="$WORK/stack"
export CCHC_CONF="$PVAR/cchc.conf"

port_free() { # the port can be listened on right now (as stack_fixture.sh checks)
	perl -MIO::Socket::INET -e \
		'exit(IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], Proto => "tcp",
		                             Listen => 1, ReuseAddr => 1) ? 0 : 1)' "$1"
}
pick_port_base() { # B with B+1..B+3 and B+9 free, away from the fixture's and test_property's
	local base off ok
	for _ in $(seq 1 100); do
		base=$((40000 + (RANDOM % 1000) * 10))
		ok=1
		for off in 1 2 3 9; do port_free $((base + off)) || ok=0; done
		((ok)) && {
			echo "$base"
			return
		}
	done
	fail "no free port base found"
}
PORT_BASE=${CCHC_FAULT_PORT_BASE:-$(pick_port_base)}

# LeakSanitizer (ASan builds): nng 1.5.2 leaks a REP reply whose pipe closes while the reply is
# being handed to the transport (its TCP send returns without freeing the message when the aio is
# already closed; later nng versions free it). A client that vanishes right after its request
# (cchc-fault junk's raw-request kind, or a killed `cchc push`) triggers it at random. Only that
# message is suppressed: the one wire_reply allocates and nng owns once nng_ctx_send took it.
printf 'leak:wire_reply\n' >"$WORK/lsan.supp"
export LSAN_OPTIONS="suppressions=$WORK/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

pstack() { CCHC_VAR="$PVAR" CCHC_PORT_BASE="$PORT_BASE" CCHC_BIN="$CCHC_BIN" "$STACK" "$@"; }

# The private stack always goes down; background jobs of the test are ended by their pids; a
# sanitizer report in a service log fails the test (as the fixture's cleanup does).
BG_PIDS=()
faults_cleanup() {
	local rc=$? pid
	for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	pstack down >/dev/null 2>&1 || true
	if grep -lqE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$PVAR"/log/cchc-*.log 2>/dev/null; then
		grep -h -A 30 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$PVAR"/log/cchc-*.log | head -n 60 >&2
		echo "$TEST_NAME: FAIL: sanitizer report in a service log" >&2
		rc=1
	fi
	(exit "$rc")
	on_exit
}
trap faults_cleanup EXIT

# A fresh stack: wiped, started, answering.
pstack_fresh() {
	pstack reset >/dev/null
	pstack up >"$WORK/up.log" 2>&1 || fail "stack.sh up: $(tail -n 20 "$WORK/up.log")"
}

pstack_pid() { # the pid in a stack process's pid file
	head -n1 "$PVAR/run/$1.pid" 2>/dev/null || true
}

status_field() { # status_field SERVICE WORD: the number after WORD on SERVICE's `cchc status` line
	local v
	v=$({ cchc status 2>/dev/null || true; } | sed -n "s/^$1 .* $2 \([0-9]*\).*/\1/p" | head -n1)
	echo "${v:-0}"
}

# wait_until SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; fails after SECONDS.
wait_until() {
	local secs=$1 what=$2 end=$((SECONDS + $1))
	shift 2
	until "$@"; do
		((SECONDS < end)) || fail "$what: not within ${secs}s"
		sleep 0.05
	done
}

# compare_truth TRUTH.json: the JSON report of the truth's period must equal it in every figure
# (all, levels, units, fields, rates, feedback; property_compare.py), and stats' verifier must find
# the aggregates equal to a recomputation from the stored events.
compare_truth() {
	local truth=$1 label out
	label=$(jq -r .period.label "$truth")
	out="$WORK/report.$label.json"
	cchc report --period "$label" --format json -o "$out" >/dev/null 2>"$WORK/report.err" ||
		fail "cchc report --period $label: $(cat "$WORK/report.err")"
	/usr/bin/python3 "$CCHC_ROOT/tests/integration/property_compare.py" "$truth" "$out" ||
		fail "the report of $label differs from the truth"
	"$CCHC_BIN/cchc-stats" --verify --config "$CCHC_CONF" >"$WORK/verify.out" 2>&1 ||
		fail "cchc-stats --verify found differences: $(head -c 1500 "$WORK/verify.out")"
	echo "ok: cchc-stats --verify: $(tail -n 1 "$WORK/verify.out")"
}

# check_push_out OUT RC LINES: a push's output file, exit status and line count: exit 0, nothing
# rejected, accepted + duplicate = its lines. Sets A and D.
check_push_out() {
	local out=$1 rc=$2 n=$3 counts r
	counts=$(grep -Eo 'accepted [0-9]+, duplicate [0-9]+, rejected [0-9]+' "$out" | tail -n1 |
		sed -E 's/accepted ([0-9]+), duplicate ([0-9]+), rejected ([0-9]+)/\1 \2 \3/')
	[[ "$rc" == 0 && -n "$counts" ]] || fail "push of $n lines ended with exit $rc: $(tail -c 600 "$out")"
	read -r A D r <<<"$counts"
	((r == 0)) || fail "push: $r generated lines rejected ($out)"
	((A + D == n)) || fail "push: accepted $A + duplicate $D != its $n lines"
}
