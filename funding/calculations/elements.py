"""School-level calculators: element 1 (R1), notional SEN (R2), Additional SEN Support (R4),
place funding (R11, R13, R14) and the special school band rate (R12). Pure: no ORM.

Each returns a `Calculated`: the amount rounded half-up to the penny once, and its working.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from funding.calculations.money import (
    HUNDRED,
    ZERO,
    Calculated,
    Working,
    gbp,
    num,
    pct,
    round_money,
)
from funding.calculations.scheme import SchemeRates

FACTOR_LABELS = {
    "awpu": "AWPU budget",
    "fsm": "FSM pupils",
    "idaci": "IDACI pupils",
    "low_prior_attainment": "low prior attainment pupils",
    "mobility": "mobile pupils",
    "eal": "EAL pupils",
    "english_attainment_below": "pupils below expected in English",
    "sen_support": "SEN support pupils",
}


@dataclass(frozen=True, slots=True)
class CensusCounts:
    """The census figures the school-level rules use (from `schools.SchoolCensus`)."""

    census_date: dt.date
    primary_roll: int = 0  # Reception to Year 6
    ks3_roll: int = 0
    ks4_roll: int = 0
    roll_r_to_y11: int = 0  # R4's roll: no nursery, no sixth form
    ehc_plans: int = 0
    factors: dict = field(default_factory=dict)


KEY_STAGES = (
    ("primary", "awpu_primary", "primary_roll", "Reception to Year 6"),
    ("ks3", "awpu_ks3", "ks3_roll", "key stage 3"),
    ("ks4", "awpu_ks4", "ks4_roll", "key stage 4"),
)


def element_1(rates: SchemeRates, census: CensusCounts) -> list[tuple[str, Calculated]]:
    """R1: AWPU × pupils on roll, one amount per key stage with pupils.

    300 pupils (Reception to Year 6, census 16 Jan 2025) × £2,806.18 = £841,854.00
    """
    out = []
    for key, rate_name, roll_name, label in KEY_STAGES:
        pupils = getattr(census, roll_name)
        rate = getattr(rates, rate_name)
        if not pupils or rate is None:
            continue
        amount = round_money(pupils * rate)
        out.append(
            (
                key,
                Calculated(
                    amount,
                    Working(
                        "R1",
                        f"{num(pupils)} pupils ({label}, census {census.census_date:%d %b %Y}) "
                        f"× {gbp(rate)} = {gbp(amount)}",
                        {
                            "key_stage": key,
                            "pupils": pupils,
                            "awpu": rate,
                            "census_date": census.census_date,
                        },
                    ),
                ),
            )
        )
    return out


def notional_sen(
    rates: SchemeRates, census: CensusCounts, awpu_budget: Decimal
) -> Calculated | None:
    """R2: Σ weight × factor budget; for AWPU the factor budget is the element 1 total.

    Torbay: 5% × AWPU budget + 50% × (FSM + IDACI) + 100% × low prior attainment.
    """
    if not rates.sen_factors:
        return None
    total = Decimal("0")
    terms = []
    inputs: dict = {"census_date": census.census_date}
    for f in rates.sen_factors:
        weight = f.weight_percent / HUNDRED
        if f.factor == "awpu":
            term = awpu_budget * weight
            text = f"{pct(f.weight_percent)} × AWPU budget {gbp(awpu_budget)}"
            inputs["awpu_budget"] = awpu_budget
        else:
            count = int(census.factors.get(f.factor, 0))
            rate = f.rate_per_pupil or ZERO
            term = count * rate * weight
            text = (
                f"{pct(f.weight_percent)} × {num(count)} {FACTOR_LABELS.get(f.factor, f.factor)}"
                f" × {gbp(rate)}"
            )
            inputs[f.factor] = count
            inputs[f"{f.factor}_rate"] = rate
        inputs[f"{f.factor}_weight"] = f.weight_percent
        total += term
        terms.append(f"{text} = {gbp(term)}")
    amount = round_money(total)
    return Calculated(
        amount,
        Working("R2", "; ".join(terms) + f"; total {gbp(amount)}", inputs),
        None if total == amount else total,  # R7+: a part-year share is taken of the exact
    )


def additional_sen_support(
    *,
    roll: int,
    iar_pupils: int,
    percentage: Decimal,
    amount_per_pupil: Decimal,
    counted_on: dt.date,
) -> Calculated:
    """R4 (West Sussex): `amount_per_pupil` pro rata for each IAR pupil above `percentage` of
    the roll (Reception to Year 11).

    Roll 400: 3% = 12; 15 IAR pupils -> 3 above -> £18,000.00.
    Roll 410: 3% = 12.3; 15 IAR pupils -> 2.7 above -> £16,200.00.
    """
    expected = Decimal(roll) * percentage / HUNDRED
    above = max(Decimal(iar_pupils) - expected, Decimal("0"))
    amount = round_money(above * amount_per_pupil)
    inputs = {
        "roll": roll,
        "iar_pupils": iar_pupils,
        "percentage": percentage,
        "amount_per_pupil": amount_per_pupil,
        "counted_on": counted_on,
    }
    head = (
        f"{num(iar_pupils)} pupils with an IAR on the {counted_on:%B %Y} count; "
        f"{pct(percentage)} of the roll of {num(roll)} = {num(expected)}"
    )
    if above == 0:
        formula = f"{head}: not above, no Additional SEN Support"
    else:
        formula = f"{head}; {num(above)} above × {gbp(amount_per_pupil)} = {gbp(amount)}"
    exact = above * amount_per_pupil
    return Calculated(amount, Working("R4", formula, inputs), None if exact == amount else exact)


def special_place_funding(places: int, per_place: Decimal) -> Calculated:
    """R11: base funding (elements 1 and 2) for each planned place of a special school."""
    amount = round_money(places * per_place)
    return Calculated(
        amount,
        Working(
            "R11",
            f"{num(places)} planned places × {gbp(per_place)} = {gbp(amount)}",
            {"places": places, "per_place": per_place},
        ),
    )


def ssc_place_funding(
    places: int, occupied: int, occupied_amount: Decimal, unoccupied_amount: Decimal
) -> Calculated:
    """R13: an SSC's planned places, occupied at one amount and unoccupied at another.

    Occupancy above the planned places attracts no place funding (top-up still follows pupils).
    """
    occupied = min(occupied, places)
    unoccupied = places - occupied
    amount = round_money(occupied * occupied_amount + unoccupied * unoccupied_amount)
    return Calculated(
        amount,
        Working(
            "R13",
            f"{num(occupied)} occupied × {gbp(occupied_amount)} + {num(unoccupied)} unoccupied "
            f"× {gbp(unoccupied_amount)} = {gbp(amount)}",
            {
                "places": places,
                "occupied": occupied,
                "unoccupied": unoccupied,
                "occupied_amount": occupied_amount,
                "unoccupied_amount": unoccupied_amount,
            },
        ),
    )


def ap_place_funding(places: int, per_place: Decimal) -> Calculated:
    """R14: alternative provision, planned places (top-up follows the pupils on roll)."""
    amount = round_money(places * per_place)
    return Calculated(
        amount,
        Working(
            "R14",
            f"{num(places)} AP planned places × {gbp(per_place)} = {gbp(amount)}",
            {"places": places, "per_place": per_place},
        ),
    )


def fe_place_funding(places: int, element_1: Decimal, element_2: Decimal) -> Calculated:
    """R14: FE high-needs places: element 1 + element 2 each, funded by the ESFA."""
    amount = round_money(places * (element_1 + element_2))
    return Calculated(
        amount,
        Working(
            "R14",
            f"{num(places)} high-needs places × ({gbp(element_1)} element 1 + {gbp(element_2)} "
            f"element 2) = {gbp(amount)}, paid by the ESFA",
            {"places": places, "element_1": element_1, "element_2": element_2},
        ),
    )


def special_band_top_up(band: int, rate: Decimal, school_name: str) -> Calculated:
    """R12: a special school's own annual top-up rate for the pupil's band."""
    amount = round_money(rate)
    return Calculated(
        amount,
        Working(
            "R12",
            f"Band {band} at {school_name}: {gbp(amount)} a year",
            {"band": band, "band_rate": rate},
        ),
    )
