"""No page shows a link its user cannot open: each demo user, from the home page, follows every
same-site link on every page reached (breadth first) and none answers 403, 404 or 500.

The demo LA (a small one) is loaded once for the module. Skipped: signing out, the Django admin
for users who are not staff, static files and export downloads (`?_export=`). Each path is
opened with at most a few different queries (sorts and pages of one table are one page type).
"""

from __future__ import annotations

import io
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction

#: The demo's users, one a role: LA officer, finance officer, school business manager, SEN
#: Panel member, cluster host, system admin.
ROLES = ("officer", "finance", "school", "panel", "cluster", "admin")
PAGE_CAP = 400
QUERIES_PER_PATH = 2
BROKEN = {403, 404}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_on(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def _skip(url: str, *, staff: bool) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return True
    path = parts.path
    return (
        path.startswith(("/static/", "/logout/", "/media/"))
        or "_export=" in parts.query
        or (path.startswith("/admin/") and not staff)
        or path.startswith("/admin/logout/")
    )


def crawl(client, *, staff: bool, start: str = "/", cap: int = PAGE_CAP):
    """Breadth first from `start`; returns (pages opened, [(url, status, found on)])."""
    queue = deque([(start, "(start)")])
    seen = {start}
    per_path: dict[str, int] = {}
    failures = []
    opened = 0
    while queue and opened < cap:
        url, found_on = queue.popleft()
        response = client.get(url)
        opened += 1
        status = response.status_code
        if status in BROKEN or status >= 500:
            failures.append((url, status, found_on))
            continue
        if 300 <= status < 400:
            targets = [response["Location"]]
        elif "text/html" in response.get("Content-Type", "") and not response.streaming:
            targets = links_on(response.content.decode("utf-8", "replace"))
        else:
            continue
        for href in targets:
            target = urldefrag(urljoin(f"http://testserver{url}", href))[0]
            if _skip(target, staff=staff):
                continue
            parts = urlsplit(target)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in seen:
                continue
            if parts.query:
                if per_path.get(parts.path, 0) >= QUERIES_PER_PATH:
                    continue
                per_path[parts.path] = per_path.get(parts.path, 0) + 1
            seen.add(local)
            queue.append((local, url))
    return opened, failures


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo LA with a few pupils, loaded once and rolled back after the module."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # Like a TestCase's own block: the services' durable blocks may run inside it.
        outer._from_testcase = True
        outer.__enter__()
        try:
            call_command("seed_demo", pupils=60, stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize("username", ROLES)
def test_every_link_a_role_is_shown_opens(demo, db, client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    client.raise_request_exception = False
    opened, failures = crawl(client, staff=user.is_staff)
    assert opened > 5
    report = "\n".join(
        f"{status} {url} (linked from {found_on})" for url, status, found_on in failures
    )
    assert not failures, f"{username}: {len(failures)} broken links\n{report}"
