#!/usr/bin/env bash
# One report, five formats, the same rows (docs/design.md §7, §8): a whole province's 2025-Q1
# (before the two-tier reform, across the 2025-03 registry change) and 2025-Q3 (across the reform
# of 01/07/2025) on a stack of the test's own. For each period and each structure (the period's
# last day, and as recorded) the json, csv, xlsx, docx and pdf must list the same levels, units
# and fields with the same figures (report_formats_compare.py, with real readers: openpyxl,
# LibreOffice, pdftotext); on the last-day structure each unit appears once and 2025-Q3 has no
# district level anywhere; the totals do not depend on the structure.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/private_stack.sh"
PY=/usr/bin/python3
"$PY" -c 'import openpyxl' 2>/dev/null || fail "$PY has no openpyxl (deploy/install-deps.sh installs python3-openpyxl)"
command -v soffice >/dev/null || fail "soffice (LibreOffice) is not installed"
command -v pdftotext >/dev/null || fail "pdftotext (poppler-utils) is not installed"

pstack_fresh

for period in 2025-Q1 2025-Q3; do
	step "generate and push a province quarter, $period"
	cchc gen --period "$period" --dossiers 4000 --seed 11 -o "$WORK/$period.jsonl" ||
		fail "cchc gen $period failed"
	push_file "$WORK/$period.jsonl"
	assert_eq "push $period exit status" 0 "$PUSH_RC"
done

# render PERIOD STRUCTURE: the five formats into $WORK/PERIOD-STRUCTURE.*, the DOCX and the PDF
# also as text.
render() {
	local out="$WORK/$1-$2" fmt
	for fmt in json csv xlsx docx pdf; do
		cchc report --period "$1" --scope 46 --structure "$2" --format "$fmt" -o "$out.$fmt" \
			>/dev/null 2>"$WORK/report.err" ||
			fail "report $1 --structure $2 --format $fmt: $(cat "$WORK/report.err")"
	done
	mkdir -p "$out.txt"
	timeout 180 soffice -env:UserInstallation="file://$WORK/lo" --headless --norestore \
		--convert-to txt:Text --outdir "$out.txt" "$out.docx" >"$WORK/soffice.log" 2>&1 ||
		fail "soffice could not read $out.docx: $(tail -n 5 "$WORK/soffice.log")"
	[[ -s "$out.txt/$1-$2.txt" ]] || fail "soffice wrote no text for $out.docx"
	pdftotext "$out.pdf" "$out.pdf.txt" || fail "pdftotext could not read $out.pdf"
}

# compare PERIOD STRUCTURE [--no-district]
compare() {
	local out="$WORK/$1-$2"
	"$PY" "$(dirname "$0")/report_formats_compare.py" "$out.json" "$out" "$out.xlsx" \
		"$out.txt/$1-$2.txt" "$out.pdf.txt" "${@:3}" >"$WORK/compare.out" ||
		fail "$1 $2: the formats disagree:$(printf '\n%s' "$(head -n 20 "$WORK/compare.out")")"
	echo "ok: $1 $2: $(tail -n 1 "$WORK/compare.out")"
}

for period in 2025-Q1 2025-Q3; do
	for structure in period-end recorded; do
		step "$period, structure $structure: five formats"
		render "$period" "$structure"
	done
done

step "the last day's structure"
compare 2025-Q1 period-end
compare 2025-Q3 period-end --no-district
J="$WORK/2025-Q3-period-end.json"
assert_eq "2025-Q3 structure" '{"basis":"period-end","date":"2025-09-14"}' "$(jq -c .structure "$J")"
assert_eq "2025-Q3 levels" '["province","commune"]' "$(jq -c .dossiers.levels "$J")"
# 2025-07: the city and its 40 communes and wards, each once, named as on that day
assert_eq "2025-Q3 units" 41 "$(jq '.dossiers.units | length' "$J")"
assert_eq "2025-Q3 distinct codes" 41 "$(jq '[.dossiers.units[].code] | unique | length' "$J")"
assert_eq "2025-Q3 city's name" "Thành phố Huế" "$(jq -r '.dossiers.units[] | select(.code == "46") | .name' "$J")"
assert_eq "2025-Q3 district figures" 0 "$(jq '.dossiers.district.intake' "$J")"
J1="$WORK/2025-Q1-period-end.json"
assert_eq "2025-Q1 distinct codes" "$(jq '.dossiers.units | length' "$J1")" \
	"$(jq '[.dossiers.units[].code] | unique | length' "$J1")"
assert_eq "2025-Q1 district 474's name" "Quận Thuận Hóa" \
	"$(jq -r '.dossiers.units[] | select(.code == "474") | .name' "$J1")"

step "as recorded: the units the dossiers were recorded under"
compare 2025-Q1 recorded
compare 2025-Q3 recorded
R="$WORK/2025-Q3-recorded.json"
assert_eq "2025-Q3 recorded structure" '{"basis":"recorded"}' "$(jq -c .structure "$R")"
(($(jq '[.dossiers.units[] | select(.level == 2)] | length' "$R") > 0)) ||
	fail "2025-Q3 as recorded shows no district, though its dossiers began under districts"

step "the totals do not depend on the structure"
for period in 2025-Q1 2025-Q3; do
	for part in .dossiers.all .dossiers.fields .feedback; do
		[[ "$(jq -c "$part" "$WORK/$period-period-end.json")" == \
			"$(jq -c "$part" "$WORK/$period-recorded.json")" ]] ||
			fail "$period: $part differs between the structures"
	done
	# the units add up to the scope either way
	for structure in period-end recorded; do
		assert_eq "$period $structure: units' intake = all" \
			"$(jq '.dossiers.all.intake' "$WORK/$period-$structure.json")" \
			"$(jq '[.dossiers.units[].intake] | add' "$WORK/$period-$structure.json")"
	done
done
echo "ok: all, fields and feedback are the same on both structures"
