"""No page shows a link its user cannot open: each demo user, from the home page, follows every
same-site link on every page reached (breadth first) and none answers 403, 404 or 500.

The demo LA (a small one) is loaded once for the module. Skipped: signing out, the Django admin
for users who are not staff, static files and export downloads (`?_export=`). A table's own
state in a link (its sort order, a page after the first) is opened once per kind of page and
kind of state, not for every column or page. Each kind of page (URL name, with the names of
its other query parameters) is opened for at most a few objects: the first `PER_VIEW` schools,
pupils, returns... found. So the crawl reaches every kind of page a role is shown, instead of
stopping at the cap in the hundreds of one-per-school pages.
"""

from __future__ import annotations

import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.urls import Resolver404, resolve

#: The demo's users, one a role: LA officer, finance officer, school business manager, SEN
#: Panel member, cluster host, system admin.
ROLES = ("officer", "finance", "school", "panel", "cluster", "admin")
PAGE_CAP = 400
#: Objects opened per kind of page.
PER_VIEW = 3
#: django-tables2's sort and page parameters (any table prefix): a table's state, not a page.
TABLE_STATE = re.compile(r"(?:^|_)(?:sort|page|per_page)$")
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


def page_key(parts) -> tuple[str, str]:
    """(the page a URL opens: path and query without table state, its kind)."""
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if not TABLE_STATE.search(k)]
    local = parts.path + (f"?{urlencode(kept)}" if kept else "")
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        return local, local  # opened, so that it is reported
    return local, f"{name}?{','.join(sorted({k for k, _ in kept}))}"


def crawl(client, *, staff: bool, start: str = "/", cap: int = PAGE_CAP):
    """Breadth first from `start`; returns (pages opened, [(url, status, found on)])."""
    queue = deque([(start, "(start)")])
    seen = {page_key(urlsplit(start))[0]}
    per_view: dict[str, int] = {}
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
            page, kind = page_key(parts)
            state = sorted({k for k, _ in parse_qsl(parts.query) if TABLE_STATE.search(k)})
            if state:
                # A table's sort or page link: opened once per kind of page and kind of state
                # (so a 500 on sorting or on page 2 is caught), not for every column.
                page, kind = f"{kind}#{','.join(state)}", f"{kind}#{','.join(state)}"
                if page in seen:
                    continue
            elif page in seen or per_view.get(kind, 0) >= PER_VIEW:
                continue
            per_view[kind] = per_view.get(kind, 0) + 1
            seen.add(page)
            queue.append((parts.path + (f"?{parts.query}" if parts.query else ""), url))
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
