#!/usr/bin/python3
# property_compare: compares one `cchc report --format json` with the truth `cchc gen` wrote for the
# same period (test_property.sh). Every count of the truth (all, each level, each unit, each field,
# feedback) must equal the report's; the report's rates must equal the ones the truth's counts give
# (docs/design.md §6, docs/decisions.md: two decimals, half away from zero, 0 when the denominator is 0);
# a unit or field the truth does not list must be all zeros; every check of the report must be ok.
# The 766 index (docs/design.md §16): each indicator's numerator, denominator and ratio must be the
# truth's for the scope, each level and each unit, and its points what the weights and targets of
# deploy/data/index-766.csv give for that ratio, worked out here on their own.
# Prints each difference and exits 1 if there is any; prints how many figures were compared.
import csv
import json
import os
import sys
from decimal import ROUND_HALF_UP, Decimal

RATES = {
    "rate_online": (("received_online",), "received"),
    "rate_resolved": (("resolved",), "received"),
    "rate_on_time": (("resolved_early", "resolved_on_time"), "resolved"),
    "progress_766": (("resolved_early", "resolved_on_time", "pending_within_due"), "intake"),
    "rate_satisfied": (("rated_satisfied",), "rated"),
}
WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "data",
                       "index-766.csv")


def weights():
    """indicator -> (max_points, target_percent) of the indicators with a target."""
    out = {}
    with open(WEIGHTS, encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(l for l in f if l.strip() and not l.startswith("#"))]
    for ind, mx, target in rows[1:]:
        if target.strip():
            out[ind.strip()] = (Decimal(mx), Decimal(target))
    return out


def points(ratio, den, mx, target):
    if den == 0:
        return Decimal("0.00")
    return (mx * min(ratio, target) / target).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def pct(num, den):
    if den == 0:
        return Decimal("0.00")
    return (Decimal(100 * num) / Decimal(den)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def main():
    if len(sys.argv) != 3:
        print("usage: property_compare.py TRUTH.json REPORT.json", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        truth = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        report = json.load(f)
    diffs = []
    compared = 0

    def same(where, expected, actual):
        nonlocal compared
        compared += 1
        if expected != actual:
            diffs.append(f"{where}: truth {expected}, report {actual}")

    for k in ("label", "from", "to"):
        same(f"period.{k}", truth["period"][k], report.get("period", {}).get(k))

    def figures(where, t, r):
        if r is None:
            diffs.append(f"{where}: missing in the report")
            return
        for k, v in t.items():
            if isinstance(v, int) and k != "level":
                same(f"{where}.{k}", v, r.get(k))
        for k, (nums, den) in RATES.items():
            if den not in t:
                continue
            got = r.get(k)
            same(f"{where}.{k}", pct(sum(t[n] for n in nums), t[den]),
                 None if got is None else Decimal(str(got)))

    td, rd = truth["dossiers"], report.get("dossiers", {})
    for group in ("all", "province", "district", "commune"):
        figures(f"dossiers.{group}", td[group], rd.get(group))
    # A code may name two units across a merger (deploy/data/units.csv): a unit row is its code
    # and its parent.
    def key(row):
        return (row.get("code"), row.get("parent", ""))

    for lst in ("units", "fields"):
        rows = {key(row): row for row in rd.get(lst, [])}
        for row in td[lst]:
            figures(f"{lst}[{'/'.join(key(row))}]", row, rows.pop(key(row), None))
        for k2, row in rows.items():  # rows only the report has: nothing may be counted there
            for k, v in row.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "level":
                    same(f"{lst}[{'/'.join(k2)}].{k} (not in the truth)", 0, v)

    fb = report.get("feedback", {})
    if isinstance(fb.get("all"), dict):
        fb = fb["all"]
    for k, v in truth["feedback"].items():
        same(f"feedback.{k}", v, fb.get(k))

    if "index_766" in truth:
        w = weights()
        ti, ri = truth["index_766"], report.get("index_766", {})

        def index_row(where, t, r):
            if r is None:
                diffs.append(f"{where}: missing in the report")
                return
            got = {i.get("id"): i for i in r.get("indicators", [])}
            total = Decimal("0")
            for ind in t["indicators"]:
                i = got.get(ind["id"])
                name = f"{where}.{ind['id']}"
                if i is None:
                    diffs.append(f"{name}: missing in the report")
                    continue
                for k in ("numerator", "denominator"):
                    same(f"{name}.{k}", ind[k], i.get(k))
                ratio = Decimal(str(ind["ratio"])).quantize(Decimal("0.01"))
                same(f"{name}.ratio", ratio, Decimal(str(i.get("ratio"))).quantize(Decimal("0.01")))
                mx, target = w[ind["id"]]
                want = points(ratio, ind["denominator"], mx, target)
                same(f"{name}.points", want, Decimal(str(i.get("points"))).quantize(Decimal("0.01")))
                total += want
            same(f"{where}.points", total, Decimal(str(r.get("points"))).quantize(Decimal("0.01")))

        for group in ("all", "province", "district", "commune"):
            index_row(f"index_766.{group}", ti[group], ri.get(group))
        runits = {key(u): u for u in ri.get("units", [])}
        for u in ti["units"]:
            index_row(f"index_766.units[{'/'.join(key(u))}]", u, runits.pop(key(u), None))
        for k2, u in runits.items():  # units only the report has: nothing counted there
            for i in u.get("indicators", []):
                same(f"index_766.units[{'/'.join(k2)}].{i.get('id')}.denominator (not in the truth)",
                     0, i.get("denominator"))

    for c in report.get("checks", []):
        compared += 1
        if not c.get("ok"):
            diffs.append(f"check not ok: {json.dumps(c, ensure_ascii=False)}")

    label = truth["period"]["label"]
    if diffs:
        print(f"{label}: {len(diffs)} of {compared} figures differ from the truth:")
        for d in diffs[:60]:
            print("  " + d)
        if len(diffs) > 60:
            print(f"  ... and {len(diffs) - 60} more")
        return 1
    print(f"{label}: all {compared} figures equal the truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
