#!/usr/bin/env bash
# `cchc units import|list` and `--map-to`: a bad file changes nothing and its error names the line;
# an import stays in force across a restart of stats (units_file unchanged) until the original is
# imported back; a 2024-structure commune's figures appear under its 2025-07 successor (district
# 481's communes, period 2022-Q2, which no other test uses).
source "$(dirname "$0")/lib.sh"

UNITS="$CCHC_ROOT/deploy/data/units.csv"
restore_units() { cchc units import "$UNITS" >/dev/null 2>&1 || true; }
on_exit_after restore_units

step "list"
cchc units list >"$WORK/all.txt" 2>/dev/null || fail "units list failed"
assert_eq "units listed" "$(($(grep -c . "$UNITS") - 1))" "$(($(wc -l <"$WORK/all.txt") - 1))"
cchc units list --at 2026-01-01 >"$WORK/2026.txt" 2>/dev/null || fail "units list --at failed"
assert_eq "units valid on 2026-01-01" "$(grep -c '^2025-07-01,' "$UNITS")" "$(($(wc -l <"$WORK/2026.txt") - 1))"
grep -qE '^19753 +3 +Phường Phú Xuân' "$WORK/2026.txt" || fail "19753 is not Phú Xuân on 2026-01-01"
LIST=$(cchc units list --at 2024-06-01 2>/dev/null)
grep -qE '^19753 +3 +Phường Thuận Lộc +474 ' <<<"$LIST" ||
	fail "19753 is not Thuận Lộc under 474 on 2024-06-01"
echo "ok: a reused code resolves by date"

step "bad files change nothing, and the error names the line"
awk -F, -v OFS=, 'NR == 10 { $4 = 9 } { print }' "$UNITS" >"$WORK/bad-level.csv"
RC=0
ERR=$(cchc units import "$WORK/bad-level.csv" 2>&1) || RC=$?
assert_eq "bad level exit status" 1 "$RC"
assert_contains "bad level error" "units.csv:10:" "$ERR"
{ cat "$UNITS"; sed -n 5p "$UNITS"; } >"$WORK/dup.csv"
RC=0
ERR=$(cchc units import "$WORK/dup.csv" 2>&1) || RC=$?
assert_eq "duplicate exit status" 1 "$RC"
assert_contains "duplicate error" "units.csv:$(grep -c '' "$WORK/dup.csv"):" "$ERR"
cchc units list >"$WORK/after-bad.txt" 2>/dev/null
cmp -s "$WORK/all.txt" "$WORK/after-bad.txt" || fail "a refused import changed the registry"
echo "ok: registry unchanged"

step "an import is kept across a restart of stats, until the original comes back"
sed 's/^2024-11-01,20053,Xã Hồng Kim,/2024-11-01,20053,Xã Hồng Kim Thử,/' "$UNITS" >"$WORK/renamed.csv"
OUT=$(cchc units import "$WORK/renamed.csv")
assert_contains "import" "registry changed" "$OUT"
assert_eq "re-import of the same file" "unchanged" "$(cchc units import "$WORK/renamed.csv" | grep -o 'registry [a-z]*' | cut -d' ' -f2)"
"$STACK" stop cchc-stats >/dev/null
"$STACK" up >/dev/null
LIST=$(cchc units list --at 2024-06-01 2>/dev/null)
grep -q 'Xã Hồng Kim Thử' <<<"$LIST" || fail "the import was undone by a restart"
echo "ok: the import survived a restart"
OUT=$(cchc units import "$UNITS")
assert_contains "import of the original" "registry changed" "$OUT"
cchc units list >"$WORK/back.txt" 2>/dev/null
cmp -s "$WORK/all.txt" "$WORK/back.txt" || fail "the original registry did not come back"
echo "ok: original registry back"

step "map_to: 2024 communes of 481 under their 2025-07 successor"
cat >"$WORK/map.jsonl" <<'JSONL'
{"type":"dossier","event_id":"un481-map-1","office":"20047","dossier":"UN481-MAP-1","procedure":"1.001234","field":"hotich","kind":"received","channel":"online","at":"2022-04-04T08:00:00+07:00","due":"2022-04-11T17:00:00+07:00"}
{"type":"dossier","event_id":"un481-map-2","office":"20047","dossier":"UN481-MAP-2","procedure":"1.001234","field":"hotich","kind":"received","channel":"direct","at":"2022-04-05T08:00:00+07:00","due":"2022-04-12T17:00:00+07:00"}
{"type":"dossier","event_id":"un481-map-3","office":"20104","dossier":"UN481-MAP-3","procedure":"1.001234","field":"hotich","kind":"received","channel":"online","at":"2022-04-06T08:00:00+07:00","due":"2022-04-13T17:00:00+07:00"}
{"type":"dossier","event_id":"un481-map-4","office":"481","dossier":"UN481-MAP-4","procedure":"1.001234","field":"datdai","kind":"received","channel":"online","at":"2022-04-06T08:00:00+07:00","due":"2022-04-13T17:00:00+07:00"}
JSONL
push_file "$WORK/map.jsonl"
[[ "$PUSH_RC" == 0 ]] || fail "push failed: $PUSH_OUT"
PERIOD=2022-Q2
PLAIN=$(report 46)
cchc report --period "$PERIOD" --scope 46 --map-to CURRENT --format json -o "$WORK/mapped.json" >&2 ||
	fail "report --map-to CURRENT failed"
MAPPED="$WORK/mapped.json"
unit_received() { jq -r --arg c "$2" '[.dossiers.units[] | select(.code == $c) | .received] | add // 0' "$1"; }
assert_eq "20047 received (as recorded)" 2 "$(unit_received "$PLAIN" 20047)"
assert_eq "20047 has no row of its own when mapped" 0 "$(unit_received "$MAPPED" 20047)"
# 20056 (Xã A Lưới 1) = the sum of the 2024 communes units.csv lists in its merged_from_codes.
SUM=0
for c in $(sed -n 's/^2025-07-01,20056,[^,]*,[^,]*,[^,]*,[^,]*,//p' "$UNITS" | tr -d '\r' | tr ';' ' '); do
	SUM=$((SUM + $(unit_received "$PLAIN" "$c")))
done
assert_eq "20056 received = its merged communes'" "$SUM" "$(unit_received "$MAPPED" 20056)"
[[ "$SUM" -ge 3 ]] || fail "the mapped row misses pushed records: $SUM"
# The district level no longer exists: 481's own dossiers go to the province unit 46.
assert_eq "46 received (mapped) = 46 + districts with a successor" \
	"$(jq '[.dossiers.units[] | select(.level <= 2 and .code != "483") | .received] | add' "$PLAIN")" \
	"$(unit_received "$MAPPED" 46)"
assert_eq "all received unchanged by map_to" "$(figure "$PLAIN" .dossiers.all.received)" \
	"$(figure "$MAPPED" .dossiers.all.received)"
assert_eq "levels add up to all" "$(figure "$MAPPED" .dossiers.all.received)" \
	"$(jq '.dossiers.province.received + .dossiers.district.received + .dossiers.commune.received' "$MAPPED")"
RC=0
cchc report --period "$PERIOD" --scope 46 --map-to 2025-13-40 --format json -o "$WORK/x.json" 2>/dev/null || RC=$?
[[ "$RC" != 0 ]] || fail "a bad --map-to date was accepted"
echo "ok: bad --map-to refused"

echo "$TEST_NAME: PASS"
