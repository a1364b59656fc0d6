# shellcheck shell=bash disable=SC2034 # STACK, DATA, PERIOD are for the scripts that source this
# lib.sh: what every integration test script shares — the stack it talks to, the CLI, and asserts.
# Sourced, never run. The stack (deploy/stack.sh) is started by stack_fixture.sh as a ctest fixture;
# CMake passes its location in the environment: CCHC_ROOT, CCHC_BIN, CCHC_VAR, CCHC_CONF.
set -euo pipefail

: "${CCHC_ROOT:?}" "${CCHC_BIN:?}" "${CCHC_VAR:?}" "${CCHC_CONF:?}"
export CCHC_CONF
# Identity comes from the stack's config unless a test says otherwise.
unset CCHC_SOURCE CCHC_KEY_FILE
STACK="$CCHC_ROOT/deploy/stack.sh"
DATA="$CCHC_ROOT/tests/data"
PERIOD=2024-Q1

# A scratch folder per test run, removed on success and kept (and named) on failure.
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cchc-$TEST_NAME.XXXXXX")
FAILED=0
on_exit() { # on_exit [STATUS]: STATUS defaults to the one the script exits with
	local rc=${1:-$?}
	if ((rc == 0 && FAILED == 0)); then
		rm -rf "$WORK"
	else
		echo "$TEST_NAME: FAILED; scratch files kept in $WORK" >&2
	fi
}
trap on_exit EXIT

# on_exit_after FUNCTION, for a test with its own clean-up: an EXIT trap that runs FUNCTION first,
# then on_exit with the script's status (the clean-up's only when the script succeeded), so a
# failure keeps its scratch files and says where they are.
on_exit_after() {
	EXIT_CLEANUP=$1
	trap exit_after_cleanup EXIT
}
exit_after_cleanup() {
	local rc=$? cleanup_rc=0
	"$EXIT_CLEANUP" || cleanup_rc=$?
	if ((cleanup_rc)); then
		echo "$TEST_NAME: clean-up $EXIT_CLEANUP failed (exit $cleanup_rc)" >&2
		((rc)) || rc=$cleanup_rc
	fi
	on_exit "$rc"
	exit "$rc"
}

cchc() { "$CCHC_BIN/cchc" "$@"; }

# wait_until SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; fails after SECONDS.
wait_until() {
	local secs=$1 what=$2 end=$((SECONDS + $1))
	shift 2
	until "$@"; do
		((SECONDS < end)) || fail "$what: not within ${secs}s"
		sleep 0.05
	done
}

fail() {
	echo "$TEST_NAME: FAIL: $*" >&2
	FAILED=1
	exit 1
}
step() { echo "== $*"; }

assert_eq() { # assert_eq WHAT EXPECTED ACTUAL
	[[ "$2" == "$3" ]] || fail "$1: expected '$2', got '$3'"
	echo "ok: $1 = $3"
}

assert_contains() { # assert_contains WHAT NEEDLE HAYSTACK
	[[ "$3" == *"$2"* ]] || fail "$1: expected to find '$2' in: $3"
	echo "ok: $1 contains '$2'"
}

# push_file FILE [cchc push options...]: runs `cchc push`, leaving its exit status in PUSH_RC and
# what it printed (stdout and stderr) in PUSH_OUT. Never fails by itself.
push_file() {
	local file=$1
	shift
	PUSH_RC=0
	PUSH_OUT=$(cchc push "$@" "$file" 2>&1) || PUSH_RC=$?
	echo "push $(basename "$file") $*: exit $PUSH_RC: $PUSH_OUT"
}

# The summary line `accepted N, duplicate N, rejected N` as "N N N".
push_counts() {
	local line
	line=$(grep -Eo 'accepted [0-9]+, duplicate [0-9]+, rejected [0-9]+' <<<"$PUSH_OUT" | tail -n1) ||
		fail "no summary line in push output: $PUSH_OUT"
	sed -E 's/accepted ([0-9]+), duplicate ([0-9]+), rejected ([0-9]+)/\1 \2 \3/' <<<"$line"
}

# report SCOPE: writes the JSON report of $PERIOD for SCOPE to $WORK/report-SCOPE.json, prints its path.
report() {
	local scope=$1 out="$WORK/report-$1.json"
	rm -f "$out"
	cchc report --period "$PERIOD" --scope "$scope" --format json -o "$out" >&2 ||
		fail "cchc report --scope $scope failed"
	jq -e . "$out" >/dev/null || fail "report for $scope is not JSON: $(head -c 500 "$out")"
	echo "$out"
}

# figure FILE PATH: one number from a report (jq path such as .dossiers.all.received).
figure() {
	local v
	v=$(jq -r "$2 // \"missing\"" "$1")
	[[ "$v" =~ ^-?[0-9]+$ ]] || fail "$2 in $(basename "$1") is not a count: $v"
	echo "$v"
}

# The feedback figures object: `feedback.all` if the report splits feedback by level, else `feedback`.
feedback_path() {
	if jq -e '.feedback.all | type == "object"' "$1" >/dev/null 2>&1; then
		echo .feedback.all
	else
		echo .feedback
	fi
}

# assert_identity FILE: carried_over + received = resolved + returned + withdrawn + pending (§6).
assert_identity() {
	local f=$1 p=.dossiers.all lhs rhs
	lhs=$(($(figure "$f" $p.carried_over) + $(figure "$f" $p.received)))
	rhs=$(($(figure "$f" $p.resolved) + $(figure "$f" $p.returned) + $(figure "$f" $p.withdrawn) + $(figure "$f" $p.pending)))
	assert_eq "identity carried_over+received = resolved+returned+withdrawn+pending" "$lhs" "$rhs"
}
