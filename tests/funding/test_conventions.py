"""The conventions an LA finance team expects (DOMAIN.md "Conventions", issue "Money an LA can
defend"), each through a real run on PostgreSQL.

The scheme (tests/funding/builders.make_scheme): LSA and TA £15.50, LST £30.00, 39 weeks,
threshold £6,000, AWPU £3,000 / £4,000 / £4,500. FY 2025-26 has 188 school days:
1 Apr-31 Aug 60, 1 Sep-31 Mar 128, 1 Apr-2 Nov 98, 3 Nov-31 Mar 90, 21 Oct-31 Mar 94.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funding import services
from funding.models import HourlyRate, RunStatus
from funding.selectors import recoupment, run_totals
from pupils.services import pupil_home_la_change
from schools.models import TermDate
from tests.funding import builders as b

D = Decimal
pytestmark = pytest.mark.django_db
OCT = dt.date(2024, 10, 3)


def run(kind="initial"):
    result = services.run_allocation(fy=2025, kind=kind)
    assert result.status == RunStatus.DONE, result.error
    return result


# ---- R7+ round once ------------------------------------------------------------------------------


def test_r7_plus_a_part_year_is_taken_of_the_unrounded_annual_amount(home_la, scheme):
    HourlyRate.objects.filter(scheme=scheme, role="lsa").update(hourly_rate=D("15.55"))
    primary = b.school(home_la, "Meadow Primary")
    p = b.pupil(home_la)
    b.place(p, primary, starts_on=dt.date(2025, 10, 21))
    b.plan(p, lsa="20.5")
    [line] = b.lines_of(run(), pupil=p)
    # 20.5 h × £15.55 × 39 = £12,432.225 − £6,000 = £6,432.225 a year; from 21 Oct 94 of 188
    # school days: 6,432.225 × 94/188 = 3,216.1125 -> £3,216.11 (rounding the annual amount
    # first, £6,432.23 × 94/188 = 3,216.115, would give £3,216.12)
    assert line.amount == D("3216.11")
    assert line.annual_amount == D("6432.23")
    assert "£6,432.225 × 94/188 school days = £3,216.11" in line.explanation


# ---- R4+ IAR pupils from our records -------------------------------------------------------------


def test_r4_plus_iar_pupils_are_counted_from_our_records_on_the_counting_date(
    home_la, fy2025_terms
):
    b.make_scheme(home_la, additional_sen_support=True)
    meadow = b.school(home_la, "Meadow Primary")
    roll = b.primary_roll(57) | {"year_6": 58}  # 6 × 57 + 58 = 400 in Reception-Y6
    b.census(meadow, dt.date(2025, 11, 6), **roll, ehc_plans=40)  # the census count: not used
    for _ in range(15):  # counted: on roll, Year 4-5, a plan and a top-up on 1 Nov 2025
        p = b.pupil(home_la)
        b.place(p, meadow)
        b.plan(p, lsa=20)
    nursery = b.pupil(home_la, dob=dt.date(2022, 1, 10))  # nursery age: not counted
    b.place(nursery, meadow)
    b.plan(nursery, lsa=20)
    within = b.pupil(home_la)  # 5 h × £15.50 × 39 = £3,022.50 < £6,000: no top-up
    b.place(within, meadow)
    b.plan(within, lsa=5)
    left = b.pupil(home_la)  # left 31 October: not on roll on 1 November
    b.place(left, meadow, ends_on=dt.date(2025, 10, 31))
    b.plan(left, lsa=20)
    [line] = b.lines_of(run(), school=meadow, element="additional_sen_support")
    # 15 IAR pupils on 1 Nov 2025; 3% of the roll of 400 = 12; 3 above × £6,000 = £18,000.00
    assert line.amount == D("18000.00")
    assert "IAR pupils from our records" in line.explanation


def test_r1_plus_nursery_special_and_other_settings_get_no_schools_block_formula(home_la, scheme):
    settings = [
        b.school(home_la, "Little Acorns Nursery", phase="nursery", kind="nursery"),
        b.school(home_la, "Acorn Nursery (community)", phase="nursery", kind="community"),
        b.school(home_la, "Hill House", phase="all_through", kind="independent_special"),
        b.school(home_la, "Family Centre", phase="not_applicable", kind="other"),
        b.special_school(home_la, "Oak Special"),
    ]
    mainstream = b.school(home_la, "Meadow Primary")
    for s in [*settings, mainstream]:
        b.census(s, OCT, **b.primary_roll(10), fsm=5, ehc_plans=3)
    result = run()
    for s in settings:
        assert b.lines_of(result, school=s) == [], s.name
    # Only the mainstream school: 70 × £3,000 = £210,000.00 of element 1
    assert b.amounts(result, school=mainstream, element="element_1") == [D("210000.00")]


# ---- R7: a calendar that does not cover the year -------------------------------------------------


def test_r7_a_run_refuses_a_year_whose_term_dates_miss_an_academic_year(home_la, scheme):
    """Refused up front in the readiness checklist's words; a run queued before the calendar
    lost a year still fails with the engine's own reason when it is calculated."""
    queued = services.allocation_run_create(financial_year=2025, kind="initial")
    TermDate.objects.filter(academic_year=2025).delete()
    with pytest.raises(ValidationError) as refused:
        services.run_allocation(fy=2025, kind="revised")
    assert refused.value.message_dict["financial_year"] == [
        "No term dates for 2025/26: 2025-26 runs across both academic years, and school days "
        "(R7) are counted from them."
    ]
    result = services.allocation_run_execute(run_id=queued.pk)
    assert result.status == RunStatus.FAILED
    assert "Term dates for the 2025/26 academic year are missing" in result.error
    assert result.lines.count() == 0


