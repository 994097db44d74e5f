"""Hand-worked examples for every calculator (pure functions, no database).

Each test states the rule it checks and does the arithmetic in a comment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from funding.calculations import (
    CensusCounts,
    MissingRate,
    Support,
    additional_sen_support,
    ap_place_funding,
    apportion,
    element_1,
    fe_place_funding,
    notional_sen,
    pro_rata,
    special_band_top_up,
    special_place_funding,
    ssc_place_funding,
    top_up_from_support,
)
from funding.calculations.scheme import HourlyRateData, SchemeRates, SenFactorData, TaBandData

D = Decimal
NOVEMBER = dt.date(2025, 11, 6)


def hourly_rates(lsa="15.50", lst="30.00", ta="15.50", weeks="39", lst_primary_delegated=True):
    rows = []
    for phase in ("primary", "secondary"):
        for role, rate in (("lsa", lsa), ("lst", lst), ("ta", ta)):
            delegated = lst_primary_delegated or not (role == "lst" and phase == "primary")
            rows.append(HourlyRateData(role, phase, D(rate), D(weeks), delegated))
    return tuple(rows)


def rates(**kwargs) -> SchemeRates:
    kwargs.setdefault("hourly_rates", hourly_rates())
    return SchemeRates(2025, **kwargs)


TORBAY = SchemeRates(
    2018,
    awpu_primary=D("2806.18"),
    awpu_ks3=D("3862.65"),
    awpu_ks4=D("4386.81"),
    threshold=D("10000"),
    threshold_basis="total_with_element_1",
    sen_factors=(
        SenFactorData("awpu", D("5")),
        SenFactorData("fsm", D("50"), D("440.00")),
        SenFactorData("idaci", D("50"), D("300.00")),
        SenFactorData("low_prior_attainment", D("100"), D("1050.00")),
    ),
    hourly_rates=hourly_rates("14.00", "28.00", "14.00"),
)
SURREY = SchemeRates(
    2025,
    top_up_method="ta_bands",
    ta_bands=(
        TaBandData(D("0"), D("0"), D("0"), D("0"), "up to 13 hours"),
        TaBandData(D("13"), D("0"), D("500"), D("3000"), "13-19 hours"),
        TaBandData(D("20"), D("3000"), D("500"), D("7000"), "20-28 hours"),
        TaBandData(D("29"), D("7000"), D("600"), D("10000"), "29-34 hours"),
        TaBandData(D("35"), D("10000"), D("600"), None, "35 hours and above"),
    ),
)


# ---- R1 element 1 --------------------------------------------------------------------------------


def test_r1_element_1_awpu_by_key_stage_torbay_2018_rates():
    census = CensusCounts(dt.date(2025, 1, 16), primary_roll=120, ks3_roll=200, ks4_roll=150)
    result = dict(element_1(TORBAY, census))
    # 120 × £2,806.18 = £336,741.60; 200 × £3,862.65 = £772,530.00; 150 × £4,386.81 = £658,021.50
    assert result["primary"].amount == D("336741.60")
    assert result["ks3"].amount == D("772530.00")
    assert result["ks4"].amount == D("658021.50")
    assert result["primary"].formula == (
        "120 pupils (Reception to Year 6, census 16 Jan 2025) × £2,806.18 = £336,741.60"
    )
    assert result["primary"].rule == "R1"


def test_r1_element_1_skips_key_stages_without_pupils():
    census = CensusCounts(dt.date(2025, 1, 16), primary_roll=30)
    assert [key for key, _ in element_1(TORBAY, census)] == ["primary"]


# ---- R2 notional SEN -----------------------------------------------------------------------------


def test_r2_notional_sen_torbay_formula():
    census = CensusCounts(
        dt.date(2025, 1, 16),
        primary_roll=120,
        ks3_roll=200,
        ks4_roll=150,
        factors={"fsm": 40, "idaci": 30, "low_prior_attainment": 25},
    )
    awpu = sum((c.amount for _, c in element_1(TORBAY, census)), D("0"))
    assert awpu == D("1767293.10")  # 336,741.60 + 772,530.00 + 658,021.50
    result = notional_sen(TORBAY, census, awpu)
    # 5% × 1,767,293.10 = 88,364.655; 50% × 40 × £440 = 8,800; 50% × 30 × £300 = 4,500;
    # 100% × 25 × £1,050 = 26,250; total 127,914.655 -> £127,914.66 (half-up, once)
    assert result.amount == D("127914.66")
    assert result.rule == "R2"
    assert "5% × AWPU budget £1,767,293.10" in result.formula
    assert result.formula.endswith("total £127,914.66")


def test_r2_hackney_proxy_indicators():
    hackney = rates(
        sen_factors=(
            SenFactorData("fsm", D("100"), D("350")),
            SenFactorData("mobility", D("100"), D("250")),
            SenFactorData("english_attainment_below", D("100"), D("400")),
        )
    )
    census = CensusCounts(
        dt.date(2025, 1, 16),
        primary_roll=300,
        factors={"fsm": 50, "mobility": 20, "english_attainment_below": 30},
    )
    # 50 × £350 + 20 × £250 + 30 × £400 = 17,500 + 5,000 + 12,000 = £34,500.00
    assert notional_sen(hackney, census, D("0")).amount == D("34500.00")


def test_r2_no_factors_no_notional_budget():
    assert notional_sen(rates(), CensusCounts(dt.date(2025, 1, 16)), D("1000")) is None


# ---- R3 / R5 hourly top-up -----------------------------------------------------------------------


def test_r5_hours_at_rates_less_the_threshold_issue_example():
    [part] = top_up_from_support(Support(lsa_hours=D("20")), rates(), phase="primary")
    # 20 h × £15.50 × 39 wk = £12,090.00 − £6,000.00 threshold = £6,090.00
    assert part.amount == D("6090.00")
    assert part.delegated
    assert part.calculated.formula == (
        "LSA 20 h × £15.50 × 39 wk = £12,090.00 − £6,000.00 threshold = £6,090.00"
    )
    assert part.calculated.rule == "R5"


def test_r3_plus_torbay_threshold_counts_the_total_cost_including_element_1():
    awpu = ("AWPU primary", TORBAY.awpu_primary)
    [part] = top_up_from_support(
        Support(lsa_hours=D("20")), TORBAY, phase="primary", element_1=awpu
    )
    # Torbay's £10,000 is spent "out of their core and notional budget" (seed 003), so it
    # counts the pupil's element 1: 20 h × £14.00 × 39 = £10,920.00 + £2,806.18 AWPU primary
    # = £13,726.18 − £10,000.00 = £3,726.18 (the old reading gave £920.00)
    assert part.amount == D("3726.18")
    assert "threshold on the total cost including element 1" in part.calculated.formula


def test_r3_plus_national_threshold_counts_additional_provision_only():
    national = replace(TORBAY, threshold=D("6000"), threshold_basis="additional")
    [part] = top_up_from_support(
        Support(lsa_hours=D("20")),
        national,
        phase="primary",
        element_1=("AWPU primary", D("2806.18")),
    )
    # 20 h × £14.00 × 39 = £10,920.00 − £6,000.00 = £4,920.00: the AWPU is not counted
    assert part.amount == D("4920.00")


def test_r7_plus_a_top_up_keeps_its_unrounded_amount_for_shares_of_the_year():
    [part] = top_up_from_support(
        Support(lsa_hours=D("20.5")), rates(hourly_rates=hourly_rates("15.55")), phase="primary"
    )
    # 20.5 h × £15.55 × 39 = £12,432.225 − £6,000 = £6,432.225: the line for the year rounds
    # it once (£6,432.23); half the year's school days is 6,432.225 × 94/188 = 3,216.1125 ->
    # £3,216.11 (rounding the annual first would give £3,216.12)
    assert (part.amount, part.calculated.exact) == (D("6432.23"), D("6432.225"))
    assert pro_rata(part.calculated.unrounded, 94, 188).amount == D("3216.11")
    assert apportion([(part.calculated.unrounded, 94), (part.calculated.unrounded, 94)], 188) == [
        D("3216.12"),
        D("3216.11"),
    ]


def test_r3_cost_within_the_threshold_gives_no_top_up():
    [part] = top_up_from_support(Support(lsa_hours=D("9")), rates(), phase="primary")
    # 9 × £15.50 × 39 = £5,440.50, less than £6,000: nothing above the threshold
    assert part.amount == D("0.00")
    assert "no top-up" in part.calculated.formula


def test_r5_several_roles_are_added_before_the_threshold():
    support = Support(lsa_hours=D("20"), ta_hours=D("5"))
    [part] = top_up_from_support(support, rates(), phase="secondary")
    # LSA 20 × 15.50 × 39 = 12,090.00 + TA 5 × 15.50 × 39 = 3,022.50 = 15,112.50 − 6,000 = 9,112.50
    assert part.amount == D("9112.50")


def test_r5_half_hours_round_half_up_once():
    scheme = rates(hourly_rates=hourly_rates(lsa="15.55"))
    [part] = top_up_from_support(Support(lsa_hours=D("20.5")), scheme, phase="primary")
    # 20.5 × 15.55 × 39 = 12,432.225 − 6,000 = 6,432.225 -> £6,432.23
    assert part.amount == D("6432.23")


def test_r5_missing_hourly_rate_is_refused_naming_the_role():
    partial = rates(hourly_rates=(HourlyRateData("lsa", "primary", D("15.50"), D("39")),))
    with pytest.raises(MissingRate, match="no TA hourly rate for primary"):
        top_up_from_support(Support(ta_hours=D("5")), partial, phase="primary")


# ---- R6 retained centrally / resource level ------------------------------------------------------


def test_r6_hackney_primary_lst_retained_centrally():
    hackney = rates(
        threshold=D("0"), hourly_rates=hourly_rates("15.00", "30.00", "15.00", "39", False)
    )
    delegated, retained = top_up_from_support(
        Support(lsa_hours=D("15"), lst_hours=D("5")), hackney, phase="primary"
    )
    # LSA 15 × £15 × 39 = £8,775.00 delegated; LST 5 × £30 × 39 = £5,850.00 provided in kind
    assert (delegated.delegated, delegated.amount) == (True, D("8775.00"))
    assert (retained.delegated, retained.amount) == (False, D("5850.00"))
    assert retained.calculated.rule == "R6"
    assert "retained centrally" in retained.calculated.formula


def test_r6_hackney_secondary_lst_delegated_with_lsa():
    hackney = rates(
        threshold=D("0"), hourly_rates=hourly_rates("15.00", "30.00", "15.00", "39", False)
    )
    [part] = top_up_from_support(
        Support(lsa_hours=D("10"), lst_hours=D("4")), hackney, phase="secondary"
    )
    # 10 × 15 × 39 = 5,850 + 4 × 30 × 39 = 4,680 = £10,530.00, all delegated
    assert part.amount == D("10530.00")


def test_r6_threshold_met_from_delegated_cost_first():
    scheme = rates(hourly_rates=hourly_rates(lst_primary_delegated=False))
    delegated, retained = top_up_from_support(
        Support(lsa_hours=D("5"), lst_hours=D("5")), scheme, phase="primary"
    )
    # LSA 5 × 15.50 × 39 = 3,022.50 < 6,000: delegated £0, 2,977.50 of the threshold left;
    # LST 5 × 30 × 39 = 5,850.00 − 2,977.50 = £2,872.50 retained
    assert delegated.amount == D("0.00")
    assert retained.amount == D("2872.50")


def test_r6_resource_level_delegated_in_full():
    [part] = top_up_from_support(
        Support(lsa_hours=D("10"), resource_amount=D("7500")), rates(), phase="secondary"
    )
    assert part.amount == D("7500.00")
    assert part.calculated.rule == "R6"


# ---- R5 Surrey TA-hours bands --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ("12", "0.00"),  # up to 13 h: no top-up
        ("13", "0.00"),  # 13-19 h starts at £0
        ("16", "1500.00"),  # £0 + (16 − 13) × £500
        ("19", "3000.00"),  # £0 + 6 × £500 = top of the band
        ("19.5", "3000.00"),  # £3,250 capped at the band's £3,000
        ("20", "3000.00"),  # 20-28 h starts at £3,000
        ("24", "5000.00"),  # £3,000 + 4 × £500
        ("28", "7000.00"),  # £3,000 + 8 × £500
        ("30", "7600.00"),  # £7,000 + 1 × £600
        ("34", "10000.00"),  # £7,000 + 5 × £600
        ("35", "10000.00"),  # 35 h and above from £10,000
        ("40", "13000.00"),  # £10,000 + 5 × £600, no cap
    ],
)
def test_r5_surrey_ta_hours_bands(hours, expected):
    [part] = top_up_from_support(Support(ta_hours=D(hours)), SURREY, phase="primary")
    assert part.amount == D(expected)
    assert part.calculated.rule == "R5"


def test_r5_surrey_band_working_names_the_band():
    [part] = top_up_from_support(Support(ta_hours=D("24")), SURREY, phase="primary")
    assert part.calculated.formula == (
        "24 TA-equivalent hours a week (24 h TA): band 20-28 hours: "
        "£3,000.00 + (24 − 20) h × £500.00 = £5,000.00"
    )


# ---- R4 Additional SEN Support -------------------------------------------------------------------


def test_r4_roll_400_fifteen_iar_pupils_gets_18000():
    result = additional_sen_support(
        roll=400,
        iar_pupils=15,
        percentage=D("3"),
        amount_per_pupil=D("6000"),
        counted_on=NOVEMBER,
    )
    # 3% of 400 = 12; 15 − 12 = 3 above × £6,000 = £18,000.00
    assert result.amount == D("18000.00")
    assert result.rule == "R4"


def test_r4_roll_410_pro_rata_for_part_pupils_gets_16200():
    result = additional_sen_support(
        roll=410,
        iar_pupils=15,
        percentage=D("3"),
        amount_per_pupil=D("6000"),
        counted_on=NOVEMBER,
    )
    # 3% of 410 = 12.3; 15 − 12.3 = 2.7 above × £6,000 = £16,200.00
    assert result.amount == D("16200.00")
    assert result.formula == (
        "15 pupils with an IAR on the November 2025 count; 3% of the roll of 410 = 12.3; "
        "2.7 above × £6,000.00 = £16,200.00"
    )


def test_r4_not_above_three_percent_gets_nothing():
    result = additional_sen_support(
        roll=600,
        iar_pupils=15,
        percentage=D("3"),
        amount_per_pupil=D("6000"),
        counted_on=NOVEMBER,
    )
    # 3% of 600 = 18 > 15
    assert result.amount == D("0.00")
    assert "not above" in result.formula


# ---- R11, R13, R14 place funding; R12 band rates -------------------------------------------------


def test_r11_special_school_ten_thousand_per_planned_place():
    # 100 × £10,000 = £1,000,000.00
    assert special_place_funding(100, D("10000")).amount == D("1000000.00")


def test_r13_ssc_occupied_and_unoccupied_places():
    result = ssc_place_funding(10, 7, D("6000"), D("10000"))
    # 7 occupied × £6,000 + 3 unoccupied × £10,000 = 42,000 + 30,000 = £72,000.00
    assert result.amount == D("72000.00")
    assert result.rule == "R13"


def test_r13_occupancy_above_planned_places_is_not_place_funded():
    # 12 pupils in 10 planned places: 10 × £6,000 = £60,000.00
    assert ssc_place_funding(10, 12, D("6000"), D("10000")).amount == D("60000.00")


def test_r14_alternative_provision_places():
    # 40 × £10,000 = £400,000.00
    assert ap_place_funding(40, D("10000")).amount == D("400000.00")


def test_r14_fe_elements_1_and_2_paid_by_the_esfa():
    result = fe_place_funding(100, D("4000"), D("6000"))
    # 100 × (£4,000 + £6,000) = £1,000,000.00
    assert result.amount == D("1000000.00")
    assert "ESFA" in result.formula


def test_r12_band_rate_of_the_school():
    [part] = top_up_from_support(
        Support(band=3), rates(), phase="primary", band_rate=D("14250"), school_name="Oak Special"
    )
    assert part.amount == D("14250.00")
    assert part.calculated.formula == "Band 3 at Oak Special: £14,250.00 a year"
    assert special_band_top_up(3, D("14250"), "Oak").rule == "R12"


def test_r12_school_without_the_band_is_refused():
    with pytest.raises(MissingRate, match="Oak Special has no band 5 top-up rate for FY 2025-26"):
        top_up_from_support(Support(band=5), rates(), phase="primary", school_name="Oak Special")


# ---- R7 pro rata ---------------------------------------------------------------------------------


def test_r7_pro_rata_by_school_days():
    result = pro_rata(D("6090.00"), 94, 188)
    # £6,090.00 × 94/188 = £3,045.00
    assert result.amount == D("3045.00")
    assert result.formula == "£6,090.00 × 94/188 school days = £3,045.00"


def test_r7_pro_rata_rounds_half_up_to_the_penny():
    # £1.00 × 1/8 = 12.5p -> 13p
    assert pro_rata(D("1.00"), 1, 8).amount == D("0.13")
    # £12,090.00 × 1/188 = £64.3085... -> £64.31
    assert pro_rata(D("12090.00"), 1, 188).amount == D("64.31")


def test_r7_apportioned_thirds_add_up_to_the_whole():
    parts = apportion([(D("1000.00"), 1)] * 3, 3)
    # 333.333... each; the penny left goes to the first (ties go to the earlier period)
    assert parts == [D("333.34"), D("333.33"), D("333.33")]
    assert sum(parts) == D("1000.00")


def test_r7_apportion_gives_the_penny_to_the_largest_remainder():
    # Band 2 £9,000 for 133 days then band 4 £15,500 for 55 days of 188:
    # 900,000p × 133/188 = 636,702.13p; 1,550,000p × 55/188 = 453,457.45p;
    # floors 636,702 + 453,457 = 1,090,159p; total round(1,090,159.57p) = 1,090,160p;
    # the missing penny goes to the second (remainder .45 > .13)
    assert apportion([(D("9000"), 133), (D("15500"), 55)], 188) == [
        D("6367.02"),
        D("4534.58"),
    ]
