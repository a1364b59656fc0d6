#!/usr/bin/env bash
# `cchc period status` (docs/design.md §13) on a generated quarter of district 480 (Thị xã Hương
# Trà) in 2022-Q1, a district and period no other test writes to (a generated quarter also writes
# events up to a fortnight before and a month after its own period, so no other may be near): the
# district's own office and two communes send nothing (one of them only events dated just outside
# the period), the others send the generator's records. status must name exactly the offices left
# silent, count each office's events dated in the period, give the reporting rate by level, count
# every event as late (2022-Q1 ended long before anything here is stored), agree between text and
# json and with `cchc check`, and exit 1. A period that has not ended yet (a commune of today's
# structure, around today) counts new events as sent and none as late, and exits 0. Later periods
# that read scope 46 see the dossiers this leaves open as carried over; their tests compare relative
# figures.
source "$(dirname "$0")/lib.sh"

PERIOD=2022-Q1
FROM_AT=2021-12-15T00:00:00+07:00 # the period runs [FROM_AT, TO_AT): docs/design.md §5
TO_AT=2022-03-15T00:00:00+07:00
SCOPE=480
DROP=(480 20005 20026) # send nothing dated in the period
TZ_LOCAL=Asia/Ho_Chi_Minh

step "the offices of $SCOPE valid in $PERIOD, from the registry"
cchc units list --at 2022-03-14 >"$WORK/units.txt" 2>/dev/null || fail "cchc units list failed"
# code level name… parent snapshot from to merged_from: the parent is the fifth field from the end
awk -v s="$SCOPE" 'NR > 1 && ($1 == s || $(NF - 4) == s) { print $1, $2 }' "$WORK/units.txt" |
	sort >"$WORK/offices.txt"
N_OFFICES=$(wc -l <"$WORK/offices.txt")
((N_OFFICES >= 5)) || fail "only $N_OFFICES offices under $SCOPE: $(cat "$WORK/offices.txt")"
for d in "${DROP[@]}"; do
	grep -q "^$d " "$WORK/offices.txt" || fail "office $d is not under $SCOPE in $PERIOD"
done
echo "ok: $N_OFFICES offices, dropping ${DROP[*]}"

step "a generated quarter for the offices kept, and events just outside the period for one dropped"
cchc gen --period "$PERIOD" --dossiers 3000 --seed 480 -o "$WORK/gen.jsonl" || fail "cchc gen failed"
KEEP=$(awk '{ print $1 }' "$WORK/offices.txt" | grep -vxF -f <(printf '%s\n' "${DROP[@]}") |
	jq -R . | jq -sc .)
jq -c --argjson keep "$KEEP" 'select(.office as $o | $keep | index($o))' "$WORK/gen.jsonl" \
	>"$WORK/push.jsonl"
# 20026: a second before the period and its very end (outside); 20035: its very start (inside).
cat >>"$WORK/push.jsonl" <<JSONL
{"type":"feedback","event_id":"ps480-before","office":"20026","feedback":"PS480-PAKN-1","kind":"received","topic":"regulation","at":"2021-12-14T23:59:59+07:00"}
{"type":"feedback","event_id":"ps480-end","office":"20026","feedback":"PS480-PAKN-2","kind":"received","topic":"behavior","at":"$TO_AT"}
{"type":"feedback","event_id":"ps480-start","office":"20035","feedback":"PS480-PAKN-3","kind":"received","topic":"regulation","at":"$FROM_AT"}
JSONL
echo "$(wc -l <"$WORK/push.jsonl") records for $SCOPE"

# What status must say, from the file itself: per office the distinct events dated in the period.
python3 - "$WORK/push.jsonl" "$WORK/offices.txt" "$FROM_AT" "$TO_AT" >"$WORK/expected.json" <<'PY'
import json, sys
from datetime import datetime
path, offices, f, t = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3]), datetime.fromisoformat(sys.argv[4])
level = dict(line.split() for line in open(offices))
seen = {o: set() for o in level}
for line in open(path):
    r = json.loads(line)
    if r["office"] in seen and f <= datetime.fromisoformat(r["at"]) < t:
        seen[r["office"]].add((r.get("type", "dossier"), r["event_id"]))
