#!/usr/bin/env bash
# test_property: the property test of issue 3. For several generated data sets (other seeds, periods
# and unit structures), each on a fresh private stack of its own (whole-province figures need a
# clean database, so the shared fixture stack is not used): push the records shuffled, in batches of
# random sizes, some batches twice and some pushes two at a time; kill -9 cchc-stats and crash
# PostgreSQL (pg_ctl stop -m immediate) while pushes are in flight and bring them back with
# stack.sh up. Then every push was acknowledged with nothing rejected, every line is stored exactly
# once, every figure (all, levels, units, fields, rates, feedback) of a quarter, a half-year and a
# custom range equals `cchc gen`'s truth, and `cchc-stats --verify` finds no difference.
#
# Environment: CCHC_PROPERTY_SETS (default 3), CCHC_PROPERTY_DOSSIERS (dossiers per set; default
# 2000-4000 by set), CCHC_PRIVATE_PORT_BASE (default: a free one), CCHC_PROPERTY_PUSH_DEADLINE
# (seconds a push may take, default 240).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/private_stack.sh"

NSETS=${CCHC_PROPERTY_SETS:-3}
PUSH_DEADLINE=${CCHC_PROPERTY_PUSH_DEADLINE:-240}
[[ "$NSETS" =~ ^[1-9][0-9]*$ ]] || fail "CCHC_PROPERTY_SETS must be a positive number"
T0=$SECONDS

pg_crash() { # PostgreSQL stops as if the machine lost power: no checkpoint, recovery at start
	local pgbin owner
	pgbin=$(dirname "$(readlink -f "/proc/$(pstack_pid postgres)/exe")")
	owner=$(stat -c %U "$PVAR/pg")
	if [[ $(id -u) -eq 0 && "$owner" != root ]]; then
		runuser -u "$owner" -- "$pgbin/pg_ctl" stop -D "$PVAR/pg" -m immediate -s
	else
		"$pgbin/pg_ctl" stop -D "$PVAR/pg" -m immediate -s
	fi
}
stats_stored() { # the `stored` count cchc-stats reports (0 while it does not answer)
	cchc status 2>/dev/null | sed -n 's/^stats .* stored \([0-9]*\).*/\1/p' | head -n1 | grep . || echo 0
}

# The data sets: period, seed, dossiers, the other truth periods (a quarter, a half-year and a
# custom range, with the generated period itself). The third uses the 2025-07 unit structure.
TEMPLATES=(
	"2024-H1 101 3000 2024-Q1,2024-Q2,2024-01-01..2024-03-31"
	"2024-Q3 202 2000 2024-H2,2024-Q4,2024-07-01..2024-09-30"
	"2026-H1 303 4000 2026-Q1,2026-Q2,2026-02-01..2026-04-30"
)

# Push job bookkeeping: each job pushes its own hard link of a batch, so no two pushes share a
# FILE.rejects; its output and exit status land next to it.
start_push() { # start_push JOB FILE [options]: in the background
	local job=$1 file=$2
	shift 2
	ln -f "$file" "$JOBS/$job.jsonl"
	(
		rc=0
		cchc push --no-progress --deadline "$PUSH_DEADLINE" "$@" "$JOBS/$job.jsonl" >"$JOBS/$job.out" 2>&1 || rc=$?
		echo "$rc" >"$JOBS/$job.rc"
	) &
	BG_PIDS+=($!)
	RUNNING+=($!)
}
wait_pushes() {
	local pid
	for pid in "${RUNNING[@]}"; do wait "$pid" || true; done
	RUNNING=()
}
any_running() {
	local pid
	for pid in "${RUNNING[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
	return 1
}
check_push() { # check_push JOB: exit 0, nothing rejected, accepted + duplicate = its lines
	local job=$1 n rc counts a d r
	n=$(wc -l <"$JOBS/$job.jsonl")
	rc=$(cat "$JOBS/$job.rc" 2>/dev/null || echo none)
	counts=$(grep -Eo 'accepted [0-9]+, duplicate [0-9]+, rejected [0-9]+' "$JOBS/$job.out" | tail -n1 |
		sed -E 's/accepted ([0-9]+), duplicate ([0-9]+), rejected ([0-9]+)/\1 \2 \3/')
	[[ "$rc" == 0 && -n "$counts" ]] || fail "push $job ($n lines) ended with exit $rc: $(tail -c 600 "$JOBS/$job.out")"
	read -r a d r <<<"$counts"
	((r == 0)) || fail "push $job: $r generated lines rejected: $(head -c 600 "$JOBS/$job.jsonl.rejects" 2>/dev/null)"
	((a + d == n)) || fail "push $job: accepted $a + duplicate $d != its $n lines"
	ACCEPTED=$((ACCEPTED + a))
	DUPS=$((DUPS + d))
}

