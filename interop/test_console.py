"""The web console in real headless Chromium (Debian chromium + chromium-driver, Selenium): log in, see a queue made
over AMQP with its message count, publish and get a message from the page, close a connection, see the rate chart
drawn. Screenshots go to interop/build/artifacts/console/ (kept after the run)."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from gwtest.broker import REPO_ROOT
from gwtest.clients import connect, unique
from gwtest.http_api import ok, q
from gwtest.session import skip_on

pytestmark = skip_on(("mosquitto", "rabbitmq"), "Gateway's web console")

ARTIFACTS = REPO_ROOT / "interop" / "build" / "artifacts" / "console"


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    assert chromium and driver_path, "chromium and chromium-driver are not installed (the test command installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver, condition, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition(driver)
            if value:
                return value
        except Exception:  # the element is not there yet, or went stale while the page re-rendered
            pass
        if time.monotonic() > deadline:
            driver.save_screenshot(str(ARTIFACTS / "failure.png"))
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def by_id(driver, element_id):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def shot(driver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def test_console_end_to_end(broker, browser):
    from selenium.webdriver.common.by import By

    base = f"http://{broker.host}:{broker.http_port}"
    name = unique("console")
    producer = connect(broker)
    ch = producer.channel()
    ch.queue_declare(name)
    for i in range(2):
        ch.basic_publish("", name, f"from-amqp-{i}".encode())

    browser.get(base + "/")
    by_id(browser, "login-user").send_keys("guest")
    by_id(browser, "login-password").send_keys("wrong")
    by_id(browser, "login-submit").click()
    wait(browser, lambda d: by_id(d, "login-error").is_displayed(), "the login error")
    by_id(browser, "login-password").clear()
    by_id(browser, "login-password").send_keys("guest")
    by_id(browser, "login-submit").click()
    wait(browser, lambda d: by_id(d, "nav").is_displayed(), "the navigation after login")
    wait(browser, lambda d: "guest" in by_id(d, "whoami").text, "the logged-in user")
    shot(browser, "01-overview")

    # Queues: the AMQP queue with its count; open it, publish from the page, get the messages back.
    browser.get(base + "/#queues")
    by_id(browser, "queue-filter").send_keys(name)
    row = wait(browser, lambda d: next(r for r in d.find_elements(By.CSS_SELECTOR, "#queues tr.clickable")
                                       if name in r.text), "the queue in the list")
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    assert cells[1] == name and cells[2] == "2", cells
    shot(browser, "02-queues")
    row.click()
    wait(browser, lambda d: by_id(d, "queue-detail").is_displayed(), "the queue detail")
    by_id(browser, "publish-payload").send_keys("hello from the console")
    by_id(browser, "publish-submit").click()
    wait(browser, lambda d: by_id(d, "queue-messages").text == "3", "3 messages after publishing")
    count = by_id(browser, "get-count")
    count.clear()
    count.send_keys("3")
    browser.find_element(By.CSS_SELECTOR, "#get-ackmode option[value=ack_requeue_false]").click()
    by_id(browser, "get-submit").click()
    payloads = wait(browser, lambda d: [p.text for p in d.find_elements(By.CSS_SELECTOR, "#get-result pre")] or None,
                    "the messages got from the page")
    assert payloads == ["from-amqp-0", "from-amqp-1", "hello from the console"]
    wait(browser, lambda d: by_id(d, "queue-messages").text == "0", "an empty queue after acking")
    shot(browser, "03-queue-detail")

    # Connections: close the AMQP producer from the page.
    browser.get(base + "/#connections")
    button = wait(browser, lambda d: next(r for r in d.find_elements(By.CSS_SELECTOR, "#connections tr")
                                          if "AMQP 0-9-1" in r.text).find_element(By.TAG_NAME, "button"),
                  "the AMQP connection with its Close button")
    shot(browser, "04-connections")
    button.click()
    wait(browser, lambda d: not [c for c in ok(broker, "GET", "/api/connections") if c["protocol"] == "AMQP 0-9-1"],
         "the AMQP connection closed")
    with pytest.raises(Exception):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            producer.process_data_events(0.1)

    # Overview: the rate chart draws the publish rate while a client publishes.
    stop = threading.Event()

    def publish():
        conn = connect(broker)
        c = conn.channel()
        while not stop.is_set():
            c.basic_publish("", name, b"rate")
            conn.process_data_events(0.01)
        conn.close()

    publisher = threading.Thread(target=publish, daemon=True)
    publisher.start()
    try:
        browser.get(base + "/#overview")
        last = wait(browser, lambda d: (lambda v: v if v.get("publish", 0) > 0 else None)(
            json.loads(by_id(d, "rate-chart").get_attribute("data-last") or "{}")), "a publish rate on the chart",
            timeout=30)
        assert last["publish"] > 0
        drawn = browser.execute_script(
            "const c = document.getElementById('rate-chart'); const d = c.getContext('2d').getImageData(0, 0, c.width,"
            " c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] === 47 && d[i+1] === 111 &&"
            " d[i+2] === 223) n++; return n;")
        assert drawn > 50, f"only {drawn} pixels of the publish line"
        shot(browser, "05-overview-chart")
    finally:
        stop.set()
        publisher.join(10)
    ok(broker, "DELETE", f"/api/queues/%2F/{q(name)}")


def test_static_files_and_path_traversal(broker):
    import urllib.request

    for path, kind in (("/", "text/html"), ("/login", "text/html"), ("/app.js", "text/javascript"),
                       ("/app.css", "text/css")):
        with urllib.request.urlopen(f"http://{broker.host}:{broker.http_port}{path}", timeout=10) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"].startswith(kind)
    from gwtest.http_api import api

    for path in ("/../app.js", "/%2e%2e/%2e%2e/etc/passwd", "/app.js/../../etc/passwd", "/etc/passwd"):
        assert api(broker, "GET", path, user=None)[0] == 404, path
