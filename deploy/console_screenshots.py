"""console_screenshots: what `make demo` runs to keep a picture of each console page (docs/design.md
§14) under out/console/, as a clerk sees them in headless Chromium: the sign-in, the figures (the
whole page), the checks, the closing, the downloads, and the figures on a phone-sized screen.

usage: /usr/bin/python3 deploy/console_screenshots.py URL USER PASSWORD PERIOD SCOPE OUTDIR
"""
import os
import sys
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL, USER, PASSWORD, PERIOD, SCOPE, OUT = sys.argv[1:7]
WIDTH, HEIGHT = 1280, 900


def stale(element):
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True


def shot(d, name, whole=False):
    """Saves the page; whole: the full height of the page, not just the window."""
    if whole:
        height = d.execute_script("return document.documentElement.scrollHeight")
        d.set_window_size(WIDTH, min(max(height, HEIGHT), 12000))
    path = os.path.join(OUT, name)
    if not d.save_screenshot(path):
        sys.exit("console_screenshots: could not write " + path)
    if whole:
        d.set_window_size(WIDTH, HEIGHT)
    print("console_screenshots: " + path)


def main():
    os.makedirs(OUT, exist_ok=True)
    o = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=vi",
              "--window-size=%d,%d" % (WIDTH, HEIGHT), "--hide-scrollbars"]:
        o.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    try:
        q = urllib.parse.urlencode({"period": PERIOD, "scope": SCOPE})
        d.get(URL + "/login")
        shot(d, "1-dang-nhap.png")
        form = d.find_element(By.ID, "dang-nhap")
        form.find_element(By.NAME, "user").send_keys(USER)
        form.find_element(By.NAME, "password").send_keys(PASSWORD)
        form.find_element(By.ID, "nut-dang-nhap").click()
        try:
            WebDriverWait(d, 30, poll_frequency=0.05).until(lambda _: stale(form))
        except TimeoutException:
            sys.exit("console_screenshots: the sign-in did not answer")
        if urllib.parse.urlsplit(d.current_url).path == "/login":
            sys.exit("console_screenshots: the sign-in as %s was refused" % USER)
        for name, path, whole in [("2-so-lieu.png", "/?", True),
                                  ("3-kiem-tra.png", "/checks?", True),
                                  ("4-chot-so-lieu.png", "/closing?", True),
                                  ("5-tai-ve.png", "/downloads?", False)]:
            d.get(URL + path + q)
            shot(d, name, whole)
        d.set_window_size(390, 844)
        d.get(URL + "/?" + q)
        shot(d, "6-dien-thoai.png")
    finally:
        d.quit()


main()
