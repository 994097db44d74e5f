"""R20 generation in eager mode: who is on a return, what its lines record, what changed since
the last return (helpers shared with the other generation tests are in conftest.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding.returns import selectors
from funding.returns.models import MonthlyReturn, ReturnLine
from pupils import services as pupil_services
from pupils.models import Plan
from pupils.services import SupportHours
from tests import factories
from tests.funding.returns.conftest import APRIL, JUNE, MAY, add_pupil, generate, line_for

pytestmark = pytest.mark.django_db


def kinds(line: ReturnLine) -> list[str]:
    return line.change_kinds


def change(line: ReturnLine, kind: str) -> dict:
    return next(c for c in line.changes if c["kind"] == kind)


# --- Who is on the return ---------------------------------------------------------------------


def test_r20_return_lists_pupils_with_a_plan_placed_at_the_school_in_the_month(
    school, other_school
):
    on_roll = add_pupil(school, family_name="Adams")
    add_pupil(school, family_name="Brown", issued_on=None)  # no plan
    add_pupil(other_school, family_name="Clark")  # another school
    add_pupil(school, family_name="Davis", ends_on=dt.date(2025, 4, 30))  # left before May
    joining = add_pupil(school, family_name="Evans", starts_on=dt.date(2025, 5, 20))

    generate(MAY)

    pupils = set(
        ReturnLine.objects.filter(monthly_return__school=school).values_list("pupil", flat=True)
    )
    assert pupils == {on_roll.pk, joining.pk}


def test_r20_plan_issued_after_the_month_is_not_on_the_return(school):
    add_pupil(school, issued_on=dt.date(2025, 6, 2))

    generate(MAY)

    assert not ReturnLine.objects.exists()


def test_r20_line_records_year_group_plan_kind_and_support(school):
    # Born 14 March 2015 (cohort Sep 2014 - Aug 2015) -> Reception 2019/20 -> Year 5 in 2024/25.
    pupil = add_pupil(school, kind="statement", lsa="20", lst="5")

    generate(MAY)

    line = line_for(school, MAY, pupil)
    assert line.year_group == 5
    assert line.plan_kind == "statement"
    assert (line.lsa_hours, line.lst_hours, line.ta_hours) == (
        Decimal("20.00"),
        Decimal("5.00"),
        Decimal("0.00"),
    )
    assert line.support_summary == "20 h LSA, 5 h LST"
    assert line.expected_on_roll is True


def test_r20_special_school_line_records_the_band(school):
    pupil = add_pupil(school, lsa="0", band=3)

    generate(MAY)

    assert line_for(school, MAY, pupil).band == 3


def test_schools_due_a_return_are_those_with_pupils_with_plans(school, other_school):
    add_pupil(school)
    add_pupil(other_school, issued_on=None)

    assert selectors.schools_due_a_return(MAY) == [school.pk]


# --- Changes since the last return ------------------------------------------------------------


def test_r20_first_return_flags_as_new_only_pupils_who_joined_in_the_month(school):
    long_standing = add_pupil(school, family_name="Adams")
    joined = add_pupil(school, family_name="Brown", starts_on=dt.date(2025, 5, 12))

    generate(MAY)

    assert kinds(line_for(school, MAY, long_standing)) == []
    assert line_for(school, MAY, joined).changes == [
        {"kind": "new", "effective_on": "2025-05-12", "detail": ""}
    ]


def test_r20_pupil_not_on_the_last_return_is_new(school):
    generate(APRIL)
    pupil = add_pupil(school, issued_on=dt.date(2025, 5, 6), starts_on=dt.date(2024, 9, 1))

    generate(MAY)

    assert change(line_for(school, MAY, pupil), "new")["effective_on"] == "2025-05-06"


def test_r20_unchanged_pupil_has_no_changes(school):
    pupil = add_pupil(school)
    generate(APRIL)

    generate(MAY)

    assert kinds(line_for(school, MAY, pupil)) == []


def test_r20_support_changed_since_the_last_return_with_its_effective_date(school):
    pupil = add_pupil(school, lsa="20")
    generate(APRIL)
    plan = Plan.objects.get(pupil=pupil)
    pupil_services.support_change(
        plan=plan, effective_from=dt.date(2025, 5, 12), support=SupportHours(lsa_hours=Decimal(25))
    )

    generate(MAY)

    line = line_for(school, MAY, pupil)
    assert line.lsa_hours == Decimal("25.00")
    assert line.changes == [
        {
            "kind": "support_changed",
            "effective_on": "2025-05-12",
            "detail": "20 h LSA to 25 h LSA",
        }
    ]


def test_r20_band_changed_since_the_last_return(school):
    pupil = add_pupil(school, lsa="0", band=2)
    generate(APRIL)
    pupil_services.support_change(
        plan=Plan.objects.get(pupil=pupil),
        effective_from=dt.date(2025, 5, 1),
        support=SupportHours(band=3),
    )

    generate(MAY)

    assert line_for(school, MAY, pupil).changes == [
        {"kind": "band_changed", "effective_on": "2025-05-01", "detail": "band 2 to band 3"}
    ]


def test_r20_pupil_leaving_in_the_month_is_listed_as_left_and_not_expected_on_roll(school):
    pupil = add_pupil(school)
    generate(APRIL)
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 5, 16))

    generate(MAY)

    line = line_for(school, MAY, pupil)
    assert kinds(line) == ["left"]
    assert change(line, "left")["effective_on"] == "2025-05-16"
    assert line.expected_on_roll is False


def test_r20_plan_ceasing_in_the_month_is_listed_as_ceased(school):
    pupil = add_pupil(school)
    generate(APRIL)
    pupil_services.plan_cease(plan=Plan.objects.get(pupil=pupil), ceased_on=dt.date(2025, 5, 23))

    generate(MAY)

    line = line_for(school, MAY, pupil)
    assert kinds(line) == ["plan_ceased"]
    assert change(line, "plan_ceased")["effective_on"] == "2025-05-23"


def test_r10_review_due_before_the_month_is_flagged_overdue(school):
    pupil = add_pupil(school, review_due=dt.date(2025, 4, 15))

    generate(MAY)

    assert line_for(school, MAY, pupil).changes == [
        {"kind": "review_overdue", "effective_on": "2025-04-15", "detail": ""}
    ]


def test_r10_review_due_in_the_month_is_not_yet_overdue(school):
    pupil = add_pupil(school, review_due=dt.date(2025, 5, 15))

    generate(MAY)

    assert kinds(line_for(school, MAY, pupil)) == []


def test_r20_leaving_recorded_after_the_last_return_gets_a_closing_line(school):
    pupil = add_pupil(school)
    generate(APRIL)
    # Recorded in May: the pupil's last day was 25 April (after April's return went out).
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 4, 25))

    generate(MAY)

    line = line_for(school, MAY, pupil)
    assert line.changes == [{"kind": "left", "effective_on": "2025-04-25", "detail": ""}]
    assert line.expected_on_roll is False


def test_r20_a_leaving_already_reported_is_not_reported_again(school):
    pupil = add_pupil(school)
    generate(APRIL)
    pupil_services.pupil_leave(pupil=pupil, last_day=dt.date(2025, 4, 25))
    generate(MAY)

    generate(JUNE)

    assert not ReturnLine.objects.filter(monthly_return__month=JUNE, pupil=pupil).exists()


def test_r20_moving_school_is_left_at_one_and_new_at_the_other(school, other_school):
    pupil = add_pupil(school)
    generate(APRIL)
    pupil_services.pupil_move(
        pupil=pupil,
        to_school=other_school,
        moves_on=dt.date(2025, 5, 19),
        admission_kind="managed_move",
    )

    generate(MAY)

    assert line_for(school, MAY, pupil).changes == [
        {"kind": "left", "effective_on": "2025-05-18", "detail": ""}
    ]
    assert line_for(other_school, MAY, pupil).changes == [
        {"kind": "new", "effective_on": "2025-05-19", "detail": ""}
    ]


def test_no_return_for_a_school_without_pupils(home_la):
    factories.SchoolFactory(la=home_la)

    generation = generate(MAY)

    assert generation.schools == 0
    assert not MonthlyReturn.objects.exists()
