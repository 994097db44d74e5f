"""Every report page makes the same number of queries whether the LA has a few schools and
pupils or twice as many (bulk reads, no query per row)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.reports import services
from pupils import services as pupil_services
from tests.funding.reports.conftest import add_census, primary_school, pupil_with_plan, run

PAGES = [
    "/reports/2025/initial/",
    "/reports/2025/final/",
    "/reports/2025/final/?_export=csv",
    "/reports/2025/final/{urn}/",
    "/reports/2025/governors/{urn}/",
    "/reports/2025/budget/?as_of=2025-11-15",
    "/reports/2025/cross-border/",
    "/reports/2025/cross-border/888/charge/?period=q3",
    "/reports/2025/import-export/",
    "/reports/2025/per-school/",
    "/reports/published/2025/",
]


def _grow(home_la, other_la, schools: int, start: int) -> None:
    """`schools` more schools, each with three pupils (one from Neighbour County) of whom one
    leaves and one has more support after the year's initial run."""
    changed = []
    for i in range(start, start + schools):
        school = primary_school(home_la, name=f"School {i:03d}")
        add_census(school)
        pupil_with_plan(school, other_la, given_name=f"Their{i}")
        changed.append(
            (
                pupil_with_plan(school, home_la, given_name=f"Leaver{i}"),
                pupil_with_plan(school, home_la, given_name=f"More{i}"),
            )
        )
    initial = run("initial")
    for leaver, more in changed:
        pupil_services.pupil_leave(pupil=leaver, last_day=dt.date(2025, 12, 19))
        pupil_services.support_change(
            plan=more.plans.get(),
            effective_from=dt.date(2026, 1, 5),
            support=pupil_services.SupportHours(lsa_hours=pupil_services.Decimal("25")),
        )
    run("final")
    services.statement_publish(run=initial)
    services.budget_snapshot_take(financial_year=2025, on=dt.date(2025, 11, 15))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("url", PAGES)
def test_report_pages_make_a_constant_number_of_queries(
    home_la, other_la, scheme, client, la_officer, url
):
    _grow(home_la, other_la, 2, 0)
    client.force_login(la_officer)
    from schools.models import School

    # A school page is measured on a school changed between the latest two runs.
    urn = School.objects.get(name="School 001").urn
    small = _count(client, url.format(urn=urn))
    _grow(home_la, other_la, 4, 2)
    urn = School.objects.get(name="School 005").urn
    large = _count(client, url.format(urn=urn))
    assert large == small, f"{url}: {small} queries, then {large}"
