"""Runs that can be reproduced (issue 12, section 2): a run records the moment its data was read
("as at"); re-running as at that moment gives the same lines and totals whatever changed since;
a run is approved by someone other than who started it and then never changes (R21, R24's
"one officer prepares, another approves").

The scheme (tests/funding/builders.make_scheme): LSA £15.50 an hour, 39 weeks, threshold
£6,000; FY 2025-26 has 188 school days (tests/funding/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from funding import services
from funding.models import AllocationLine, AllocationRun, HourlyRate, RunStatus
from pupils.models import Placement, SupportLevel
from schools.asat import as_at
from schools.models import SchoolCensus, TermDate
from tests import factories
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db


def run(kind="initial", **kwargs) -> AllocationRun:
    result = services.run_allocation(fy=2025, kind=kind, **kwargs)
    assert result.status == RunStatus.DONE, result.error
    return result


def line_tuples(run_: AllocationRun) -> list[tuple]:
    return sorted(
        run_.lines.values_list(
            "school_id", "pupil_id", "element", "period_from", "period_to", "amount"
        ),
        key=repr,
    )


def top_ups(run_: AllocationRun, pupil_) -> list[Decimal]:
    return [line.amount for line in b.lines_of(run_, pupil=pupil_, element="top_up")]


@pytest.fixture
def primary(home_la, scheme):
    school = b.school(home_la, "Meadow Primary")
    for on in (dt.date(2024, 10, 3), dt.date(2025, 1, 16)):
        b.census(school, on, fsm=40, low_prior_attainment=10, **b.primary_roll(30))
    return school


@pytest.fixture
def ada(home_la, primary):
    """20 h LSA all year: 20 × £15.50 × 39 = £12,090 − £6,000 = £6,090 top-up."""
    pupil = b.pupil(home_la, given_name="Ada")
    b.place(pupil, primary)
    pupil.plan = b.plan(pupil, lsa=20)
    return pupil


def test_run_records_the_moment_it_read_its_data(ada):
    before = timezone.now()
    first = run()
    assert before <= first.as_at <= first.started_at <= first.finished_at
    assert top_ups(first, ada) == [D("6090.00")]


def test_rerun_as_at_a_runs_moment_gives_identical_lines_whatever_changed_since(
    home_la, primary, ada, fy2025_terms
):
    """Change a support level, a placement, a rate, a census figure and a term date after the
    first run; re-running as at the first run's moment gives its lines and totals exactly,
    while a run on today's data shows the changes are real."""
    first = run()
    # Ada's support rises to 30 h from 3 Nov; she leaves on 31 Jan.
    b.change_support(ada.plan, dt.date(2025, 11, 3), lsa=30)
    placement = Placement.objects.get(pupil=ada)
    placement.ends_on = dt.date(2026, 1, 31)
    placement.save()
    # The LSA rate rises to £16.00.
    lsa = HourlyRate.objects.get(scheme=first.scheme, role="lsa", phase="primary")
    lsa.hourly_rate = D("16.00")
    lsa.save()
    # More pupils eligible for free school meals; Spring 2 ends a week early.
    for census in SchoolCensus.objects.filter(school=primary):
        census.fsm = 80
        census.save()
    spring_2 = TermDate.objects.get(la=home_la, name="Spring 2")
    spring_2.ends_on = dt.date(2026, 3, 20)
    spring_2.save()

    today = run("revised")
    again = run("revised", as_at=first.as_at)

    assert line_tuples(today) != line_tuples(first)
    assert line_tuples(again) == line_tuples(first)
    assert again.total_amount == first.total_amount
    assert again.totals == first.totals
    assert again.as_at == first.as_at
    # As at the first run: 20 h × £15.50 × 39 − £6,000 = £6,090 for the whole year.
    assert top_ups(again, ada) == [D("6090.00")]


def test_a_run_as_at_an_earlier_moment_ignores_a_pupil_recorded_later(home_la, primary, ada):
    moment = timezone.now()
    later = b.pupil(home_la, given_name="Later")
    b.place(later, primary)
    b.plan(later, lsa=25)

    then = run(as_at=moment)
    now = run("revised")

    assert not then.lines.filter(pupil=later).exists()
    assert top_ups(then, ada) == [D("6090.00")]
    # 25 h × £15.50 × 39 = £15,112.50 − £6,000 = £9,112.50 for the later pupil today.
    assert top_ups(now, later) == [D("9112.50")]


def test_as_at_reads_a_deleted_row_as_it_was_and_not_a_later_one(ada):
    support = SupportLevel.objects.get(plan=ada.plan)
    support_id = support.pk
    moment = timezone.now()
    support.delete()

    assert list(as_at(SupportLevel, moment).filter(plan_id=ada.plan.pk).values_list("id")) == [
        (support_id,)
    ]
    assert not as_at(SupportLevel, timezone.now()).filter(plan_id=ada.plan.pk).exists()
    assert not SupportLevel.objects.filter(plan_id=ada.plan.pk).exists()


