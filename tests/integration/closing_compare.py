#!/usr/bin/python3
"""closing_compare: the arithmetic test_period_close.sh checks the closing cycle with.

  closing_compare.py sum A.json B.json > AB.json
      the truth of two generated record sets of disjoint dossiers: every count is additive, so the
      truth of both is the sum of their truths, row by row and figure by figure.
  closing_compare.py diff DIFF.json B.json
      `cchc period diff --format json` after B's records arrived late must list exactly the
      (row, figure) pairs where B's truth is not zero, with then + B = now; exits 1 otherwise.
"""
import json
import sys

DOSSIER_KEYS = ["carried_over", "received", "received_online", "received_direct",
                "received_postal", "resolved", "resolved_early", "resolved_on_time",
                "resolved_late", "intake", "returned", "withdrawn", "pending",
                "pending_within_due", "pending_overdue", "waiting", "not_accepted",
                "paid_online", "digitized", "rated", "rated_satisfied", "rated_unsatisfied",
                "rated_unsatisfied_late"]
LEVELS = ["province", "district", "commune"]


def rows(truth):
    """(group, code) -> figures of a truth (or report) file."""
    d = truth["dossiers"]
    out = {("all", ""): d["all"]}
    for lv in LEVELS:
        out[("level", lv)] = d[lv]
    for u in d["units"]:
        out[("unit", u["code"])] = u
    for f in d["fields"]:
        out[("field", f["code"])] = f
    return out


def add(a, b):
    def plus(x, y, keys):
        z = dict(x)
        for k in keys:
            z[k] = x.get(k, 0) + y.get(k, 0)
        return z

    out = json.loads(json.dumps(a))
    d, e = out["dossiers"], b["dossiers"]
    d["all"] = plus(d["all"], e["all"], DOSSIER_KEYS)
    for lv in LEVELS:
        d[lv] = plus(d[lv], e[lv], DOSSIER_KEYS)
    for name in ("units", "fields"):
        by = {x["code"]: x for x in e[name]}
        d[name] = [plus(x, by.get(x["code"], {}), DOSSIER_KEYS) for x in d[name]]
        known = {x["code"] for x in d[name]}
        d[name] += [x for x in e[name] if x["code"] not in known]
    out["feedback"] = plus(a["feedback"], b["feedback"], list(a["feedback"].keys()))
    # the 766 ratios are not additive: the sum's truth has none (property_compare then skips them)
    out.pop("index_766", None)
    return out


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "sum":
        a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[2:4])
        json.dump(add(a, b), sys.stdout, ensure_ascii=False, indent=1)
        return 0
    if len(sys.argv) != 4 or sys.argv[1] != "diff":
        print(__doc__, file=sys.stderr)
        return 2
    diff, late = (json.load(open(p, encoding="utf-8")) for p in sys.argv[2:4])
    want = {}
    for (group, code), figs in rows(late).items():
        for k in DOSSIER_KEYS:
            if figs.get(k, 0):
                want[(group, code, k)] = figs[k]
    for k, v in late["feedback"].items():
        if v:
            want[("feedback", "", k)] = v
    got = {(c["group"], c["code"], c["figure"]): c["now"] - c["then"] for c in diff["changes"]}
    bad = 0
    for key in sorted(set(want) | set(got)):
        if want.get(key) != got.get(key):
            print(f"{key}: the late records add {want.get(key)}, the diff says {got.get(key)}")
            bad += 1
    print(f"{len(got)} changed figures listed, {len(want)} expected: "
          f"{'OK' if not bad else f'{bad} differ'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
