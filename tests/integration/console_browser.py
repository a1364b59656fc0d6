"""The console in a real browser (docs/design.md §14): headless Chromium driven by Selenium through
the pages a clerk uses (the satisfaction table and the 766 estimate of §16 too, on a phone's width
as well), on a stack test_console_browser.sh prepared (accounts, a generated quarter
and its truth). Every step acts as a person would (types, clicks, follows links, downloads) and
asserts what the page then shows. Waits poll for their condition with a deadline; nothing sleeps.

usage: console_browser.py URL WORK PERIOD PASSWORD CCHC
  WORK holds truth.json, report.json (cchc report --format json), late.jsonl (records dated in
  the period to push after the close); CCHC is the cchc binary (CCHC_CONF in the environment).
"""
import json
import os
import subprocess
import sys
import time
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

URL, WORK, PERIOD, PASSWORD, CCHC = sys.argv[1:6]
DOWNLOADS = os.path.join(WORK, "downloads")
FIGURES = ["carried_over", "received", "received_online", "received_direct", "received_postal",
           "resolved", "resolved_early", "resolved_on_time", "resolved_late", "intake",
           "returned", "withdrawn", "pending", "pending_within_due", "pending_overdue",
           "waiting", "not_accepted", "paid_online", "digitized"]


def fail(msg):
    print("console_browser: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def step(msg):
    print("== " + msg, flush=True)


def vn(n):
    """A count as the Vietnamese pages write it: '.' groups thousands."""
    return ("-" if n < 0 else "") + "{:,}".format(abs(n)).replace(",", ".")


def rate(num, den):
    """num / den as the pages write a rate: two decimals after ',' (half away from zero), '-'
    without a denominator."""
    if not den:
        return "-"
    x = (num * 20000 + den) // (2 * den)
    return "%d,%02d%%" % (x // 100, x % 100)


def index_766(d):
    """{indicator: (ratio text, approximation, badge's border colour or None)} of #bang-chi-so-766."""
    got = d.execute_script("""
        const out = [];
        for (const tr of document.querySelectorAll('#bang-chi-so-766 tr[data-indicator]')) {
          if (!tr.dataset.indicator) continue;
          const badge = tr.querySelector('.xap-xi');
          out.push([tr.dataset.indicator, tr.querySelector('td[data-col=ratio]').textContent.trim(),
                    tr.dataset.approximation === '1',
                    badge ? getComputedStyle(badge).borderTopColor : null]);
        }
        return out;""")
    return {i: (r, a, b) for i, r, a, b in got}


def phone_fits(d):
    """The page at a phone's width: [page width, viewport width, 766 box's client and scroll
    widths, the section's width]."""
    return d.execute_script("""
        const box = document.getElementById('bang-chi-so-766').parentElement;
        return [document.documentElement.scrollWidth, window.innerWidth, box.clientWidth,
                box.scrollWidth, document.getElementById('chi-so-766').getBoundingClientRect().width];""")


def browser():
    os.makedirs(DOWNLOADS, exist_ok=True)
    o = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--window-size=1280,1000", "--lang=vi"]:
        o.add_argument(a)
    o.add_experimental_option("prefs", {"download.default_directory": DOWNLOADS,
                                        "download.prompt_for_download": False})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(60)
    # Headless Chromium saves downloads only when told where (DevTools).
    d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": DOWNLOADS})
    return d


def wait(d, what, cond, secs=30):
    try:
        return WebDriverWait(d, secs, poll_frequency=0.05).until(lambda _: cond())
    except TimeoutException:
        fail("%s: not within %ds (at %s)" % (what, secs, d.current_url))


def path_of(d):
    u = urllib.parse.urlsplit(d.current_url)
    return u.path + ("?" + u.query if u.query else "")


def h1(d):
    return d.find_element(By.TAG_NAME, "h1").text


def reason(d):
    """The reason an error page gives (#ly-do), or ''."""
    found = d.find_elements(By.ID, "ly-do")
    return found[0].text if found else ""


def sign_in(d, user, password):
    d.get(URL + "/login")
    form = d.find_element(By.ID, "dang-nhap")
    form.find_element(By.NAME, "user").send_keys(user)
    form.find_element(By.NAME, "password").send_keys(password)
    form.find_element(By.ID, "nut-dang-nhap").click()
    wait(d, "the sign-in's answer", lambda: stale(form))


def stale(element):
    """True once the page that held element has been replaced."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True


def sign_out(d):
    d.find_element(By.CSS_SELECTOR, "#dang-xuat button").click()
    wait(d, "the page after signing out", lambda: urllib.parse.urlsplit(d.current_url).path == "/login")


def cells(d, table, key):
    """{(row kind, row code, cell key): text} of a table, read in one call."""
    got = d.execute_script("""
        const out = [];
        for (const tr of document.querySelectorAll('#' + arguments[0] + ' tr')) {
          const kind = tr.dataset.group || tr.dataset.kind || '';
          for (const td of tr.querySelectorAll('td[data-' + arguments[1] + ']'))
            out.push([kind, tr.dataset.code || '', td.dataset[arguments[1]], td.textContent.trim()]);
        }
        return out;""", table, key)
    return {(k, c, f): t for k, c, f, t in got}


def post_forged(d, path, fields):
    """Submits a form the page does not offer, as a forging page or a tampered request would."""
    d.execute_script("""
        const f = document.createElement('form');
        f.method = 'post'; f.action = arguments[0];
        for (const [k, v] of Object.entries(arguments[1])) {
          const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v;
          f.appendChild(i);
        }
        document.body.appendChild(f); f.submit();""", path, fields)
    wait(d, "the forged POST's answer", lambda: d.find_elements(By.ID, "ly-do"))


def cchc(*args, out=None):
    r = subprocess.run([CCHC] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        fail("cchc %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()[-500:]))
    return r.stdout


def downloaded(d, name):
    path = os.path.join(DOWNLOADS, name)
    wait(d, "the download of " + name,
         lambda: os.path.exists(path) and not os.path.exists(path + ".crdownload"))
    return open(path, "rb").read()


def main():
    truth = json.load(open(os.path.join(WORK, "truth.json")))
    report = json.load(open(os.path.join(WORK, "report.json")))
    q = "period=%s&scope=46" % PERIOD
    d = browser()
    try:
        step("without a session the figures page sends to the sign-in, and back after it")
        d.get(URL + "/?" + q)
        if urllib.parse.urlsplit(d.current_url).path != "/login":
            fail("without a session: at %s, not /login" % d.current_url)
        if h1(d) != "Đăng nhập":
            fail("the sign-in page's heading is %r" % h1(d))
        form = d.find_element(By.ID, "dang-nhap")
        form.find_element(By.NAME, "user").send_keys("canbo")
        form.find_element(By.NAME, "password").send_keys(PASSWORD)
        form.find_element(By.ID, "nut-dang-nhap").click()
        wait(d, "back on the figures page", lambda: path_of(d) == "/?" + q)

        step("the figures page shows every figure of the truth in its Vietnamese form")
        if h1(d) != "Số liệu":
            fail("the figures page's heading is %r" % h1(d))
        got = cells(d, "bang-chi-tiet", "figure")
        dossiers = truth["dossiers"]
        rows = [("all", "", dossiers["all"])]
        rows += [("level", lv, dossiers[lv]) for lv in report["dossiers"]["levels"]]
        rows += [("unit", u["code"], u) for u in dossiers["units"]]
        rows += [("field", f["code"], f) for f in dossiers["fields"] if any(f[k] for k in FIGURES)]
        wrong = []
        for kind, code, figs in rows:
            for k in FIGURES:
                if got.get((kind, code, k)) != vn(figs[k]):
                    wrong.append("%s %s %s: page %r, truth %d" % (kind, code, k, got.get((kind, code, k)), figs[k]))
        if wrong:
            fail("%d of %d figures differ from the truth, e.g. %s" % (len(wrong), len(rows) * len(FIGURES), wrong[:3]))
        print("ok: %d figures as the truth has them" % (len(rows) * len(FIGURES)))
        para = d.find_element(By.ID, "doan-2-2-c").text
        total = dossiers["all"]["received"]
        want = "tổng số hồ sơ TTHC đã tiếp nhận: %s hồ sơ" % (vn(total) if total > 9 else "%02d" % total)
        if want not in para:
            fail("the II.2.c paragraph lacks %r" % want)
        unit_rows = d.execute_script("""
            return [...document.querySelectorAll('#bang-theo-don-vi tr[data-kind=item]')]
                   .map(tr => tr.dataset.code);""")
        json_units = [u["code"] for u in report["dossiers"]["units"]]
        if unit_rows != json_units:
            fail("the unit table's rows %s… are not the JSON export's %s…" % (unit_rows[:4], json_units[:4]))
        for chart in ("bieu-do-cap", "bieu-do-huyen"):
            img = d.find_element(By.ID, chart)
            wait(d, "chart " + chart + " drawn",
                 lambda: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img))

        step("the satisfaction table and the 766 estimate as the truth has them")
        sat = cells(d, "bang-hai-long", "col")
        a = dossiers["all"]
        for k in ("rated", "rated_satisfied", "rated_unsatisfied"):
            if sat.get(("total", "", k)) != vn(a[k]):
                fail("satisfaction total %s: page %r, truth %d" % (k, sat.get(("total", "", k)), a[k]))
        if sat.get(("total", "", "rate_satisfied")) != rate(a["rated_satisfied"], a["rated"]):
            fail("satisfaction rate: page %r" % sat.get(("total", "", "rate_satisfied")))
        if not a["rated"]:
            fail("the generated quarter has no rating")
        shown = index_766(d)
        approximations = {i["id"]: i["approximation"] for i in report["index_766"]["indicators"]}
        for ind in truth["index_766"]["all"]["indicators"]:
            ratio, approx, badge = shown.get(ind["id"], (None, None, None))
            if ratio != rate(ind["numerator"], ind["denominator"]):
                fail("766 %s: page %r, truth %d / %d" % (ind["id"], ratio, ind["numerator"], ind["denominator"]))
            if approx != approximations[ind["id"]] or (badge is not None) != approx:
                fail("766 %s: approximation %r on the page, %r in the JSON" % (ind["id"], approx, approximations[ind["id"]]))
            # the badge is drawn by /style.css (the CSP allows no inline style)
            if approx and badge != "rgb(191, 135, 0)":
                fail("766 %s: the approximation badge is not styled (%r)" % (ind["id"], badge))
        if len(d.find_elements(By.CSS_SELECTOR, "#chi-so-766-chua-tinh li[data-indicator]")) != \
                len(report["index_766"]["not_computed"]):
            fail("the indicators not computed differ from the JSON's")
        print("ok: satisfaction and %d indicators as the truth has them" % len(shown))

        step("on a phone's width: nothing wider than the screen, the 766 table scrolls in its box")
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
        try:
            d.get(URL + "/?" + q)
            wait(d, "the page at 390 px", lambda: d.execute_script("return window.innerWidth") == 390)
            page, view, box, inner, section = phone_fits(d)
            if page > view or section > view:
                fail("at 390 px the page is %d px wide (section %d)" % (page, section))
            if box > view or inner <= box:
                fail("at 390 px the 766 table's box is %d px showing %d px: it does not scroll in it" % (box, inner))
            if index_766(d) != shown:
                fail("the 766 figures differ at a phone's width")
            d.save_screenshot(os.path.join(WORK, "figures-phone.png"))
        finally:
            d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        print("ok: at 390 px the page is %d px wide, the 766 table %d px in a %d px box" % (page, inner, box))

        step("the scope chooser: choosing a district shows its figures")
        Select(d.find_element(By.ID, "don-vi")).select_by_value("474")
        d.find_element(By.CSS_SELECTOR, "#chon-ky button[value=named]").click()
        wait(d, "district 474's figures", lambda: "scope=474" in d.current_url)
        district = next(u for u in dossiers["units"] if u["code"] == "474")
        g = cells(d, "bang-chi-tiet", "figure")
        if g.get(("unit", "474", "received")) != vn(district["received"]):
            fail("district 474's received: %r, truth %d" % (g.get(("unit", "474", "received")), district["received"]))

        step("close the quarter from its page (forcing past silent offices if there are any)")
        d.get(URL + "/closing?" + q)
        d.find_element(By.ID, "ghi-chu").send_keys("Báo cáo quý, chốt trên trình duyệt")
        d.find_element(By.ID, "nut-chot").click()
        wait(d, "the close's answer", lambda: d.find_elements(By.ID, "bang-phien-ban") or d.find_elements(By.ID, "nut-chot-van"))
        if d.find_elements(By.ID, "nut-chot-van"):
            d.find_element(By.ID, "nut-chot-van").click()
        wait(d, "version 1 standing",
             lambda: d.find_elements(By.CSS_SELECTOR, "#bang-phien-ban tr[data-version='1'][data-state='standing']"))

        step("the DOCX and XLSX downloaded by the browser are byte-equal to cchc report's")
        d.get(URL + "/downloads?" + q)
        for fmt in ("docx", "xlsx"):
            d.find_element(By.CSS_SELECTOR, "#tai-ve a[data-format='%s']" % fmt).click()
            web = downloaded(d, "bao-cao-%s-46.%s" % (PERIOD, fmt))
            cli_path = os.path.join(WORK, "cli." + fmt)
            cchc("report", "--period", PERIOD, "--scope", "46", "--format", fmt, "-o", cli_path)
            if web != open(cli_path, "rb").read():
                fail("the %s the browser downloaded differs from cchc report's" % fmt)
            print("ok: %s byte-equal (%d bytes)" % (fmt, len(web)))

        step("late records: the closing page shows what they changed")
        out = cchc("push", os.path.join(WORK, "late.jsonl"))
        print(out.strip().splitlines()[-1])
        d.get(URL + "/closing?" + q)
        wait(d, "the diff table", lambda: d.find_elements(By.ID, "bang-chenh-lech"))
        late = d.find_element(By.ID, "so-su-kien-muon").text
        if late in ("", "0"):
            fail("the closing page counts %r late events" % late)
        changed = d.find_elements(By.CSS_SELECTOR, "#bang-chenh-lech tr[data-group='unit'][data-code='19750']")
        if not changed:
            fail("the diff does not list office 19750, where the late records went")
        sign_out(d)

        step("a viewer sees the versions but no button, and a forged close is refused")
        sign_in(d, "xem", PASSWORD)
        d.get(URL + "/closing?" + q)
        if not d.find_elements(By.ID, "bang-phien-ban"):
            fail("a viewer does not see the versions")
        for form in ("form-chot", "form-mo-lai", "form-chot-van"):
            if d.find_elements(By.ID, form):
                fail("a viewer is offered #" + form)
        csrf = d.find_element(By.CSS_SELECTOR, "#dang-xuat input[name=csrf]").get_attribute("value")
        post_forged(d, "/closing?" + q, {"csrf": csrf, "action": "reopen", "reason": "thử"})
        if h1(d) != "Không có quyền":
            fail("a viewer's forged reopen answered %r: %s" % (h1(d), reason(d)))
        if "đang có hiệu lực" not in cchc("period", "list", PERIOD, "--scope", "46"):
            fail("a viewer's forged POST reopened the period")

        step("a POST without its CSRF token is refused")
        post_forged(d, "/logout", {})
        if h1(d) != "Không có quyền":
            fail("a sign-out without its token answered %r" % h1(d))
        d.get(URL + "/?" + q)
        if urllib.parse.urlsplit(d.current_url).path != "/":
            fail("the session did not survive a refused sign-out: at %s" % d.current_url)
        sign_out(d)

        step("a district account cannot see another district, even by editing the URL")
        sign_in(d, "huyen", PASSWORD)
        d.get(URL + "/?period=%s" % PERIOD)
        if d.find_elements(By.CSS_SELECTOR, "#chon-ky option[value='476']"):
            fail("the district account is offered district 476")
        d.get(URL + "/?period=%s&scope=476" % PERIOD)
        if h1(d) != "Không có quyền" or "Huyện Phong Điền" not in reason(d):
            fail("another district by URL answered %r: %r" % (h1(d), reason(d)))
        d.get(URL + "/report?period=%s&scope=476&format=json" % PERIOD)
        if h1(d) != "Không có quyền":
            fail("another district's download answered %r" % h1(d))
        sign_out(d)

        step("five wrong passwords lock the sign-in for a while")
        for i in range(5):
            sign_in(d, "khoa", "sai-mat-khau-%d" % i)
            if "Tên đăng nhập hoặc mật khẩu không đúng" not in d.page_source:
                fail("wrong password %d: no failure message" % (i + 1))
        sign_in(d, "khoa", PASSWORD)
        if "tạm thời bị khóa" not in d.page_source:
            fail("the right password after five wrong ones was not refused as locked")
        if urllib.parse.urlsplit(d.current_url).path != "/login":
            fail("a locked account got past the sign-in")
        d.get(URL + "/?" + q)
        if urllib.parse.urlsplit(d.current_url).path != "/login":
            fail("a locked account has a session")
    finally:
        d.quit()
    print("console_browser: ok")


main()
