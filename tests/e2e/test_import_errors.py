"""An LA officer uploads bad files and reads what is wrong in the GOV.UK problems table (row,
column, reason), in a real browser, under the real CSP, and axe finds no serious or critical
violation on the refused page."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import axe_violations, sign_in
from tests.pupils.test_import_pupils import UPN_A, UPN_B, csv_file, row

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BAD_PUPILS = csv_file(
    row(),  # row 2
    row(placement_start="2022-09-01", school_urn=100002, support_from="2024-01-01"),  # row 3
    row(UPN=UPN_B, date_of_birth="31/02/2015"),  # row 4
)
BAD_TERMS = (
    b"academic_year,kind,name,starts_on,ends_on\n"
    b"2025/26,term,Autumn 1,2025-09-03,2025-10-24\n"
    b"2025/26,term,Autumn 2,2025-10-20,2025-12-19\n"
    b"2025/26,holiday,Half term,2025-10-27,\n"
)


@pytest.fixture
def officer(home_la, other_la):
    factories.SchoolFactory(urn=100001, la=home_la, name="Hill Primary")
    factories.SchoolFactory(urn=100002, la=home_la, name="Vale Primary")
    return factories.la_officer(username="olu")


def _upload(page, url: str, name: str, content: bytes, kind: str | None = None) -> None:
    page.goto(url)
    if kind:
        page.get_by_label(kind).check()
    page.get_by_label("Upload a file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Import file").click()
    page.locator(".govuk-error-summary").wait_for()


def _problems(page) -> list[list[str]]:
    table = page.get_by_role("table", name="Problems in the file")
    expect(table).to_be_visible()
    assert table.locator("th").all_inner_texts() == ["Row", "Column", "Problem"]
    return [
        [cell.strip() for cell in r.locator("td").all_inner_texts()]
        for r in table.locator("tbody tr").all()
    ]


def _upload_pupils(page) -> None:
    _upload(page, "/schools/import/", "pupils.csv", BAD_PUPILS, kind="Pupils: one row per")


def test_la_officer_reads_every_problem_of_a_bad_pupils_file(page, officer):
    sign_in(page, "olu")
    _upload_pupils(page)

    expect(page.locator(".govuk-error-summary")).to_contain_text("pupils.csv was not imported")
    problems = _problems(page)
    assert [
        "4",
        "date_of_birth",
        "'31/02/2015' is not a date (use YYYY-MM-DD or DD/MM/YYYY)",
    ] in problems
    # The cross-row problem is listed in the same pass as the field error.
    assert [
        "3",
        "placement_start",
        f"placement overlaps another placement of UPN {UPN_A} (row 2)",
    ] in problems


def test_the_refused_pupils_page_has_no_serious_axe_violation(axe_page, officer):
    sign_in(axe_page, "olu")
    _upload_pupils(axe_page)
    assert _problems(axe_page)
    assert axe_violations(axe_page) == []


def test_la_officer_reads_the_problems_of_a_bad_term_dates_file(axe_page, officer):
    sign_in(axe_page, "olu")
    _upload(axe_page, "/schools/data/term-dates/", "terms.csv", BAD_TERMS)

    expect(axe_page.locator(".govuk-error-summary")).to_contain_text("terms.csv was not imported")
    problems = _problems(axe_page)
    assert ["3", "starts_on", "this term overlaps the term in row 2"] in problems
    assert any(p[:2] == ["4", "kind"] and "'holiday' is not one of" in p[2] for p in problems)
    assert axe_violations(axe_page) == []
