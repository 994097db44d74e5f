"""The benchmark's data (`manage.py bench allocations`): a synthetic LA of any size up to the
national 24,000 schools, and the national shape from the January 2019 census (`--from-census`).

Both build on the test database here (their tables are emptied and refilled inside the test's
transaction); the benchmark itself runs on `<DATABASE>_bench`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from funding.bench import synthetic
from pupils.models import Placement, Pupil
from schools.models import LocalAuthority, School, SchoolCensus

pytestmark = pytest.mark.django_db


def test_synthetic_la_numbers_schools_past_7999_without_overflowing():
    """Before, school 8,000 got establishment number "10000" (5 digits) and the build failed.
    8,100 schools: 13% secondaries = 1,053, 4% special = 324, 8,100 // 150 = 54 AP,
    8,100 // 300 = 27 FE, so 8,100 - 324 - 54 - 27 - 1,053 = 6,642 primaries, whose numbers
    run 2000-3999 and then repeat (the URN identifies a school)."""
    summary = synthetic.build_synthetic_la(schools=8100, pupils=300, seed=1)

    ours = School.objects.filter(la__code=synthetic.LA_CODE)
    assert summary.schools == ours.count() == 8100
    assert ours.filter(phase="primary").count() == 6642
    numbers = list(ours.values_list("establishment_number", flat=True))
    assert all(len(n) == 4 and n.isdigit() for n in numbers)
    urns = list(ours.values_list("urn", flat=True))
    assert min(urns) == 100000 and max(urns) == 108099
    assert ours.get(urn=108099).name.endswith("08099")
    assert Pupil.objects.count() == summary.pupils == 300


def test_synthetic_la_has_one_plan_in_eight_overdue_for_review_the_rest_due_within_a_year():
    """The reviews page is measured on a realistic list: before, every plan's review was due a
    year after issue (2024-25), so all 25,000 were overdue. 400 pupils: plans 0, 8, ..., 392
    overdue, 400 / 8 = 50; the other 350 due on an anniversary of issue in the coming year."""
    from pupils.models import Plan

    synthetic.build_synthetic_la(schools=20, pupils=400, seed=1)
    today = dt.date.today()
    dues = list(Plan.objects.values_list("issued_on", "annual_review_due"))
    assert len(dues) == 400
    overdue = [due for _issued, due in dues if due < today]
    assert len(overdue) == 50
    assert all(today - dt.timedelta(days=366) <= due < today for due in overdue)
    assert all(
        today <= due <= today + dt.timedelta(days=366) for _issued, due in dues if due >= today
    )
    assert all((due.month, due.day) == (issued.month, issued.day) for issued, due in dues
               if (issued.month, issued.day) != (2, 29))  # fmt: skip


@pytest.mark.skipif(
    not synthetic.CENSUS_PATH.exists(),
    reason=f"{synthetic.CENSUS_PATH} is absent (the shared data folder beside the repository)",
)
def test_census_la_has_real_rolls_plan_counts_and_home_las():
    """--from-census, first 50 schools by URN. The census's first row: URN 100000, LA 201 (City
    of London), a state-funded primary with 285 on roll and 5 EHC plans, so 5 pupils with a plan
    are placed there, each with City of London as home LA; its roll is spread over Reception-Y6
    (285 = 7 x 40 + 5: five year groups of 41 and two of 40)."""
    rows = synthetic.read_census()[:50]
    plans = sum(int(r["TSENELSE"]) for r in rows if r["TSENELSE"].isdigit())

    summary = synthetic.build_census_la(schools=50, seed=1)

    national = LocalAuthority.objects.get(is_administering=True)
    assert national.code == "990"
    assert School.objects.filter(la=national).count() == summary.schools == 50
    assert LocalAuthority.objects.count() == 1 + len({r["LA"] for r in rows})
    school = School.objects.get(urn=100000)
    assert (school.phase, school.number_on_roll) == ("primary", 285)
    census = SchoolCensus.objects.filter(school=school).first()
    assert census.ehc_plans == 5 and census.roll_excluding_nursery_and_sixth_form == 285
    # Pupils who move in on 3 Nov 2025 come from other schools (and LAs).
    at_school = Placement.objects.filter(school=school, starts_on__lt=dt.date(2025, 11, 3))
    home_las = set(at_school.values_list("pupil__home_la__code", flat=True))
    assert home_las == {"201"}
    assert summary.pupils == Pupil.objects.count() == plans
