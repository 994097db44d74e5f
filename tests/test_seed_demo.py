"""The demo LA loads on PostgreSQL (all constraints enforced) with what the issue promises."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from clusters.models import Cluster
from funding.demo import DEMO_PASSWORD
from pupils.models import AdmissionKind, Placement, Plan, Pupil, PupilHomeLa
from schools.models import EstablishmentType, LocalAuthority, School, SpecialSchoolBand, TermDate

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _build_and_read(pupils: int):
    from django.db import transaction

    from funding.demo import seed_demo

    try:
        with transaction.atomic():
            seed_demo(pupils=pupils)
            found = list(
                Pupil.objects.order_by("upn").values_list("upn", "date_of_birth", "family_name")
            )
            raise _Rollback
    except _Rollback:
        return found


def test_demo_is_deterministic(db):
    first = _build_and_read(50)
    second = _build_and_read(50)
    assert len(first) == 50
    assert first == second


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for the module (600 pupils take a while); every test's own changes roll back
    to it (savepoints), and the whole load rolls back after the module."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # as Django's TestCase does: durable services nest inside
        with outer:
            call_command("seed_demo", pupils=600, stdout=open("/dev/null", "w"))
            yield
            transaction.set_rollback(True)


def test_demo_has_about_sixty_schools_of_every_kind(demo):
    ours = School.objects.filter(la__is_administering=True)
    assert 55 <= ours.count() <= 65
    assert ours.filter(establishment_type__in=EstablishmentType.special_types()).count() == 2
    assert ours.filter(establishment_type=EstablishmentType.AP_PRU).count() == 1
    assert ours.filter(planned_places__provision="ssc").distinct().count() == 1
    # Both special schools have their own band rates (R12); one offers bands 1-4 only.
    bands = SpecialSchoolBand.objects.filter(financial_year=2026, school__la__is_administering=True)
    offered = bands.order_by("band").values_list("band", flat=True).distinct()
    assert list(offered) == [1, 2, 3, 4, 5]
    assert bands.values("school").distinct().count() == 2


def test_demo_pupils_include_other_las_moves_and_managed_moves(demo):
    assert Pupil.objects.count() == 600
    assert Plan.objects.count() == 600
    assert Pupil.objects.exclude(home_la__is_administering=True).count() > 20
    assert Placement.objects.filter(admission_kind=AdmissionKind.MANAGED_MOVE).exists()
    assert Placement.objects.filter(admission_kind=AdmissionKind.CASUAL_ADMISSION).exists()
    assert Placement.objects.exclude(school__la__is_administering=True).exists()
    assert Plan.objects.filter(annual_review_due__lt=dt.date(2026, 11, 24)).exists()


def test_demo_has_calendar_clusters_and_a_login_per_role(demo):
    assert TermDate.objects.filter(academic_year=2026).count() == 6
    assert TermDate.objects.filter(academic_year=2027).count() == 6
    assert Cluster.objects.count() == 2
    assert LocalAuthority.objects.filter(is_administering=True).count() == 1
    for username in ("officer", "school", "panel", "cluster", "admin"):
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username


def _re_run_as_at(when: dt.datetime, fy: int = 2025):
    from funding.models import AllocationRun

    call_command(
        "run_allocation",
        fy=fy,
        kind="revised",
        as_at=when,
        user="officer",
        stdout=open("/dev/null", "w"),
    )
    return AllocationRun.objects.latest("pk")


def _lines(run) -> Counter:
    return Counter(
        run.lines.values_list("school_id", "pupil_id", "element", "payer_la_id", "route", "amount")
    )


def test_demo_runs_re_run_as_at_their_own_moment_give_the_same_money(demo):
    # Issue 12 part 2: every demo row (schools, census, places, bands, term dates, pupils, home
    # LAs, placements, plans, support levels) has its history, so the latest FY 2025-26 run,
    # re-run as at the moment it recorded, reads the same data and pays the same lines: the
    # house moves, support changes and SEN spend recorded after it do not change it, nor
    # does the FY 2026-27 scheme switching to the Norfolk model.
    from funding.models import AllocationRun

    latest = AllocationRun.objects.filter(financial_year=2025).latest("as_at")
    again = _re_run_as_at(latest.as_at)
    assert again.as_at == latest.as_at
    assert again.total_amount == latest.total_amount
    assert again.line_count == latest.line_count
    assert _lines(again) == _lines(latest)


def test_demo_as_at_a_day_in_the_year_finds_the_scheme_and_the_data_of_then(demo):
    # The demo's history is dated when its data "was recorded" (the West Sussex scheme on
    # 3 February 2025, a plan on its issue date): as at 1 December 2025 the run finds the
    # scheme, and no plan issued after that day.
    run = _re_run_as_at(timezone.make_aware(dt.datetime(2025, 12, 1)))
    assert run.status == "done" and run.line_count > 0
    late_plans = Plan.objects.filter(issued_on__gt=dt.date(2025, 12, 1)).values("pupil_id")
    assert late_plans.exists()
    assert not run.lines.filter(pupil_id__in=late_plans).exists()


def test_r8_demo_house_move_splits_the_top_up_between_the_two_las_that_paid(demo):
    # R8+: the demo records a house move out of the borough on 3 November 2025, after the
    # initial FY 2025-26 run. The final run pays the mover's special-school band top-up in
    # two lines, Demo Borough to 2 November and Surrey from 3 November; re-run as at the
    # initial run's moment (before the move was recorded) the same money is one line paid by
    # Demo Borough. A move changes who pays, not how much: e.g. £3,595.81 + £3,204.19 =
    # £6,800.00, a full year of Larkfield's band 2.
    from funding.models import AllocationRun, Element

    ours = LocalAuthority.objects.get(is_administering=True)
    surrey = LocalAuthority.objects.get(code="936")
    mover = PupilHomeLa.objects.get(la=surrey, starts_on=dt.date(2025, 11, 3)).pupil
    runs = AllocationRun.objects.filter(financial_year=2025)
    final = runs.get(kind="final")
    split = final.lines.filter(pupil=mover, element=Element.TOP_UP).order_by("payer_la__code")
    assert [line.payer_la for line in split] == [surrey, ours]
    before = _re_run_as_at(runs.get(kind="initial").as_at)
    whole = before.lines.get(pupil=mover, element=Element.TOP_UP)
    assert whole.payer_la == ours
    assert sum(line.amount for line in split) == whole.amount


def test_r21_demo_schools_record_their_sen_spend_for_the_final_report(demo):
    # R21: six demo schools recorded their FY 2025-26 SEN spend (the primary's business
    # manager for their own school), so the final report sets allocation against spend.
    from funding.spend.models import SenSpend

    spends = SenSpend.objects.filter(financial_year=2025)
    assert spends.count() == 6
    assert spends.filter(recorded_by__username="school").count() == 1
    for spend in spends:  # the parts add up: staffing + resources + other = total
        assert spend.staffing + spend.resources + spend.other == spend.amount
