# shellcheck shell=bash disable=SC2034 # PVAR, PORT_BASE, BG_PIDS are for the scripts that source this
# private_stack.sh: a stack of the test's own, for tests whose figures cover the whole province or
# that crash services on purpose (they must not mix with the shared fixture's data): a free port
# base, the stack.sh wrapper, pid look-ups, and a cleanup that always stops the stack, ends the
# test's background jobs and fails on a sanitizer report in a service log (as the fixture's
# cleanup does). Sourced after lib.sh (which has wait_until, the polling with a deadline).
#
# Environment: CCHC_PRIVATE_PORT_BASE (default: a free one; the stack uses +1..+4 and +9).

PVAR="$WORK/stack"
export CCHC_CONF="$PVAR/cchc.conf"

source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"
# Private bases: 10000-19990, apart from the shared fixture's 20000-29990.
PORT_BASE=${CCHC_PRIVATE_PORT_BASE:-$(pick_port_base 10000)} || fail "no free port base"

pstack() { CCHC_VAR="$PVAR" CCHC_PORT_BASE="$PORT_BASE" CCHC_BIN="$CCHC_BIN" "$STACK" "$@"; }

BG_PIDS=()
private_stack_cleanup() {
	local rc=$? pid
	for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	pstack down >/dev/null 2>&1 || true
	if grep -lqE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$PVAR"/log/cchc-*.log 2>/dev/null; then
		grep -h -A 30 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$PVAR"/log/cchc-*.log | head -n 60 >&2
		echo "$TEST_NAME: FAIL: sanitizer report in a service log" >&2
		rc=1
	fi
	on_exit "$rc"
	exit "$rc"
}
trap private_stack_cleanup EXIT

pstack_fresh() { # a fresh stack: wiped, started, answering
	pstack reset >/dev/null
	pstack up >"$WORK/up.log" 2>&1 || fail "stack.sh up: $(tail -n 20 "$WORK/up.log")"
}

pstack_pid() { # the pid in a stack process's pid file
	head -n1 "$PVAR/run/$1.pid" 2>/dev/null || true
}
