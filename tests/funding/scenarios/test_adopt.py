"""Uplifts from a date and adopting a scenario as next year's scheme (R26): each writes a new
version of a live scheme, kept in its history with who and why.

The small LA (conftest): Meadow P1 20 h and P2 10 h LSA at £15.50, 39 weeks, threshold £6,000;
Oak Special P3 band 2 at £12,000. The FY 2025-26 calendar (tests/conftest.py) has 188 school
days: summer terms 23 + 37 = 60 (less the 5 May bank holiday), then from 1 September
38 + 35 + 30 + 25 = 128.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funding.models import FundingScheme, HourlyRate, SchemeRateChange
from funding.scenarios import adoption as adopting
from funding.scenarios import calculations as calc
from funding.scenarios import services
from funding.scenarios.models import AdoptionKind, ScenarioAdoption
from schools.models import SpecialSchoolBand
from tests import factories

D = Decimal
pytestmark = pytest.mark.django_db
SEPTEMBER = dt.date(2025, 9, 1)


def test_r26_r7_pay_award_of_3_percent_from_september_costs_128_of_188_days(small_la):
    preview = adopting.uplift_preview(
        financial_year=2025, percent=D("3"), rate_set=calc.HOURLY_RATES, effective_from=SEPTEMBER
    )
    # LSA £15.50 × 1.03 = £15.965 -> £15.97 (the rate as the scheme holds it, half-up).
    # P1 20 × 15.97 × 39 = 12,456.60 − 6,000 = £6,456.60 a year (was £6,090.00)
    # P2 10 × 15.97 × 39 =  6,228.30 − 6,000 =   £228.30 a year (was    £45.00)
    # Whole year: +366.60 + 183.30 = +£549.90.
    # From 1 September, 128 of 188 days, each line rounded once:
    #   P1 6,456.60 × 128/188 = 4,395.98 − 6,090 × 128/188 = 4,146.38 -> +249.60
    #   P2   228.30 × 128/188 =   155.44 −    45 × 128/188 =    30.64 -> +124.80
    assert [r["hourly_rate"] for r in preview.values["hourly_rates"] if r["role"] == "lsa"][
        0
    ] == "15.97"
    assert (preview.annual_cost, preview.cost) == (D("549.90"), D("374.40"))


def test_r26_adopting_an_uplift_writes_a_new_version_of_the_live_scheme_with_the_reason(
    small_la,
):
    officer = factories.la_officer(username="finance")
    adoption = adopting.uplift_adopt(
        financial_year=2025,
        percent=D("3"),
        rate_set=calc.HOURLY_RATES,
        effective_from=SEPTEMBER,
        reason="NJC pay award 2025",
        user=officer,
    )
    # From a date inside the year the uplift is a dated change: the year's rates stay as they
    # were before it (R7: counted from its date only, no back-pay to 1 April).
    assert HourlyRate.objects.get(role="lsa", phase="primary").hourly_rate == D("15.50")
    change = SchemeRateChange.objects.get()
    assert (change.effective_from, change.percent, change.reason) == (
        SEPTEMBER,
        D("3"),
        "NJC pay award 2025",
    )
    lsa = {(r["role"], r["phase"]): r["hourly_rate"] for r in change.values["hourly_rates"]}
    was = {(r["role"], r["phase"]): r["hourly_rate"] for r in change.previous["hourly_rates"]}
    assert (was[("lsa", "primary")], lsa[("lsa", "primary")]) == ("15.50", "15.97")
    latest = change.history.first()
    assert latest.history_user == officer
    assert "NJC pay award 2025" in latest.history_change_reason
    assert (adoption.kind, adoption.cost, adoption.adopted_by) == (
        AdoptionKind.UPLIFT,
        D("374.40"),
        officer,
    )


def test_r26_an_uplift_needs_a_reason_and_a_date_in_the_year(small_la):
    with pytest.raises(ValidationError):
        adopting.uplift_adopt(
            financial_year=2025,
            percent=D("3"),
            rate_set=calc.HOURLY_RATES,
            effective_from=SEPTEMBER,
            reason=" ",
        )
    with pytest.raises(ValidationError):
        adopting.uplift_preview(
            financial_year=2025,
            percent=D("3"),
            rate_set=calc.HOURLY_RATES,
            effective_from=dt.date(2026, 4, 1),
        )
    assert HourlyRate.objects.get(role="lsa", phase="primary").hourly_rate == D("15.50")


def test_r26_adopting_a_scenario_makes_next_years_scheme_with_who_and_why(scenario, small_la):
    officer = factories.la_officer(username="finance")
    special = small_la["special"]
    services.scenario_update_rates(
        scenario=scenario,
        fields={"threshold": D("6500")},
        hourly_rates={("lsa", "primary"): {"hourly_rate": D("15.965")}},
        band_rates={(special.pk, 2): D("13000")},
    )
    adoption = adopting.scenario_adopt_as_next_year(
        scenario=scenario, reason="Agreed by Schools Forum 12 Jan", user=officer
    )
    nxt = FundingScheme.objects.get(financial_year=2026)
    # The scenario's values, rates rounded half-up as the scheme holds them (£15.965 -> £15.97).
    assert nxt.threshold == D("6500.00")
    assert nxt.hourly_rates.get(role="lsa", phase="primary").hourly_rate == D("15.97")
    assert SpecialSchoolBand.objects.get(
        school=special, band=2, financial_year=2026
    ).annual_rate == (D("13000.00"))
    assert (adoption.kind, adoption.scheme, adoption.adopted_by) == (
        AdoptionKind.NEXT_YEAR,
        nxt,
        officer,
    )
    assert "Schools Forum 12 Jan" in nxt.history.first().history_change_reason
    # This year's live scheme and band rates are untouched.
    live = FundingScheme.objects.get(financial_year=2025)
    assert live.threshold == D("6000.00")
    assert SpecialSchoolBand.objects.get(
        school=special, band=2, financial_year=2025
    ).annual_rate == (D("12000.00"))


def test_r26_adopting_when_next_year_exists_is_refused_unless_replacing(scenario, small_la):
    adopting.scenario_adopt_as_next_year(scenario=scenario, reason="First go")
    services.scenario_update_rates(scenario=scenario, fields={"threshold": D("7000")})
    with pytest.raises(ValidationError):
        adopting.scenario_adopt_as_next_year(scenario=scenario, reason="Second go")
    assert FundingScheme.objects.get(financial_year=2026).threshold == D("6000.00")
    adopting.scenario_adopt_as_next_year(scenario=scenario, reason="Second go", replace=True)
    assert FundingScheme.objects.get(financial_year=2026).threshold == D("7000.00")
    assert list(ScenarioAdoption.objects.values_list("reason", "replaced")) == [
        ("Second go", True),
        ("First go", False),
    ]


def test_r26_r12_a_band_uplift_from_september_splits_the_special_school_line(small_la):
    from funding.calculations.allocation import allocate
    from funding.selectors import allocation_inputs

    adoption = adopting.uplift_adopt(
        financial_year=2025,
        percent=D("5"),
        rate_set=calc.BAND_VALUES,
        effective_from=SEPTEMBER,
        reason="Special schools' pay award",
    )
    # Oak Special band 2: £12,000 × 1.05 = £12,600 from 1 September.
    #   1 Apr-31 Aug: £12,000 × 60/188 = £3,829.787… → £3,829.79
    #   1 Sep-31 Mar: £12,600 × 128/188 = £8,578.723… → £8,578.72
    # £12,408.51 for the year, £408.51 more than £12,000.00; the band rate itself is unchanged.
    lines = [x for x in allocate(allocation_inputs(2025)).lines if x.pupil_id == small_la["p3"].pk]
    assert [(x.period_to, x.amount) for x in lines] == [
        (dt.date(2025, 8, 31), D("3829.79")),
        (dt.date(2026, 3, 31), D("8578.72")),
    ]
    assert "£12,600.00" in lines[1].explanation
    assert adoption.cost == D("408.51")
    assert SpecialSchoolBand.objects.get(
        school=small_la["special"], band=2, financial_year=2025
    ).annual_rate == D("12000.00")
