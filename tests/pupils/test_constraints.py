"""The database guards the invariants (PostgreSQL), and full_clean() gives friendly messages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pupils.models import Placement, SupportLevel
from pupils.upn import check_letter, make_upn, validate_upn
from schools.models import LocalAuthority
from tests.factories import (
    ClusterFactory,
    ClusterMembershipFactory,
    PlacementFactory,
    PlanFactory,
    PupilFactory,
    SchoolFactory,
    SupportLevelFactory,
)

D = dt.date


@pytest.mark.django_db
def test_a_pupil_never_has_two_overlapping_placements_in_the_database():
    first = PlacementFactory(starts_on=D(2024, 9, 1), ends_on=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(pupil=first.pupil, school=SchoolFactory(), starts_on=D(2025, 1, 6))


@pytest.mark.django_db
def test_an_overlapping_placement_gets_a_friendly_message_from_full_clean():
    first = PlacementFactory(starts_on=D(2024, 9, 1), ends_on=D(2025, 7, 22))
    clash = Placement(pupil=first.pupil, school=SchoolFactory(), starts_on=D(2025, 7, 22))
    with pytest.raises(ValidationError) as caught:
        clash.full_clean()
    assert "This pupil already has a placement overlapping these dates." in caught.value.messages


@pytest.mark.django_db
def test_back_to_back_placements_are_allowed():
    first = PlacementFactory(starts_on=D(2024, 9, 1), ends_on=D(2025, 1, 5))
    Placement.objects.create(pupil=first.pupil, school=SchoolFactory(), starts_on=D(2025, 1, 6))
    assert first.pupil.placements.count() == 2


@pytest.mark.django_db
def test_a_placement_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlacementFactory(starts_on=D(2025, 1, 6), ends_on=D(2025, 1, 5))


@pytest.mark.django_db
def test_support_hours_cannot_be_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportLevelFactory(lsa_hours=Decimal("-1"))


@pytest.mark.django_db
def test_support_levels_of_a_plan_never_overlap():
    level = SupportLevelFactory(effective_from=D(2024, 9, 1), effective_to=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportLevel.objects.create(plan=level.plan, effective_from=D(2025, 1, 1))


@pytest.mark.django_db
def test_a_band_is_one_to_five():
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportLevelFactory(band=6)


@pytest.mark.django_db
def test_a_pupil_has_one_plan_in_force_at_a_time():
    plan = PlanFactory(issued_on=D(2024, 9, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(pupil=plan.pupil, issued_on=D(2025, 2, 1))


@pytest.mark.django_db
def test_only_one_administering_la():
    LocalAuthority.objects.create(code="999", name="Ours", is_administering=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        LocalAuthority.objects.create(code="998", name="Also ours", is_administering=True)


@pytest.mark.django_db
def test_a_school_is_in_one_cluster_at_a_time():
    membership = ClusterMembershipFactory(starts_on=D(2020, 9, 1), ends_on=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClusterMembershipFactory(
            school=membership.school, cluster=ClusterFactory(), starts_on=D(2024, 9, 1)
        )


@pytest.mark.django_db
def test_upn_is_unique():
    pupil = PupilFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PupilFactory(upn=pupil.upn)


def test_upn_check_letter_follows_the_dfe_algorithm():
    # Body 820200115001: 8×2 + 2×3 + 0×4 + 2×5 + 0×6 + 0×7 + 1×8 + 1×9 + 5×10 + 0×11 + 0×12 + 1×13
    # = 16 + 6 + 0 + 10 + 0 + 0 + 8 + 9 + 50 + 0 + 0 + 13 = 112; 112 mod 23 = 20 -> "X".
    assert check_letter("820200115001") == "X"
    assert make_upn("820", "2001", 15, 1) == "X820200115001"
    validate_upn("X820200115001")


@pytest.mark.parametrize(
    "bad", ["", "820200115001", "Y820200115001", "X82020011500", "x820200115001", "X8202001150O1"]
)
def test_invalid_upns_are_refused(bad):
    with pytest.raises(ValidationError):
        validate_upn(bad)
