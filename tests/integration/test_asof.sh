#!/usr/bin/env bash
# test_asof: the figures as of a watermark (docs/design.md §13) through the running stack. Two
# generated sets of the same quarter and province (other seeds: their dossiers are their own) are
# pushed one after the other; the figures as of the store sequence between them equal, row by row,
# the figures stats gave right after the first set, and they moved from before by exactly the
# first set's truth, while today's figures moved from them by exactly the second's. The period is
# 2023-Q1, which no other test writes to; only differences are compared, since other tests' records
# may be carried over into it. test_asof (unit) checks the same exactness far more widely.
source "$(dirname "$0")/lib.sh"
PERIOD=2023-Q1
PSQL=(psql "$(sed -n 's/^stats\.db *= *//p' "$CCHC_CONF")" -v ON_ERROR_STOP=1 -tAq)
figures() { "$CCHC_BIN/figures_at" --period "$PERIOD" --scope 46 "$@" | sort; }

# truth_lines TRUTH: the truth's figures as "path value" lines, the paths figures_at prints.
truth_lines() {
	jq -r '
	  ((["all", "province", "district", "commune"][] as $l | .dossiers[$l] | to_entries[]
	    | "dossiers.\($l).\(.key) \(.value)"),
	   (("units", "fields") as $list | .dossiers[$list][] as $u | $u | to_entries[]
	    | select(.value | type == "number") | select(.key != "level")
	    | "\($list).\($u.code).\(.key) \(.value)"),
	   (.feedback | to_entries[] | "feedback.\(.key) \(.value)"))' "$1" | sort
}

# expect_delta WHAT FROM TO TRUTH: every figure of TO minus FROM equals the truth (a figure the
# truth does not name must not move; a row missing on one side counts as zero).
expect_delta() {
	local what=$1
	awk -v what="$what" '
	  FILENAME == ARGV[1] { from[$1] = $2; keys[$1] = 1; next }
	  FILENAME == ARGV[2] { to[$1] = $2; keys[$1] = 1; next }
	  { truth[$1] = $2; keys[$1] = 1; named++ }
	  END {
	    for (k in keys) {
	      d = to[k] - from[k]
	      if (d != truth[k] + 0) { printf "%s: %s moved by %d, truth %d\n", what, k, d, truth[k] + 0; bad++ }
	      n++
	    }
	    if (named < 26) { printf "%s: the truth names only %d figures\n", what, named; bad++ }
	    printf "%s: %d figures compared, %d differ\n", what, n, bad + 0
	    exit bad > 0
	  }' "$2" "$3" "$4" || fail "$what: figures differ from the truth"
	echo "ok: $what"
}

step "generate two sets of $PERIOD"
cchc gen --period "$PERIOD" --dossiers 300 --seed 1201 -o "$WORK/a.jsonl" --truth "$WORK/a.truth.json" ||
	fail "cchc gen (a) failed"
cchc gen --period "$PERIOD" --dossiers 200 --seed 1202 -o "$WORK/b.jsonl" --truth "$WORK/b.truth.json" ||
	fail "cchc gen (b) failed"
truth_lines "$WORK/a.truth.json" >"$WORK/a.truth"
truth_lines "$WORK/b.truth.json" >"$WORK/b.truth"

figures >"$WORK/before" || fail "figures before"
step "push the first set, note the watermark"
push_file "$WORK/a.jsonl"
assert_eq "exit status (a)" 0 "$PUSH_RC"
assert_eq "accepted duplicate rejected (a)" "$(wc -l <"$WORK/a.jsonl") 0 0" "$(push_counts)"
WATERMARK=$("${PSQL[@]}" -c "SELECT last_value FROM event_store_seq")
[[ "$WATERMARK" =~ ^[0-9]+$ ]] || fail "no store sequence: '$WATERMARK'"
figures >"$WORK/after-a" || fail "figures after a"

step "push the second set, and the first again"
push_file "$WORK/b.jsonl"
assert_eq "accepted duplicate rejected (b)" "$(wc -l <"$WORK/b.jsonl") 0 0" "$(push_counts)"
push_file "$WORK/a.jsonl"
assert_eq "accepted duplicate rejected (a again)" "0 $(wc -l <"$WORK/a.jsonl") 0" "$(push_counts)"
figures >"$WORK/now" || fail "figures now"
figures --as-of-seq "$WATERMARK" >"$WORK/as-of" || fail "figures as of $WATERMARK"

step "as of the watermark: the figures right after the first set"
cmp -s "$WORK/now" "$WORK/after-a" && fail "the second set changed no figure"
diff "$WORK/after-a" "$WORK/as-of" >&2 || fail "the figures as of $WATERMARK differ from those after the first set"
echo "ok: as of $WATERMARK, all $(wc -l <"$WORK/as-of") figures equal those after the first set"
expect_delta "as of the watermark - before = truth of the first set" "$WORK/before" "$WORK/as-of" "$WORK/a.truth"
expect_delta "now - as of the watermark = truth of the second set" "$WORK/as-of" "$WORK/now" "$WORK/b.truth"

echo "$TEST_NAME: PASS"
