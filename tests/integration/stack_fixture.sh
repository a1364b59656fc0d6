#!/usr/bin/env bash
# stack_fixture: the ctest fixture of the integration tests (FIXTURES_SETUP / FIXTURES_CLEANUP).
#   setup:   pick four free ports, start a fresh stack in $CCHC_VAR (deploy/stack.sh up), and add
#            the source `hue` granted only district 474 (key $CCHC_VAR/hue.key) for the grant tests
#   cleanup: stop the stack (its folder stays for a look afterwards; the next setup wipes it) and
#            fail if a service log holds a sanitizer report
set -euo pipefail
: "${CCHC_ROOT:?}" "${CCHC_BIN:?}" "${CCHC_VAR:?}"
STACK="$CCHC_ROOT/deploy/stack.sh"

# The shared stack's bases: 20000-29990, away from the dev defaults (7400-7409) and from the private
# stacks' 10000-19990 (private_stack.sh).
source "$CCHC_ROOT/tests/integration/ports.sh"

case "${1:-}" in
setup)
	CCHC_VAR="$CCHC_VAR" "$STACK" reset
	CCHC_PORT_BASE=$(pick_port_base 20000)
	export CCHC_VAR CCHC_BIN CCHC_PORT_BASE
	echo "stack_fixture: stack in $CCHC_VAR, port base $CCHC_PORT_BASE"
	"$STACK" up
	"$CCHC_BIN/cchc" source add hue --grant 474 --key-out "$CCHC_VAR/hue.key" \
		--sources-file "$CCHC_VAR/sources" --config "$CCHC_VAR/cchc.conf"
	grep -q '^hue[[:space:]]' "$CCHC_VAR/sources" || {
		echo "stack_fixture: 'cchc source add hue' wrote no line to $CCHC_VAR/sources" >&2
		exit 1
	}
	# Ingest reads the sources file at start.
	"$STACK" stop cchc-ingest
	"$STACK" up
	;;
cleanup)
	export CCHC_VAR
	"$STACK" down
	reports=$(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$CCHC_VAR"/log/cchc-*.log 2>/dev/null || true)
	if [[ -n "$reports" ]]; then
		for f in $reports; do
			echo "---- sanitizer report in $f ----" >&2
			grep -A 40 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" | head -n 80 >&2
		done
		exit 1
	fi
	;;
*)
	echo "usage: stack_fixture.sh setup|cleanup" >&2
	exit 2
	;;
esac
