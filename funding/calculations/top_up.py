"""Element 3: the annual top-up a support level attracts (R5, R6, R12). Pure: no ORM.

In order of precedence:
1. a band (R12): the school's own rate for that band (special schools, SSCs);
2. a resource amount (R6 secondary, or a level the LA or panel set): that amount, delegated;
3. hours of support (R5):
   - hourly method: hours a week × hourly rate × weeks a year for each of LSA, LST and TA at
     the phase's rates, less the threshold (R3). What the threshold counts is scheme data
     (R3+): the additional provision alone (national £6,000), or the total cost including the
     pupil's element 1 (Torbay's £10,000 "core and notional": 20 h × £14 × 39 = £10,920 +
     £2,806.18 AWPU − £10,000 = £3,726.18). Roles the scheme retains centrally (R6: Hackney's
     LST in primary) are a separate, non-delegated part; the threshold is met from the
     delegated cost first.

The amounts keep their unrounded value (`Calculated.exact`) so a share of the year is rounded
once, at the line (R7+).
   - TA-bands method (Surrey): the band of the TA-equivalent hours (LSA + LST + TA) gives the
     amount, amount_from + (hours - band start) × rate, capped at the band's top; the bands are
     already net of the £6,000 the school meets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from funding.calculations.elements import special_band_top_up
from funding.calculations.money import ZERO, Calculated, Working, gbp, gbp_exact, num, round_money
from funding.calculations.scheme import (
    HOURLY,
    ROLE_LABELS,
    ROLES,
    THRESHOLD_TOTAL_WITH_ELEMENT_1,
    SchemeRates,
)


class MissingRate(Exception):
    """The scheme (or the school's band table) has no rate for what the support level needs."""


@dataclass(frozen=True, slots=True)
class Support:
    """What a plan provides from a date (from `pupils.SupportLevel`)."""

    lsa_hours: Decimal = Decimal("0")
    lst_hours: Decimal = Decimal("0")
    ta_hours: Decimal = Decimal("0")
    band: int | None = None
    resource_amount: Decimal | None = None
    #: The hash, made once: a run looks each pupil's support up in its top-up cache (R5).
    _hash: int = field(init=False, repr=False, compare=False, hash=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_hash",
            hash((self.lsa_hours, self.lst_hours, self.ta_hours, self.band, self.resource_amount)),
        )

    def __hash__(self) -> int:
        return self._hash

    def hours(self, role: str) -> Decimal:
        return getattr(self, f"{role}_hours")

    @property
    def total_hours(self) -> Decimal:
        return self.lsa_hours + self.lst_hours + self.ta_hours

    @property
    def summary(self) -> str:
        parts = [
            f"{num(self.hours(role))} h {ROLE_LABELS[role]}" for role in ROLES if self.hours(role)
        ]
        if self.band:
            parts.append(f"band {self.band}")
        if self.resource_amount is not None:
            parts.append(f"{gbp(self.resource_amount)} resource")
        return ", ".join(parts) or "no additional support"


@dataclass(frozen=True, slots=True)
class TopUpPart:
    """One part of a pupil's annual top-up: delegated to the school or retained centrally."""

    delegated: bool
    calculated: Calculated

    @property
    def amount(self) -> Decimal:
        return self.calculated.amount


def top_up_from_support(
    support: Support,
    rates: SchemeRates,
    *,
    phase: str,
    band_rate: Decimal | None = None,
    school_name: str = "",
    element_1: tuple[str, Decimal] | None = None,
) -> list[TopUpPart]:
    """The annual top-up parts for a support level at a school of `phase` (primary/secondary).

    `element_1` is the pupil's AWPU as (label, amount), counted towards the threshold when the
    scheme's threshold is on the total cost (R3+); None when the pupil has no AWPU (nursery,
    sixth form) or the scheme counts additional provision only.

    Raises MissingRate when a band has no rate at the school or hours have no hourly rate.
    Returns [] when the support level asks for nothing.
    """
    if support.band:
        if band_rate is None:
            raise MissingRate(
                f"{school_name or 'The school'} has no band {support.band} top-up rate "
                f"for FY {rates.financial_year}-{str(rates.financial_year + 1)[-2:]} (R12)."
            )
        return [TopUpPart(True, special_band_top_up(support.band, band_rate, school_name))]
    if support.resource_amount is not None:
        amount = round_money(support.resource_amount)
        return [
            TopUpPart(
                True,
                Calculated(
                    amount,
                    Working(
                        "R6",
                        f"Resource level set by the LA: {gbp(amount)} a year, delegated in full",
                        {"resource_amount": support.resource_amount},
                    ),
                ),
            )
        ]
    if support.total_hours <= 0:
        return []
    if rates.top_up_method == HOURLY:
        return _hourly(support, rates, phase, element_1)
    return [TopUpPart(True, _ta_band(support, rates))]


def _exact(value: Decimal) -> Decimal | None:
    """The unrounded amount, kept only when rounding would change it."""
    return None if value == round_money(value) else value


def _hourly(
    support: Support,
    rates: SchemeRates,
    phase: str,
    element_1: tuple[str, Decimal] | None = None,
) -> list[TopUpPart]:
    delegated_terms: list[tuple[str, Decimal, dict]] = []
    retained_terms: list[tuple[str, Decimal, dict]] = []
    for role in ROLES:
        hours = support.hours(role)
        if not hours:
            continue
        rate = rates.hourly_rate(role, phase)
        if rate is None:
            raise MissingRate(f"The scheme has no {ROLE_LABELS[role]} hourly rate for {phase}.")
        cost = hours * rate.hourly_rate * rate.weeks_per_year
        text = (
            f"{ROLE_LABELS[role]} {num(hours)} h × {gbp(rate.hourly_rate)} × "
            f"{num(rate.weeks_per_year)} wk = {gbp_exact(cost)}"
        )
        inputs = {
            f"{role}_hours": hours,
            f"{role}_rate": rate.hourly_rate,
            f"{role}_weeks": rate.weeks_per_year,
        }
        (delegated_terms if rate.delegated else retained_terms).append((text, cost, inputs))

    threshold = rates.threshold
    on_total = rates.threshold_basis == THRESHOLD_TOTAL_WITH_ELEMENT_1
    parts: list[TopUpPart] = []
    delegated_cost = sum((c for _, c, _ in delegated_terms), ZERO)
    awpu_label, awpu = element_1 if (on_total and element_1) else ("", ZERO)
    counted = delegated_cost + awpu
    threshold_left = max(threshold - counted, ZERO)
    if delegated_terms:
        exact = max(counted - threshold, ZERO)
        amount = round_money(exact)
        texts = [t for t, _, _ in delegated_terms]
        head = texts[0] if len(texts) == 1 else " + ".join(texts) + f"; {gbp(delegated_cost)}"
        if on_total:
            head += f" + element 1 {gbp(awpu)} ({awpu_label or 'no AWPU for this age'})"
            head += f" = {gbp(counted)}"
            basis = "threshold on the total cost including element 1"
        else:
            basis = "threshold"
        formula = f"{head} − {gbp(threshold)} {basis} = {gbp_exact(exact)}"
        if amount == 0:
            formula += " (within the threshold the school meets: no top-up)"
        inputs = {k: v for _, _, i in delegated_terms for k, v in i.items()}
        inputs["threshold"] = threshold
        inputs["threshold_basis"] = rates.threshold_basis
        if on_total:
            inputs["element_1"] = awpu
        parts.append(
            TopUpPart(True, Calculated(amount, Working("R5", formula, inputs), _exact(exact)))
        )
    if retained_terms:
        retained_cost = sum((c for _, c, _ in retained_terms), ZERO)
        exact = max(retained_cost - threshold_left, ZERO)
        amount = round_money(exact)
        texts = [t for t, _, _ in retained_terms]
        head = " + ".join(texts)
        if threshold_left:
            head += f" − {gbp(threshold_left)} of the threshold not met by delegated hours"
        formula = (
            f"{head} = {gbp_exact(exact)}, retained centrally: provided in kind, "
            "not paid to the school"
        )
        inputs = {k: v for _, _, i in retained_terms for k, v in i.items()}
        inputs["threshold_left"] = threshold_left
        parts.append(
            TopUpPart(False, Calculated(amount, Working("R6", formula, inputs), _exact(exact)))
        )
    return parts


def _ta_band(support: Support, rates: SchemeRates) -> Calculated:
    hours = support.total_hours
    bands = rates.sorted_ta_bands()
    chosen = None
    for band in bands:
        if band.min_hours <= hours:
            chosen = band
    if chosen is None:
        raise MissingRate(f"No TA hours band covers {num(hours)} hours a week.")
    label = chosen.label or f"from {num(chosen.min_hours)} h"
    exact = chosen.amount_from + (hours - chosen.min_hours) * chosen.rate_per_hour
    capped = chosen.amount_to is not None and exact > chosen.amount_to
    unrounded = chosen.amount_to if capped else exact
    amount = round_money(unrounded)
    head = f"{num(hours)} TA-equivalent hours a week ({support.summary}): band {label}: "
    if chosen.rate_per_hour:
        formula = (
            f"{head}{gbp(chosen.amount_from)} + ({num(hours)} − {num(chosen.min_hours)}) h × "
            f"{gbp(chosen.rate_per_hour)} = {gbp(exact)}"
        )
        if capped:
            formula += f", at most {gbp(chosen.amount_to)}"
    else:
        formula = f"{head}{gbp(amount)}"
    if amount == 0:
        formula += " (no top-up in this band)"
    return Calculated(
        amount,
        Working(
            "R5",
            formula,
            {
                "ta_equivalent_hours": hours,
                "band_from_hours": chosen.min_hours,
                "amount_from": chosen.amount_from,
                "rate_per_hour": chosen.rate_per_hour,
                "amount_to": chosen.amount_to,
            },
        ),
        _exact(unrounded),
    )
