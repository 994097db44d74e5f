"""Every CSV and Excel export goes through the one export layer (schools.exports).

Issue 17 #2: user-entered text starting with =, +, - or @ became a live formula in an officer's
spreadsheet. The daily-work issue: money as numbers to the penny (£ format in Excel), dates as
dates, the screen's headers, a total row, a UTF-8 BOM on CSV.

The walk seeds the demo LA, writes a hostile string into every free-text field of every model
(school and pupil names, notes, return corrections, panel notes, cluster request text...), then
follows the LA officer's links from the home page, collecting each `?_export=` link, and opens
every file with openpyxl or csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import deque
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import openpyxl
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.urls import Resolver404, resolve

from schools import exports
from schools.exports import Col, Sheet, money

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
MONEY_TEXT = re.compile(r"^[−+-]?£[\d,]+\.\d{2}$")  # a whole cell of money as text
DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$|^\d{1,2} [A-Z][a-z]{2} \d{4}$")

# Fields the product parses or looks up by (codes, identifiers, logins): not free text.
NOT_FREE_TEXT = {
    "username", "password", "email", "upn", "code", "urn", "slug", "rule", "element", "kind",
    "status", "token", "key", "session_key", "la_code", "reference", "history_type",
    "first_name", "last_name", "number", "colour", "uln", "postcode",
}  # fmt: skip
SKIP_APPS = {"auth", "admin", "sessions", "contenttypes", "axes", "django_celery_beat"}


# --- the layer, cell by cell ---------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE + ["  =1", "\n=1", "\0=1"])
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Meadow Primary", "O'Neill", "£5 voucher", "Year 5", "–"])
def test_ordinary_text_is_left_alone(text):
    assert exports.neutralise(text) == text


def _sheet():
    sheet = Sheet(title="Lines", columns=[Col("School"), Col("From"), Col("Days"), money("Amount")])
    sheet.append(['=HYPERLINK("http://x")', dt.date(2025, 4, 1), 3, Decimal("4308.345")])
    sheet.append(["-1+1", dt.date(2025, 9, 1), 2, Decimal("-12.5")])
    return sheet


def test_xlsx_money_is_a_number_to_the_penny_in_pounds_and_dates_are_dates():
    # 4308.345 rounds half-up to 4308.35; 4308.35 + (-12.50) = 4295.85 in the total row.
    ws = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx([_sheet()]))).active
    assert [c.value for c in ws[1]] == ["School", "From", "Days", "Amount"]
    assert ws["A2"].value == '\'=HYPERLINK("http://x")' and ws["A2"].data_type == "s"
    assert ws["A3"].value == "'-1+1"
    assert ws["B2"].is_date and ws["B2"].value.date() == dt.date(2025, 4, 1)
    assert ws["C2"].value == 3
    assert ws["D2"].value == 4308.35 and "£" in ws["D2"].number_format
    assert ws["D3"].value == -12.5
    assert [c.value for c in ws[4]] == ["Total", None, None, 4295.85]


def test_csv_starts_with_a_bom_and_writes_plain_numbers_and_iso_dates():
    content = exports.to_csv(_sheet()).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:])))
    assert rows[1] == ['\'=HYPERLINK("http://x")', "2025-04-01", "3", "4308.35"]
    assert rows[2] == ["'-1+1", "2025-09-01", "2", "-12.50"]
    assert rows[3] == ["Total", "", "", "4295.85"]


# --- the walk --------------------------------------------------------------------------------


def _free_text_fields(model):
    for f in model._meta.concrete_fields:
        if not isinstance(f, (models.CharField, models.TextField)) or f.primary_key:
            continue
        if f.choices or f.name in NOT_FREE_TEXT or f.name.endswith(("_code", "_id", "_type")):
            continue
        yield f


def _make_hostile():
    """Every free-text field of every row of the product's models starts with a formula."""
    touched = []
    for model in apps.get_models():
        if model._meta.app_label in SKIP_APPS or not model._meta.managed:
            continue
        for i, f in enumerate(_free_text_fields(model)):
            hostile = HOSTILE[i % len(HOSTILE)]
            rows = list(model._base_manager.values_list("pk", flat=True))
            for pk in rows:
                value = f"{hostile} {pk}"
                if f.max_length:
                    value = value[: f.max_length]
                model._base_manager.filter(pk=pk).update(**{f.name: value})
            if rows:
                touched.append(f"{model.__name__}.{f.name}")
    return touched


