#!/usr/bin/env bash
# test_bench_smoke: `cchc bench ingest` and `cchc bench report` (issue 6) run against a private
# stack of their own and print every line they promise, each with positive numbers; the stack's
# own counters and report confirm that the events were really stored. It checks that the
# benchmark works, never its speed. Environment: CCHC_PRIVATE_PORT_BASE (default: a free one).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/private_stack.sh"

# positive WHAT VALUE: VALUE is a number above zero.
positive() {
	if ! [[ "$2" =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v v="$2" 'BEGIN { exit !(v > 0) }'; then
		fail "$1: expected a positive number, got '$2'"
	fi
	echo "ok: $1 = $2"
}
# field OUT REGEX: the first capture group of REGEX (sed -E) on the line that matches it.
field() {
	local v
	v=$(sed -nE "s#$2#\1#p" <<<"$1" | head -n1)
	[[ -n "$v" ]] || fail "no line matching /$2/ in: $1"
	echo "$v"
}
stored() { # the stats counter of stored events
	cchc status | sed -nE 's/^stats .* stored ([0-9]+).*/\1/p'
}

step "private stack on port base $PORT_BASE"
pstack up >"$WORK/up.log" 2>&1 || fail "stack.sh up: $(tail -n 20 "$WORK/up.log")"
before=$(stored)

step "cchc bench ingest --events 2000 --naive-events 100"
out=$(cchc bench ingest --events 2000 --naive-events 100 2>"$WORK/ingest.err") ||
	fail "bench ingest failed: $(cat "$WORK/ingest.err") $out"
echo "$out"
num='([0-9]+(\.[0-9]+)?)'
assert_eq "end-to-end events" 2000 "$(field "$out" '^end-to-end .*: ([0-9]+) events in .*')"
positive "end-to-end rate" "$(field "$out" "^end-to-end .* = $num events/s$")"
positive "ack latency p50 (ms)" "$(field "$out" "^ack latency p50: $num ms, p99: .*")"
positive "ack latency p99 (ms)" "$(field "$out" "^ack latency p50: .* p99: $num ms.*")"
positive "acknowledged batches" "$(field "$out" '^ack latency .*\(([0-9]+) batches\)$')"
assert_eq "raw COPY events" 2000 "$(field "$out" '^raw COPY .*: ([0-9]+) events in .*')"
positive "raw COPY rate" "$(field "$out" "^raw COPY .* = $num events/s$")"
assert_eq "naive client events" 100 "$(field "$out" '^naive client .*: ([0-9]+) events in .*')"
positive "naive client rate" "$(field "$out" "^naive client .* = $num events/s$")"
assert_eq "naive INSERT events" 100 "$(field "$out" '^naive INSERT .*: ([0-9]+) events in .*')"
positive "naive INSERT rate" "$(field "$out" "^naive INSERT .* = $num events/s$")"
for svc in cchc-ingest cchc-stats cchc-export; do
	positive "$svc peak memory (kB)" "$(field "$out" "^peak memory $svc: VmHWM ([0-9]+) kB.*")"
done
positive "ratio end-to-end/raw-copy" "$(field "$out" '^ratio end-to-end/raw-copy: ([0-9]+\.[0-9]{2})$')"
positive "ratio end-to-end/naive" "$(field "$out" '^ratio end-to-end/naive: ([0-9]+\.[0-9]{2})$')"
# Independently of the benchmark's own counts: stats stored exactly the 2000 + 100 new events.
assert_eq "events stored by stats" $((before + 2100)) "$(stored)"

# bench_report PERIOD N WHAT: `cchc bench report --dossiers N` for PERIOD, whose first line must
# match WHAT (it pushed first, or used what the stack held); every format timed, with bytes, and
# the console's figures page, the figures from stats today and as of a moment; its dossier count equals the one the stack's
# own JSON report gives.
bench_report() {
	local n f p=.dossiers.all
	step "cchc bench report --dossiers $2 --period $1"
	out=$(cchc bench report --dossiers "$2" --period "$1" 2>"$WORK/report.err") ||
		fail "bench report failed: $(cat "$WORK/report.err") $out"
	echo "$out"
	[[ "$(grep '^bench report:' <<<"$out")" =~ $3 ]] || fail "bench report for $1 does not say /$3/"
	for fmt in json csv xlsx docx pdf; do
		positive "$fmt report seconds" "$(field "$out" "^$fmt +$num +[0-9.]+ +[0-9]+$")"
		positive "$fmt report bytes" "$(field "$out" "^$fmt +[0-9.]+ +[0-9.]+ +([0-9]+)$")"
	done
	# the console's figures page and charts, signed in (its account disabled again after)
	positive "console figures page seconds" "$(field "$out" "^figures page +$num +[0-9.]+ +[0-9]+$")"
	positive "console figures page bytes" "$(field "$out" "^figures page +[0-9.]+ +[0-9.]+ +([0-9]+)$")"
	positive "console chart seconds" "$(field "$out" "^chart by level +$num +[0-9.]+ +[0-9]+$")"
	cchc user list | grep -qE '^bench +viewer .*đã khóa' ||
		fail "the bench's console account is not disabled after the bench: $(cchc user list)"
	# straight from stats: today's figures, as of now (the same figures), as of a watermark
	positive "figures now seconds" "$(field "$out" "^figures now +$num +[0-9.]+ +\\(today's.*")"
	positive "as of now seconds" "$(field "$out" "^as of now +$num +[0-9.]+ +\\(.*equal to today's\\)$")"
	positive "as of a tenth ago seconds" "$(field "$out" "^as of a tenth ago +$num +[0-9.]+ +\\(store_seq [0-9]+: .*")"
	positive "dossiers derived again" "$(field "$out" '^as of a tenth ago .* ([0-9]+) dossiers derived again\)$')"
	n=$(field "$out" '^dossiers in the figures: ([0-9]+)$')
	positive "dossiers in the figures" "$n"
	PERIOD=$1
	f=$(report 46)
	assert_eq "dossiers in the figures = intake + waiting + not_accepted of the report" \
		$(($(figure "$f" $p.intake) + $(figure "$f" $p.waiting) + $(figure "$f" $p.not_accepted))) "$n"
}
# 2024-Q1 holds the ~500 dossiers of the 2000 events above (more than 400); 2023-Q3 is empty
# (before any of them), so it is filled first, up to at least 500.
bench_report 2024-Q1 400 'already held [0-9]+ dossiers'
bench_report 2023-Q3 500 'held 0 dossiers; pushed [0-9]+ more \([0-9]+ events\)'
(($(field "$out" '^dossiers in the figures: ([0-9]+)$') >= 500)) || fail "2023-Q3 was not filled up to 500"

step "idle again: no service counts a worker busy (a status request does not count itself)"
cchc status >"$WORK/status.out" || fail "status: $(cat "$WORK/status.out")"
assert_eq "busy of each of the 3 services" "0 0 0" \
	"$(sed -nE 's/.* busy ([0-9]+)$/\1/p' "$WORK/status.out" | tr '\n' ' ' | sed 's/ $//')"
