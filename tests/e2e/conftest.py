"""Browser tests: Playwright (Python, sync API) driving Debian's Chromium at /usr/bin/chromium
against pytest-django's live_server.

Live-server tests flush the database at the end; mark them
`django_db(transaction=True, serialized_rollback=True)` like the project's other transactional
tests, so the role groups the migrations made are put back (see tests/conftest.py).

Never downloads a browser. When Chromium cannot start the tests are skipped with the reason,
except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make beside
# it are still synchronous, so tell Django not to refuse them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "correct-horse-battery"


def _unavailable(reason: str):
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"Browser tests cannot run under CI=true: {reason}")
    pytest.skip(f"Browser tests skipped: {reason}")


@pytest.fixture
def browser():
    """Chromium for one test.

    Per test on purpose: while Playwright's sync API runs, Django's `connections` resolve in
    Playwright's context to fresh connection objects (without the serialized_rollback
    snapshot), so Playwright is stopped again before pytest-django flushes and restores the
    database, and before any other test runs.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a pinned dev dependency
        _unavailable(f"Playwright is not installed ({exc})")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        _unavailable(f"Chromium at {CHROMIUM} cannot start: {exc}")
    try:
        yield chromium
    finally:
        connections.close_all()  # the ones opened in Playwright's context
        chromium.close()
        playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A page in a normal context: the CSP is enforced, and any CSP violation fails the test."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert violations == [], f"CSP violations: {violations}"


@pytest.fixture
def axe_page(browser, live_server):
    """A page whose context bypasses the CSP, only so axe-core can be injected."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in with the keyboard only."""
    page.goto("/login/")
    page.keyboard.press("Tab")  # skip link
    tab_to(page, page.get_by_label("Username"))
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)


def tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab until `locator` has the focus (fails after `limit` presses)."""
    handle = locator.element_handle()
    for _ in range(limit):
        if page.evaluate("el => el === document.activeElement", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Could not reach {locator} with the Tab key")


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations on the current page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
