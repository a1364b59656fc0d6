#!/usr/bin/env bash
# The form II.06a tables end to end: push a generated quarter for district 482 (Phú Lộc, which no
# other test writes), then `cchc report --format xlsx` and `--format csv` for the district and for
# the province. The XLSX is read back with a real reader (Debian's python3-openpyxl) and every cell
# must equal the CSV's, and both must equal the columns of docs/design.md §7 recomputed here from the JSON
# report's figures for the same period and scope.
source "$(dirname "$0")/lib.sh"
PERIOD=2024-Q2
PY=/usr/bin/python3
"$PY" -c 'import openpyxl' 2>/dev/null || fail "$PY has no openpyxl (deploy/install-deps.sh installs python3-openpyxl)"

step "generate a quarter and keep district 482's offices"
cchc gen --period "$PERIOD" --dossiers 3000 --seed 482 -o "$WORK/gen.jsonl" || fail "cchc gen failed"
# 482 and its communes in the registry snapshot of 2024
awk -F, '$1 == "2024-11-01" && ($2 == "482" || $6 == "482") { print $2 }' \
	"$CCHC_ROOT/deploy/data/units.csv" >"$WORK/offices.txt"
(($(wc -l <"$WORK/offices.txt") > 5)) || fail "district 482 has too few units in units.csv"
jq -c --rawfile o "$WORK/offices.txt" 'select(.office as $x | ($o | split("\n") | index($x)))' \
	"$WORK/gen.jsonl" >"$WORK/482.jsonl"
N=$(wc -l <"$WORK/482.jsonl")
((N > 100)) || fail "only $N generated records for district 482"
push_file "$WORK/482.jsonl"
assert_eq "exit status" 0 "$PUSH_RC"
read -r ACC _ REJ <<<"$(push_counts)"
assert_eq "rejected" 0 "$REJ"
echo "ok: $N records pushed ($ACC new)"

# tables SCOPE NAME: all three formats of SCOPE into $WORK/NAME.{json,xlsx} and $WORK/NAME-*.csv.
tables() {
	local scope=$1 out="$WORK/$2"
	cchc report --period "$PERIOD" --scope "$scope" --format json -o "$out.json" ||
		fail "json report for $scope failed"
	cchc report --period "$PERIOD" --scope "$scope" --format xlsx -o "$out.xlsx" ||
		fail "xlsx report for $scope failed"
	[[ -s "$out.xlsx" ]] || fail "no $out.xlsx"
	mkdir -p "$out.csvdir"
	cchc report --period "$PERIOD" --scope "$scope" --format csv -o "$out.csvdir/$2" 2>"$WORK/csv.err" ||
		fail "csv report for $scope failed: $(cat "$WORK/csv.err")"
	local names
	names=$(cd "$out.csvdir" && printf '%s ' *)
	assert_eq "csv files of $scope" \
		"$2-hai-long.csv $2-phan-anh-kien-nghi.csv $2-theo-cap.csv $2-theo-don-vi.csv $2-theo-linh-vuc.csv " "$names"
	assert_contains "cchc report names each file it wrote" "$2-theo-don-vi.csv" "$(cat "$WORK/csv.err")"
}

