"""Browser tests: Debian's Chromium driven by Playwright against the desk served on loopback.

The desk is the test's ``web_app`` served by a real HTTP server in a thread (so the test body can
seed rows through the services and read them back). Each test gets fresh browser contexts at the
size it asks for; a screenshot of every page a test names is kept under ``artifacts/browser/``
(``BROWSER_ARTIFACTS`` to change it), which CI keeps with the run.

Chromium comes from Debian (``/usr/bin/chromium``, or ``CHROMIUM``); nothing is downloaded. A
missing browser fails the tests, never skips them.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts" / "browser"))
# As the probe starts it: no sandbox as root, and none of the background traffic the closed network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


class Person:
    """One person's browser window at one size; ``shot(name)`` keeps a screenshot."""

    def __init__(self, context, base: str, label: str):
        self.context, self.base, self.label = context, base, label
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 500, f"{path}: {response.status if response else None}"
        return response

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{self.label}-{name}")
        self.page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)

    def sign_in(self, email: str, password: str) -> None:
        self.go("/login")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_load_state()

    def text(self) -> str:
        return self.page.inner_text("body")

    def no_horizontal_scroll(self) -> bool:
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture()
def person(chromium, live_server, request):
    """``person(size="desktop"|"phone", javascript=True)`` → a Person in a fresh context."""
    contexts = []

    def open_window(size: str = "desktop", *, javascript: bool = True, label: str | None = None) -> Person:
        context = chromium.new_context(viewport=SIZES[size], locale="ko-KR", java_script_enabled=javascript,
                                       timezone_id="Asia/Seoul")
        contexts.append(context)
        name = label or f"{request.node.name}-{size}{'' if javascript else '-nojs'}-{len(contexts)}"
        return Person(context, live_server, name)

    yield open_window
    for context in contexts:
        context.close()