# fault_group KIND JOB...: the jobs' pushes start together, each sending requests of 5 records so
# that many transactions are under way; once stats has stored some of them, KIND strikes
# (kill -9 cchc-stats, or a PostgreSQL crash), `stack.sh up` restarts what is down, and the pushes
# must still all be acknowledged.
fault_group() {
	local kind=$1 job s0 pid
	shift
	s0=$(stats_stored)
	for job in "$@"; do start_push "$job" "${JOB_FILE[$job]}" --batch-records 5; done
	while any_running && (($(stats_stored) <= s0)); do :; done
	any_running || fail "$kind: the pushes were over before the fault could strike; use more data"
	case "$kind" in
	stats)
		pid=$(pstack_pid cchc-stats)
		kill -9 "$pid"
		echo "fault: kill -9 cchc-stats (pid $pid) with $(jobs -rp | wc -l) pushes in flight"
		;;
	postgres)
		pg_crash
		echo "fault: PostgreSQL stopped -m immediate with $(jobs -rp | wc -l) pushes in flight"
		;;
	esac
	pstack up >"$WORK/up.log" 2>&1 || fail "stack.sh up after the $kind fault: $(tail -n 20 "$WORK/up.log")"
	FAULTS=$((FAULTS + 1))
	wait_pushes
	for job in "$@"; do check_push "$job"; done
}

# The verifier runs if this cchc-stats has one (its help or its strings name --verify).
VERIFY=0
if "$CCHC_BIN/cchc-stats" --help 2>&1 | grep -q -- --verify ||
	grep -aq -- '--verify' "$CCHC_BIN/cchc-stats"; then
	VERIFY=1
fi
((VERIFY)) || echo "note: cchc-stats has no --verify yet; the verifier step is skipped"

