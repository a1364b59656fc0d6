#!/usr/bin/env bash
# test_national: the national roll-up of issue 14 (docs/design.md §15) on stacks of its own, made
# by deploy/national.sh as `make national-up` makes them: provinces 46 and 48, each publishing from
# its own PostgreSQL, and the national stack subscribed to both. Generated quarters are pushed into
# both; each province's figures on the national stack must equal its own JSON export (every unit,
# level, field and feedback figure) and VN their sums. Then the faults, after each of which the
# same holds: a province's PostgreSQL crashed (-m immediate) mid-push, the national PostgreSQL
# crashed while a province writes, a province silent (named by `cchc check --scope VN` and shown
# loudly by `cchc status`), a slot lost to max_slot_wal_keep_size during a national outage and
# the documented resync, and a province's aggregate rebuild, which the national side must see as
# one change. A closed province shows as its closed version in VN. Last, `cchc bench national`
# measures the lag from a province's acknowledgement to national visibility.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ports.sh"

NV="$WORK/national-var"
P=2024-Q1
T0=$SECONDS

# A port base B for deploy/national.sh: the national stack on B, the provinces on B+10 and B+20.
BASE=""
for _ in $(seq 1 40); do
	b=$(pick_port_base 10000) || break
	ok=1
	for off in 11 12 13 14 19 21 22 23 24 29; do port_free $((b + off)) || ok=0; done
	if ((ok)); then
		BASE=$b
		break
	fi
done
[[ -n "$BASE" ]] || fail "no free port base for three stacks"

nat() { NATIONAL_VAR="$NV" NATIONAL_PORT_BASE="$BASE" CCHC_BIN="$CCHC_BIN" NATIONAL_MAX_AGE=12s \
	"$CCHC_ROOT/deploy/national.sh" "$@"; }
stack_of() { CCHC_VAR="$NV/$1" "$STACK" "${@:2}"; } # stack_of p46|p48|national ARGS
conf_of() { echo "$NV/$1/cchc.conf"; }
NCONF=$(conf_of national)

cleanup() {
	local rc=$? d
	nat down >/dev/null 2>&1 || true
	for d in "$NV"/*/log; do
		if grep -lqE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$d"/cchc-*.log 2>/dev/null; then
			grep -h -A 30 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$d"/cchc-*.log | head -n 60 >&2
			echo "$TEST_NAME: FAIL: sanitizer report in a service log ($d)" >&2
			rc=1
		fi
	done
	on_exit "$rc"
	exit "$rc"
}
trap cleanup EXIT

wait_until() { # SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; fails after SECONDS
	local secs=$1 end=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		((SECONDS < end)) || fail "$what: not within ${secs}s"
		sleep 0.1
	done
}

sql() { # STACK SQL: one value from that stack's database
	local port
	port=$(($(sed -n 's/^CCHC_PORT_BASE=//p' "$NV/$1/stack.env") + 9))
	psql -X -q -h 127.0.0.1 -p "$port" -U cchc -d cchc -tAc "$2"
}

pg_crash() { # STACK: its PostgreSQL stops as if the machine lost power
	local dir="$NV/$1" pgbin owner
	pgbin=$(dirname "$(readlink -f "/proc/$(head -n1 "$dir/pg/postmaster.pid")/exe")")
	owner=$(stat -c %U "$dir/pg")
	if [[ $(id -u) -eq 0 && "$owner" != root ]]; then
		runuser -u "$owner" -- "$pgbin/pg_ctl" stop -D "$dir/pg" -m immediate -s
	else
		"$pgbin/pg_ctl" stop -D "$dir/pg" -m immediate -s
	fi
}

report_json() { # CONF SCOPE PERIOD OUT [--as-of now]
	cchc report --period "$3" --scope "$2" --format json -o "$4" --config "$1" "${@:5}" 2>/dev/null
}

# The province's figures as the national stack holds them equal its own JSON export: every unit,
# level, field and feedback figure, and which closed version they are.
same() { # CODE PERIOD [--as-of now]
	report_json "$(conf_of "p$1")" "$1" "$2" "$WORK/own-$1.json" "${@:3}" &&
		report_json "$NCONF" "$1" "$2" "$WORK/nat-$1.json" "${@:3}" &&
		[[ "$(jq -S '{dossiers, feedback, as_of}' "$WORK/own-$1.json")" == \
		"$(jq -S '{dossiers, feedback, as_of}' "$WORK/nat-$1.json")" ]]
}
assert_same() { # CODE PERIOD WHAT
	wait_until 90 "$3: the national figures of $1 ($2) equal its own" same "$1" "$2"
	echo "ok: $3: province $1's $2 figures on the national stack equal its own JSON export"
}
assert_vn_sums() { # PERIOD WHAT
	report_json "$NCONF" VN "$1" "$WORK/vn.json" || fail "$2: cchc report --scope VN failed"
	report_json "$(conf_of p46)" 46 "$1" "$WORK/own-46.json" || fail "report 46"
	report_json "$(conf_of p48)" 48 "$1" "$WORK/own-48.json" || fail "report 48"
	python3 "$CCHC_ROOT/tests/integration/national_compare.py" "$WORK/vn.json" \
		"$WORK/own-46.json" "$WORK/own-48.json" || fail "$2: VN is not the sum of its provinces"
}
stored() { # CONF: the events the province's stats says it holds (0 while it does not answer)
	local n
	n=$({ cchc status --config "$1" 2>/dev/null || true; } | sed -n 's/^stats .* stored \([0-9]*\).*/\1/p')
	echo "${n:-0}"
}
push_bg() { # CONF FILE: cchc push in the background; its exit status lands in FILE.rc
	(
		rc=0
		# one small batch at a time: the push lasts long enough to be crashed into
		cchc push --no-progress --deadline 180 --jobs 1 --batch-records 50 --config "$1" "$2" \
			>"$2.out" 2>&1 || rc=$?
		echo "$rc" >"$2.rc"
	) &
	PUSH_PID=$!
}
check_pushed() { # FILE: the push of FILE was acknowledged whole
	wait "$PUSH_PID" || true
	[[ "$(cat "$1.rc")" == 0 ]] || fail "push of $(basename "$1"): exit $(cat "$1.rc"): $(tail -c 400 "$1.out")"
	local n line
	n=$(wc -l <"$1")
	line=$(grep -Eo 'accepted [0-9]+, duplicate [0-9]+, rejected 0' "$1.out" | tail -n1)
	[[ -n "$line" ]] || fail "push of $(basename "$1"): $(tail -c 400 "$1.out")"
	read -r _ a _ d _ <<<"${line//,/}"
	((a + d == n)) || fail "push of $(basename "$1"): accepted $a + duplicate $d != $n lines"
	echo "ok: push of $n records acknowledged whole across the fault"
}
gen_push() { # CODE PERIOD SEED DOSSIERS: generated records pushed into the province, in the foreground
	local f="$WORK/gen-$1-$2-$3.jsonl"
	cchc gen --period "$2" --dossiers "$4" --seed "$3" -o "$f" --config "$(conf_of "p$1")" >/dev/null
	cchc push --no-progress --config "$(conf_of "p$1")" "$f" >"$f.out" 2>&1 ||
		fail "push into $1: $(tail -c 400 "$f.out")"
}