# ---- R1+ schools that open or close in the year ----------------------------------------------


def test_r1_plus_a_school_closing_on_31_august_gets_school_money_to_then_only(home_la, scheme):
    closing = b.school(home_la, "Old Mill Primary")
    closing.closed_on = dt.date(2025, 8, 31)
    closing.status = "closed"
    closing.save()
    b.census(closing, OCT, **b.primary_roll(30))
    special = b.special_school(home_la, "Oak Special")
    special.closed_on = dt.date(2025, 8, 31)
    special.save()
    b.places(special, "special_school", {2024: (100, 95), 2025: (110, 100)})
    result = run()
    [e1] = b.lines_of(result, school=closing, element="element_1")
    # 210 × £3,000 = £630,000 a year × 60/188 school days open (1 Apr-31 Aug) = £201,063.83
    assert (e1.amount, e1.period_to) == (D("201063.83"), dt.date(2025, 8, 31))
    assert e1.explanation.startswith("Open until 31 Aug 2025")
    # Places: 2024/25 only, 100 × £10,000 × 5/12 = £416,666.67; nothing from September
    [place] = b.lines_of(result, school=special, element="place")
    assert (place.amount, place.period_to) == (D("416666.67"), dt.date(2025, 8, 31))


def test_r1_plus_a_school_opening_in_september_gets_school_money_from_then(home_la, scheme):
    new = b.school(home_la, "New Town Primary")
    new.opened_on = dt.date(2025, 9, 1)
    new.save()
    b.census(new, OCT, **b.primary_roll(30))
    [e1] = b.lines_of(run(), school=new, element="element_1")
    # £630,000 × 128/188 school days open = 428,936.170 -> £428,936.17
    assert (e1.amount, e1.period_from) == (D("428936.17"), dt.date(2025, 9, 1))


# ---- R25 routes --------------------------------------------------------------------------------


