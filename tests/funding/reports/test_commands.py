"""Budget loading (command and service), the snapshot command and Celery task, the demo
figures, and the statement include for the engine's funding statement page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.template import Context, Template

from funding.reports import services, tasks
from funding.reports.demo import demo_budget_rows, seed_reports_demo
from funding.reports.models import BudgetLine, BudgetSnapshot
from pupils import services as pupil_services
from tests.funding.reports.conftest import add_census, primary_school, pupil_with_plan, run

D = Decimal


def test_r22_budget_csv_loads_every_line(db, tmp_path):
    path = tmp_path / "budget.csv"
    path.write_text(
        "line,budget,other_commitment,note\n"
        "special_places,6000000,,Planned places\n"
        'central,"5,000,000.00",4850000,Psychology and advisory\n',
        encoding="utf-8",
    )
    call_command("load_budget", "2025", "--file", str(path))
    lines = {b.line: b for b in BudgetLine.objects.all()}
    assert lines["special_places"].budget == D("6000000.00")
    assert (lines["central"].budget, lines["central"].other_commitment) == (
        D("5000000.00"),
        D("4850000.00"),
    )


def test_budget_csv_errors_name_the_row_and_save_nothing(db):
    rows = [
        {"line": "special_places", "budget": "100"},
        {"line": "swimming_pools", "budget": "100"},
        {"line": "central", "budget": "lots"},
        {"line": "ap", "budget": "-5"},
    ]
    with pytest.raises(ValidationError) as error:
        services.budget_load(financial_year=2025, rows=rows)
    messages = error.value.messages
    assert messages[0].startswith("Row 3: line 'swimming_pools' is not a budget line")
    assert messages[1] == services.BAD_AMOUNT.format(row=4, field="budget", value="lots")
    assert messages[2].startswith("Row 5: line 'ap' is not a budget line")
    assert not BudgetLine.objects.exists()


def test_budget_csv_needs_the_line_and_budget_columns(db):
    with pytest.raises(ValidationError) as error:
        services.parse_budget_csv("name,amount\nx,1\n")
    assert error.value.messages == [services.MISSING_COLUMNS]


def test_load_budget_command_reports_errors(db, tmp_path):
    path = tmp_path / "budget.csv"
    path.write_text("line,budget\ncentral,-1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Row 2: budget cannot be negative"):
        call_command("load_budget", "2025", "--file", str(path))


def test_demo_budget_splits_the_block_exactly():
    rows = demo_budget_rows(D("50000000"))
    assert len(rows) == 10
    assert sum(D(r["budget"]) for r in rows) == D("50000000.00")


def test_take_budget_snapshot_command_and_task(home_la, scheme):
    call_command("take_budget_snapshot", "--fy", "2025", "--on", "2025-10-15")
    result = tasks.take_budget_snapshot.delay(2025, "2025-11-20").get()
    assert result["month"] == "2025-11-01"
    assert list(BudgetSnapshot.objects.values_list("month", flat=True)) == [
        dt.date(2025, 10, 1),
        dt.date(2025, 11, 1),
    ]


def test_snapshot_task_is_on_the_beat_schedule_and_skips_an_empty_install(db, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["budget-snapshot"]
    assert entry["task"] == tasks.take_budget_snapshot.name
    assert tasks.take_budget_snapshot.delay().get() == {"skipped": "No administering LA yet."}


def test_seed_reports_demo_sets_the_budget_and_a_snapshot_per_month(home_la, scheme):
    primary = primary_school(home_la)
    add_census(primary)
    pupil_with_plan(primary, home_la)
    run("initial")
    snapshots = seed_reports_demo(today=dt.date(2025, 11, 24))
    assert [s.month.month for s in snapshots] == [4, 5, 6, 7, 8, 9, 10, 11]
    assert sum(b.budget for b in BudgetLine.objects.filter(financial_year=2025)) == D("50000000.00")
    assert snapshots[-1].note == "Demo: current"
    assert snapshots[0].commitment < snapshots[-1].commitment


def test_statement_include_shows_the_comparison_and_reasons(home_la, scheme):
    # For the engine's statement page: {% load reports_tags %}{% initial_vs_final school run %}
    school = primary_school(home_la)
    add_census(school)
    pupil = pupil_with_plan(school, home_la)
    run("initial")
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 12, 19))
    final = run("final")
    html = Template("{% load reports_tags %}{% initial_vs_final school run %}").render(
        Context({"school": school, "run": final})
    )
    assert "Why the money changed since the initial allocation" in html
    assert "−£1,781.65" in html


def test_engine_statement_page_shows_why_the_final_run_differs(home_la, scheme, client):
    school = primary_school(home_la)
    add_census(school)
    pupil = pupil_with_plan(school, home_la)
    run("initial")
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 12, 19))
    run("final")
    from tests import factories

    client.force_login(factories.school_manager(school))
    body = client.get(f"/funding/schools/{school.urn}/statement/2025/").content.decode()
    assert "Why the money changed since the initial allocation" in body
    assert "Left: last day on roll" in body


def test_statement_include_is_empty_for_the_initial_run(home_la, scheme):
    school = primary_school(home_la)
    initial = run("initial")
    html = Template("{% load reports_tags %}{% initial_vs_final school run %}").render(
        Context({"school": school, "run": initial})
    )
    assert html.strip() == ""