def test_a_run_as_at_a_future_moment_is_refused(ada):
    with pytest.raises(ValidationError) as exc:
        services.run_allocation(
            fy=2025, kind="revised", as_at=timezone.now() + dt.timedelta(days=1)
        )
    assert exc.value.messages == [services.AS_AT_IN_FUTURE]


def test_run_allocation_command_takes_as_at(ada, capsys):
    moment = timezone.localtime(timezone.now()).replace(tzinfo=None)  # local, as typed
    SupportLevel.objects.filter(plan=ada.plan).delete()  # bulk: no longer funded today

    factories.la_officer(username="starter")
    call_command(
        "run_allocation",
        *("--fy", "2025", "--kind", "revised", "--as-at", moment.isoformat()),
        *("--user", "starter"),
    )

    reproduced = AllocationRun.objects.get()
    assert reproduced.as_at == timezone.make_aware(moment)
    assert "Data as at" in capsys.readouterr().out
    # The plan's 20 h as they stood at `moment`: £6,090.
    assert top_ups(reproduced, ada) == [D("6090.00")]


# ---- approval -----------------------------------------------------------------------------------


@pytest.fixture
def officers(db, fast_passwords):
    return factories.la_officer(username="preparer"), factories.la_officer(username="approver")


def test_the_officer_who_started_a_run_cannot_approve_it(ada, officers):
    preparer, _ = officers
    first = run(user=preparer)
    with pytest.raises(ValidationError) as exc:
        services.allocation_run_approve(run=first, user=preparer)
    assert exc.value.messages == [services.APPROVE_OWN_RUN.format(run=first.pk)]
    first.refresh_from_db()
    assert first.approved_at is None


def test_another_officer_approves_and_the_approval_is_kept_in_history(ada, officers):
    preparer, approver = officers
    first = run(user=preparer)
    approved = services.allocation_run_approve(run=first, user=approver)
    assert approved.approved_by == approver
    assert approved.approved_at is not None
    latest = approved.history.first()
    assert (latest.history_user, latest.history_change_reason) == (approver, "Approved")


def test_an_approved_run_refuses_every_change(ada, officers):
    preparer, approver = officers
    first = services.allocation_run_approve(run=run(user=preparer), user=approver)
    for change in (
        lambda: services.allocation_run_abandon(run=first, user=preparer),
        lambda: services.allocation_run_delete(run=first, user=preparer),
        lambda: services.allocation_run_note(run=first, note="rewritten", user=preparer),
        lambda: services.allocation_run_approve(run=first, user=preparer),
    ):
        with pytest.raises(ValidationError):
            change()
    assert AllocationRun.objects.get(pk=first.pk).approved_by == approver
    assert first.lines.count() == first.line_count


def test_a_run_that_has_not_completed_cannot_be_approved(ada, officers):
    preparer, approver = officers
    queued = services.allocation_run_create(financial_year=2025, kind="initial", user=preparer)
    with pytest.raises(ValidationError) as exc:
        services.allocation_run_approve(run=queued, user=approver)
    assert exc.value.messages == [services.APPROVE_NOT_DONE.format(run=queued.pk, status="queued")]


def test_admin_never_deletes_a_completed_run_or_any_line(ada, officers):
    preparer, approver = officers
    first = run(user=preparer)
    request = RequestFactory().get("/")
    request.user = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    assert not site._registry[AllocationRun].has_delete_permission(request, first)
    assert not site._registry[AllocationRun].has_delete_permission(request)
    line = AllocationLine.objects.filter(run=first).first()
    assert not site._registry[AllocationLine].has_delete_permission(request, line)


def test_run_page_shows_as_at_and_offers_approval_to_another_officer_only(client, ada, officers):
    preparer, approver = officers
    first = run(user=preparer)
    url = reverse("funding:run_detail", args=[first.pk])

    client.force_login(preparer)
    page = client.get(url)
    assert page.context["can_approve"] is False
    assert "Data as at" in page.content.decode()

    client.force_login(approver)
    assert client.get(url).context["can_approve"] is True
    response = client.post(reverse("funding:run_approve", args=[first.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.approved_by == approver
    page = client.get(url)
    assert page.context["can_approve"] is False
    assert "Approved by" in page.content.decode()


def test_a_creator_posting_approve_is_refused_with_the_reason(client, ada, officers):
    preparer, _ = officers
    first = run(user=preparer)
    client.force_login(preparer)
    response = client.post(reverse("funding:run_approve", args=[first.pk]), follow=True)
    assert services.APPROVE_OWN_RUN.format(run=first.pk) in response.content.decode()
    first.refresh_from_db()
    assert first.approved_at is None


def test_a_school_user_cannot_approve(client, primary, ada, officers, fast_passwords):
    first = run(user=officers[0])
    client.force_login(factories.school_manager(primary, username="bursar"))
    response = client.post(reverse("funding:run_approve", args=[first.pk]))
    assert response.status_code == 403
    assert client.get(reverse("funding:run_approve", args=[first.pk])).status_code == 403
    first.refresh_from_db()
    assert first.approved_at is None
