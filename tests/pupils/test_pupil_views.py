"""A pupil's page: its timeline (placements, plans, support, the SEN Panel's decisions and the
engine's money) and who may see it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pupils import services
from pupils.models import FundingItemKind
from pupils.services import SupportHours
from tests import factories
from tests.e2e.data import pupil_with_plan

pytestmark = pytest.mark.django_db


TODAY = timezone.localdate()


# --- the pupil page and its timeline ------------------------------------------------------------


def timeline_of(response):
    return [(e.kind, e.starts_on, e.ends_on, e.title) for e in response.context["timeline"]]


def test_pupil_page_timeline_shows_placements_plans_and_support_newest_first(
    client, la_officer, oak
):
    pupil = pupil_with_plan(oak, lsa_hours=Decimal("20"))
    services.support_change(
        plan=pupil.plans.get(),
        effective_from=dt.date(2025, 1, 6),
        support=SupportHours(lsa_hours=Decimal("25")),
        user=la_officer,
        reason="Annual review",
    )
    client.force_login(la_officer)
    response = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn}))
    assert response.status_code == 200
    assert timeline_of(response) == [
        ("Support", dt.date(2025, 1, 6), None, "25 h LSA"),
        ("Placement", dt.date(2024, 9, 2), None, "Oak Tree Primary (111111)"),
        ("Plan", dt.date(2024, 9, 2), None, "EHC plan"),
        ("Support", dt.date(2024, 9, 2), dt.date(2025, 1, 5), "20 h LSA"),
    ]


def test_pupil_page_timeline_says_who_recorded_a_change_and_why(client, la_officer, oak):
    la_officer.first_name, la_officer.last_name = "Olu", "Officer"
    la_officer.save()
    pupil = pupil_with_plan(oak)
    services.support_change(
        plan=pupil.plans.get(),
        effective_from=dt.date(2025, 1, 6),
        support=SupportHours(lsa_hours=Decimal("25")),
        user=la_officer,
        reason="Annual review",
    )
    client.force_login(la_officer)
    timeline = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).context["timeline"]
    newest, ended = timeline[0], timeline[-1]
    assert (newest.recorded_by, newest.reason) == ("Olu Officer", "Annual review")
    assert [(n.action, n.by, n.reason) for n in ended.history] == [
        ("Changed", "Olu Officer", "Annual review")
    ]


def test_pupil_page_flags_a_backdated_change(client, la_officer, oak):
    pupil = pupil_with_plan(oak, issued_on=TODAY - dt.timedelta(days=100))
    services.support_change(
        plan=pupil.plans.get(),
        effective_from=TODAY - dt.timedelta(days=10),
        support=SupportHours(lsa_hours=Decimal("25")),
        user=la_officer,
    )
    services.support_change(
        plan=pupil.plans.get(),
        effective_from=TODAY + dt.timedelta(days=10),
        support=SupportHours(lsa_hours=Decimal("30")),
        user=la_officer,
    )
    client.force_login(la_officer)
    timeline = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).context["timeline"]
    flags = {e.title: e.backdated for e in timeline if e.kind == "Support"}
    assert flags["25 h LSA"] is True
    assert flags["30 h LSA"] is False
    assert b"Backdated" in client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).content


def test_pupil_page_shows_panel_funding_items(client, la_officer, oak):
    pupil = pupil_with_plan(oak)
    item = pupil.funding_items.create(
        school=oak,
        kind=FundingItemKind.PERSONAL_SUPPLEMENT,
        annual_amount=Decimal("3000.00"),
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2026, 3, 31),
    )
    client.force_login(la_officer)
    timeline = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).context["timeline"]
    entry = next(e for e in timeline if e.starts_on == item.starts_on)
    assert (entry.kind, entry.amount) == ("Panel funding", Decimal("3000.00"))


def test_pupil_page_unknown_upn_is_404(client, la_officer):
    client.force_login(la_officer)
    assert client.get(reverse("pupils:detail", kwargs={"upn": "A123456789012"})).status_code == 404


def test_school_manager_sees_their_own_pupil(client, oak):
    pupil = pupil_with_plan(oak)
    client.force_login(factories.school_manager(oak))
    response = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn}))
    assert response.status_code == 200
    assert response.context["can_change"] is False


def test_school_manager_gets_404_for_another_schools_pupil(client, oak, beech):
    pupil = pupil_with_plan(beech)
    client.force_login(factories.school_manager(oak))
    assert client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).status_code == 404


def test_school_manager_loses_a_pupil_who_moved_away(client, oak, beech):
    pupil = pupil_with_plan(oak)
    services.pupil_move(
        pupil=pupil,
        to_school=beech,
        moves_on=TODAY - dt.timedelta(days=1),
        admission_kind="casual_admission",
    )
    client.force_login(factories.school_manager(oak))
    assert client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).status_code == 404


def test_school_manager_timeline_hides_placements_at_other_schools(client, oak, beech):
    pupil = pupil_with_plan(beech)
    services.pupil_move(
        pupil=pupil,
        to_school=oak,
        moves_on=TODAY - dt.timedelta(days=1),
        admission_kind="managed_move",
    )
    client.force_login(factories.school_manager(oak))
    timeline = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).context["timeline"]
    assert [e.school_name for e in timeline if e.kind == "Placement"] == ["Oak Tree Primary"]


def test_cluster_host_gets_403_on_pupil_pages(client, oak):
    pupil = pupil_with_plan(oak)
    client.force_login(factories.cluster_host(schools=[oak]))
    assert client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).status_code == 403
    assert client.get(reverse("pupils:reviews")).status_code == 403


# --- no N+1 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 200])
def test_pupil_page_makes_a_constant_number_of_queries(
    client, la_officer, oak, rows, django_assert_max_num_queries
):
    pupil = pupil_with_plan(oak, issued_on=dt.date(2000, 1, 1))
    plan = pupil.plans.get()
    for day in range(1, rows):
        services.support_change(
            plan=plan,
            effective_from=dt.date(2000, 1, 1) + dt.timedelta(days=day),
            support=SupportHours(lsa_hours=Decimal(day % 50 + 1)),
            user=la_officer,
        )
    client.force_login(la_officer)
    # 16, plus the home LA history: its periods and their history records (R8+)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn}))
    assert len(response.context["timeline"]) == rows + 2


# --- the timeline with the SEN Panel's decisions and the engine's money -------------------------


def test_r9_timeline_shows_the_panels_decision_with_who_decided(client, la_officer, home_la):
    panel_services = pytest.importorskip("funding.panel.services")
    from funding.panel.models import CaseKind, MeetingStatus, PanelMeeting

    special = factories.SchoolFactory(name="Brookside Special", la=home_la)
    pupil = pupil_with_plan(special, lsa_hours=Decimal("0"), band=2)
    panellist = factories.panel_member(first_name="Pat", last_name="Panel")
    meeting = PanelMeeting.objects.create(date=dt.date(2026, 3, 10), status=MeetingStatus.HELD)
    meeting.members_present.add(panellist)
    case = panel_services.case_submit(
        user=la_officer,
        pupil=pupil,
        school=special,
        kind=CaseKind.BAND_CHANGE,
        requested_band=3,
        requested_from=dt.date(2026, 4, 20),
        evidence_summary="Needs have increased.",
        meeting=meeting,
    )
    panel_services.case_approve_as_requested(case=case, user=panellist, reasons="Agreed.")
    client.force_login(la_officer)

    timeline = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).context["timeline"]

    decision = next(e for e in timeline if e.kind == "Panel decision")
    assert (decision.title, decision.starts_on, decision.recorded_by, decision.reason) == (
        "Band change: approved",
        dt.date(2026, 4, 20),
        "Pat Panel",
        "Agreed.",
    )
    assert decision.url == reverse("panel:decision_letter", kwargs={"pk": case.decisions.get().pk})
    support = [e.title for e in timeline if e.kind == "Support"]
    assert support[0] == "band 3"


def test_timeline_shows_the_money_each_period_attracted(client, la_officer, oak, home_la):
    funding = pytest.importorskip("funding.models")
    pupil = pupil_with_plan(oak)
    scheme = funding.FundingScheme.objects.create(la=home_la, financial_year=2025, name="Test")
    run = funding.AllocationRun.objects.create(
        financial_year=2025,
        kind=funding.RunKind.INITIAL,
        scheme=scheme,
        status=funding.RunStatus.DONE,
        created_by=la_officer,
        finished_at=timezone.now(),
    )
    # £6,000.00 a year x 94 of 188 school days = £3,000.00 for the first half of the year.
    funding.AllocationLine.objects.create(
        run=run,
        school=oak,
        pupil=pupil,
        element=funding.Element.TOP_UP,
        rule="R5",
        period_from=dt.date(2025, 4, 1),
        period_to=dt.date(2025, 10, 31),
        school_days=94,
        year_days=188,
        annual_amount=Decimal("6000.00"),
        amount=Decimal("3000.00"),
        payer_la=home_la,
        delegated=True,
        explanation="£6,000.00 × 94/188 school days",
    )
    client.force_login(la_officer)
    timeline = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).context["timeline"]
    money = next(e for e in timeline if e.kind == "Funding")
    assert (money.starts_on, money.ends_on, money.amount) == (
        dt.date(2025, 4, 1),
        dt.date(2025, 10, 31),
        Decimal("3000.00"),
    )
    assert "£6,000.00 × 94/188 school days" in money.detail


def test_school_manager_sees_no_money_paid_to_another_school(client, oak, beech, home_la):
    funding = pytest.importorskip("funding.models")
    pupil = pupil_with_plan(oak)
    scheme = funding.FundingScheme.objects.create(la=home_la, financial_year=2025, name="Test")
    run = funding.AllocationRun.objects.create(
        financial_year=2025, kind="initial", scheme=scheme, status="done",
        finished_at=timezone.now(),
    )  # fmt: skip
    for school, amount in ((beech, "1000.00"), (oak, "2000.00")):
        funding.AllocationLine.objects.create(
            run=run, school=school, pupil=pupil, element="top_up", rule="R5",
            period_from=dt.date(2025, 4, 1), period_to=dt.date(2025, 6, 30), school_days=50,
            year_days=188, annual_amount=Decimal("6000.00"), amount=Decimal(amount),
            delegated=True, explanation="x",
        )  # fmt: skip
    client.force_login(factories.school_manager(oak))
    timeline = client.get(reverse("pupils:detail", kwargs={"upn": pupil.upn})).context["timeline"]
    assert [e.amount for e in timeline if e.kind == "Funding"] == [Decimal("2000.00")]
