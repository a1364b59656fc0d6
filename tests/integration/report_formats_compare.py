"""report_formats_compare: one report of one period and scope in all five formats must list the
same rows with the same figures (docs/design.md §7, §8). The JSON is the reference; the CSV tables,
the XLSX workbook (read by openpyxl), the DOCX (turned into text by LibreOffice) and the PDF (read
by pdftotext) are each compared with it. Prints one line per finding; exits 1 on any.

usage: report_formats_compare.py JSON CSV_PREFIX XLSX DOCX_TXT PDF_TXT [--no-district]
"""
import csv
import json
import re
import sys

import openpyxl

args = [a for a in sys.argv[1:] if not a.startswith("--")]
no_district = "--no-district" in sys.argv
jpath, csv_prefix, xlsx_path, docx_txt, pdf_txt = args
rep = json.load(open(jpath, encoding="utf-8"))
d = rep["dossiers"]
bad = []


def err(msg):
    bad.append(msg)


LEVEL_NAME = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
LEVEL_OF = {1: "province", 2: "district", 3: "commune"}


def values(f):
    """The 11 numeric columns of form II.06a, (3)..(13), from a JSON figures object."""
    return [f["intake"], f["received_online"], f["received_direct"] + f["received_postal"],
            f["carried_over"], f["resolved"], f["resolved_early"], f["resolved_on_time"],
            f["resolved_late"], f["pending"], f["pending_within_due"], f["pending_overdue"]]


def vn_count(n):
    return f"{n:,}".replace(",", ".")


def vn_rate(x):
    return f"{x:.2f}".replace(".", ",") + "%"


# ---- the JSON itself: each unit once, the levels it lists are those of its units ----
levels = d["levels"]
units = d["units"]
codes = [(u["code"], u["name"]) for u in units]
if len(set(codes)) != len(codes):
    err(f"json: a unit is listed twice: {sorted(c for c in codes if codes.count(c) > 1)[:4]}")
if rep["structure"]["basis"] == "period-end":
    if len({u["code"] for u in units}) != len(units):
        err("json: on the period-end structure a code appears twice")
unit_levels = {LEVEL_OF.get(u["level"]) for u in units} - {None}
for lv in unit_levels:
    if lv not in levels:
        err(f"json: units of level {lv} but the level is not listed")
if no_district and "district" in levels:
    err("json: the district level is listed on a structure without districts")