def _walk(client, start="/", limit_per_view=2, limit=400):
    """Follow links as a user would: each view (URL name) twice at most; returns the export
    links found and the pages visited."""
    seen_urls, per_view, export_links = set(), {}, {}
    queue = deque([start])
    visited = 0
    while queue and visited < limit:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen_urls or path.startswith(
            ("/admin", "/logout", "/accounts/logout", "/static")
        ):
            continue
        seen_urls.add(url)
        try:
            match = resolve(path)
        except Resolver404:
            continue
        name = f"{match.namespace}:{match.url_name}"
        query = dict(parse_qsl(urlsplit(url).query))
        if "_export" in query:
            key = (name, tuple(sorted(k for k in query if k != "_export")), query["_export"])
            export_links.setdefault(key, url)
            continue
        if per_view.get(name, 0) >= limit_per_view:
            continue
        per_view[name] = per_view.get(name, 0) + 1
        response = client.get(url)
        visited += 1
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)"', response.content.decode()):
            href = href.replace("&amp;", "&")
            absolute = urljoin(url, href)
            if absolute.startswith("/"):
                queue.append(absolute)
    return export_links, per_view


def _check_xlsx(url, content, problems):
    book = openpyxl.load_workbook(io.BytesIO(content))
    for ws in book.worksheets:
        for r, row in enumerate(ws.iter_rows(), start=1):
            for cell in row:
                v, where = cell.value, f"{url} {ws.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    problems.append(f"{where}: live formula {v!r}")
                if not isinstance(v, str):
                    if isinstance(v, float) and "£" in cell.number_format and round(v, 2) != v:
                        problems.append(f"{where}: money not to the penny {v!r}")
                    continue
                if r == 1 and "_" in v:
                    problems.append(f"{where}: header with an underscore {v!r}")
                if v.startswith(FORMULA_START):
                    problems.append(f"{where}: text starting with a formula character {v!r}")
                if MONEY_TEXT.match(v):
                    problems.append(f"{where}: money as text {v!r}")
                if DATE_TEXT.match(v):
                    problems.append(f"{where}: date as text {v!r}")


def _check_csv(url, content, problems):
    if not content.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{url}: CSV without a UTF-8 BOM")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            where = f"{url} row {r} col {c}"
            if r == 1 and "_" in v:
                problems.append(f"{where}: header with an underscore {v!r}")
            if v.startswith(FORMULA_START):
                try:
                    Decimal(v)
                except ArithmeticError:
                    problems.append(f"{where}: text starting with a formula character {v!r}")
            if MONEY_TEXT.match(v):
                problems.append(f"{where}: money as text {v!r}")


@pytest.fixture
def hostile_demo(db):
    with open("/dev/null", "w") as out:
        call_command("seed_demo", pupils=60, stdout=out)
    return _make_hostile()


def test_every_export_is_typed_and_neutralised_for_an_la_officer(client, hostile_demo):
    """Issue 17 #2 and the daily-work exports: every `?_export=` link an LA officer reaches."""
    # The hostile strings reached the fields the issue names.
    for field in ("School.name", "Pupil.given_name", "Pupil.family_name"):
        assert field in hostile_demo, field
    from funding.demo import DEMO_PASSWORD

    assert client.login(username="officer", password=DEMO_PASSWORD)
    links, visited = _walk(client)
    # Every kind of export page the product has is reached (lines, reports, returns, pupils...).
    assert len(links) >= 20, sorted(links)
    problems: list[str] = []
    for (_, _, fmt), url in sorted(links.items()):
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{url}: status {response.status_code}")
            continue
        content = b"".join(response) if response.streaming else response.content
        assert "no-store" in response.get("Cache-Control", ""), url
        if fmt == "xlsx":
            _check_xlsx(url, content, problems)
        elif fmt == "csv":
            _check_csv(url, content, problems)
    assert not problems, "\n".join(problems[:60]) + f"\n({len(problems)} problems)"
    # The neutralised text is still there for the reader: '=HYPERLINK(...), not removed, not run.
    content = client.get("/schools/?" + urlencode({"_export": "xlsx"})).content
    names = [c.value for c in openpyxl.load_workbook(io.BytesIO(content)).active["A"][1:]]
    assert names and all(n.startswith("'") for n in names if n), names[:5]
