#!/usr/bin/env bash
# The console in a real browser (docs/design.md §14): headless Chromium, driven by Selenium from
# Debian's /usr/bin/python3, through the pages as a clerk uses them, on a stack of its own (it
# closes a period and pushes late records). console_browser.py holds the steps: the sign-in and
# back, every figure of a generated quarter's truth on the figures page and the unit table's rows
# those of the JSON export, the satisfaction table and the 766 estimate as the truth has them and
# at a phone's width (390 px: nothing wider than the screen, the table scrolling in its box), a
# district chosen in the chooser, closing from the page, the DOCX and
# XLSX downloaded by the browser byte-equal to `cchc report`'s, late records shown in the diff, a
# viewer without buttons whose forged close is refused, a POST without its CSRF token refused, a
# district account refused another district, and five wrong passwords locking the name.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/private_stack.sh"
PY=/usr/bin/python3
PERIOD=2024-Q1
PW=mat-khau-trinh-duyet

"$PY" -c 'import selenium' 2>/dev/null ||
	fail "$PY has no selenium (deploy/install-deps.sh installs python3-selenium)"
[[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] ||
	fail "no chromium or chromedriver (deploy/install-deps.sh installs them)"

step "a private stack, four accounts and a generated quarter"
pstack_fresh
printf '%s\n' "$PW" >"$WORK/pw"
for account in canbo:officer xem:viewer huyen:officer:474 khoa:viewer; do
	IFS=: read -r name role scope <<<"$account"
	cchc user add "$name" --role "$role" ${scope:+--scope "$scope"} --password-file "$WORK/pw" \
		>/dev/null || fail "cchc user add $name"
done
cchc gen --period "$PERIOD" --dossiers 600 --seed 21 -o "$WORK/gen.jsonl" --truth "$WORK/truth.json" ||
	fail "cchc gen failed"
push_file "$WORK/gen.jsonl"
assert_eq "push exit status" 0 "$PUSH_RC"
cchc report --period "$PERIOD" --scope 46 --format json -o "$WORK/report.json" ||
	fail "cchc report --format json failed"
# Records dated in the quarter, of another generated set, for one office: pushed after the close.
cchc gen --period "$PERIOD" --dossiers 600 --seed 22 -o "$WORK/gen2.jsonl" || fail "cchc gen failed"
jq -c 'select(.office == "19750" and .at < "2024-03-15")' "$WORK/gen2.jsonl" >"$WORK/late.jsonl"
[[ -s "$WORK/late.jsonl" ]] || fail "no late records for office 19750"

step "the browser"
"$PY" "$CCHC_ROOT/tests/integration/console_browser.py" "http://127.0.0.1:$((PORT_BASE + 4))" \
	"$WORK" "$PERIOD" "$PW" "$CCHC_BIN/cchc" || fail "the console in the browser"
cchc audit verify >/dev/null || fail "the audit chain does not verify"
echo "$TEST_NAME: ok"
