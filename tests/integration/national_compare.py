#!/usr/bin/env python3
"""national_compare: the national scope's JSON report against the provinces' own (docs/design.md
§15, test_national.sh). Usage: national_compare.py VN.json PROVINCE.json...

Every province's own JSON export (from its own stack) must be what the national report says of it
(its totals, its levels, its feedback, the ratings among them), and the national figures must be
their sums: all, each level, each field (summed by code) and the feedback. The 766 index
(docs/design.md §16): each province's entry in index_766.provinces is its own report's index of
its totals (the same weights here), and each national indicator's numerator and denominator the
provinces' sums. Exit 1 with the differences listed."""
import json
import sys

LEVELS = ("province", "district", "commune")


def counts(obj):
    """The integer figures of a figures object (the rates are derived, not summed)."""
    return {k: v for k, v in obj.items() if isinstance(v, int) and not isinstance(v, bool)}


def add(into, obj):
    for k, v in counts(obj).items():
        into[k] = into.get(k, 0) + v


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        vn = json.load(f)
    provinces = []
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            provinces.append(json.load(f))
    bad = []

    def expect(what, want, got):
        if want != got:
            bad.append(f"{what}: expected {want}, got {got}")

    by_code = {p["code"]: p for p in vn.get("provinces", [])}
    expect("provinces listed", sorted(p["scope"]["code"] for p in provinces), sorted(by_code))
    sums = {"all": {}, "feedback": {}, "fields": {}}
    for lv in LEVELS:
        sums[lv] = {}
    for own in provinces:
        code = own["scope"]["code"]
        nat = by_code.get(code)
        if nat is None:
            continue
        expect(f"province {code}: all", counts(own["dossiers"]["all"]), counts(nat["dossiers"]["all"]))
        for lv in LEVELS:
            expect(f"province {code}: level {lv}", counts(own["dossiers"][lv]),
                   counts(nat["dossiers"][lv]))
        expect(f"province {code}: feedback", counts(own["feedback"]), counts(nat["feedback"]))
        add(sums["all"], own["dossiers"]["all"])
        for lv in LEVELS:
            add(sums[lv], own["dossiers"][lv])
        add(sums["feedback"], own["feedback"])
        for field in own["dossiers"]["fields"]:
            add(sums["fields"].setdefault(field["code"], {}), field)
    expect("VN all = the provinces' sum", sums["all"], counts(vn["dossiers"]["all"]))
    for lv in LEVELS:
        expect(f"VN level {lv} = the provinces' sum", sums[lv], counts(vn["dossiers"][lv]))
    expect("VN feedback = the provinces' sum", sums["feedback"], counts(vn["feedback"]))
    vn_fields = {f["code"]: counts(f) for f in vn["dossiers"]["fields"]}
    own_fields = {k: v for k, v in sums["fields"].items() if any(v.values())}
    expect("VN fields = the provinces' sums by code", own_fields, vn_fields)
    # the 766 index: per province as at home, nationally over the provinces' counts
    vix = vn.get("index_766")
    if vix is None:
        bad.append("VN has no index_766")
    else:
        nat_ix = {p["code"]: p for p in vix.get("provinces", [])}
        summed = {}
        for own in provinces:
            code = own["scope"]["code"]
            mine = own["index_766"]["all"]
            expect(f"province {code}: index_766", mine, {k: v for k, v in nat_ix.get(code, {}).items()
                                                         if k not in ("code", "name")})
            for i in mine["indicators"]:
                s = summed.setdefault(i["id"], [0, 0])
                s[0] += i["numerator"]
                s[1] += i["denominator"]
        got = {i["id"]: [i["numerator"], i["denominator"]] for i in vix["all"]["indicators"]}
        expect("VN index_766 counts = the provinces' sums", summed, got)
        expect("VN index_766 units", [], vix.get("units"))
    failed = [c for c in vn.get("checks", []) if not c.get("ok")]
    expect("VN checks that fail", [], failed)
    if bad:
        for line in bad:
            print("national_compare: " + line, file=sys.stderr)
        return 1
    print(f"national_compare: VN = the sum of {len(provinces)} provinces, each as its own stack "
          f"reports it ({len(vn_fields)} fields)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
