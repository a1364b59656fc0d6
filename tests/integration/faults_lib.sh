# shellcheck shell=bash
# faults_lib.sh: what the fault tests (test_faults_*.sh) share on top of lib.sh and
# private_stack.sh: status look-ups and the comparison of a report with `cchc gen`'s truth.
# Sourced only.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/private_stack.sh"

status_field() { # status_field SERVICE WORD: the number after WORD on SERVICE's `cchc status` line
	local v
	v=$({ cchc status 2>/dev/null || true; } | sed -n "s/^$1 .* $2 \([0-9]*\).*/\1/p" | head -n1)
	echo "${v:-0}"
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
