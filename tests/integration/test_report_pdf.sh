#!/usr/bin/env bash
# The PDF report end to end: push a generated quarter, export it as PDF, and read the PDF back as a
# reader would. Its text (pdftotext) must hold every figure of II.2.c "Kết quả giải quyết TTHC" in
# Vietnamese form, each computed here from the JSON report of the same period and scope (not by
# cchc's own formatter); only Liberation Serif may be embedded; the page count must be sane; and
# page 1 must render (pdftoppm). The period 2025-Q1 is this test's own and later than the other
# tests' 2022 and 2024 quarters, so the dossiers it leaves open carry over into none of them (its few
# events before the period fall in 2024-Q4, whose test reads figures relative to its own JSON).
source "$(dirname "$0")/lib.sh"
PERIOD=2025-Q1
SCOPE=46

step "generate and push $PERIOD"
cchc gen --period "$PERIOD" --dossiers 1500 --seed 46 -o "$WORK/gen.jsonl" || fail "cchc gen failed"
push_file "$WORK/gen.jsonl"
assert_eq "push exit status" 0 "$PUSH_RC"

step "export json and pdf"
JSON=$(report "$SCOPE")
PDF="$WORK/bao-cao.pdf"
start=$(date +%s%N)
cchc report --period "$PERIOD" --scope "$SCOPE" --format pdf -o "$PDF" || fail "cchc report --format pdf failed"
echo "pdf in $(( ($(date +%s%N) - start) / 1000000 )) ms, $(stat -c %s "$PDF") bytes"
[[ $(head -c 5 "$PDF") == "%PDF-" ]] || fail "not a PDF: $(head -c 40 "$PDF" | od -c | head -n 2)"
pdftotext -enc UTF-8 "$PDF" "$WORK/text.txt" || fail "pdftotext cannot read the PDF"

# Vietnamese forms, written here on purpose without cchc's vnfmt: '.' groups thousands; a count in
# prose from 1 to 9 has two digits; a rate has two decimals after ',' rounded half away from zero.
vn_group() {
	local n=$1 out=""
	while ((n >= 1000)); do
		out=$(printf '.%03d' $((n % 1000)))$out
		n=$((n / 1000))
	done
	echo "$n$out"
}
vn_count() {
	if (($1 >= 1 && $1 <= 9)); then printf '0%d\n' "$1"; else vn_group "$1"; fi
}
vn_rate() { # vn_rate NUM DEN (both ≥ 0, DEN > 0)
	local x=$(((2 * $1 * 10000 + $2) / (2 * $2)))
	printf '%s,%02d%%\n' "$(vn_group $((x / 100)))" $((x % 100))
}
vn_date() { # 2023-03-15 → 15/03/2023
	IFS=- read -r y m d <<<"$1"
	echo "$d/$m/$y"
}

# Every number as it stands in the text ("86.721", "09", "56,46%"), one a line: a figure is found
# only whole, never as a piece of a longer number.
grep -oE '[0-9]+([.,][0-9]+)*%?' "$WORK/text.txt" | sort -u >"$WORK/numbers.txt"
tr -s ' \n\f' '  ' <"$WORK/text.txt" >"$WORK/flat.txt"

step "II.2.c figures in the PDF text"
FROM=$(vn_date "$(jq -r .period.from "$JSON")")
TO=$(vn_date "$(jq -r .period.to "$JSON")")
assert_contains "period line" "Từ $FROM - $TO" "$(cat "$WORK/flat.txt")"

