#!/usr/bin/env bash
# demo: what `make demo` runs after building — start the dev stack, generate a quarter of records for
# Thừa Thiên Huế, push them through ingest (timed), and export the quarter's report into out/.
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
REPORT="$OUT/bao-cao-$PERIOD.json"

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

"$BIN/cchc" report --period "$PERIOD" --scope 46 --format json -o "$REPORT"

cat <<MSG
demo: done.
  records   $ROOT/$RECORDS
  report    $ROOT/$REPORT
  stack     $VAR (config $VAR/cchc.conf, logs $VAR/log/); stop it with: make down
MSG
