#!/usr/bin/env bash
# The report as DOCX end to end: push a generated quarter, ask for the JSON and the DOCX report of
# the same period and scope, and find every figure of II.2.c (total and each level), II.2.d and the
# II.6 online share in word/document.xml, written in Vietnamese form as computed here from the JSON
# (independently of vnfmt), the citizens' ratings and target.satisfaction (the dev stack's 90 %)
# met or not met (docs/design.md §16). Then LibreOffice must open the DOCX: its PDF has the text, Liberation
# Serif as the font (Times New Roman's stand-in) and no page number on page 1 but one on page 2.
source "$(dirname "$0")/lib.sh"
PERIOD=2024-Q4
PY=/usr/bin/python3

step "generate and push a quarter"
cchc gen --period "$PERIOD" --dossiers 600 --seed 44 -o "$WORK/gen.jsonl" || fail "cchc gen failed"
push_file "$WORK/gen.jsonl"
assert_eq "push exit status" 0 "$PUSH_RC"

step "JSON and DOCX reports"
JSON=$(report 46)
jq -e '.dossiers.all.received > 0' "$JSON" >/dev/null || fail "no dossiers received in $PERIOD"
cchc report --period "$PERIOD" --scope 46 --format docx -o "$WORK/report.docx" ||
	fail "cchc report --format docx failed"
unzip -p "$WORK/report.docx" word/document.xml >"$WORK/document.xml" ||
	fail "no word/document.xml in the DOCX"
unzip -Z1 "$WORK/report.docx" >"$WORK/parts.txt" || fail "the DOCX is not a zip archive"
for part in '[Content_Types].xml' _rels/.rels word/_rels/document.xml.rels word/styles.xml \
	word/header1.xml docProps/core.xml; do
	grep -qxF "$part" "$WORK/parts.txt" || fail "the DOCX lacks $part"
done

# The document's paragraphs as plain text, one a line (runs joined, entities decoded); the XML must
# parse.
$PY - "$WORK/document.xml" >"$WORK/document.txt" <<'EOF' || fail "word/document.xml is not well-formed XML"
import sys, xml.etree.ElementTree as ET
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
for p in ET.parse(sys.argv[1]).getroot().iter(W + "p"):
    print("".join(t.text or "" for t in p.iter(W + "t")))
EOF

# The sentences the report must hold, from the JSON figures with the rules of docs/design.md §7 written
# out again here: "." groups thousands, 1..9 are written "01".."09", percentages have two
# decimals rounded half away from zero (exact integer arithmetic) and a "," decimal mark.
$PY - "$JSON" >"$WORK/expected.txt" <<'EOF' || fail "could not compute the expected sentences"
import json, sys
r = json.load(open(sys.argv[1]))
def count(n):
    s = "{:,}".format(abs(n)).replace(",", ".")
    return ("-" if n < 0 else "") + s
def small(n):
    return "0%d" % n if 1 <= n <= 9 else count(n)
