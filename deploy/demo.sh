#!/usr/bin/env bash
# demo: what `make demo` runs after building — start the dev stack, generate a quarter of records for
# Thừa Thiên Huế, push them through ingest (timed), and export the quarter's report into out/ in
# every format (each timed), with page 1 of the PDF rendered as a PNG to look at; then the closing
# cycle, and the console: a demo officer account, its address and sign-in printed, and a
# screenshot of each page in out/console/.
# Environment: as deploy/stack.sh (CCHC_VAR, CCHC_BIN, CCHC_PORT_BASE); DEMO_DOSSIERS (default 20000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${CCHC_BIN:-./build/bin}
VAR=${CCHC_VAR:-./var}
[[ "$VAR" == /* ]] || VAR="$ROOT/${VAR#./}"
PERIOD=2024-Q1
DOSSIERS=${DEMO_DOSSIERS:-20000}
OUT=out
RECORDS="$OUT/demo-$PERIOD.jsonl"
REPORT="$OUT/bao-cao-$PERIOD"

deploy/stack.sh up
export CCHC_CONF="$VAR/cchc.conf"
mkdir -p "$OUT"

echo "demo: generating $DOSSIERS dossiers for $PERIOD"
"$BIN/cchc" gen --period "$PERIOD" --dossiers "$DOSSIERS" --seed 1 -o "$RECORDS"
records=$(wc -l <"$RECORDS")

echo "demo: pushing $records records"
start=$(date +%s%N)
# A re-run of the demo pushes the same events again: they come back as duplicates, which is fine.
push_rc=0
"$BIN/cchc" push "$RECORDS" || push_rc=$?
end=$(date +%s%N)
if ((push_rc != 0)); then
	echo "demo: push reported rejected records (exit $push_rc); see $RECORDS.rejects" >&2
fi
awk -v n="$records" -v ns=$((end - start)) \
	'BEGIN { s = ns / 1e9; printf "demo: %d records in %.2f s: %.0f records/s\n", n, s, (s > 0 ? n / s : 0) }'

# The report in every format, each timed end to end (request, figures from stats, rendering, write).
# csv is one file per table: FILE gets each table's suffix ("-theo-cap.csv", …), so it is given the
# bare name.
for format in docx pdf xlsx csv json; do
	target="$REPORT.$format"
	[[ "$format" == csv ]] && target="$REPORT"
	start=$(date +%s%N)
	"$BIN/cchc" report --period "$PERIOD" --scope 46 --format "$format" -o "$target"
	end=$(date +%s%N)
	awk -v f="$format" -v ns=$((end - start)) 'BEGIN { printf "demo: report %-4s in %.2f s\n", f, ns / 1e9 }'
done
# Page 1 of the PDF as an image, for anyone to look at the layout without a PDF reader.
pdftoppm -png -r 100 -f 1 -l 1 -singlefile "$REPORT.pdf" "$REPORT-trang-1"

# The closing cycle (docs/reports.md): who is silent, close the quarter, then a few records dated
# in it arrive late and the diff says what they changed. A second demo run finds the quarter
# closed already and keeps that version.
"$BIN/cchc" period status "$PERIOD" --scope 46 >"$OUT/tinh-hinh-gui-so-lieu-$PERIOD.txt" || true
if "$BIN/cchc" period list "$PERIOD" --scope 46 | grep -q "đang có hiệu lực"; then
	echo "demo: $PERIOD is closed already; its standing version is kept"
else
	"$BIN/cchc" period close "$PERIOD" --scope 46 --by demo --note "Số liệu quý của bản demo" --force
fi
"$BIN/cchc" report --period "$PERIOD" --scope 46 --format json -o "$REPORT-chot.json"
"$BIN/cchc" gen --period "$PERIOD" --dossiers 40 --seed 2 -o "$OUT/demo-$PERIOD-gui-muon.jsonl"
"$BIN/cchc" push "$OUT/demo-$PERIOD-gui-muon.jsonl" || true
"$BIN/cchc" period diff "$PERIOD" --scope 46 >"$REPORT-dieu-chinh.txt"
echo "demo: $(grep -c . "$REPORT-dieu-chinh.txt") lines of changes since the close in $REPORT-dieu-chinh.txt"

# The console (docs/design.md §14): an officer account for the demo. Its password is made once and
# kept in $VAR (the stack's own folder, never in git); a re-run signs in with the same one.
CONSOLE_URL=$(sed -n 's/^console.listen = //p' "$VAR/cchc.conf")
DEMO_USER=canbo
DEMO_PW_FILE="$VAR/console-demo-password"
if [[ ! -s "$DEMO_PW_FILE" ]]; then
	(umask 077 && head -c 15 /dev/urandom | base64 | tr -d '/+=' >"$DEMO_PW_FILE")
fi
if "$BIN/cchc" user list | grep -q "^$DEMO_USER "; then
	"$BIN/cchc" user passwd "$DEMO_USER" --password-file "$DEMO_PW_FILE" >/dev/null
else
	"$BIN/cchc" user add "$DEMO_USER" --role officer --password-file "$DEMO_PW_FILE" >/dev/null
fi
DEMO_PW=$(head -n1 "$DEMO_PW_FILE")
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] && /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
	/usr/bin/python3 deploy/console_screenshots.py "$CONSOLE_URL" "$DEMO_USER" "$DEMO_PW" "$PERIOD" 46 \
		"$OUT/console" >/dev/null || echo "demo: the console's screenshots failed" >&2
else
	echo "demo: no headless Chromium (deploy/install-deps.sh installs it): no screenshots" >&2
fi

cat <<MSG
demo: done.
  records   $ROOT/$RECORDS
  report    $(printf '%s\n' "$ROOT/$OUT/bao-cao-$PERIOD"* | sed '2,$s/^/            /')
  console   $CONSOLE_URL/?period=$PERIOD&scope=46
            sign in as $DEMO_USER, password $DEMO_PW (officer: may close and reopen)
            screenshots of each page in $ROOT/$OUT/console/
  stack     $VAR (config $VAR/cchc.conf, logs $VAR/log/); stop it with: make down
MSG
