"""R20 generation in eager mode: re-runs (idempotency), returns left alone, failures and
retries, bulk reads, the beat schedule and the management command.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connection
from django.test.utils import CaptureQueriesContext

from config.celery import app as celery_app
from funding.returns import generation as generating
from funding.returns import services, tasks
from funding.returns.calculations import coming_month
from funding.returns.models import MonthlyReturn, ReturnLine, ReturnStatus
from pupils import services as pupil_services
from pupils.models import Plan
from pupils.services import SupportHours
from tests.funding.returns.conftest import APRIL, MAY, add_pupil, generate, line_for

pytestmark = pytest.mark.django_db


# --- Idempotency ------------------------------------------------------------------------------


def _snapshot():
    return sorted(
        ReturnLine.objects.values_list(
            "pk", "monthly_return_id", "pupil_id", "lsa_hours", "band", "changes", "year_group"
        )
    )


def test_generating_twice_gives_the_same_rows(school, other_school):
    add_pupil(school, family_name="Adams", starts_on=dt.date(2025, 5, 6))
    add_pupil(school, family_name="Brown", review_due=dt.date(2025, 1, 1))
    add_pupil(other_school, family_name="Clark")
    generate(MAY)
    returns_before = sorted(MonthlyReturn.objects.values_list("pk", "school_id", "month"))
    lines_before = _snapshot()

    second = generate(MAY)

    assert sorted(MonthlyReturn.objects.values_list("pk", "school_id", "month")) == returns_before
    assert _snapshot() == lines_before
    assert (second.created, second.rebuilt, second.left_alone, second.failed) == (0, 2, 0, 0)


def test_first_run_reports_created(school, other_school):
    add_pupil(school)
    add_pupil(other_school)

    generation = generate(MAY)

    assert (generation.schools, generation.created, generation.rebuilt) == (2, 2, 0)
    assert generation.is_finished
    assert generation.failures == []


def test_unopened_return_is_rebuilt_with_new_pupils_and_without_gone_ones(school):
    staying = add_pupil(school, family_name="Adams")
    going = add_pupil(school, family_name="Brown")
    generate(MAY)
    Plan.objects.filter(pupil=going).delete()
    joining = add_pupil(school, family_name="Clark")

    generation = generate(MAY)

    assert generation.rebuilt == 1
    assert set(
        ReturnLine.objects.filter(monthly_return__month=MAY).values_list("pupil", flat=True)
    ) == {staying.pk, joining.pk}


def test_rebuilding_updates_a_changed_line_in_place(school):
    pupil = add_pupil(school, lsa="20")
    generate(MAY)
    before = line_for(school, MAY, pupil)
    pupil_services.support_change(
        plan=Plan.objects.get(pupil=pupil),
        effective_from=dt.date(2025, 5, 12),
        support=SupportHours(lsa_hours=Decimal("30")),
    )

    generate(MAY)

    after = line_for(school, MAY, pupil)
    assert (after.pk, after.lsa_hours) == (before.pk, Decimal("30.00"))


def test_a_batch_rebuilds_together_and_leaves_alone_a_return_opened_meanwhile(
    school, other_school, monkeypatch
):
    # Both returns are rebuilt in one batch; Clapton's is opened by its school while the batch
    # is drafting, so it is left alone (checked again under the lock), and Mossbourne's changed
    # line (20 h to 30 h LSA) is updated in place.
    pupil = add_pupil(school, lsa="20")
    add_pupil(other_school, family_name="Jones")
    generate(MAY)
    before = line_for(school, MAY, pupil)
    pupil_services.support_change(
        plan=Plan.objects.get(pupil=pupil),
        effective_from=dt.date(2025, 5, 12),
        support=SupportHours(lsa_hours=Decimal("30")),
    )
    opened = MonthlyReturn.objects.get(school=other_school)
    real_draft = generating._draft_school

    def opened_meanwhile(school_data, start, batch):
        if school_data.school_id == other_school.pk:
            services.monthly_return_mark_opened(monthly_return=opened, user=None)
        return real_draft(school_data, start, batch)

    monkeypatch.setattr(generating, "_draft_school", opened_meanwhile)

    outcomes = services.monthly_returns_generate(school_ids=[school.pk, other_school.pk], month=MAY)

    assert [(o.school_id, o.outcome) for o in outcomes] == [
        (school.pk, services.REBUILT),
        (other_school.pk, services.LEFT_ALONE),
    ]
    after = line_for(school, MAY, pupil)
    assert (after.pk, after.lsa_hours) == (before.pk, Decimal("30.00"))


def test_a_school_whose_rebuild_fails_is_reported_and_the_others_are_rebuilt(school, other_school):
    """A real database failure for Clapton's return (a trigger): the batch's rebuild falls back
    to one school at a time; Mossbourne is rebuilt, Clapton reported failed."""
    add_pupil(school)
    add_pupil(other_school, family_name="Jones")
    generate(MAY)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_return() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_clapton BEFORE UPDATE ON returns_monthlyreturn FOR EACH ROW "
            f"WHEN (NEW.school_id = {int(other_school.pk)}) EXECUTE FUNCTION refuse_return()"
        )

    generation = generate(MAY)

    assert (generation.rebuilt, generation.failed) == (1, 1)
    assert [f["school_id"] for f in generation.failures] == [other_school.pk]
    assert "refused for the test" in generation.failures[0]["error"]


def test_a_return_created_by_another_run_meanwhile_is_rebuilt_not_duplicated(school, monkeypatch):
    pupil = add_pupil(school)
    real_draft = generating._draft_school
    raced = []

    def another_run_gets_there_first(school_data, start, batch):
        if not raced:
            raced.append(True)
            services.monthly_return_generate(school_id=school_data.school_id, month=start)
        return real_draft(school_data, start, batch)

    monkeypatch.setattr(generating, "_draft_school", another_run_gets_there_first)

    outcome = services.monthly_return_generate(school_id=school.pk, month=MAY)

    assert outcome.outcome == services.REBUILT
    assert MonthlyReturn.objects.count() == 1
    assert list(ReturnLine.objects.values_list("pupil", flat=True)) == [pupil.pk]


def test_a_started_return_is_left_alone(school):
    pupil = add_pupil(school, family_name="Adams")
    generate(MAY)
    line = line_for(school, MAY, pupil)
    services.return_line_answer(line=line, user=None, on_roll=True, support_correct=True)
    add_pupil(school, family_name="Brown")

    generation = generate(MAY)

    assert generation.left_alone == 1
    assert ReturnLine.objects.filter(monthly_return__month=MAY).count() == 1
    assert MonthlyReturn.objects.get().status == ReturnStatus.IN_PROGRESS


def test_an_opened_return_is_left_alone(school):
    add_pupil(school, family_name="Adams")
    generate(MAY)
    services.monthly_return_mark_opened(monthly_return=MonthlyReturn.objects.get(), user=None)
    add_pupil(school, family_name="Brown")

    generation = generate(MAY)

    assert generation.left_alone == 1
    assert ReturnLine.objects.count() == 1


def test_a_submitted_return_is_left_alone(school):
    add_pupil(school)
    generate(MAY)
    monthly_return = MonthlyReturn.objects.get()
    services.return_lines_confirm_remaining(monthly_return=monthly_return, user=None)
    services.monthly_return_submit(monthly_return=monthly_return, user=None)

    generation = generate(MAY)

    assert generation.left_alone == 1
    assert MonthlyReturn.objects.get().status == ReturnStatus.SUBMITTED


# --- Failures and retries ---------------------------------------------------------------------


def test_one_schools_failure_does_not_stop_the_others_and_is_reported(
    school, other_school, monkeypatch
):
    add_pupil(school)
    add_pupil(other_school)
    real = generating._draft_school

    def draft_or_fail(school_data, start, batch):
        if school_data.school_id == school.pk:
            raise ValueError("bad data")
        return real(school_data, start, batch)

    monkeypatch.setattr(generating, "_draft_school", draft_or_fail)

    generation = generate(MAY)

    assert (generation.created, generation.failed) == (1, 1)
    assert generation.failures == [
        {"school_id": school.pk, "school": "Mossbourne Primary", "error": "ValueError: bad data"}
    ]
    assert MonthlyReturn.objects.get().school == other_school


@pytest.fixture
def eager_retries():
    """Celery re-raises Retry from an eager task when eager exceptions propagate; turn that
    off so a retried task is re-applied in-process as a worker would re-run it."""
    old = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = old


def test_school_task_retries_database_errors_with_backoff():
    task = tasks.generate_school_returns

    assert set(task.autoretry_for) == {OperationalError, InterfaceError}
    assert task.retry_backoff is True
    assert task.max_retries == 5


def test_database_errors_are_retried(school, monkeypatch, eager_retries):
    add_pupil(school)
    real = generating.monthly_returns_generate
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["school_ids"])
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(services, "monthly_returns_generate", flaky)

    run = generate(MAY)

    assert calls == [[school.pk], [school.pk]]
    assert (run.created, run.failed) == (1, 0)


def test_only_the_school_that_met_a_database_error_is_retried(
    school, other_school, monkeypatch, eager_retries
):
    add_pupil(school)
    add_pupil(other_school)
    real = generating._draft_school
    calls = []

    def flaky(school_data, start, batch):
        calls.append(school_data.school_id)
        if school_data.school_id == school.pk and calls.count(school.pk) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(school_data, start, batch)

    monkeypatch.setattr(generating, "_draft_school", flaky)

    run = generate(MAY)

    assert calls == [school.pk, other_school.pk, school.pk]
    assert (run.created, run.failed) == (2, 0)
    assert MonthlyReturn.objects.count() == 2


def test_database_errors_after_the_last_retry_report_the_school_failed(
    school, monkeypatch, eager_retries
):
    add_pupil(school)

    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "monthly_returns_generate", down)

    run = generate(MAY)

    assert run.failed == 1
    # The record names the error but not its text (a database error's text can name the server
    # and its user: security review); the log keeps the detail.
    assert run.failures[0]["error"] == "OperationalError: database unavailable"


# --- Bulk reads -------------------------------------------------------------------------------


def _queries_for_school(school_id: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.monthly_return_generate(school_id=school_id, month=MAY)
    return len(ctx.captured_queries)


def test_generation_makes_a_constant_number_of_queries_per_school(school, other_school):
    add_pupil(school)
    for n in range(12):
        add_pupil(other_school, family_name=f"Pupil{n}", lsa=str(10 + n))

    assert _queries_for_school(school.pk) == _queries_for_school(other_school.pk)


def test_rebuilding_makes_a_constant_number_of_queries_per_school(school, other_school):
    add_pupil(school)
    for n in range(12):
        add_pupil(other_school, family_name=f"Pupil{n}")
    generate(APRIL)
    generate(MAY)

    assert _queries_for_school(school.pk) == _queries_for_school(other_school.pk)


# --- Schedule and command ---------------------------------------------------------------------


def test_beat_entry_names_the_registered_task():
    entry = settings.CELERY_BEAT_SCHEDULE["generate-monthly-returns"]

    assert entry["task"] == "funding.returns.tasks.generate_returns_for_coming_month"
    assert entry["task"] in celery_app.tasks


@pytest.mark.parametrize(
    ("today", "month"),
    [
        (dt.date(2025, 5, 1), dt.date(2025, 5, 1)),
        (dt.date(2025, 5, 25), dt.date(2025, 6, 1)),
        (dt.date(2025, 12, 20), dt.date(2026, 1, 1)),
    ],
)
def test_coming_month_is_the_first_first_of_the_month_on_or_after_today(today, month):
    assert coming_month(today) == month


def test_generate_returns_command_generates_the_month_and_reports(school, capsys):
    add_pupil(school)

    call_command("generate_returns", "--month", "2025-05")

    assert MonthlyReturn.objects.get().month == MAY
    assert "1 schools, 1 created, 0 rebuilt, 0 left alone, 0 failed" in capsys.readouterr().out


def test_generate_returns_command_rejects_a_bad_month():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("generate_returns", "--month", "May")
