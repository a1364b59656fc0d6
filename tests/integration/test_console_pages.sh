#!/usr/bin/env bash
# The console's pages end to end (docs/design.md §14) on a stack of its own (it closes a period
# and pushes late records), with curl and a cookie jar per account, as a browser without
# JavaScript would: sign-in with its double-submit token; every figure of a generated quarter's
# truth on the figures page in its Vietnamese form and the unit table's rows those of the JSON
# export; the satisfaction table and the 766 estimate (docs/design.md §16): every rating figure
# and every indicator's counts and ratio for the scope, each level and unit as the truth has
# them, the points, formulas, approximations and the indicators not computed as the JSON export
# has them; the charts as SVG; the downloads and the API byte-equal to `cchc report`; the checks
# listing the silent offices `cchc period status` names; closing (refused while offices are
# silent, then forced), the diff after late records, reopening; a viewer's forged close refused;
# a district account refused another district; POSTs without their CSRF token refused; a page
# without a session sent to the sign-in; a disabled or changed account signed out; five wrong
# passwords locking the name; the admin's users page; hostile input escaped.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/private_stack.sh"
PY=/usr/bin/python3
PERIOD=2024-Q1
PW=mat-khau-thu-nghiem

step "a private stack, four accounts and a generated quarter"
pstack_fresh
URL="http://127.0.0.1:$((PORT_BASE + 4))"
user_add() { # user_add NAME ROLE [SCOPE]
	printf '%s\n' "$PW" >"$WORK/pw"
	cchc user add "$1" --role "$2" ${3:+--scope "$3"} --password-file "$WORK/pw" >/dev/null ||
		fail "cchc user add $1"
}
user_add canbo officer
user_add xem viewer
user_add huyen officer 474
user_add quantri admin
user_add khoa viewer
cchc gen --period "$PERIOD" --dossiers 800 --seed 13 -o "$WORK/gen.jsonl" --truth "$WORK/truth.json" ||
	fail "cchc gen failed"
push_file "$WORK/gen.jsonl"
assert_eq "push exit status" 0 "$PUSH_RC"

