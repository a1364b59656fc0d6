#!/usr/bin/env bash
# The reference model end to end: `cchc gen` writes a quarter of synthetic records and the figures
# they must produce (--truth); push them shuffled, interrupted half-way and partly duplicated, and
# the report must move by exactly the truth — for the province, each level, each unit, each field and feedback.
# The period is 2024-Q3; other tests write 2024-Q1 events, so only differences (after - before) are
# compared: every figure is a count of dossiers, and gen's dossiers are its own.
source "$(dirname "$0")/lib.sh"
PERIOD=2024-Q3

step "generate"
cchc gen --period "$PERIOD" --dossiers 400 --seed 7 -o "$WORK/gen.jsonl" --truth "$WORK/truth.json" ||
	fail "cchc gen failed"
N=$(wc -l <"$WORK/gen.jsonl")
((N > 400)) || fail "cchc gen wrote only $N records for 400 dossiers"
jq -e '.dossiers.all.received > 0' "$WORK/truth.json" >/dev/null || fail "truth has no received dossiers"
echo "ok: $N records, truth received $(jq .dossiers.all.received "$WORK/truth.json")"

BEFORE=$(report 46)
cp "$BEFORE" "$WORK/before.json"

step "push shuffled, interrupted after 40%"
shuf --random-source=<(yes) "$WORK/gen.jsonl" >"$WORK/shuffled.jsonl"
HEAD=$((N * 2 / 5))
head -n "$HEAD" "$WORK/shuffled.jsonl" >"$WORK/part1.jsonl"
push_file "$WORK/part1.jsonl"
assert_eq "exit status (part 1)" 0 "$PUSH_RC"
assert_eq "accepted duplicate rejected (part 1)" "$HEAD 0 0" "$(push_counts)"

step "push everything (the first 40% again)"
push_file "$WORK/shuffled.jsonl"
assert_eq "exit status (all)" 0 "$PUSH_RC"
assert_eq "accepted duplicate rejected (all)" "$((N - HEAD)) $HEAD 0" "$(push_counts)"

step "push a random tenth again"
shuf -n $((N / 10)) --random-source=<(yes 1) "$WORK/gen.jsonl" >"$WORK/again.jsonl"
push_file "$WORK/again.jsonl"
assert_eq "accepted duplicate rejected (again)" "0 $((N / 10)) 0" "$(push_counts)"

step "report moved by exactly the truth"
AFTER=$(report 46)
# Every figure the truth has, as "path expected actual" lines: dossiers by scope total, level, unit
# and field, and feedback; actual = after - before (a unit absent before counts as zero).
jq -r --slurpfile b "$WORK/before.json" --slurpfile a "$AFTER" '
  def fig($r; $p): ($r | getpath($p)) // 0;
  def rowfig($r; $list; $code; $k): ([$r.dossiers[$list][]? | select(.code == $code)][0][$k]) // 0;
  def fbobj($r): if ($r.feedback.all | type) == "object" then $r.feedback.all else $r.feedback end;
  . as $t
  | ( (["all", "province", "district", "commune"][] as $lvl
       | $t.dossiers[$lvl] | keys[] as $k
       | "dossiers.\($lvl).\($k) \($t.dossiers[$lvl][$k]) \(fig($a[0]; ["dossiers", $lvl, $k]) - fig($b[0]; ["dossiers", $lvl, $k]))"),
      (("units", "fields") as $list | $t.dossiers[$list][] as $u | $u | keys[] as $k
       | select($u[$k] | type == "number") | select($k != "level")
       | "\($list).\($u.code).\($k) \($u[$k]) \(rowfig($a[0]; $list; $u.code; $k) - rowfig($b[0]; $list; $u.code; $k))"),
      ($t.feedback | keys[] as $k
       | "feedback.\($k) \($t.feedback[$k]) \((fbobj($a[0])[$k] // 0) - (fbobj($b[0])[$k] // 0))")
    )' "$WORK/truth.json" >"$WORK/compare.txt" || fail "could not compare report and truth"
TOTAL=$(wc -l <"$WORK/compare.txt")
((TOTAL >= 19 + 7)) || fail "only $TOTAL figures compared: $(head -c 400 "$WORK/compare.txt")"
awk '$2 != $3' "$WORK/compare.txt" >"$WORK/mismatch.txt"
if [[ -s "$WORK/mismatch.txt" ]]; then
	echo "figure expected(truth) actual(report delta):" >&2
	head -n 40 "$WORK/mismatch.txt" >&2
	fail "$(wc -l <"$WORK/mismatch.txt") of $TOTAL figures differ from the truth"
fi
echo "ok: all $TOTAL figures equal the truth"
assert_identity "$AFTER"

echo "$TEST_NAME: PASS"