events = {o: len(s) for o, s in seen.items()}
rates = {}
for key, lv in (("all", None), ("province", "1"), ("district", "2"), ("commune", "3")):
    os = [o for o in level if lv is None or level[o] == lv]
    sent = sum(1 for o in os if events[o])
    # percent x100, half away from zero, as vnfmt_percent_x100
    rates[key] = {"expected": len(os), "sent": sent,
                  "x100": (sent * 20000 + len(os)) // (2 * len(os)) if os else 0}
print(json.dumps({"events": events, "silent": sorted(o for o in level if not events[o]),
                  "total": sum(events.values()), "rates": rates}))
PY
EXPECTED_SILENT=$(jq -c .silent "$WORK/expected.json")
for d in "${DROP[@]}"; do
	jq -e --arg d "$d" '.silent | index($d)' "$WORK/expected.json" >/dev/null ||
		fail "dropped office $d has events in the period in the pushed file"
done
(($(jq '.events | map(select(. > 0)) | length' "$WORK/expected.json") >= 3)) ||
	fail "too few offices kept events: $(jq -c .events "$WORK/expected.json")"
echo "expected silent: $EXPECTED_SILENT; events in the period: $(jq .total "$WORK/expected.json")"

PUSH_FROM=$(($(date +%s) - 1))
push_file "$WORK/push.jsonl"
assert_eq "push exit status" 0 "$PUSH_RC"
PUSH_TO=$(($(date +%s) + 1))

step "period status $PERIOD --scope $SCOPE --format json"
RC=0
cchc period status "$PERIOD" --scope "$SCOPE" --format json >"$WORK/status.json" 2>"$WORK/status.err" || RC=$?
assert_eq "json exit status with silent offices" 1 "$RC"
jq -e . "$WORK/status.json" >/dev/null || fail "not JSON: $(head -c 500 "$WORK/status.json")"
S="$WORK/status.json"
assert_eq "period" "$PERIOD 2021-12-15 2022-03-14" "$(jq -r '[.period.label, .period.from, .period.to] | join(" ")' "$S")"
assert_eq "scope" "$SCOPE Thị xã Hương Trà" "$(jq -r '[.scope.code, .scope.name] | join(" ")' "$S")"
assert_eq "cutoff" "$TO_AT" "$(jq -r .cutoff "$S")"
assert_eq "offices listed" "$(awk '{ print $1 }' "$WORK/offices.txt" | jq -R . | jq -sc 'sort')" \
	"$(jq -c '[.offices[].code] | sort' "$S")"
assert_eq "silent offices (as a set)" "$EXPECTED_SILENT" "$(jq -c '.silent | sort' "$S")"
assert_eq "offices marked silent" "$EXPECTED_SILENT" "$(jq -c '[.offices[] | select(.silent) | .code] | sort' "$S")"
assert_eq "events per office" "$(jq -cS .events "$WORK/expected.json")" \
	"$(jq -cS '[.offices[] | {(.code): .events}] | add' "$S")"
assert_eq "levels per office" "$(awk '{ printf "%s %s\n", $1, $2 }' "$WORK/offices.txt")" \
	"$(jq -r '.offices[] | "\(.code) \(.level)"' "$S" | sort)"

# Every event pushed now is late for a period that ended in 2022; the silent have none.
TOTAL=$(jq .total "$WORK/expected.json")
assert_eq "late events in total" "$TOTAL" "$(jq .late.events "$S")"
assert_eq "offices with late events" "$(jq '.events | map(select(. > 0)) | length' "$WORK/expected.json")" \
	"$(jq .late.offices "$S")"
assert_eq "late = events for every office" "[]" "$(jq -c '[.offices[] | select(.late != .events) | .code]' "$S")"
assert_eq "silent offices have no last arrival" "[]" \
	"$(jq -c '[.offices[] | select(.silent and .last_stored != null) | .code]' "$S")"
while read -r code when; do
	at=$(date -d "$when" +%s) || fail "$code: last_stored '$when' is not a time"
	((at >= PUSH_FROM && at <= PUSH_TO)) ||
		fail "$code: last stored $when, not during the push ($PUSH_FROM..$PUSH_TO)"
done < <(jq -r '.offices[] | select(.silent | not) | "\(.code) \(.last_stored)"' "$S")
echo "ok: every last arrival is during the push"

for key in all province district commune; do
	assert_eq "reporting rate $key (expected sent x100)" \
		"$(jq -r --arg k "$key" '.rates[$k] | "\(.expected) \(.sent) \(.x100)"' "$WORK/expected.json")" \
		"$(jq -r --arg k "$key" '.reporting_rate[$k] | "\(.expected) \(.sent) \(.rate * 100 | round)"' "$S")"
done
assert_eq "levels with offices" '["district","commune"]' "$(jq -c .reporting_rate.levels "$S")"
assert_eq "rate of all" 7000 "$(jq '.reporting_rate.all.rate * 100 | round' "$S")" # 7 of 10

step "period status $PERIOD --scope $SCOPE (text) says the same"
RC=0
cchc period status "$PERIOD" --scope "$SCOPE" >"$WORK/status.txt" 2>"$WORK/status.err" || RC=$?
cat "$WORK/status.txt"
assert_eq "text exit status with silent offices" 1 "$RC"
T=$(cat "$WORK/status.txt")
for label in "Tình hình gửi số liệu quý I năm 2022" "Phạm vi: Thị xã Hương Trà (480)" \
	"từ ngày 15/12/2021 đến ngày 14/03/2022" "Đơn vị" "Số sự kiện trong kỳ" "Lần gửi cuối" \
	"Gửi sau ngày chốt số liệu" "Tỷ lệ đơn vị đã gửi số liệu" "Chưa gửi số liệu: 3/10 đơn vị"; do
	assert_contains "text" "$label" "$T"
done
# Each office row (code first, columns two spaces apart) against the JSON, and silent rows first.
python3 - "$WORK/status.txt" "$S" "$TZ_LOCAL" <<'PY' || fail "text and json disagree"
import json, re, sys
from datetime import datetime
from zoneinfo import ZoneInfo
text, js, tz = open(sys.argv[1]).read().splitlines(), json.load(open(sys.argv[2])), ZoneInfo(sys.argv[3])
def vn(n): return f"{n:,}".replace(",", ".")
levels = {1: "Cấp tỉnh", 2: "Cấp huyện", 3: "Cấp xã"}
rows = [re.split(r"\s{2,}", l.strip()) for l in text if re.match(r"^\d+\s{2,}", l)]
by_code = {r[0]: r for r in rows}
bad = []
for o in js["offices"]:
    last = "-" if o["last_stored"] is None else \
        datetime.fromisoformat(o["last_stored"]).astimezone(tz).strftime("%d/%m/%Y %H:%M")
    want = [o["code"], o["name"], levels[o["level"]], vn(o["events"]), last, vn(o["late"]),
            "Chưa gửi" if o["silent"] else "Đã gửi"]
    if by_code.get(o["code"]) != want:
        bad.append(f"{o['code']}: text {by_code.get(o['code'])} json {want}")
if len(rows) != len(js["offices"]):
    bad.append(f"{len(rows)} rows in the text, {len(js['offices'])} offices in the json")
states = [r[-1] for r in rows]
if states != sorted(states, key=lambda s: s != "Chưa gửi"):
    bad.append(f"silent offices are not listed first: {states}")
labels = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã", "all": "Tổng cộng"}
rate_rows = {r[0]: r[1:] for r in (re.split(r"\s{2,}", l.strip()) for l in text)
             if r[0] in labels.values() and len(r) == 4}
for key, label in labels.items():
    x = js["reporting_rate"][key]
    want = None if key != "all" and key not in js["reporting_rate"]["levels"] else \
        [vn(x["sent"]), vn(x["expected"]), f"{x['rate']:.2f}".replace(".", ",") + "%"]
    if rate_rows.get(label) != want:
        bad.append(f"rate {key}: text {rate_rows.get(label)} json {want}")
late = f"Gửi sau ngày chốt số liệu: {vn(js['late']['events'])} sự kiện trong kỳ, của {js['late']['offices']} đơn vị"
if not any(l.startswith(late) for l in text):
    bad.append(f"no line '{late}'")
print("\n".join(bad) or "ok: text and json agree row by row")
sys.exit(1 if bad else 0)
PY

step "cchc check finds the same silent and late offices"
RC=0
OUT=$(cchc check --period "$PERIOD" --scope "$SCOPE" 2>&1) || RC=$?
assert_eq "check exit status" 1 "$RC"
assert_eq "check's silent offices" "$EXPECTED_SILENT" \
	"$(awk '$1 == "FAIL" && $2 == "silent_office" { print $3 }' <<<"$OUT" | jq -R . | jq -sc 'sort')"
assert_eq "check's late arrivals" "$(jq -r '.offices[] | select(.late > 0) | "\(.code) \(.late)"' "$S" | sort)" \
	"$(awk '$1 == "FAIL" && $2 == "late_arrival" { print $3, $4 }' <<<"$OUT" | sort)"

step "a period not ended yet: events stored now are sent, none late (commune 20182, around today)"
NOW=$(date +%s)
DAY_FROM=$(TZ=$TZ_LOCAL date -d "@$((NOW - 86400))" +%Y-%m-%d)
DAY_TO=$(TZ=$TZ_LOCAL date -d "@$((NOW + 86400))" +%Y-%m-%d)
RANGE="$DAY_FROM..$DAY_TO"
RC=0
cchc period status "$RANGE" --scope 20182 --format json >"$WORK/now0.json" 2>&1 || RC=$?
((RC == 0 || RC == 1)) || fail "status of $RANGE before the push: exit $RC: $(cat "$WORK/now0.json")"
EV0=$(jq '.offices[0].events' "$WORK/now0.json")
AT=$(TZ=$TZ_LOCAL date -d "@$((NOW - 3600))" +%Y-%m-%dT%H:%M:%S+07:00)
DUE=$(TZ=$TZ_LOCAL date -d "@$((NOW + 86400 * 5))" +%Y-%m-%dT%H:%M:%S+07:00)
cat >"$WORK/now.jsonl" <<JSONL
{"type":"dossier","event_id":"ps-now-$NOW","office":"20182","dossier":"PS-NOW-$NOW","procedure":"1.001234","field":"hotich","kind":"received","channel":"online","at":"$AT","due":"$DUE"}
{"type":"feedback","event_id":"ps-now-pakn-$NOW","office":"20182","feedback":"PS-NOW-PAKN-$NOW","kind":"received","topic":"regulation","at":"$AT"}
JSONL
push_file "$WORK/now.jsonl"
assert_eq "push exit status" 0 "$PUSH_RC"
RC=0
cchc period status "$RANGE" --scope 20182 --format json >"$WORK/now.json" 2>"$WORK/now.err" || RC=$?
assert_eq "exit status with no office silent" 0 "$RC"
assert_eq "offices" '["20182"]' "$(jq -c '[.offices[].code]' "$WORK/now.json")"
assert_eq "events dated in $RANGE" "$((EV0 + 2))" "$(jq '.offices[0].events' "$WORK/now.json")"
assert_eq "late events (the cut-off is tomorrow night)" "0 0" "$(jq -r '"\(.late.events) \(.late.offices)"' "$WORK/now.json")"
assert_eq "rate of all" "1 1 10000" "$(jq -r '.reporting_rate.all | "\(.expected) \(.sent) \(.rate * 100 | round)"' "$WORK/now.json")"
assert_eq "levels" '["commune"]' "$(jq -c .reporting_rate.levels "$WORK/now.json")"
RC=0
T=$(cchc period status "$RANGE" --scope 20182) || RC=$?
assert_eq "text exit status with no office silent" 0 "$RC"
assert_contains "text" "Tất cả 1 đơn vị đã gửi số liệu trong kỳ." "$T"
assert_contains "text" "Gửi sau ngày chốt số liệu: không có" "$T"

step "usage and connection errors: exit 2"
expect2() { # expect2 WHAT NEEDLE ARGS...: exit status 2 and NEEDLE on stderr
	local what=$1 needle=$2 rc=0 err
	shift 2
	err=$(cchc "$@" 2>&1 >/dev/null) || rc=$?
	assert_eq "$what: exit status" 2 "$rc"
	assert_contains "$what" "$needle" "$err"
}
expect2 "no subcommand" "usage: cchc period" period
expect2 "unknown subcommand" "unknown subcommand 'foo'" period foo
expect2 "no period" "the period P is required" period status
expect2 "bad period" "cchc period status:" period status 2023-Q9
expect2 "bad format" "--format is text or json" period status "$PERIOD" --format xml
expect2 "unknown scope" "no unit valid in 2022-Q1" period status "$PERIOD" --scope 99999
sed 's|^stats\.listen *=.*|stats.listen = tcp://127.0.0.1:1|' "$CCHC_CONF" >"$WORK/down.conf"
expect2 "stats unreachable" "cchc period status:" period status "$PERIOD" --config "$WORK/down.conf" --timeout-ms 2000
RC=0
cchc period status --help >"$WORK/help.txt" || RC=$?
assert_eq "--help exit status" 0 "$RC"
assert_contains "--help" "usage: cchc period status P" "$(cat "$WORK/help.txt")"
assert_contains "cchc --help" "period status P" "$(cchc --help)"

echo "$TEST_NAME: PASS"