# req USER METHOD PATH [curl options…]: one request in USER's cookie jar ("-" for none); the body
# goes to $WORK/body, the headers to $WORK/head, the status to STATUS.
req() {
	local user=$1 method=$2 path=$3 jar=()
	shift 3
	[[ "$user" == - ]] || jar=(-b "$WORK/$user.jar" -c "$WORK/$user.jar")
	STATUS=$(curl -sS "${jar[@]}" -X "$method" -o "$WORK/body" -D "$WORK/head" \
		-w '%{http_code}' "$@" "$URL$path") || fail "curl $method $path failed"
}
header() { # header NAME: the value of a response header of the last request
	tr -d '\r' <"$WORK/head" | sed -n "s/^$1: //Ip" | head -n1
}
token() { # the CSRF token of the first form of the last page
	grep -o 'name="csrf" value="[0-9a-f]*"' "$WORK/body" | head -n1 | sed 's/.*value="//; s/"$//'
}
login() { # login USER [PASSWORD]: GET /login for its token and cookie, then POST
	rm -f "$WORK/$1.jar"
	req "$1" GET /login
	assert_eq "GET /login" 200 "$STATUS"
	local t
	t=$(token)
	[[ ${#t} == 64 ]] || fail "no CSRF token in the sign-in form"
	req "$1" POST /login --data-urlencode "csrf=$t" --data-urlencode "user=$1" \
		--data-urlencode "password=${2:-$PW}" --data-urlencode "next=/checks?period=$PERIOD"
}
csrf_of() { # csrf_of USER: the session's token, from the sign-out form of a page
	req "$1" GET "/downloads?period=$PERIOD"
	SESSION_CSRF=$(token)
	[[ ${#SESSION_CSRF} == 64 ]] || fail "no CSRF token on a page of $1"
}

step "without a session: to the sign-in, coming back afterwards"
req - GET "/checks?period=$PERIOD&scope=46"
assert_eq "status without a session" 303 "$STATUS"
assert_eq "Location" "/login?next=%2Fchecks%3Fperiod%3D$PERIOD%26scope%3D46" "$(header Location)"
req - GET "/api/figures?period=$PERIOD"
assert_eq "API without a session" 401 "$STATUS"
jq -e '.error | length > 0' "$WORK/body" >/dev/null || fail "the API's 401 has no JSON error"

step "sign-in: the double-submit token, the cookie, next"
req - POST /login --data "csrf=$(printf 'a%.0s' {1..64})&user=canbo&password=$PW"
assert_eq "a login without the token's cookie" 403 "$STATUS"
login canbo
assert_eq "sign-in" 303 "$STATUS"
assert_eq "back to next" "/checks?period=$PERIOD" "$(header Location)"
cookie=$(tr -d '\r' <"$WORK/head" | grep -i '^Set-Cookie: cchc_session=')
assert_contains "session cookie" "; Path=/; HttpOnly; SameSite=Strict" "$cookie"

step "the figures page: every figure of the truth, the unit table's rows those of the JSON"
req canbo GET "/?period=$PERIOD&scope=46"
assert_eq "figures page" 200 "$STATUS"
cp "$WORK/body" "$WORK/figures.html"
cchc report --period "$PERIOD" --scope 46 --format json -o "$WORK/report.json" ||
	fail "cchc report --format json failed"
$PY - "$WORK/figures.html" "$WORK/truth.json" "$WORK/report.json" <<'EOF' || fail "the figures page disagrees with the truth"
import json, sys
from html.parser import HTMLParser

class Page(HTMLParser):
    """Cells by (table id, row key, cell key) and the text of the II.2.c section."""
    def __init__(self):
        super().__init__()
        self.table = None; self.row = None; self.cell = None; self.text = ""
        self.cells = {}; self.rows = {}; self.section = None; self.para = ""
        self.approx = {}; self.missing = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table": self.table = a.get("id")
        if tag == "section": self.section = a.get("id")
        if tag == "tr" and self.table:
            self.row = (a.get("data-group") or a.get("data-kind") or "",
                        a["data-code"] if "data-code" in a else a.get("data-indicator"))
            self.rows.setdefault(self.table, []).append(self.row)
            if "data-approximation" in a:
                self.approx[a["data-indicator"]] = a["data-approximation"] == "1"
        if tag == "span" and a.get("class") == "xap-xi" and self.table and self.row is not None:
            self.cells[(self.table, self.row, "badge")] = "1"
        if tag == "li" and self.section == "chi-so-766" and "data-indicator" in a:
            self.missing.append(a["data-indicator"])
        if tag == "td" and self.row is not None:
            self.cell = a.get("data-figure") or a.get("data-col") or a.get("data-indicator")
            self.text = ""
    def handle_endtag(self, tag):
        if tag == "td" and self.cell:
            self.cells[(self.table, self.row, self.cell)] = self.text.strip(); self.cell = None
        if tag == "table": self.table = None; self.row = None
        if tag == "section": self.section = None
    def handle_data(self, d):
        if self.cell: self.text += d
        if self.section == "doan-2-2-c": self.para += d

def vn(n):
    return ("-" if n < 0 else "") + "{:,}".format(abs(n)).replace(",", ".")

def pct_x100(x):
    return "%d,%02d%%" % (x // 100, x % 100)

def rate(num, den):
    """num / den as the pages write a rate (rounded half away from zero), "-" without den."""
    return pct_x100((num * 20000 + den) // (2 * den)) if den else "-"

def points(x):
    return "{:,.2f}".format(x).replace(",", " ").replace(".", ",").replace(" ", ".")

p = Page(); p.feed(open(sys.argv[1], encoding="utf-8").read())
truth = json.load(open(sys.argv[2])); report = json.load(open(sys.argv[3]))
keys = ["carried_over", "received", "received_online", "received_direct", "received_postal",
        "resolved", "resolved_early", "resolved_on_time", "resolved_late", "intake", "returned",
        "withdrawn", "pending", "pending_within_due", "pending_overdue", "waiting",
        "not_accepted", "paid_online", "digitized", "rated", "rated_satisfied",
        "rated_unsatisfied", "rated_unsatisfied_late"]
bad = []; checked = 0
def check(group, code, figures):
    global checked
    for k in keys:
        got = p.cells.get(("bang-chi-tiet", (group, code), k))
        if got != vn(figures[k]):
            bad.append("%s %s %s: page %r, truth %s" % (group, code, k, got, figures[k]))
        checked += 1
    got = p.cells.get(("bang-chi-tiet", (group, code), "rate_satisfied")); checked += 1
    if got != rate(figures["rated_satisfied"], figures["rated"]):
        bad.append("%s %s rate_satisfied: page %r, truth %s/%s" % (group, code, got,
                   figures["rated_satisfied"], figures["rated"]))
d = truth["dossiers"]
check("all", "", d["all"])
for level in report["dossiers"]["levels"]:
    check("level", level, d[level])
for u in d["units"]:
    check("unit", u["code"], u)
for f in d["fields"]:
    if any(f[k] for k in keys):
        check("field", f["code"], f)
fb = truth["feedback"]
for k in ["carried_over", "received", "about_regulation", "about_behavior", "resolved",
          "published", "pending"]:
    got = p.cells.get(("bang-phan-anh-kien-nghi", ("total", "46"), k)); checked += 1
    if got != vn(fb[k]):
        bad.append("feedback %s: page %r, truth %s" % (k, got, fb[k]))
# the satisfaction table (tables.c's, as the XLSX sheet): the total, each level, each unit
def satisfaction(kind, code, f):
    global checked
    want = {"finished": vn(f["resolved"] + f["returned"] + f["withdrawn"]),
            "rated": vn(f["rated"]), "rated_satisfied": vn(f["rated_satisfied"]),
            "rated_unsatisfied": vn(f["rated_unsatisfied"]),
            "rate_satisfied": rate(f["rated_satisfied"], f["rated"])}
    for k, v in want.items():
        got = p.cells.get(("bang-hai-long", (kind, code), k)); checked += 1
        if got != v:
            bad.append("satisfaction %s %s %s: page %r, truth %s" % (kind, code, k, got, v))
satisfaction("total", "", d["all"])
for level in report["dossiers"]["levels"]:
    satisfaction("group", level, d[level])
for u in d["units"]:
    satisfaction("item", u["code"], u)
if d["all"]["rated"] == 0:
    bad.append("the generated quarter has no rating: the satisfaction checks prove nothing")
# the 766 estimate: the scope's indicators with their counts, ratio, points, formula
ix, rix = truth["index_766"], report["index_766"]
defs = {i["id"]: i for i in rix["indicators"]}
rall = {i["id"]: i for i in rix["all"]["indicators"]}
for ind in ix["all"]["indicators"]:
    i = ind["id"]; row = ("", i); checked += 4
    want = {"counts": "%s / %s" % (vn(ind["numerator"]), vn(ind["denominator"])),
            "ratio": rate(ind["numerator"], ind["denominator"]),
            "points": "%s / %s" % (points(rall[i]["points"]), points(rall[i]["max_points"])),
            "formula": rall[i]["formula"]}
    for k, v in want.items():
        got = p.cells.get(("bang-chi-so-766", row, k))
        if got != v:
            bad.append("766 %s %s: page %r, want %r" % (i, k, got, v))
    if p.approx.get(i) != defs[i]["approximation"] or \
            bool(p.cells.get(("bang-chi-so-766", row, "badge"))) != defs[i]["approximation"]:
        bad.append("766 %s: approximation marked %r, the JSON says %s" % (i, p.approx.get(i), defs[i]["approximation"]))
total = p.cells.get(("bang-chi-so-766", ("", ""), "points"))
if total != "%s / %s" % (points(rix["all"]["points"]), points(rix["all"]["max_points"])):
    bad.append("766 total points: page %r, JSON %s" % (total, rix["all"]["points"]))
if p.missing != [m["id"] for m in rix["not_computed"]] or not p.missing:
    bad.append("766 not computed: page %s, JSON %s" % (p.missing, [m["id"] for m in rix["not_computed"]]))
# and every level's and unit's ratios, as the truth has them
def ratios(group, code, t):
    global checked
    for ind in t["indicators"]:
        got = p.cells.get(("bang-chi-so-766-chi-tiet", (group, code), ind["id"])); checked += 1
        if got != rate(ind["numerator"], ind["denominator"]):
            bad.append("766 %s %s %s: page %r, truth %s/%s" % (group, code, ind["id"], got,
                       ind["numerator"], ind["denominator"]))
ratios("all", "", ix["all"])
for level in report["dossiers"]["levels"]:
    ratios("level", level, ix[level])
for u in ix["units"]:
    ratios("unit", u["code"], u)
# the form's unit table lists the JSON export's units, in its order
units_page = [c for kind, c in p.rows.get("bang-theo-don-vi", []) if kind == "item"]
units_json = [u["code"] for u in report["dossiers"]["units"]]
if units_page != units_json:
    bad.append("unit table rows %s… differ from the JSON's %s…" % (units_page[:5], units_json[:5]))
if "tổng số hồ sơ TTHC đã tiếp nhận: %s hồ sơ" % (vn(d["all"]["received"]) if d["all"]["received"] > 9 else "%02d" % d["all"]["received"]) not in p.para:
    bad.append("II.2.c lacks the total received")
for b in bad[:20]:
    print(b, file=sys.stderr)
print("checked %d figures, %d wrong" % (checked, len(bad)))
sys.exit(1 if bad else 0)
EOF
grep -q '<img id="bieu-do-cap" src="/chart?period=2024-Q1&amp;scope=46&amp;chart=level"' "$WORK/figures.html" ||
	fail "no level chart on the figures page"
req canbo GET "/chart?period=$PERIOD&scope=46&chart=district"
assert_eq "chart" 200 "$STATUS"
assert_eq "chart type" "image/svg+xml" "$(header Content-Type)"
grep -q '<svg' "$WORK/body" || fail "the chart is not SVG"

step "the checks page names the offices cchc period status finds silent"
req canbo GET "/checks?period=$PERIOD&scope=46"
assert_eq "checks page" 200 "$STATUS"
cchc period status "$PERIOD" --scope 46 --format json >"$WORK/status.json" || true
want=$(jq -r '.silent[]' "$WORK/status.json" | sort | tr '\n' ' ')
got=$(grep -o 'data-code="[0-9]*" data-check="silent_office"' "$WORK/body" | sed 's/data-code="//; s/".*//' |
	sort | tr '\n' ' ')
assert_eq "silent offices on the page" "$want" "$got"
grep -q 'id="bang-ty-le-gui"' "$WORK/body" || fail "no reporting rate on the checks page"

step "a POST without its CSRF token is refused"
req canbo POST "/closing?period=$PERIOD&scope=46" --data "action=close"
assert_eq "close without a token" 403 "$STATUS"
cchc period list "$PERIOD" | grep -q 'phiên bản 1' && fail "a close without a token closed the period"

step "close: refused while offices are silent, then forced"
csrf_of canbo
req canbo POST "/closing?period=$PERIOD&scope=46" --data-urlencode "csrf=$SESSION_CSRF" \
	--data-urlencode "action=close" --data-urlencode "note=Báo cáo quý I"
if [[ -n "$want" ]]; then
	assert_eq "close with silent offices" 409 "$STATUS"
	grep -q 'id="form-chot-van"' "$WORK/body" || fail "no 'close anyway' form after the refusal"
	grep -q 'Báo cáo quý I</textarea>' "$WORK/body" || fail "the note typed was not kept"
	req canbo POST "/closing?period=$PERIOD&scope=46" --data-urlencode "csrf=$SESSION_CSRF" \
		--data-urlencode "action=close" --data-urlencode "note=Báo cáo quý I" --data "force=1"
fi
assert_eq "close" 303 "$STATUS"
assert_eq "after the close" "/closing?period=$PERIOD&scope=46&done=close" "$(header Location)"
req canbo GET "/closing?period=$PERIOD&scope=46"
grep -q '<tr data-version="1" data-state="standing">' "$WORK/body" || fail "version 1 does not stand"
grep -q 'id="khong-thay-doi"' "$WORK/body" || fail "a diff right after the close"
grep -q 'id="form-mo-lai"' "$WORK/body" || fail "no reopen form for an officer"

step "downloads and the API: the bytes of cchc report"
for format in docx xlsx pdf; do
	req canbo GET "/report?period=$PERIOD&scope=46&format=$format"
	assert_eq "download $format" 200 "$STATUS"
	mv "$WORK/body" "$WORK/web.$format"
	assert_eq "its name" "attachment; filename=\"bao-cao-$PERIOD-46.$format\"" \
		"$(header Content-Disposition)"
	cchc report --period "$PERIOD" --scope 46 --format "$format" -o "$WORK/cli.$format" ||
		fail "cchc report --format $format failed"
	cmp -s "$WORK/web.$format" "$WORK/cli.$format" || fail "the console's $format differs from cchc report's"
	echo "ok: $format byte-equal"
done
req canbo GET "/report?period=$PERIOD&scope=46&format=csv&table=theo-don-vi"
mv "$WORK/body" "$WORK/web.csv"
cchc report --period "$PERIOD" --scope 46 --format csv -o "$WORK/cli.csv" || fail "cchc report --format csv"
cmp -s "$WORK/web.csv" "$WORK/cli-theo-don-vi.csv" || fail "the console's unit CSV differs"
req canbo GET "/api/figures?period=$PERIOD&scope=46"
mv "$WORK/body" "$WORK/web.json"
assert_eq "API type" "application/json" "$(header Content-Type)"
cchc report --period "$PERIOD" --scope 46 --format json -o "$WORK/cli.json" || fail "cchc report json"
cmp -s "$WORK/web.json" "$WORK/cli.json" || fail "the API differs from cchc report --format json"

step "late records: the diff on the closing page"
cchc gen --period "$PERIOD" --dossiers 800 --seed 14 -o "$WORK/gen2.jsonl" || fail "cchc gen failed"
jq -c 'select(.office == "19750" and .at < "2024-03-15")' "$WORK/gen2.jsonl" >"$WORK/late.jsonl"
push_file "$WORK/late.jsonl"
assert_eq "late push" 0 "$PUSH_RC"
read -r late _ _ <<<"$(push_counts)"
((late > 0)) || fail "no late record was stored"
req canbo GET "/closing?period=$PERIOD&scope=46"
grep -q 'id="bang-chenh-lech"' "$WORK/body" || fail "no diff after late records"
grep -q '<tr data-group="unit" data-code="19750"' "$WORK/body" || fail "19750's changes are not listed"
assert_eq "late events on the page" "<span id=\"so-su-kien-muon\">$late</span>" \
	"$(grep -o '<span id="so-su-kien-muon">[0-9.]*</span>' "$WORK/body")"

step "a viewer sees the versions, has no button, and a forged close is refused"
login xem
assert_eq "viewer sign-in" 303 "$STATUS"
req xem GET "/closing?period=$PERIOD&scope=46"
assert_eq "viewer's closing page" 200 "$STATUS"
grep -qE 'id="form-(chot|mo-lai|chot-van)"' "$WORK/body" && fail "a viewer is offered a form"
csrf_of xem
req xem POST "/closing?period=$PERIOD&scope=46" --data "csrf=$SESSION_CSRF&action=reopen&reason=x"
assert_eq "viewer's reopen" 403 "$STATUS"
cchc period list "$PERIOD" | grep -q 'đang có hiệu lực' || fail "a viewer reopened the period"

step "reopen: a reason is required"
csrf_of canbo
req canbo POST "/closing?period=$PERIOD&scope=46" --data "csrf=$SESSION_CSRF&action=reopen&reason=+"
assert_eq "reopen without a reason" 400 "$STATUS"
req canbo POST "/closing?period=$PERIOD&scope=46" --data-urlencode "csrf=$SESSION_CSRF" \
	--data "action=reopen" --data-urlencode "reason=Bổ sung hồ sơ gửi muộn"
assert_eq "reopen" 303 "$STATUS"
req canbo GET "/closing?period=$PERIOD&scope=46"
grep -q '<tr data-version="1" data-state="reopened">' "$WORK/body" || fail "version 1 is not reopened"
grep -q 'id="form-chot"' "$WORK/body" || fail "no close form after reopening"

step "a district account: its own units, not another district's"
login huyen
assert_eq "district account's sign-in" 303 "$STATUS"
req huyen GET "/?period=$PERIOD"
assert_eq "district's own figures" 200 "$STATUS"
grep -q 'data-scope="474"' "$WORK/body" || fail "the district account's default scope is not 474"
req huyen GET "/checks?period=$PERIOD&scope=19750"
assert_eq "a commune under it" 200 "$STATUS"
req huyen GET "/?period=$PERIOD&scope=476"
assert_eq "another district" 403 "$STATUS"
grep -q 'Huyện Phong Điền' "$WORK/body" || fail "the refusal does not name the district asked for"
req huyen GET "/api/figures?period=$PERIOD&scope=476"
assert_eq "another district by the API" 403 "$STATUS"
jq -e '.status == 403' "$WORK/body" >/dev/null || fail "the API's 403 is not JSON"
req huyen GET "/?period=$PERIOD"
grep -q '<option value="476"' "$WORK/body" && fail "the district account is offered another district"
grep -q '<option value="19750"' "$WORK/body" || fail "the district account is not offered its communes"

step "hostile input comes back escaped"
req canbo GET "/?period=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
assert_eq "a bad period" 400 "$STATUS"
grep -q '<script>' "$WORK/body" && fail "the period came back unescaped"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$WORK/body" || fail "the period is not shown escaped"

step "the users page: admins only; a change ends the account's sessions"
req canbo GET /users
assert_eq "an officer on /users" 403 "$STATUS"
login quantri
assert_eq "admin's sign-in" 303 "$STATUS"
csrf_of quantri
req quantri POST /users --data "csrf=$SESSION_CSRF&action=add&name=moi&role=viewer&password=ngan&password2=ngan"
assert_eq "a weak password" 400 "$STATUS"
grep -q 'ít nhất 10\|từ 10 ký tự' "$WORK/body" || fail "the refusal is not in Vietnamese"
req quantri POST /users --data "csrf=$SESSION_CSRF&action=add&name=moi&role=viewer&password=$PW&password2=$PW"
assert_eq "add" 303 "$STATUS"
cchc user list | grep -q '^moi ' || fail "the account added in the console is not listed"
req quantri POST /users --data "csrf=$SESSION_CSRF&action=disable&name=huyen"
assert_eq "disable" 303 "$STATUS"
req huyen GET "/?period=$PERIOD"
assert_eq "a disabled account's next page" 303 "$STATUS"
assert_contains "sent to the sign-in" "/login" "$(header Location)"
printf '%s\n' "mat-khau-moi-123" >"$WORK/pw2"
cchc user passwd canbo --password-file "$WORK/pw2" >/dev/null || fail "cchc user passwd"
req canbo GET "/?period=$PERIOD"
assert_eq "after a password change elsewhere" 303 "$STATUS"

step "sign-out"
csrf_of xem
req xem POST /logout --data "csrf=$SESSION_CSRF"
assert_eq "sign-out" 303 "$STATUS"
assert_contains "the session cookie is cleared" "Max-Age=0" "$(header Set-Cookie)"
req xem GET "/?period=$PERIOD"
assert_eq "after signing out" 303 "$STATUS"

step "five wrong passwords lock the name"
for i in 1 2 3 4 5; do
	login khoa "sai-mat-khau-$i"
	assert_eq "wrong password $i" 403 "$STATUS"
	grep -q 'Tên đăng nhập hoặc mật khẩu không đúng' "$WORK/body" || fail "no failure message"
done
login khoa
assert_eq "the right password while locked" 429 "$STATUS"
grep -q 'tạm thời bị khóa' "$WORK/body" || fail "the lock is not said"
cchc audit verify >/dev/null || fail "the audit chain does not verify"
echo "$TEST_NAME: ok"