def rate(num, den):
    if den <= 0:
        x = 0
    else:
        q, rem = divmod(abs(num) * 10000, den)
        x = q + (1 if 2 * rem >= den else 0)
        x = -x if num < 0 else x
    return "%s%s,%02d%%" % ("-" if x < 0 else "", count(abs(x) // 100), abs(x) % 100)
def figures_phrases(f):
    on_time = f["resolved_early"] + f["resolved_on_time"]
    out = ["%s hồ sơ (trong đó có %s hồ sơ nộp trực tuyến" % (small(f["received"]), small(f["received_online"]))]
    if f["received"]:
        out.append("nộp trực tuyến, đạt tỷ lệ %s)" % rate(f["received_online"], f["received"]))
        out.append("đã giải quyết: %s hồ sơ (đạt tỷ lệ %s)" % (small(f["resolved"]), rate(f["resolved"], f["received"])))
    out.append("giải quyết trước, đúng hạn: %s hồ sơ" % small(on_time))
    if f["resolved"]:
        out.append("đúng hạn: %s hồ sơ (đạt tỷ lệ %s)" % (small(on_time), rate(on_time, f["resolved"])))
    out.append("quá hạn: %s hồ sơ" % small(f["resolved_late"]))
    out.append("từ kỳ trước chuyển qua: %s hồ sơ" % small(f["carried_over"]))
    out.append("đang giải quyết: %s hồ sơ; trong đó, chờ tiếp nhận là %s hồ sơ" % (small(f["pending"] + f["waiting"]), small(f["waiting"])))
    return out
a = r["dossiers"]["all"]
# "Từ dd/mm/yyyy - dd/mm/yyyy" from the period's own dates.
d1, d2 = (("%s/%s/%s" % tuple(reversed(r["period"][k].split("-")))) for k in ("from", "to"))
print("TOTAL\tTừ %s - %s, tổng số hồ sơ TTHC đã tiếp nhận: %s hồ sơ" % (d1, d2, small(a["received"])))
for p in figures_phrases(a):
    print("TOTAL\t" + p)
names = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
levels = {1: "province", 2: "district", 3: "commune"}
present = {levels[u["level"]] for u in r["dossiers"]["units"] if u.get("level") in levels}
for key, name in names.items():
    if key in present:
        lead = "- %s: Tổng số hồ sơ mới tiếp nhận trong kỳ báo cáo là: " % name
        print("LEVEL\t%s\t%s%s hồ sơ" % (name, lead, small(r["dossiers"][key]["received"])))
        for p in figures_phrases(r["dossiers"][key]):
            print("LEVEL\t%s\t%s" % (name, p))
    else:
        print("ABSENT\t- %s:" % name)
fb = r["feedback"]["all"] if isinstance(r["feedback"].get("all"), dict) else r["feedback"]
print("ANY\ttổng số phản ánh, kiến nghị đã tiếp nhận trong kỳ báo cáo: %s (trong đó: số tiếp nhận mới trong kỳ: %s; số từ kỳ trước chuyển qua: %s)"
      % (small(fb["carried_over"] + fb["received"]), small(fb["received"]), small(fb["carried_over"])))
print("ANY\tvề quy định hành chính: %s; số phản ánh, kiến nghị về hành vi hành chính: %s." % (small(fb["about_regulation"]), small(fb["about_behavior"])))
print("ANY\tSố phản ánh, kiến nghị đã xử lý: %s; trong đó số đã được đăng tải công khai: %s." % (small(fb["resolved"]), small(fb["published"])))
print("ANY\tSố phản ánh, kiến nghị đang xử lý: %s." % small(fb["pending"]))
print("ANY\tđạt %s (%s/%s hồ sơ)" % (rate(a["received_online"], a["received"]), small(a["received_online"]), small(a["received"])))
# docs/design.md §16: the ratings of the finished dossiers, and the programme's 90 % target
finished = a["resolved"] + a["returned"] + a["withdrawn"]
if not a["rated"]:
    sys.exit("no dossier of the quarter was rated: the generated data should have some")
print("ANY\t- Đánh giá mức độ hài lòng: trong quý IV năm 2024, có %s hồ sơ được người dân, doanh nghiệp đánh giá trên tổng số %s hồ sơ đã giải quyết xong (có kết quả, trả lại, rút); trong đó rất hài lòng và hài lòng: %s hồ sơ, không hài lòng: %s hồ sơ; tỷ lệ hài lòng đạt %s."
      % (small(a["rated"]), small(finished), small(a["rated_satisfied"]), small(a["rated_unsatisfied"]), rate(a["rated_satisfied"], a["rated"])))
x = rate(a["rated_satisfied"], a["rated"])
met = float(x.rstrip("%").replace(".", "").replace(",", ".")) >= 90  # the rounded rate
print("ANY\tđánh giá rất hài lòng, hài lòng) quý IV năm 2024 đạt %s, %s chỉ tiêu ≥ 90%%." % (x, "đạt" if met else "chưa đạt"))
EOF

step "every figure in word/document.xml"
TOTAL_LINE=$(grep -F "tổng số hồ sơ TTHC đã tiếp nhận" "$WORK/document.txt" | head -n1) ||
	fail "no II.2.c total paragraph in the DOCX"
CHECKED=0
while IFS=$'\t' read -r kind a b; do
	case $kind in
	TOTAL) assert_contains "II.2.c total" "$a" "$TOTAL_LINE" ;;
	LEVEL)
		line=$(grep -F -- "- $a: " "$WORK/document.txt" | head -n1) || fail "no paragraph for $a"
		assert_contains "II.2.c $a" "$b" "$line"
		;;
	ABSENT) ! grep -qF -- "$a" "$WORK/document.txt" || fail "a paragraph for a level without units: $a" ;;
	ANY) grep -qF -- "$a" "$WORK/document.txt" || fail "the DOCX lacks: $a" && echo "ok: has '$a'" ;;
	esac
	CHECKED=$((CHECKED + 1))