step "three stacks (port base $BASE): provinces 46 and 48 publishing, the national stack subscribed"
nat up >"$WORK/up.log" 2>&1 || fail "deploy/national.sh up: $(tail -n 30 "$WORK/up.log")"
assert_eq "province 48's publication" cchc_pub "$(sql p48 "SELECT pubname FROM pg_publication")"
assert_eq "province 46's wal_level" logical "$(sql p46 "SHOW wal_level")"
assert_eq "national partitions of dossier_agg" "dossier_agg_p46 dossier_agg_p48" \
	"$(sql national "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'dossier_agg'::regclass")"

step "generated quarters pushed into both provinces"
gen_push 46 "$P" 461 1500
gen_push 48 "$P" 481 1500
assert_same 46 "$P" "after the pushes"
assert_same 48 "$P" "after the pushes"
assert_vn_sums "$P" "after the pushes"
streaming() { cchc status --config "$NCONF" >"$WORK/status.out" 2>&1; }
wait_until 30 "both subscriptions streaming" streaming

step "fault: province 48's PostgreSQL crashes (-m immediate) mid-push and restarts"
f="$WORK/crash48.jsonl"
cchc gen --period 2024-Q2 --dossiers 1500 --seed 482 -o "$f" --config "$(conf_of p48)" >/dev/null
before=$(stored "$(conf_of p48)")
push_bg "$(conf_of p48)" "$f"
storing() { (($(stored "$(conf_of p48)") > before)); }
wait_until 60 "province 48 storing the push" storing
pg_crash p48
echo "fault: province 48's PostgreSQL stopped -m immediate$([[ -f "$f.rc" ]] || echo ", the push still running")"
stack_of p48 up >>"$WORK/up.log" 2>&1 || fail "province 48 did not come back"
check_pushed "$f"
assert_same 48 "$P" "province crash"
assert_same 48 2024-Q2 "province crash"

step "fault: the national PostgreSQL crashes while province 46 writes, and restarts"
pg_crash national
echo "fault: the national PostgreSQL stopped -m immediate"
gen_push 46 2024-Q2 462 1000
stack_of national up >>"$WORK/up.log" 2>&1 || fail "the national stack did not come back"
assert_same 46 "$P" "national crash"
assert_same 46 2024-Q2 "national crash"
assert_same 48 2024-Q2 "national crash"
assert_vn_sums 2024-Q2 "national crash"