checked=0
expect() { # expect WHAT FORM
	grep -qxF -- "$2" "$WORK/numbers.txt" || fail "$1: '$2' is not in the PDF text"
	echo "ok: $1 = $2"
	checked=$((checked + 1))
}
expect_figures() { # expect_figures NAME JQ_PATH
	local p=$2 rec onl res ok late pend wait
	rec=$(figure "$JSON" "$p.received")
	onl=$(figure "$JSON" "$p.received_online")
	res=$(figure "$JSON" "$p.resolved")
	ok=$(($(figure "$JSON" "$p.resolved_early") + $(figure "$JSON" "$p.resolved_on_time")))
	late=$(figure "$JSON" "$p.resolved_late")
	pend=$(($(figure "$JSON" "$p.pending") + $(figure "$JSON" "$p.waiting")))
	wait=$(figure "$JSON" "$p.waiting")
	((rec > 0 && res > 0)) || fail "$1: no dossiers received or resolved; the test data is too thin"
	expect "$1 received" "$(vn_count "$rec")"
	expect "$1 received online" "$(vn_count "$onl")"
	expect "$1 online share" "$(vn_rate "$onl" "$rec")"
	expect "$1 resolved" "$(vn_count "$res")"
	expect "$1 early and on time" "$(vn_count "$ok")"
	expect "$1 on-time share" "$(vn_rate "$ok" "$res")"
	expect "$1 late" "$(vn_count "$late")"
	expect "$1 in progress (pending + waiting)" "$(vn_count "$pend")"
	expect "$1 waiting" "$(vn_count "$wait")"
}
expect_figures "total" .dossiers.all
expect "total resolved share" "$(vn_rate "$(figure "$JSON" .dossiers.all.resolved)" \
	"$(figure "$JSON" .dossiers.all.received)")"
levels=0
for lv in 1:province:"Cấp tỉnh" 2:district:"Cấp huyện" 3:commune:"Cấp xã"; do
	IFS=: read -r n key name <<<"$lv"
	jq -e --argjson n "$n" '[.dossiers.units[] | select(.level == $n)] | length > 0' "$JSON" \
		>/dev/null || continue
	assert_contains "paragraph of the level" "$name" "$(cat "$WORK/flat.txt")"
	expect_figures "$name" ".dossiers.$key"
	levels=$((levels + 1))
done
assert_eq "levels in the scope's structure" 3 "$levels"
echo "ok: $checked figures found"

step "fonts, pages, first page"
pdffonts "$PDF" >"$WORK/fonts.txt" || fail "pdffonts cannot read the PDF"
cat "$WORK/fonts.txt"
tail -n +3 "$WORK/fonts.txt" | awk '{print $1}' | sed 's/^.*+//' >"$WORK/font-names.txt"
[[ -s "$WORK/font-names.txt" ]] || fail "no font embedded"
if grep -v '^LiberationSerif\(-Bold\|-Italic\|-BoldItalic\)\?$' "$WORK/font-names.txt"; then
	fail "fonts other than Liberation Serif are embedded"
fi
echo "ok: only Liberation Serif embedded ($(sort -u "$WORK/font-names.txt" | tr '\n' ' '))"
grep -q 'yes *yes *yes' "$WORK/fonts.txt" || fail "fonts are not embedded as subsets with ToUnicode"

PAGES=$(pdfinfo "$PDF" | sed -n 's/^Pages: *//p')
((PAGES >= 3 && PAGES <= 40)) || fail "page count $PAGES is not that of a quarterly report"
assert_contains "page size" "595.28 x 841.89 pts (A4)" "$(pdfinfo "$PDF")"
# Page numbers from page 2 on, each page's first line.
for ((pg = 2; pg <= PAGES; pg++)); do
	first=$(pdftotext -enc UTF-8 -f "$pg" -l "$pg" "$PDF" - | sed -n '/./{p;q}')
	assert_eq "number at the top of page $pg" "$pg" "$first"
done

pdftoppm -png -r 100 -f 1 -l 1 "$PDF" "$WORK/page" || fail "pdftoppm cannot render page 1"
PNG=$(ls "$WORK"/page*.png)
assert_contains "page 1 rendered" "PNG image data, 827 x 1170" "$(file "$PNG")"
# A blank page compresses to almost nothing; the header and text do not.
(($(stat -c %s "$PNG") > 30000)) || fail "page 1 looks blank ($(stat -c %s "$PNG") bytes)"

echo "$TEST_NAME: PASS"
