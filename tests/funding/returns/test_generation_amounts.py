"""R20 generation in eager mode: each line's monthly amount from the funding engine (R7+)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding import selectors as funding_selectors
from funding.returns import services
from tests.funding.returns.conftest import MAY, add_pupil, generate, line_for

pytestmark = pytest.mark.django_db


# --- Monthly amount from the funding engine ---------------------------------------------------


NOVEMBER = dt.date(2025, 11, 1)


def test_r7_plus_monthly_amount_is_the_months_entitlement_from_the_engine(school, scheme):
    # The scheme (tests/funding/builders.make_scheme): LSA £15.50 an hour, 39 weeks, £6,000
    # threshold. 25 h LSA all year: 25 × £15.50 × 39 = £15,112.50 − £6,000 = £9,112.50.
    # FY 2025-26 has 188 school days; 98 to 31 Oct and 118 to 30 Nov. November is the
    # entitlement to 30 Nov less that to 31 Oct (R7+):
    #   911,250p × 118/188 = 571,955.05 -> £5,719.55; × 98/188 = 475,013.30 -> £4,750.13
    #   November = £5,719.55 − £4,750.13 = £969.42 (rounding the month alone gave £969.41).
    pupil = add_pupil(school, lsa="25")

    generate(NOVEMBER)

    assert line_for(school, NOVEMBER, pupil).monthly_amount == Decimal("969.42")


def test_r7_plus_a_pupils_twelve_returns_add_up_to_the_year(school, scheme):
    # £9,112.50 a year (above). Each month rounded alone summed to £9,112.48; as differences
    # of the entitlement to date the twelve returns add up to the line, £9,112.50.
    pupil = add_pupil(school, lsa="25")
    months = [dt.date(2025, m, 1) for m in range(4, 13)] + [dt.date(2026, m, 1) for m in (1, 2, 3)]
    for month in months:
        generate(month)
    amounts = [line_for(school, month, pupil).monthly_amount for month in months]
    assert amounts[4] == Decimal("0.00")  # August: no school days, still on roll
    assert sum(amounts) == Decimal("9112.50")


def test_r7_plus_a_joiner_is_paid_from_the_day_they_join(school, scheme):
    # Joins 10 Nov 2025 with 20 h LSA (£6,090.00 a year): 10 Nov-31 Mar has 85 school days,
    # the line is £6,090 × 85/188 = 2,753.457 -> £2,753.46; November holds 15 of them:
    # 275,346p × 15/85 = 48,590.47 -> £485.90.
    joiner = add_pupil(school, starts_on=dt.date(2025, 11, 10))

    generate(NOVEMBER)

    assert line_for(school, NOVEMBER, joiner).monthly_amount == Decimal("485.90")


def test_r7_plus_a_generations_batches_read_the_year_once_and_get_their_schools_money(
    school, other_school, scheme, settings
):
    # One school a batch, so two batches: the scheme's rates are read once for the generation
    # (`funding.year_inputs`), and each school's line has its pupil's money for November as
    # read for that school alone: 25 h LSA all year £969.42, a joiner on 10 Nov £485.90 (above).
    settings.RETURNS_GENERATION_BATCH = 1
    stayer = add_pupil(school, lsa="25")
    joiner = add_pupil(other_school, starts_on=dt.date(2025, 11, 10))

    with CaptureQueriesContext(connection) as queries:
        run = generate(NOVEMBER)

    assert (run.created, run.failed) == (2, 0)
    assert line_for(school, NOVEMBER, stayer).monthly_amount == Decimal("969.42")
    assert line_for(other_school, NOVEMBER, joiner).monthly_amount == Decimal("485.90")
    rate_reads = [q for q in queries.captured_queries if '"funding_hourlyrate"' in q["sql"]]
    assert len(rate_reads) == 1


def test_r7_plus_a_rate_changed_after_a_generation_is_used_by_the_next(school, scheme):
    # 25 h LSA all year, £969.42 in November at £15.50 an hour (above). At £16.50:
    # 25 × £16.50 × 39 = £16,087.50 − £6,000 = £10,087.50 a year; to 30 Nov
    # 1,008,750p × 118/188 = 633,151.60 -> 633,152p, to 31 Oct × 98/188 = 525,837.77 ->
    # 525,838p; November = £6,331.52 − £5,258.38 = £1,073.14. The unopened return is rebuilt.
    pupil = add_pupil(school, lsa="25")
    generate(NOVEMBER)
    assert line_for(school, NOVEMBER, pupil).monthly_amount == Decimal("969.42")
    scheme.hourly_rates.filter(role="lsa").update(hourly_rate=Decimal("16.50"))

    run = generate(NOVEMBER)

    assert run.rebuilt == 1
    assert line_for(school, NOVEMBER, pupil).monthly_amount == Decimal("1073.14")


def test_r7_plus_a_batch_of_schools_gets_each_schools_own_money(school, other_school, scheme):
    # One engine over the batch's pupils: each school's line has its pupil's money for
    # November as read for that school alone, £969.42 and £485.90 (above).
    stayer = add_pupil(school, lsa="25")
    joiner = add_pupil(other_school, starts_on=dt.date(2025, 11, 10))

    outcomes = services.monthly_returns_generate(
        school_ids=[school.pk, other_school.pk], month=NOVEMBER
    )

    assert [(o.school_id, o.outcome, o.lines) for o in outcomes] == [
        (school.pk, services.CREATED, 1),
        (other_school.pk, services.CREATED, 1),
    ]
    assert line_for(school, NOVEMBER, stayer).monthly_amount == Decimal("969.42")
    assert line_for(other_school, NOVEMBER, joiner).monthly_amount == Decimal("485.90")


def test_monthly_amount_is_blank_without_a_scheme_for_the_year(school):
    # No funding scheme (and no term dates) for FY 2025-26: the engine cannot price the month.
    pupil = add_pupil(school)

    generate(MAY)

    assert line_for(school, MAY, pupil).monthly_amount is None


def test_monthly_amount_is_blank_when_the_engine_cannot_price_the_school(school, monkeypatch):
    # Not about money: an engine error leaves the amounts blank and the return is still made.
    pupil = add_pupil(school)

    def monthly_top_ups(*args, **kwargs):
        raise LookupError("no rates for FY 2025-26")

    # Each batch of schools (here one) reads its pupils' month at once.
    monkeypatch.setattr(funding_selectors, "monthly_top_ups_by_school", monthly_top_ups)

    generation = generate(MAY)

    assert generation.created == 1
    assert line_for(school, MAY, pupil).monthly_amount is None