step "a silent province: named by cchc check --scope VN (national.max_age 12 s), shown loudly by cchc status"
stack_of p48 stop postgres >/dev/null
check_names_48() {
	local rc=0
	cchc check --scope VN --config "$NCONF" >"$WORK/check.out" 2>&1 || rc=$?
	((rc == 1)) && grep -q "stale_province *48" "$WORK/check.out"
}
wait_until 60 "cchc check --scope VN names province 48" check_names_48
grep "stale_province" "$WORK/check.out"
rc=0
cchc status --config "$NCONF" >"$WORK/status.out" 2>&1 || rc=$?
assert_eq "cchc status exit with a province not streaming" 3 "$rc"
assert_contains "cchc status shows 48 loudly" "!!      province 48" "$(cat "$WORK/status.out")"
stack_of p48 up >>"$WORK/up.log" 2>&1 || fail "province 48 did not come back"
check_clean() { cchc check --scope VN --config "$NCONF" >"$WORK/check.out" 2>&1; }
wait_until 60 "cchc check --scope VN clean again" check_clean
echo "ok: province 48 fresh again"

step "fault: a long national outage; province 48's slot exceeds max_slot_wal_keep_size and is lost"
stack_of national stop postgres >/dev/null
PG48="-c wal_level=logical -c max_wal_senders=10 -c max_replication_slots=10"
stack_of p48 stop postgres >/dev/null
CCHC_PG_OPTS="$PG48 -c max_slot_wal_keep_size=1MB" stack_of p48 up >>"$WORK/up.log" 2>&1 ||
	fail "province 48 did not restart with a small max_slot_wal_keep_size"
gen_push 48 2024-Q3 483 500
slot_lost() {
	sql p48 "SELECT pg_logical_emit_message(false, 'test_national', repeat('x', 4096)), pg_switch_wal()" >/dev/null &&
		sql p48 "CHECKPOINT" >/dev/null &&
		[[ "$(sql p48 "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'cchc_p48'")" == lost ]]
}
wait_until 60 "province 48's slot lost" slot_lost
echo "ok: the slot is lost (WAL kept: $(sql p48 "SELECT pg_size_pretty(sum(size)) FROM pg_ls_waldir()"))"
stack_of p48 stop postgres >/dev/null
CCHC_PG_OPTS="$PG48 -c max_slot_wal_keep_size=1GB" stack_of p48 up >>"$WORK/up.log" 2>&1 ||
	fail "province 48 did not restart"
stack_of national up >>"$WORK/up.log" 2>&1 || fail "the national stack did not come back"
slot_lost_shown() { # cchc status exits 3 then: its output is what counts
	cchc status --config "$NCONF" >"$WORK/status.out" 2>&1 || true
	grep -q "province 48 *SLOT LOST" "$WORK/status.out"
}
wait_until 60 "cchc status shows province 48's slot lost" slot_lost_shown
echo "ok: cchc status: $(grep -A1 "province 48" "$WORK/status.out")"
# the resync of docs/operations.md: stop the subscription, empty the province's partitions, drop
# the subscription (and with it the lost slot); cchc-stats subscribes again and copies everything
sql national "ALTER SUBSCRIPTION cchc_p48 DISABLE" >/dev/null
sql national "SELECT cchc_province_clear('48')" >/dev/null
sql national "DROP SUBSCRIPTION cchc_p48" >/dev/null
assert_same 48 2024-Q3 "resync after the slot was lost"
assert_same 48 "$P" "resync after the slot was lost"
assert_vn_sums "$P" "resync"

step "a province's aggregate rebuild (DELETE + INSERT in one transaction) reaches the national side as one change"
rows=$(sql national "SELECT count(*) FROM dossier_agg_p48")
# sums, not rows: the rebuild writes the same figures, in rows of its own (part 0, no zero rows)
SUMS="sum(received) || '/' || sum(resolved) || '/' || sum(d_open) || '/' || sum(d_overdue)"
sum=$(sql national "SELECT $SUMS FROM dossier_agg_p48")
dels=$(sql national "SELECT n_tup_del FROM pg_stat_user_tables WHERE relname = 'dossier_agg_p48'")
# a probe of the national table every 2 ms for 6 s: each statement sees the transactions applied
# by then; a rebuild applied in parts would show fewer rows or a smaller sum
port=$(($(sed -n 's/^CCHC_PORT_BASE=//p' "$NV/national/stack.env") + 9))
psql -X -q -h 127.0.0.1 -p "$port" -U cchc -d cchc -v ON_ERROR_STOP=1 >"$WORK/probe.out" 2>&1 <<SQL &
DO \$\$
DECLARE v text; seen int := 0;
BEGIN
	FOR i IN 1..3000 LOOP
		SELECT $SUMS INTO v FROM dossier_agg_p48;
		IF v <> '$sum' THEN RAISE EXCEPTION 'partial state seen: % (before and after: $sum)', v; END IF;
		seen := seen + 1;
		PERFORM pg_sleep(0.002);
	END LOOP;
	RAISE NOTICE 'probe: % reads, all %', seen, v;
