"""The demo LA loads on PostgreSQL (all constraints enforced) with what the issue promises."""

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from clusters.models import Cluster
from funding.demo import DEMO_PASSWORD
from pupils.models import AdmissionKind, Placement, Plan, Pupil
from schools.models import EstablishmentType, LocalAuthority, School, SpecialSchoolBand, TermDate


@pytest.fixture
def demo(db):
    call_command("seed_demo", pupils=600, stdout=open("/dev/null", "w"))


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