# ---- CSV ----
def read_csv(suffix):
    with open(f"{csv_prefix}-{suffix}.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[1:]  # the header line


def ints(row):
    return [int(x) for x in row[3:14]]


by_level = read_csv("theo-cap")
want = [(lv, values(d[lv])) for lv in levels]
got = [(r[1], ints(r)) for r in by_level if r[1]]
if any(u["level"] == 0 for u in units):
    want.append(("", None))
if [w for w in want if w[1] is not None] != [g for g in got]:
    err(f"csv theo-cap: rows {got} are not the json levels {want}")
if ints(by_level[-1]) != values(d["all"]):
    err("csv theo-cap: the total is not the json's all")

by_unit = read_csv("theo-don-vi")
items = [r for r in by_unit if r[0].isdigit()]
groups = [r[1] for r in by_unit if r[0] and not r[0].isdigit()]
if [r[1] for r in items] != [u["code"] for u in units]:
    err(f"csv theo-don-vi: unit codes {[r[1] for r in items][:6]}… are not the json's "
        f"{[u['code'] for u in units][:6]}…")
for r, u in zip(items, units):
    if ints(r) != values(u):
        err(f"csv theo-don-vi: unit {u['code']} {ints(r)} != json {values(u)}")
    if not r[2].startswith(u["name"]):
        err(f"csv theo-don-vi: unit {u['code']} is '{r[2]}', json names it '{u['name']}'")
    if "(" in r[2][len(u["name"]):] and u["level"] == 3:
        parent = next((p for p in units if p["code"] == u["parent"]), None)
        if not parent or parent["level"] != 2:
            err(f"csv theo-don-vi: commune {u['code']} '{r[2]}' names a parent that is no "
                "district")
if [g for g in groups if g in LEVEL_NAME] != levels:
    err(f"csv theo-don-vi: level headings {groups} are not the json levels {levels}")

by_field = read_csv("theo-linh-vuc")
if [r[1] for r in by_field if r[1]] != [f["code"] for f in d["fields"]]:
    err("csv theo-linh-vuc: fields differ from the json's")
for r, f in zip([r for r in by_field if r[1]], d["fields"]):
    if ints(r) != values(f):
        err(f"csv theo-linh-vuc: field {f['code']} differs from the json")

# ---- XLSX: every sheet row is the CSV row (TT, label, numbers) ----
wb = openpyxl.load_workbook(xlsx_path)
for sheet, rows in (("Theo cấp", by_level), ("Theo đơn vị", by_unit),
                    ("Theo lĩnh vực", by_field)):
    ws = wb[sheet]
    body = []
    for row in ws.iter_rows(values_only=True):
        if len(row) > 2 and isinstance(row[2], (int, float)):
            body.append([str(row[0] or ""), str(row[1] or "")] +
                        [int(v) for v in row[2:13]])
    want_rows = [[r[0], r[2]] + ints(r) for r in rows]
    if body != want_rows:
        err(f"xlsx {sheet}: {len(body)} rows differ from the csv's {len(want_rows)}")

# ---- DOCX and PDF text: the level paragraphs, the charts' categories ----
def small_count(n):
    """Counts in prose: 1..9 with two digits ("09 hồ sơ"), as the Ministry's reports write."""
    return "%02d" % n if 0 < n < 10 else vn_count(n)


def level_paragraph(lv):
    n = small_count(d[lv]["received"])
    return f"- {LEVEL_NAME[lv]}: Tổng số hồ sơ mới tiếp nhận trong kỳ báo cáo là: {n} hồ sơ"


def squash(s):
    return re.sub(r"\s+", " ", s)


docx = squash(open(docx_txt, encoding="utf-8").read())
pdf = squash(open(pdf_txt, encoding="utf-8").read())
for name, text in (("docx", docx), ("pdf", pdf)):
    for lv in ("province", "district", "commune"):
        para = level_paragraph(lv)
        if lv in levels and para not in text:
            err(f"{name}: no paragraph for {lv}: '{para}'")
        if lv not in levels and f"- {LEVEL_NAME[lv]}:" in text:
            err(f"{name}: a paragraph for {lv}, which the structure does not have")
    if "district" not in levels and ("Cấp huyện" in text or "cấp huyện" in text):
        err(f"{name}: speaks of cấp huyện on a structure without districts")
    for u in units:
        if u["level"] == 2 and u["name"] not in text:
            err(f"{name}: district {u['code']} {u['name']} is not in the district chart")

# the DOCX rate tables: one line per cell after LibreOffice's text export
lines = [l.strip() for l in open(docx_txt, encoding="utf-8").read().splitlines()]
for head, expect in (("Cấp", [(LEVEL_NAME[lv], d[lv]) for lv in levels]),
                     ("Đơn vị", [(u["name"], u) for u in units if u["level"] == 2])):
    try:
        i = lines.index(head)
    except ValueError:
        if expect and head == "Cấp":
            err("docx: no rate table by level")
        continue
    cells = lines[i + 4:i + 4 + 4 * len(expect)]
    got = [tuple(cells[k:k + 4]) for k in range(0, len(cells), 4)]
    want_rows = [(n, vn_count(f["received"]),
                  vn_rate(f["rate_online"]) if f["received"] else "-",
                  vn_rate(f["rate_on_time"]) if f["resolved"] else "-") for n, f in expect]
    if got != want_rows:
        err(f"docx: rate table '{head}' rows {got[:3]}… != json {want_rows[:3]}…")
    after = lines[i + 4 + 4 * len(expect)] if i + 4 + 4 * len(expect) < len(lines) else ""
    if re.fullmatch(r"[0-9.]+", after or "x"):
        err(f"docx: rate table '{head}' has more rows than the json")

for b in bad:
    print(b)
print(f"{len(units)} units, levels {levels}, {len(d['fields'])} fields: "
      f"{'OK' if not bad else f'{len(bad)} findings'}")
sys.exit(1 if bad else 0)