def test_r25_every_line_carries_its_route_and_the_run_totals_show_each(home_la, other_la, scheme):
    HourlyRate.objects.filter(scheme=scheme, role="lst", phase="primary").update(delegated=False)
    maintained = b.school(home_la, "Meadow Primary")
    academy = b.school(home_la, "Brook Academy", kind="academy")
    for s in (maintained, academy):
        b.census(s, OCT, **b.primary_roll(10))
    ours = b.pupil(home_la)
    b.place(ours, maintained)
    b.plan(ours, lsa=20, lst=5)
    theirs = b.pupil(other_la)
    b.place(theirs, academy)
    b.plan(theirs, lsa=20)
    result = run()
    routes = {
        (line.school_id, line.pupil_id, line.element, line.delegated): line.route
        for line in result.lines.all()
    }
    assert routes[(maintained.pk, None, "element_1", True)] == "la"
    assert routes[(academy.pk, None, "element_1", True)] == "esfa"
    assert routes[(maintained.pk, ours.pk, "top_up", True)] == "la"
    assert routes[(maintained.pk, ours.pk, "top_up", False)] == "retained"
    # Top-up is always paid by the home LA (R25, R8): the other LA's pupil is billed to them
    assert routes[(academy.pk, theirs.pk, "top_up", True)] == "other_la"
    totals = dict(run_totals(result).routes)
    # The academy's element 1: 70 × £3,000 = £210,000 + notional SEN 5% × £210,000 = £10,500
    # = £220,500.00 through the ESFA; top-up: ours LSA 20 h × £15.50 × 39 = £12,090 − £6,000 =
    # £6,090.00; LST 5 h × £30 × 39 = £5,850.00 retained; theirs £6,090.00 billed to 888
    assert totals["Paid by the ESFA (recouped from the LA's DSG)"] == D("220500.00")
    assert totals["Retained centrally"] == D("5850.00")
    assert totals["Billed to the pupil's home LA"] == D("6090.00")


# ---- R17: no top-up on plans after the PSF cut-over (Norfolk) ----------------------------------


def test_r17_plans_issued_after_the_cutover_get_no_top_up_when_the_scheme_says_so(home_la, scheme):
    scheme.psf_cutover_date = dt.date(2012, 9, 1)
    scheme.top_up_for_plans_after_psf_cutover = False
    scheme.save()
    primary = b.school(home_la, "Norwich Primary")
    new = b.pupil(home_la)
    b.place(new, primary)
    b.plan(new, issued_on=dt.date(2024, 9, 1), lsa=20)
    old = b.pupil(home_la, dob=dt.date(2009, 10, 1))
    b.place(old, primary)
    b.plan(old, issued_on=dt.date(2011, 9, 1), lsa=20)
    converted = b.pupil(home_la)  # a statement converted to an EHCP with no gap keeps standing
    b.place(converted, primary)
    b.plan(converted, issued_on=dt.date(2012, 3, 1), ceased_on=dt.date(2015, 8, 31), lsa=10)
    b.plan(converted, issued_on=dt.date(2015, 9, 1), lsa=20)
    result = run()
    assert b.lines_of(result, pupil=new) == []
    # 20 h × £15.50 × 39 = £12,090 − £6,000 = £6,090.00 each
    assert b.amounts(result, pupil=old) == [D("6090.00")]
    assert b.amounts(result, pupil=converted) == [D("6090.00")]


# ---- R8+ dated home LA -------------------------------------------------------------------------


def test_r8_plus_a_house_move_changes_the_payer_from_that_day(home_la, other_la, scheme):
    primary = b.school(home_la, "Meadow Primary")
    p = b.pupil(other_la)
    b.place(p, primary)
    b.plan(p, lsa=20)
    pupil_home_la_change(pupil=p, la=home_la, from_date=dt.date(2025, 11, 3), reason="moved")
    first, second = b.lines_of(run(), pupil=p)
    # £6,090.00 a year: 1 Apr-2 Nov 98/188 = 3,174.574... billed to 888; 3 Nov-31 Mar 90/188
    # = 2,915.425... paid by us; the two add up to the year: £3,174.57 + £2,915.43 = £6,090.00
    assert (first.amount, first.payer_la, first.route) == (D("3174.57"), other_la, "other_la")
    assert (second.amount, second.payer_la, second.route) == (D("2915.43"), home_la, "la")
    r = recoupment(first.run)
    assert [(x.code, x.amount) for x in r.owed_to_us] == [("888", D("3174.57"))]