END \$\$;
SQL
PROBE=$!
sed 's/^2024-11-01,490,Quận Liên Chiểu,/2024-11-01,490,Quận Liên Chiểu (tên mới),/' \
	"$CCHC_ROOT/deploy/data/units-48.csv" >"$WORK/units-48-renamed.csv"
cchc units import "$WORK/units-48-renamed.csv" --config "$(conf_of p48)" >/dev/null ||
	fail "cchc units import on province 48"
wait "$PROBE" || fail "the national side saw the rebuild in parts: $(cat "$WORK/probe.out")"
cat "$WORK/probe.out"
rebuilt() { (($(sql national "SELECT n_tup_del FROM pg_stat_user_tables WHERE relname = 'dossier_agg_p48'") >= dels + rows)); }
wait_until 30 "the rebuild's deletes applied on the national side" rebuilt
echo "ok: the rebuild replicated: $rows rows deleted and inserted again, never seen half done"
assert_same 48 "$P" "after the rebuild"
assert_contains "the new name nationally" "Quận Liên Chiểu (tên mới)" "$(cat "$WORK/nat-48.json")"

step "a closed province: VN shows its closed version, --as-of now its figures now"
cchc period close "$P" --scope 46 --by test_national --force --config "$(conf_of p46)" >/dev/null ||
	fail "cchc period close on province 46"
closed_in_vn() {
	report_json "$NCONF" VN "$P" "$WORK/vn.json" &&
		[[ "$(jq -r '.provinces[] | select(.code == "46") | .source.version' "$WORK/vn.json")" == 1 ]]
}
wait_until 60 "VN reads province 46's closed version 1" closed_in_vn
gen_push 46 "$P" 469 30 # late records: the closed version stays, the figures now move
assert_same 46 "$P" "closed (the standing version)"
assert_same 46 "$P" "closed, --as-of now" --as-of now
report_json "$(conf_of p46)" 46 "$P" "$WORK/closed-46.json" || fail "report 46"
assert_eq "VN's 46 = its closed version" "$(jq -c .dossiers.all "$WORK/closed-46.json")" \
	"$(jq -c '.provinces[] | select(.code == "46") | .dossiers.all' "$WORK/vn.json")"
assert_vn_sums "$P" "closed"
report_json "$NCONF" VN "$P" "$WORK/vn-now.json" --as-of now || fail "VN --as-of now"
[[ "$(jq -c '.provinces[0].dossiers.all.received' "$WORK/vn-now.json")" != \
"$(jq -c '.provinces[0].dossiers.all.received' "$WORK/vn.json")" ]] ||
	fail "VN --as-of now should count 46's late records"
echo "ok: VN --as-of now counts the late records, VN by default the closed version"

step "the national report in every format"
for fmt in docx pdf xlsx csv; do
	cchc report --period "$P" --scope VN --format "$fmt" -o "$WORK/vn-report.$fmt" --config "$NCONF" \
		>/dev/null 2>"$WORK/report.err" || fail "cchc report --scope VN --format $fmt: $(cat "$WORK/report.err")"
done
assert_contains "PDF: form II.06a by province" "Biểu số II.06a" "$(pdftotext "$WORK/vn-report.pdf" -)"
assert_contains "PDF: 46's closed version" "Số liệu chốt ngày" "$(pdftotext "$WORK/vn-report.pdf" -)"
assert_contains "CSV by province: Đà Nẵng" "Thành phố Đà Nẵng" "$(cat "$WORK/vn-report-theo-tinh.csv")"

step "the lag from a province's acknowledgement to national visibility"
cchc bench national --config "$(conf_of p48)" --national-config "$NCONF" --records 40 >"$WORK/bench.out" 2>&1 ||
	fail "cchc bench national: $(cat "$WORK/bench.out")"
cat "$WORK/bench.out"
p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' "$WORK/bench.out")
if [[ -z "$p99" ]] || ! awk -v v="$p99" 'BEGIN { exit !(v < 5000) }'; then
	fail "the lag's p99 ($p99 ms) is not within seconds"
fi
echo "ok: lag p99 $p99 ms; test_national took $((SECONDS - T0)) s"