# compare NAME: XLSX = CSV = the JSON figures, cell by cell; prints the number of cells compared.
compare() {
	"$PY" - "$WORK/$1.xlsx" "$WORK/$1.csvdir/$1" "$WORK/$1.json" <<'EOF'
import csv, json, sys
from decimal import ROUND_HALF_UP, Decimal
import openpyxl

xlsx, prefix, jpath = sys.argv[1:4]
rep = json.load(open(jpath, encoding="utf-8"))
wb = openpyxl.load_workbook(xlsx)
bad = []
cells = 0

def err(msg):
    bad.append(msg)

# docs/design.md §7: the 11 numeric columns (3)..(13) from a figures object of the JSON report
def columns(f):
    return [f["intake"], f["received_online"], f["received_direct"] + f["received_postal"],
            f["carried_over"], f["resolved"], f["resolved_early"], f["resolved_on_time"],
            f["resolved_late"], f["pending"], f["pending_within_due"], f["pending_overdue"]]

# docs/design.md §16: the satisfaction table's (3)..(7): finished, rated, satisfied, unsatisfied and
# the rate in percent with two decimals, half away from zero, 0 with nothing rated
def pct(num, den):
    if den == 0:
        return Decimal("0.00")
    return (Decimal(100 * num) / Decimal(den)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

def satisfaction(f):
    return [f["resolved"] + f["returned"] + f["withdrawn"], f["rated"], f["rated_satisfied"],
            f["rated_unsatisfied"], pct(f["rated_satisfied"], f["rated"])]

d = rep["dossiers"]
fb = rep["feedback"].get("all", rep["feedback"]) if isinstance(rep["feedback"].get("all"), dict) else rep["feedback"]
units = {u["code"]: u for u in d["units"]}
fields = {f["code"]: f for f in d["fields"]}
levels = {k: d[k] for k in ("province", "district", "commune")}
fb_cols = [fb["carried_over"] + fb["received"], fb["carried_over"], fb["received"],
           fb["about_regulation"], fb["about_behavior"], fb["resolved"], fb["published"],
           fb["pending"]]

sheets = {"theo-cap": "Theo cấp", "theo-don-vi": "Theo đơn vị",
          "theo-linh-vuc": "Theo lĩnh vực", "phan-anh-kien-nghi": "Phản ánh, kiến nghị",
          "hai-long": "Mức độ hài lòng"}
if wb.sheetnames != list(sheets.values()):
    err("sheets %r" % wb.sheetnames)
first = ("%s/%s/%s" % tuple(reversed(rep["period"]["from"].split("-"))),
         "%s/%s/%s" % tuple(reversed(rep["period"]["to"].split("-"))))
for tid, sheet in sheets.items():
    ws = wb[sheet]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    text = "\n".join(str(v) for r in rows for v in r if isinstance(v, str))
    for want in ("Đơn vị báo cáo: " + rep["scope"]["name"],
                 "Kỳ báo cáo (Từ ngày %s đến ngày %s)" % first):
        if want not in text:
            err("%s: no '%s'" % (sheet, want))
    # the row of column numbers (1)..(n); data starts below it
    num = next((i for i, r in enumerate(rows) if r[0] == "(1)"), None)
    if num is None:
        err("%s: no row of column numbers" % sheet)
        continue
    ncols = sum(1 for v in rows[num] if v)
    if rows[num][:ncols] != ["(%d)" % (i + 1) for i in range(ncols)]:
        err("%s: column numbers %r" % (sheet, rows[num]))
    if not ws.merged_cells.ranges:
        err("%s: no merged header cells" % sheet)
    if ws.page_setup.orientation != "landscape" or str(ws.page_setup.paperSize) != "9":
        err("%s: not A4 landscape (%s, %s)" % (sheet, ws.page_setup.orientation, ws.page_setup.paperSize))
    data = rows[num + 1:]
    with open("%s-%s.csv" % (prefix, tid), encoding="utf-8", newline="") as fh:
        raw = fh.read()
    if not raw.startswith("\ufeff"):
        err("%s.csv: no UTF-8 byte-order mark" % tid)
    recs = list(csv.reader(raw.lstrip("\ufeff").splitlines()))
    header, recs = recs[0], recs[1:]
    if len(header) != ncols + 1:
        err("%s.csv: %d header fields for %d columns" % (tid, len(header), ncols))
    if len(recs) != len(data):
        err("%s: %d rows in the xlsx, %d in the csv" % (tid, len(data), len(recs)))
    seen_units = set()
    for i, (x, c) in enumerate(zip(data, recs)):
        tt, code, label, nums = c[0], c[1], c[2], c[3:]
        where = "%s row %d (%s)" % (tid, i + 1, label)
        if (x[0] or "") != tt or x[1] != label:
            err("%s: xlsx says %r %r" % (where, x[0], x[1]))
        for k, (xv, cv) in enumerate(zip(x[2:ncols], nums)):
            cells += 1
            cell = ws.cell(row=num + 2 + i, column=k + 3)
            rate = tid == "hai-long" and k == 4  # the rate column: two decimals
            if not isinstance(xv, (int, float)) or cell.data_type != "n":
                err("%s col (%d): xlsx cell is not a number: %r" % (where, k + 3, xv))
            elif cell.number_format != ("0.00" if rate else "#,##0"):
                err("%s col (%d): number format %r" % (where, k + 3, cell.number_format))
            elif rate and Decimal(str(xv)).quantize(Decimal("0.01")) != Decimal(cv):
                err("%s col (%d): xlsx %r, csv %r" % (where, k + 3, xv, cv))
            elif not rate and (int(xv) != int(cv) or str(int(cv)) != cv):
                err("%s col (%d): xlsx %r, csv %r" % (where, k + 3, xv, cv))
        if cell.font.name != "Times New Roman":
            err("%s: font %r" % (where, cell.font.name))
        # the same row from the JSON figures
        cols = satisfaction if tid == "hai-long" else columns
        if tid == "phan-anh-kien-nghi":
            want = fb_cols
        elif label == "Tổng cộng":
            want = cols(d["all"])
        elif tid == "theo-cap" or (tid in ("theo-don-vi", "hai-long") and tt in ("I", "II", "III")):
            want = cols(levels[code])
        elif tid in ("theo-don-vi", "hai-long"):
            want = cols(units[code])
            seen_units.add(code)
        else:
            want = cols(fields[code])
        got = [Decimal(v) if "." in v else int(v) for v in nums]
        if got != want:
            err("%s: csv %r, json %r" % (where, nums, want))
    if tid in ("theo-don-vi", "hai-long") and seen_units != set(units):
        err("units in the json but not in the table: %r" % sorted(set(units) - seen_units))
for m in bad[:30]:
    print("MISMATCH", m, file=sys.stderr)
print(cells if not bad else -len(bad))
EOF
}

step "district 482"
tables 482 d482
R=$WORK/d482.json
((($(figure "$R" .dossiers.all.intake)) > 50)) || fail "district 482 shows too few dossiers"
assert_eq "scope name" "Huyện Phú Lộc" "$(jq -r .scope.name "$R")"
CELLS=$(compare d482) || fail "comparing the district's tables failed"
((CELLS > 0)) || fail "district 482: $((-CELLS)) mismatches between xlsx, csv and json"
# 1 district + its communes, each with 11 columns, plus levels, fields, totals and feedback
(( CELLS >= 11 * $(wc -l <"$WORK/offices.txt") )) || fail "only $CELLS cells compared"
echo "ok: district 482: $CELLS cells equal in xlsx, csv and json"
grep -q '^,,Tổng cộng,' "$WORK/d482.csvdir/d482-theo-cap.csv" || fail "no total row in the by-level csv"
# a district has no province-level units: its by-level table starts with the district
sed -n 2p "$WORK/d482.csvdir/d482-theo-cap.csv" | grep -q '^1,district,"Huyện, thị xã, thành phố",' ||
	fail "the district's by-level table does not start with the district level"

step "the whole province (every unit and field of the real figures must add up)"
tables 46 p46
CELLS=$(compare p46) || fail "comparing the province's tables failed"
((CELLS > 0)) || fail "province: $((-CELLS)) mismatches between xlsx, csv and json"
echo "ok: province: $CELLS cells equal in xlsx, csv and json"
LEVELS=$(awk -F, 'NR > 1 && $1 ~ /^[0-9]+$/ { print $2 }' "$WORK/p46.csvdir/p46-theo-cap.csv" | tr '\n' ' ')
assert_eq "levels of the province" "province district commune " "$LEVELS"

step "a single xlsx goes to -o as given"
cchc report --period "$PERIOD" --scope 482 --format xlsx -o "$WORK/exact.xlsx" 2>/dev/null ||
	fail "xlsx report failed"
assert_eq "files" "exact.xlsx" "$(cd "$WORK" && ls exact*)"

echo "$TEST_NAME: PASS"