done <"$WORK/expected.txt"
((CHECKED >= 30)) || fail "only $CHECKED phrases checked"
grep -qF "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" "$WORK/document.txt" || fail "no Quốc hiệu"
grep -qF "Tình hình thực hiện công tác cải cách hành chính quý IV năm 2024" "$WORK/document.txt" ||
	fail "no title for quý IV năm 2024"

step "LibreOffice opens the DOCX"
command -v soffice >/dev/null || fail "soffice (LibreOffice) is not installed"
mkdir -p "$WORK/lo" "$WORK/pdf"
# A private profile: no clash with a running LibreOffice or another test, nothing left in $HOME.
timeout 180 soffice -env:UserInstallation="file://$WORK/lo" --headless --norestore \
	--convert-to pdf --outdir "$WORK/pdf" "$WORK/report.docx" >"$WORK/soffice.log" 2>&1 ||
	fail "soffice could not convert the DOCX: $(tail -n 5 "$WORK/soffice.log")"
[[ -s "$WORK/pdf/report.pdf" ]] || fail "soffice wrote no PDF: $(tail -n 5 "$WORK/soffice.log")"
pdftotext -layout "$WORK/pdf/report.pdf" - | tr -s ' \n' ' ' >"$WORK/pdf.txt"
assert_contains "PDF text" "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" "$(cat "$WORK/pdf.txt")"
LEAD=$(grep -F "TOTAL" "$WORK/expected.txt" | head -n1 | cut -f2)
assert_contains "PDF text" "$LEAD" "$(cat "$WORK/pdf.txt")"
FONTS=$(pdffonts "$WORK/pdf/report.pdf" | tail -n +3 | awk '{print $1}' | sed 's/^[A-Z]*+//' | sort -u)
echo "fonts: $FONTS"
grep -q '^LiberationSerif' <<<"$FONTS" || fail "the PDF does not use Liberation Serif: $FONTS"
! grep -qv '^LiberationSerif' <<<"$FONTS" || fail "a font other than Liberation Serif: $FONTS"
PAGES=$(pdfinfo "$WORK/pdf/report.pdf" | awk '/^Pages:/ {print $2}')
((PAGES >= 2)) || fail "the report has only $PAGES page"
# Page numbers from page 2 on, in the top margin: page 2 starts with "2", page 1 with the header.
P1=$(pdftotext -f 1 -l 1 "$WORK/pdf/report.pdf" - | grep -v '^\s*$' | head -n1 | tr -d ' ')
P2=$(pdftotext -f 2 -l 2 "$WORK/pdf/report.pdf" - | grep -v '^\s*$' | head -n1 | tr -d ' ')
assert_eq "first line of page 2 (its number)" 2 "$P2"
[[ "$P1" != 1 ]] || fail "page 1 carries a page number"

echo "$TEST_NAME: PASS"
