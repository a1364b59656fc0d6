#!/usr/bin/env bash
# stack_fixture: the ctest fixture of the integration tests (FIXTURES_SETUP / FIXTURES_CLEANUP).
#   setup:   pick four free ports, start a fresh stack in $CCHC_VAR (deploy/stack.sh up), and add
#            the source `hue` granted only district 474 (key $CCHC_VAR/hue.key) for the grant tests
#   cleanup: stop the stack (its folder stays for a look afterwards; the next setup wipes it) and
#            fail if a service log holds a sanitizer report
set -euo pipefail
: "${CCHC_ROOT:?}" "${CCHC_BIN:?}" "${CCHC_VAR:?}"
STACK="$CCHC_ROOT/deploy/stack.sh"

port_free() { # bind test on loopback: the port can be listened on right now
	perl -MIO::Socket::INET -e \
		'exit(IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], Proto => "tcp",
		                             Listen => 1, ReuseAddr => 1) ? 0 : 1)' "$1"
}

# A base B with B+1, B+2, B+3 (services) and B+9 (PostgreSQL) all free, below the ephemeral range
# and away from the dev defaults (7400-7409).
pick_port_base() {
	local base off ok
	for _ in $(seq 1 100); do
		base=$((20000 + (RANDOM % 1000) * 10))
		ok=1
		for off in 1 2 3 9; do
			port_free $((base + off)) || {
				ok=0
				break
			}
		done
		if ((ok)); then
			echo "$base"
			return
		fi
	done
	echo "stack_fixture: no free ports found" >&2
	return 1
}

case "${1:-}" in
setup)
	CCHC_VAR="$CCHC_VAR" "$STACK" reset
	CCHC_PORT_BASE=$(pick_port_base)
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
