"""axe-core finds no serious or critical violation on any page type, for any role (issue 16 §7).

The demo LA is loaded once; each demo user (LA officer, finance officer, school business manager,
SEN Panel member, cluster host, system admin) gets one browser context and, from the home page,
follows same-site links breadth first. One page is checked per URL pattern and role (the path is
resolved with django.urls.resolve: every pupil's page is one page type, every sort or filter of a
table too). The Django admin's pages are keyed by their kind (changelist, change, add, history,
delete, ...) only: they share their templates across models. Export and download links
(`?_export=`, files) are not opened, and a response that is not HTML is not checked. The six
crawls advance side by side so that one role's axe run overlaps the next role's page load.

axe-core is injected as a script, so the contexts bypass the CSP (as in test_accessibility.py).
"""

from __future__ import annotations

import io
import time
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from tests.e2e.conftest import AXE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: One demo user a role (funding.demo.DEMO_LOGINS).
ROLES = ("officer", "finance", "school", "panel", "cluster", "admin")
#: Page types checked per role: enough for every pattern a role reaches in the demo.
PAGES_PER_ROLE = 90
DOWNLOAD_SUFFIXES = (".csv", ".xlsx", ".pdf", ".zip", ".json", ".txt")
#: axe runs in the page while the other roles' pages load; AXE_RESULTS_JS waits for it.
START_AXE_JS = "() => { window.__axe = axe.run(document, {resultTypes: ['violations']}); }"
AXE_RESULTS_JS = "async () => (await window.__axe).violations"
LINKS_JS = "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"


def is_download(url: str) -> bool:
    parts = urlsplit(url)
    return "_export=" in parts.query or parts.path.lower().endswith(DOWNLOAD_SUFFIXES)


def page_type(path: str) -> str | None:
    """The URL pattern a path belongs to (None when it resolves to nothing)."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if path.startswith("/admin/"):
        # admin:schools_school_changelist -> admin:changelist (one template for every model)
        name = match.url_name or match.route
        kind = name.rsplit("_", 1)[-1] if "_" in name else name
        return f"admin:{kind}"
    return match.route or match.view_name


def _skip(url: str, origin: str, *, staff: bool) -> bool:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return True
    path = parts.path
    return (
        path.startswith(("/static/", "/media/", "/logout/", "/admin/logout/"))
        or (path.startswith("/admin/") and not staff)
        or path.startswith("/admin/password_change/")
    )


def sign_in_as(context, user: User, base_url: str) -> None:
    """Put a session for `user` in the browser context (the keyboard sign-in has its tests)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


class Crawler:
    """One role's breadth-first crawl from "/" in its own browser context.

    A step is split in two so that the roles' axe runs overlap (each page has its own renderer
    process): `start` opens the next unchecked page type and starts axe without waiting,
    `finish` collects the violations and queues the page's links.
    """

    def __init__(self, context, origin: str, *, staff: bool):
        self.page = context.new_page()
        self.origin, self.staff = origin, staff
        self.queue = deque(["/"])
        self.queued = {"/"}
        self.checked: dict[str, str] = {}  # page type -> the url checked
        self.found: list[tuple[str, str, str, list]] = []  # (url, rule, impact, targets)
        self.downloads: list[str] = []
        self.current: str | None = None

    def start(self) -> bool:
        """Open the next page type and start axe on it; False when there is none left."""
        from playwright.sync_api import Error as PlaywrightError  # `browser` checked it

        self.current = None
        while self.queue and len(self.checked) < PAGES_PER_ROLE:
            path = self.queue.popleft()
            key = page_type(urlsplit(path).path)
            if key is None or key in self.checked:
                continue
            try:
                response = self.page.goto(path)
            except PlaywrightError as exc:  # a link that answers with an attachment
                if "Download is starting" not in str(exc):
                    raise
                self.downloads.append(path)
                continue
            content_type = response.headers.get("content-type", "") if response else ""
            if "text/html" not in content_type:
                continue
            self.checked[key] = self.current = path
            self.page.add_script_tag(path=str(AXE))
            self.page.evaluate(START_AXE_JS)
            return True
        return False

    def finish(self) -> None:
        for violation in self.page.evaluate(AXE_RESULTS_JS):
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:5]
                self.found.append((self.current, violation["id"], violation["impact"], targets))
        for href in self.page.evaluate(LINKS_JS):
            url = urldefrag(href)[0]
            if _skip(url, self.origin, staff=self.staff):
                continue
            if is_download(url):
                self.downloads.append(url)
                continue
            parts = urlsplit(url)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in self.queued or page_type(parts.path) in self.checked:
                continue
            self.queued.add(local)
            self.queue.append(local)


def test_no_page_type_has_a_serious_axe_violation_for_any_role(browser, live_server):
    call_command("seed_demo", pupils=60, stdout=io.StringIO())
    origin = live_server.url
    started = time.monotonic()
    crawlers: dict[str, Crawler] = {}
    contexts = []
    try:
        for username in ROLES:
            user = User.objects.get(username=username)
            contexts.append(context := browser.new_context(base_url=origin, bypass_csp=True))
            context.set_default_timeout(30_000)
            sign_in_as(context, user, origin)
            crawlers[username] = Crawler(context, origin, staff=user.is_staff)
        active = list(crawlers.values())
        while active:
            active = [crawler for crawler in active if crawler.start()]
            for crawler in active:
                crawler.finish()
    finally:
        for context in contexts:
            context.close()
    seconds = time.monotonic() - started
    summary = "; ".join(f"{name}: {len(c.checked)} page types" for name, c in crawlers.items())
    print(f"axe by role: {summary}; {seconds:.0f}s")
    for username, crawler in crawlers.items():
        assert len(crawler.checked) > 3, f"{username} reached only {crawler.checked}"
    # The crawl saw export links and left them alone (they are not pages).
    assert any("_export=" in url for c in crawlers.values() for url in c.downloads)
    problems = [
        f"{name} {url} {rule} ({impact}) {targets}"
        for name, crawler in crawlers.items()
        for url, rule, impact, targets in crawler.found
    ]
    assert not problems, f"{len(problems)} serious/critical axe violations:\n" + "\n".join(problems)