for ((set = 0; set < NSETS; set++)); do
	read -r PERIOD SEED NDOSS TPERIODS <<<"${TEMPLATES[set % ${#TEMPLATES[@]}]}"
	SEED=$((SEED + 1000 * (set / ${#TEMPLATES[@]})))
	NDOSS=${CCHC_PROPERTY_DOSSIERS:-$NDOSS}
	S="$WORK/set$set"
	JOBS="$S/jobs"
	mkdir -p "$S/batches" "$JOBS"
	ts=$SECONDS
	step "set $set: $PERIOD, seed $SEED, $NDOSS dossiers; truth also for $TPERIODS"

	pstack reset >/dev/null
	pstack up >"$WORK/up.log" 2>&1 || fail "stack.sh up: $(tail -n 20 "$WORK/up.log")"
	cchc gen --period "$PERIOD" --dossiers "$NDOSS" --seed "$SEED" -o "$S/gen.jsonl" \
		--truth "$S/truth.json" --truth-periods "$TPERIODS" || fail "cchc gen failed"
	N=$(wc -l <"$S/gen.jsonl")

	# Shuffled, then cut into batches of 1..500 lines; a third of the batches is sent twice, the
	# second time a few jobs later; jobs run one or two at a time.
	shuf --random-source=<(yes "$SEED") "$S/gen.jsonl" >"$S/shuffled.jsonl"
	awk -v seed="$SEED" -v dir="$S/batches" '
		BEGIN { srand(seed); left = 0; b = 0 }
		left == 0 { b++; left = 1 + int(rand() * 500); f = sprintf("%s/b%05d.jsonl", dir, b) }
		{ print > f; left--; if (left == 0) close(f) }' "$S/shuffled.jsonl"
	NB=$(find "$S/batches" -name 'b*.jsonl' | wc -l)
	awk -v seed="$SEED" -v nb="$NB" 'BEGIN {
		srand(seed + 1)
		for (i = 1; i <= nb; i++) {
			printf "%d.0 %d\n", i, i
			if (rand() < 1 / 3) printf "%d.5 %d\n", i + int(rand() * 6), i
		}
	}' | sort -n | awk '{ print $2 }' >"$S/plan"
	mapfile -t PLAN <"$S/plan"
	NJ=${#PLAN[@]}
	declare -A JOB_FILE=()
	for ((j = 0; j < NJ; j++)); do JOB_FILE[$j]=$(printf '%s/b%05d.jsonl' "$S/batches" "${PLAN[j]}"); done
	echo "$N lines in $NB batches, $NJ pushes ($((NJ - NB)) batches twice)"

	ACCEPTED=0 DUPS=0 FAULTS=0 PAIRS=0
	RUNNING=()
	STATS_AT=$((NJ / 3)) PG_AT=$((2 * NJ / 3))
	((STATS_AT + 4 <= PG_AT && PG_AT + 4 <= NJ)) || fail "only $NJ pushes: too few to place the faults"
	RANDOM=$SEED
	j=0
	while ((j < NJ)); do
		if ((j == STATS_AT || j == PG_AT)); then
			kind=stats
			((j == PG_AT)) && kind=postgres
			fault_group "$kind" "$j" $((j + 1)) $((j + 2)) $((j + 3))
			j=$((j + 4))
			continue
		fi
		if ((RANDOM % 2 && j + 1 < NJ && j + 1 != STATS_AT && j + 1 != PG_AT)); then
			start_push "$j" "${JOB_FILE[$j]}"
			start_push $((j + 1)) "${JOB_FILE[$((j + 1))]}"
			wait_pushes
			check_push "$j"
			check_push $((j + 1))
			PAIRS=$((PAIRS + 1))
			j=$((j + 2))
		else
			start_push "$j" "${JOB_FILE[$j]}"
			wait_pushes
			check_push "$j"
			j=$((j + 1))
		fi
	done
	echo "ok: $NJ pushes acknowledged ($PAIRS pairs at once, $FAULTS faults): accepted $ACCEPTED, duplicate $DUPS, rejected 0"
	# A batch stored just before a crash may be acknowledged later as a duplicate, never twice.
	((ACCEPTED <= N)) || fail "accepted $ACCEPTED lines, more than the $N there are"

	step "set $set: every line stored exactly once"
	push_file "$S/shuffled.jsonl" --no-progress --deadline "$PUSH_DEADLINE"
	assert_eq "exit status (everything again)" 0 "$PUSH_RC"
	assert_eq "accepted duplicate rejected (everything again)" "0 $N 0" "$(push_counts)"

	step "set $set: figures equal the truth"
	for truth in "$S"/truth*.json; do
		label=$(jq -r .period.label "$truth")
		out="$S/report.$label.json"
		cchc report --period "$label" --format json -o "$out" >/dev/null 2>"$S/report.err" ||
			fail "cchc report --period $label: $(cat "$S/report.err")"
		/usr/bin/python3 "$CCHC_ROOT/tests/integration/property_compare.py" "$truth" "$out" ||
			fail "set $set ($PERIOD seed $SEED): the report of $label differs from the truth"
	done
	if ((VERIFY)); then
		"$CCHC_BIN/cchc-stats" --verify --config "$CCHC_CONF" >"$S/verify.out" 2>&1 ||
			fail "cchc-stats --verify found differences: $(head -c 1500 "$S/verify.out")"
		echo "ok: cchc-stats --verify: $(tail -n 1 "$S/verify.out")"
	fi
	echo "set $set done in $((SECONDS - ts))s"
	unset JOB_FILE
done

echo "$TEST_NAME: PASS ($NSETS sets in $((SECONDS - T0))s)"
